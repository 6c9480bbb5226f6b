import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { ErrorInfo, StateChange } from '../skaffold/model';
import { SkaffoldSession } from '../skaffold/session';
import { Look, oneLine, statusLook } from '../skaffold/presentation';

export function statusIcon(status: string): vscode.ThemeIcon {
  return lookIcon(statusLook(status));
}

export function lookIcon(look: Look): vscode.ThemeIcon {
  return new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/** Server text as inert markdown: every markdown, HTML and theme-icon character escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&$:]/g, '\\$&');
}

/**
 * A tooltip built only from escaped text: server strings are untrusted, so nothing in them
 * can become a link, a command or HTML.
 */
export class Tooltip {
  readonly md = new vscode.MarkdownString(undefined, false);

  constructor() {
    this.md.isTrusted = false;
    this.md.supportHtml = false;
  }

  heading(text: string): this {
    this.md.appendMarkdown(`**${escapeMarkdown(oneLine(text, 300))}**\n\n`);
    return this;
  }

  line(label: string, value: string | number | undefined): this {
    if (value === undefined || value === '') {
      return this;
    }
    this.md.appendMarkdown(`${escapeMarkdown(label)}: ${escapeMarkdown(oneLine(String(value), 500))}  \n`);
    return this;
  }

  error(error: ErrorInfo | undefined, title = 'Error'): this {
    if (!error) {
      return this;
    }
    this.md.appendMarkdown('\n\n---\n\n');
    this.md.appendMarkdown(`${escapeMarkdown(`${title}${error.code ? ` (${oneLine(error.code, 80)})` : ''}: ${oneLine(error.message, 1000)}`)}\n\n`);
    for (const s of error.suggestions) {
      this.md.appendMarkdown(`• ${escapeMarkdown(oneLine(s.action, 500))}  \n`);
    }
    return this;
  }
}

export interface DetailNode {
  kind: 'detail';
  id: string;
  label: string;
  icon: string;
  tooltip?: string;
}

/** The lines shown under a failed artifact or resource: message, code, each suggestion. */
export function errorDetails(parentId: string, error: ErrorInfo | undefined): DetailNode[] {
  if (!error) {
    return [];
  }
  const nodes: DetailNode[] = [];
  const lines = error.message.split(/\r?\n/).map((l) => oneLine(l, 300)).filter(Boolean).slice(0, 20);
  lines.forEach((label, i) => nodes.push({ kind: 'detail', id: `${parentId}/error/${i}`, label, icon: 'error', tooltip: oneLine(error.message, 2000) }));
  if (error.code) {
    nodes.push({ kind: 'detail', id: `${parentId}/code`, label: `code ${oneLine(error.code, 80)}`, icon: 'symbol-enum' });
  }
  error.suggestions.slice(0, 10).forEach((s, i) =>
    nodes.push({ kind: 'detail', id: `${parentId}/suggestion/${i}`, label: oneLine(s.action, 300), icon: 'lightbulb', tooltip: s.code ? oneLine(s.code, 80) : undefined }));
  return nodes;
}

export function detailItem(node: DetailNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon(node.icon, node.icon === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
  item.tooltip = node.tooltip ?? node.label;
  item.contextValue = 'detail';
  return item;
}

/**
 * What every Skaffold tree shares: it reads the session's state, hears its (coalesced)
 * changes, and tells VS Code which rows changed: `fire(nodes)` for those rows, `fire()` for all.
 */
export abstract class SessionTree<T> extends Disposable implements vscode.TreeDataProvider<T> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<T | T[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(protected readonly session: SkaffoldSession) {
    super();
    this._register(session.onDidChangeState((change) => this.onStateChange(change)));
  }

  /** Refreshes every row now. */
  refresh(): void {
    this._onDidChangeTreeData.fire(undefined);
  }

  protected fire(nodes?: T[]): void {
    this._onDidChangeTreeData.fire(nodes);
  }

  protected abstract onStateChange(change: StateChange): void;
  abstract getChildren(element?: T): T[];
  abstract getTreeItem(element: T): vscode.TreeItem;
}
