import * as vscode from 'vscode';
import { ContextKey } from '../common/ids';
import { Disposable } from '../common/disposable';
import { sessionDescription } from '../skaffold/present/labels';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { isDismissable, isStoppable } from './trees/sessionItem';

/**
 * Keeps what surrounds the trees current: each view's description (the session's name and
 * iteration; or how many sessions), its message when Skaffold is gone, and the
 * context keys that `when` clauses read.
 */
export class SessionInfo extends Disposable {
  private lastDescription = '';
  private lastMessage: string | undefined;
  /**
   * What each context key holds in VS Code. The boolean keys start unset, which `when`
   * clauses read as false: they are sent once they become true, not at activation (each
   * setContext is a command round trip). The status starts unset, read as disconnected.
   */
  private lastKeys = new Map<string, unknown>([
    ...[
      ContextKey.Connected, ContextKey.AutoBuild, ContextKey.AutoSync, ContextKey.AutoDeploy,
      ContextKey.MultipleSessions, ContextKey.CanStop, ContextKey.CanDismiss,
    ].map((key): [string, unknown] => [key, false]),
    // Unset reads as disconnected too: every `when` on the status says so.
    [ContextKey.Status, 'disconnected'],
  ]);

  constructor(private readonly manager: SessionManager, private readonly views: vscode.TreeView<unknown>[]) {
    super();
    this._register(manager.onDidChangeStatus(() => this.update()));
    this._register(manager.onDidChangeSessions(() => this.update()));
    this._register(manager.onDidChangeState(({ change }) => {
      if (change.sections.has('meta') || change.sections.has('devLoop') || change.sections.has('autoTrigger')) {
        this.update();
      }
    }));
    this.update();
  }

  update(): void {
    const shown = this.manager.shown;
    const one = shown.length === 1 ? shown[0] : undefined;
    // No session shown (nothing connected yet): no description; the welcome view says why.
    const description = one ? sessionDescription(one) : shown.length > 1 ? vscode.l10n.t('{0} sessions', shown.length) : '';
    const message = one ? this.messageFor(one) : undefined;
    // Each write is a message to the workbench: only what changed.
    if (description !== this.lastDescription) {
      for (const view of this.views) {
        view.description = description;
      }
      this.lastDescription = description;
    }
    if (message !== this.lastMessage) {
      for (const view of this.views) {
        view.message = message;
      }
      this.lastMessage = message;
    }
    const connected = shown.filter((s) => s.status === 'connected');
    this.setKey(ContextKey.Status, one ? one.status : connected.length > 0 ? 'connected' : shown[0]?.status ?? 'disconnected');
    this.setKey(ContextKey.Connected, connected.length > 0);
    // "auto on" only when it is on in every connected session: a manual run helps if any has it off.
    const allOn = (phase: 'build' | 'sync' | 'deploy') => connected.length > 0 && connected.every((s) => s.state.autoTrigger[phase] === true);
    this.setKey(ContextKey.AutoBuild, allOn('build'));
    this.setKey(ContextKey.AutoSync, allOn('sync'));
    this.setKey(ContextKey.AutoDeploy, allOn('deploy'));
    this.setKey(ContextKey.MultipleSessions, shown.length > 1);
    this.setKey(ContextKey.CanStop, this.manager.sessions.some(isStoppable));
    this.setKey(ContextKey.CanDismiss, this.manager.sessions.some(isDismissable));
  }

  private messageFor(s: SkaffoldSession): string | undefined {
    const hasState = s.state.artifacts.size > 0 || s.state.resources.size > 0;
    if (s.process?.state === 'exited') {
      return s.lastError?.message ?? vscode.l10n.t('Skaffold exited.');
    }
    if (!hasState) {
      return undefined;
    }
    return s.status === 'ended' ? vscode.l10n.t('Skaffold ended: showing its last state. It reconnects when Skaffold starts again.')
      : s.status === 'reconnecting' ? vscode.l10n.t('Skaffold stopped answering: showing its last state while reconnecting.')
        : s.status === 'failed' && s.lastError ? s.lastError.message
          : undefined;
  }

  private setKey(key: string, value: unknown): void {
    if (this.lastKeys.get(key) !== value) {
      this.lastKeys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  }
}
