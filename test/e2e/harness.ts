/** The e2e harness (scripts/vscode-host/workbench.js), typed for the TypeScript tests. */
import type { Browser, Locator, Page } from 'playwright-core';

export interface Workbench {
  page: Page;
  /** Every browser-console line so far. */
  consoleLog: string[];
  browser: Browser;
  host: { port: number; runDir: string; stop(): Promise<void> };
  waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  openContainer(title?: string): Promise<void>;
  pane(title: string): Locator;
  viewRows(title: string): Promise<string[]>;
  waitRows(title: string, check: (rows: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  statusText(pattern?: RegExp): Promise<string>;
  waitStatus(pattern: RegExp, timeoutMs?: number): Promise<string>;
  runCommand(title: string): Promise<void>;
  waitNotification(pattern: RegExp, timeoutMs?: number): Promise<Locator>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

// Plain CommonJS harness shared by the e2e tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const harness = require('../../../scripts/vscode-host/workbench.js') as {
  openWorkbench(o: { workspace: string; settings?: object; env?: Record<string, string>; viewport?: { width: number; height: number }; installed?: boolean }): Promise<Workbench>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { freePort } = require('../../../scripts/vscode-host/host.js') as { freePort(): Promise<number> };

