import * as vscode from 'vscode';
import { CommandId, STATUS_BAR_ID } from '../common/ids';
import { Disposable } from '../common/lifecycle';
import { escapeMarkdown } from './common';
import { formatDuration, oneLine, statusLook, summarize, Summary } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';

const ICON: Record<Summary['kind'], string> = {
  disconnected: 'debug-disconnect',
  connecting: 'loading~spin',
  reconnecting: 'loading~spin',
  ended: 'debug-stop',
  failed: 'warning',
  building: 'sync~spin',
  buildFailed: 'error',
  deploying: 'cloud-upload',
  statusCheck: 'pulse',
  deployFailed: 'error',
  ready: 'check',
  idle: 'circle-large-outline',
};

/** One glance at the dev loop: building n/m, ready, failed (with what), disconnected. */
export class SkaffoldStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private enabled: boolean;
  private lastText = '';
  private lastTooltip = '';
  private lastBackground: string | undefined;
  private shown = false;

  constructor(private readonly session: SkaffoldSession, enabled: boolean) {
    super();
    this.enabled = enabled;
    this.item = this._register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Skaffold';
    this.item.command = CommandId.FocusView;
    this._register(session.onDidChangeState((change) => {
      if (change.sections.has('artifacts') || change.sections.has('deploy') || change.sections.has('statusCheck') || change.sections.has('devLoop') || change.sections.has('resources')) {
        this.update();
      }
    }));
    this._register(session.onDidChangeStatus(() => this.update()));
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
    const summary = summarize(this.session.status, this.session.state);
    const text = `$(${ICON[summary.kind]}) Skaffold${summary.kind === 'ready' ? '' : `: ${summary.text}`}`;
    // Write a property only when it changes: each write is a message to the workbench.
    if (text !== this.lastText) {
      this.item.text = text;
      this.item.accessibilityInformation = { label: `Skaffold ${summary.text}` };
      this.lastText = text;
    }
    const background = summary.kind === 'buildFailed' || summary.kind === 'deployFailed' ? 'statusBarItem.errorBackground'
      : summary.kind === 'failed' ? 'statusBarItem.warningBackground' : undefined;
    if (background !== this.lastBackground) {
      this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
      this.lastBackground = background;
    }
    const tooltip = this.tooltipText(summary);
    if (tooltip !== this.lastTooltip) {
      const md = new vscode.MarkdownString();
      md.isTrusted = false;
      md.appendMarkdown(tooltip.split('\n').map(escapeMarkdown).join('  \n'));
      this.item.tooltip = md;
      this.lastTooltip = tooltip;
    }
    this.item.show();
    this.shown = true;
  }

  private tooltipText(summary: Summary): string {
    const s = this.session;
    const lines = [`Skaffold at ${s.address}: ${summary.text}`];
    if (s.status !== 'connected' && s.lastError) {
      lines.push(s.lastError.message);
    }
    for (const a of s.state.artifacts.values()) {
      const d = a.lastResult && a.lastResult.iteration === a.iteration ? formatDuration(a.lastResult.durationMs) : '';
      lines.push(`${statusLook(a.status).icon === 'pass' ? '✓' : a.status === 'Failed' ? '✗' : '•'} ${oneLine(a.name, 80)}: ${oneLine(a.status, 30)}${d ? ` (${d})` : ''}`);
    }
    if (s.state.deploy.status !== 'Not Started') {
      lines.push(`Deploy: ${oneLine(s.state.deploy.status, 30)}`);
    }
    if (s.state.statusCheck.status !== 'Not Started') {
      lines.push(`Status check: ${oneLine(s.state.statusCheck.status, 30)}`);
    }
    lines.push('Click to show the Skaffold views.');
    return lines.join('\n');
  }
}
