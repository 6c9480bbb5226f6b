/** What the extension-host suites share: the extension, waiting, and reading a tree as VS Code does. */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';

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

/** What a tree shows: every row's label, description and icon, as VS Code gets them. */
export async function rows<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<Row[]> {
  const children = (await provider.getChildren(parent)) ?? [];
  const out: Row[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
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
