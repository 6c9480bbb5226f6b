import * as vscode from 'vscode';
import { SessionNode, Tooltip } from './rowItems';
import { sessionSummary, SUMMARY_ICON } from '../../skaffold/present/labels';
import { oneLine, Width } from '../../skaffold/base/text';
import { SkaffoldSession } from '../../skaffold/session/session';

const ORIGIN: Record<SkaffoldSession['origin'], string> = {
  configured: 'the skaffold.address setting',
  launched: 'started from VS Code',
  attached: 'attached',
  file: 'an event-log file (read only)',
};

/** A Skaffold we started that has not exited: Stop applies. */
export function isStoppable(session: SkaffoldSession): boolean {
  return session.process !== undefined && session.process.state !== 'exited';
}

/** Following a Skaffold started elsewhere (or the configured one): Disconnect applies, Skaffold goes on. */
export function isDetachable(session: SkaffoldSession): boolean {
  return session.origin === 'attached' || (session.origin === 'configured' && session.status !== 'disconnected');
}

/** Over and done with: Dismiss removes it from the views. */
export function isDismissable(session: SkaffoldSession): boolean {
  return session.origin !== 'configured' && !isStoppable(session) && session.status !== 'connected';
}

/**
 * `contextValue` of a session row, read by `when` clauses: `session`, then `;key=value` parts
 * (origin, status, process state), then the actions that apply:
 * `session;origin=launched;status=connected;process=running;stoppable`.
 */
export function sessionContext(session: SkaffoldSession): string {
  const parts = ['session', `origin=${session.origin}`, `status=${session.status}`];
  if (session.process) {
    parts.push(`process=${session.process.state}`);
  }
  if (isStoppable(session)) {
    parts.push('stoppable');
  }
  if (isDetachable(session)) {
    parts.push('detachable');
  }
  if (isDismissable(session)) {
    parts.push('dismissable');
  }
  return parts.join(';');
}

/** A session's row: its name, health at a glance, and where it comes from. */
export function sessionItem(session: SkaffoldSession, node: SessionNode): vscode.TreeItem {
  const summary = sessionSummary(session);
  const item = new vscode.TreeItem(oneLine(session.label, Width.name), vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  item.description = summary.text;
  const failed = summary.kind === 'buildFailed' || summary.kind === 'deployFailed';
  item.iconPath = new vscode.ThemeIcon(SUMMARY_ICON[summary.kind], failed ? new vscode.ThemeColor('testing.iconFailed')
    : summary.kind === 'ready' ? new vscode.ThemeColor('testing.iconPassed') : undefined);
  item.contextValue = sessionContext(session);
  item.accessibilityInformation = { label: `Skaffold session ${oneLine(session.label, Width.name)}, ${summary.text}` };
  const tip = new Tooltip().heading(session.label).line('Address', session.address).line('Status', summary.text)
    .line('Skaffold', session.state.skaffoldVersion).line('Iteration', session.state.devLoop.iteration >= 0 ? `#${session.state.devLoop.iteration}` : undefined)
    .line('Command', session.command).line('Process', session.process?.pid).line('From', ORIGIN[session.origin]);
  if (session.status !== 'connected' && session.lastError) {
    tip.line(session.origin === 'file' ? 'File' : 'Why', session.lastError.message);
  }
  item.tooltip = tip.md;
  return item;
}
