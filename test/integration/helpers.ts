/**
 * What the extension-host suites share: the extension, waiting (polled, or for a published
 * change), events to stream, and reading a tree as VS Code does.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { LogEntry } from '../../src/skaffold/wire/protocol';

export const EXTENSION_ID = 'vscode-skaffold.vscode-skaffold';

export async function api(): Promise<SkaffoldExtensionApi> {
  const ext = vscode.extensions.getExtension<SkaffoldExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits for `ms` of wall-clock time. Only for checking that nothing more happens over a quiet
 * period; to wait for something, await it or poll it (`eventually`, `published`).
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves at the first state change the session manager publishes after which `predicate`
 * holds. Listeners registered before this one (the extension's views, problems, debug auto
 * attach: all built at activation) have handled that change and every earlier one by then.
 */
export function published(ext: SkaffoldExtensionApi, predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for a published change with ${what}`));
    }, timeoutMs);
    const sub = ext.manager.onDidChangeState(() => {
      if (predicate()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

let seq = 0;

/** A resource status event stamped `at`, over `pods` pods named Pod/load-N; `status` defaults to cycling. */
export function resourceEntry(i: number, pods: number, at = Date.now(), status = i % 3 === 2 ? 'Succeeded' : 'In Progress'): LogEntry {
  const resource = `Pod/load-${i % pods}`;
  return {
    timestamp: { seconds: String(Math.floor(at / 1000)), nanos: (at % 1000) * 1e6 + (seq++ % 1e6) },
    event: { resourceStatusCheckEvent: { resource, status, message: `poll ${i}` } },
    entry: `Resource ${resource} status updated to ${status}`,
  };
}

export interface Row {
  label: string;
  description?: string;
  icon?: string;
  color?: string;
  tooltip: string;
  contextValue?: string;
  collapsible: boolean;
  /** What a screen reader says of the row. */
  accessible?: string;
}

/** A row's item as VS Code has it once the user hovers it: a tooltip left out is resolved then. */
export async function hovered<T>(provider: vscode.TreeDataProvider<T>, element: T): Promise<vscode.TreeItem> {
  const item = await provider.getTreeItem(element);
  if (item.tooltip === undefined && provider.resolveTreeItem) {
    return (await provider.resolveTreeItem(item, element, new vscode.CancellationTokenSource().token)) ?? item;
  }
  return item;
}

/** What a tree shows: every row's label, description and icon, as VS Code gets them. */
export async function rows<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<Row[]> {
  const children = (await provider.getChildren(parent)) ?? [];
  const out: Row[] = [];
  for (const child of children) {
    const item = await hovered(provider, child);
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    out.push({
      label,
      description: typeof item.description === 'string' ? item.description : undefined,
      icon: icon?.id,
      color: icon?.color?.id,
      tooltip: item.tooltip instanceof vscode.MarkdownString ? plain(item.tooltip.value) : String(item.tooltip ?? ''),
      contextValue: item.contextValue,
      collapsible: item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
      accessible: item.accessibilityInformation?.label,
    });
  }
  return out;
}

/** Markdown as a reader sees it: escapes and non-breaking spaces undone. */
export function plain(markdown: string): string {
  return markdown.replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-.!|<>~&$:])/g, '$1');
}
