/**
 * What the rows of every Skaffold tree share: the node kinds common to all trees (a session,
 * a detail line), icons from status looks, untrusted tooltips, the error lines under a failed
 * row, and ids.
 */
import * as vscode from 'vscode';
import { InertMarkdown } from '../../skaffold/present/markdown';
import { ErrorInfo } from '../../skaffold/state/model';
import { Look, statusLook } from '../../skaffold/present/labels';
import { oneLine, Width } from '../../skaffold/base/text';

/**
 * A status from the server as a word for `contextValue`: its letters only, so that no text
 * from Skaffold can add a flag (`;stoppable`) that a menu's `viewItem =~` would match.
 */
export function contextWord(status: string): string {
  return status.replace(/[^A-Za-z]/g, '').slice(0, 40);
}

export function statusIcon(status: string): vscode.ThemeIcon {
  return lookIcon(statusLook(status));
}

export function lookIcon(look: Look): vscode.ThemeIcon {
  return new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/** A tooltip built only from escaped text (see InertMarkdown), as an untrusted MarkdownString. */
export class Tooltip extends InertMarkdown {
  get md(): vscode.MarkdownString {
    const md = new vscode.MarkdownString(this.value, false);
    md.isTrusted = false;
    md.supportHtml = false;
    return md;
  }
}

export interface DetailNode {
  kind: 'detail';
  id: string;
  sessionId: string;
  label: string;
  icon: string;
  tooltip?: string;
  /** What a screen reader says of the row (the label itself when absent). */
  accessible?: string;
}

/** The lines shown under a failed artifact or resource: message, code, each suggestion. */
export function errorDetails(parent: PartNode, error: ErrorInfo | undefined): DetailNode[] {
  const { id: parentId, sessionId } = parent;
  if (!error) {
    return [];
  }
  const nodes: DetailNode[] = [];
  const lines = error.message.split(/\r?\n/).map((l) => oneLine(l, Width.line)).filter(Boolean).slice(0, 20);
  lines.forEach((label, i) => nodes.push({
    kind: 'detail', id: `${parentId}/error/${i}`, sessionId, label, icon: 'error', tooltip: oneLine(error.message, Width.message),
    accessible: `${i === 0 ? 'Error' : 'Error, continued'}: ${label}`,
  }));
  if (error.code) {
    const code = oneLine(error.code, Width.code);
    nodes.push({ kind: 'detail', id: `${parentId}/code`, sessionId, label: `code ${code}`, icon: 'symbol-enum', accessible: `Skaffold's error code: ${code}` });
  }
  error.suggestions.slice(0, 10).forEach((s, i) => {
    const action = oneLine(s.action, Width.line);
    nodes.push({
      kind: 'detail', id: `${parentId}/suggestion/${i}`, sessionId, label: action, icon: 'lightbulb',
      tooltip: s.code ? `${action} (${oneLine(s.code, Width.code)})` : action, accessible: `Suggestion: ${action}`,
    });
  });
  return nodes;
}

export function detailItem(node: DetailNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon(node.icon, node.icon === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
  item.tooltip = node.tooltip ?? node.label;
  item.accessibilityInformation = { label: node.accessible ?? node.label };
  item.contextValue = 'detail';
  return item;
}

/** A session's row when several sessions are shown: its rows are under it. */
export interface SessionNode {
  kind: 'session';
  id: string;
  sessionId: string;
}

/** What every row of a session's part carries: its id and the session it belongs to. */
export interface PartNode {
  kind: string;
  id: string;
  sessionId: string;
}

/**
 * The id of a row of a part: unique across sessions, and different between the grouped and
 * the ungrouped layout (`prefix`), so that VS Code never looks for a row under the parent it
 * had in the other layout.
 */
export function nodeId(prefix: string, rest: string): string {
  return `${prefix}${rest}`;
}
