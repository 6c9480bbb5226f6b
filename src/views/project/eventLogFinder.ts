import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';
import { Logger } from '../../skaffold/base/events';
import { sniffEventLog } from '../../skaffold/wire/eventLogFile';

/** The context key: the workspace's Skaffold event logs, by path (`resourcePath in …`). */
export const EVENT_LOG_FILES_KEY = 'skaffold.eventLogFiles';

/** Files looked at, at most: a workspace of thousands of JSON files is not read through. */
const MAX_FILES = 500;
/** Of each, its first bytes: enough for Skaffold's first event (its MetaEvent is about 1 KB). */
const SNIFF_BYTES = 16 * 1024;
/** The look happens this long after the core is built: never part of activation. */
const START_AFTER_MS = 3000;

/**
 * Which `.json` / `.v2` files of the workspace are Skaffold event logs (their first line a
 * Skaffold event), kept in a context key so that the Explorer offers *Open Skaffold Event
 * Log…* on those files only. Looked for once, a few seconds after the extension starts, then
 * followed with a file watcher on those two extensions; bounded in files and bytes read.
 */
export class EventLogFinder extends Disposable {
  private readonly found = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger, startAfterMs = START_AFTER_MS) {
    super();
    this.timer = setTimeout(() => void this.start(), startAfterMs);
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  /** The paths found (for tests). */
  get files(): readonly string[] {
    return [...this.found].sort();
  }

  private async start(): Promise<void> {
    this.timer = undefined;
    if (this.isDisposed || !vscode.workspace.workspaceFolders?.length) {
      return;
    }
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.{json,v2}'));
    this._register(watcher.onDidCreate((uri) => void this.look([uri])));
    this._register(watcher.onDidChange((uri) => void this.look([uri])));
    this._register(watcher.onDidDelete((uri) => this.forget(uri)));
    try {
      const uris = await vscode.workspace.findFiles('**/*.{json,v2}', '**/{node_modules,.git,.vscode-test,out,dist}/**', MAX_FILES);
      await this.look(uris);
    } catch (e) {
      this.logger.warn(`[event logs] ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async look(uris: readonly vscode.Uri[]): Promise<void> {
    let changed = false;
    // A few at a time: each is one small read.
    for (let i = 0; i < uris.length && !this.isDisposed; i += 8) {
      const batch = uris.slice(i, i + 8).filter((u) => u.scheme === 'file');
      const formats = await Promise.all(batch.map((u) => sniffEventLog(u.fsPath, SNIFF_BYTES).catch(() => undefined)));
      batch.forEach((u, k) => {
        const is = formats[k] !== undefined;
        if (is !== this.found.has(u.fsPath)) {
          changed = true;
          if (is) {
            this.found.add(u.fsPath);
          } else {
            this.found.delete(u.fsPath);
          }
        }
      });
    }
    if (changed) {
      this.publish();
    }
  }

  private forget(uri: vscode.Uri): void {
    if (this.found.delete(uri.fsPath)) {
      this.publish();
    }
  }

  private publish(): void {
    if (!this.isDisposed) {
      void vscode.commands.executeCommand('setContext', EVENT_LOG_FILES_KEY, [...this.found]);
    }
  }
}
