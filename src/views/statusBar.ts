import * as vscode from 'vscode';
import { LiveSettings } from '../common/settings';
import { CommandId, STATUS_BAR_ID } from '../common/ids';
import { Disposable } from '../common/disposable';
import { escapeMarkdown } from '../skaffold/present/markdown';
import { formatDuration, mostUrgent, sessionSummary, statusLook, Summary, SUMMARY_ICON } from '../skaffold/present/labels';
import { oneLine, Width } from '../skaffold/base/text';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { pendingWords } from '../skaffold/project/pendingChanges';
import type { PendingLookup } from './project/pendingWatcher';


/**
 * One glance at the dev loop: building n/m, ready, failed (with what), disconnected. With
 * several sessions: how many, and the one that needs the user most, named.
 */
export class SkaffoldStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private enabled: boolean;
  private lastText = '';
  private lastTooltip = '';
  private lastBackground: string | undefined;
  private shown = false;

  /** `pending`: changes not built yet (auto build off): counted on the item, listed in its tooltip. */
  constructor(private readonly manager: SessionManager, settings: LiveSettings, private readonly pending?: PendingLookup) {
    super();
    this.enabled = settings.value.statusBarEnabled;
    this._register(settings.watch('statusBarEnabled', (enabled) => this.setEnabled(enabled)));
    this.item = this._register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Skaffold';
    this.item.command = CommandId.FocusView;
    this._register(manager.onDidChangeState(({ change }) => {
      if (change.sections.has('artifacts') || change.sections.has('deploy') || change.sections.has('statusCheck') || change.sections.has('devLoop') || change.sections.has('resources')) {
        this.update();
      }
    }));
    this._register(manager.onDidChangeStatus(() => this.update()));
    this._register(manager.onDidChangeSessions(() => this.update()));
    if (pending) {
      this._register(pending.onDidChange(() => this.update()));
    }
    this.update();
  }

  /** Whether the item is shown (the VS Code API cannot read the status bar back). */
  get visible(): boolean {
    return this.shown;
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.update();
  }

  private update(): void {
    if (!this.enabled) {
      this.item.hide();
      this.shown = false;
      return;
    }
    // The live dev loops only: an event-log file's verdict is history, not a build to watch.
    const sessions = this.manager.shown.filter((session) => session.origin !== 'file').map((session) => ({ session, summary: sessionSummary(session) }));
    const { session: worst, summary } = mostUrgent(sessions) ?? { session: this.manager.configured, summary: sessionSummary(this.manager.configured) };
    const many = sessions.length > 1;
    const what = many ? `${oneLine(worst.label, Width.label)} ${summary.text}` : summary.text;
    const waiting = this.waiting(sessions.map((s) => s.session));
    const text = `$(${SUMMARY_ICON[summary.kind]}) Skaffold${many ? ` (${sessions.length})` : ''}${summary.kind === 'ready' ? '' : `: ${what}`}${waiting.length > 0 ? ` · ${waiting.length} to build` : ''}`;
    // Write a property only when it changes: each write is a message to the workbench.
    if (text !== this.lastText) {
      this.item.text = text;
      this.item.accessibilityInformation = { label: many ? `Skaffold, ${sessions.length} sessions, ${what}` : `Skaffold ${summary.text}` };
      this.lastText = text;
    }
    const background = summary.kind === 'buildFailed' || summary.kind === 'deployFailed' ? 'statusBarItem.errorBackground'
      : summary.kind === 'failed' ? 'statusBarItem.warningBackground' : undefined;
    if (background !== this.lastBackground) {
      this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
      this.lastBackground = background;
    }
    const changed = waiting.length > 0 ? [`Changed since their last build: ${waiting.join(', ')}`] : [];
    const tooltip = many
      ? [...sessions.map(({ session, summary: s }) => `${oneLine(session.label, Width.label)} (${session.address}): ${s.text}`), ...changed, 'Click to show the Skaffold views.'].join('\n')
      : this.tooltipText(worst, summary, changed);
    if (tooltip !== this.lastTooltip) {
      const md = new vscode.MarkdownString();
      md.isTrusted = false;
      md.appendMarkdown(tooltip.split('\n').map((line) => escapeMarkdown(oneLine(line, Width.detail))).join('  \n'));
      this.item.tooltip = md;
      this.lastTooltip = tooltip;
    }
    this.item.show();
    this.shown = true;
  }

  /** The artifacts with changes not built yet, `name (3 files changed)`, of these sessions. */
  private waiting(sessions: readonly SkaffoldSession[]): string[] {
    const out: string[] = [];
    if (!this.pending) {
      return out;
    }
    for (const session of sessions) {
      for (const name of session.state.artifacts.keys()) {
        const p = this.pending.pendingFor(session.id, name);
        if (p?.build && p.build.files > 0) {
          out.push(`${oneLine(name, Width.name)} (${pendingWords({ build: p.build })})`);
        }
      }
    }
    return out;
  }

  private tooltipText(s: SkaffoldSession, summary: Summary, extra: string[]): string {
    const lines = [`Skaffold at ${s.address}: ${summary.text}`];
    if (s.status !== 'connected' && s.lastError) {
      lines.push(s.lastError.message);
    }
    for (const a of s.state.artifacts.values()) {
      const d = a.lastResult && a.lastResult.iteration === a.iteration ? formatDuration(a.lastResult.durationMs) : '';
      lines.push(`${statusLook(a.status).icon === 'pass' ? '✓' : a.status === 'Failed' ? '✗' : '•'} ${oneLine(a.name, Width.name)}: ${oneLine(a.status, Width.status)}${d ? ` (${d})` : ''}`);
    }
    if (s.state.deploy.status !== 'Not Started') {
      lines.push(`Deploy: ${oneLine(s.state.deploy.status, Width.status)}`);
    }
    if (s.state.statusCheck.status !== 'Not Started') {
      lines.push(`Status check: ${oneLine(s.state.statusCheck.status, Width.status)}`);
    }
    lines.push(...extra, 'Click to show the Skaffold views.');
    return lines.join('\n');
  }
}
