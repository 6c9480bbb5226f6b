import * as vscode from 'vscode';
import { ContextKey } from '../common/ids';
import { Disposable } from '../common/lifecycle';
import { sessionDescription } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';

/**
 * Keeps what surrounds the trees current: each view's description (address, Skaffold
 * version, iteration), its message when Skaffold is gone, and the context keys that
 * `when` clauses read.
 */
export class SessionInfo extends Disposable {
  private lastDescription = '';
  private lastMessage: string | undefined;
  private lastKeys = new Map<string, unknown>();

  constructor(private readonly session: SkaffoldSession, private readonly views: vscode.TreeView<unknown>[]) {
    super();
    this._register(session.onDidChangeStatus(() => this.update()));
    this._register(session.onDidChangeState((change) => {
      if (change.sections.has('meta') || change.sections.has('devLoop') || change.sections.has('autoTrigger')) {
        this.update();
      }
    }));
    this.update();
  }

  update(): void {
    const s = this.session;
    const description = sessionDescription(s.address, s.status, s.state);
    const hasState = s.state.artifacts.size > 0 || s.state.resources.size > 0;
    const message = !hasState ? undefined
      : s.status === 'ended' ? vscode.l10n.t('Skaffold ended: showing its last state. It reconnects when Skaffold starts again.')
        : s.status === 'reconnecting' ? vscode.l10n.t('Skaffold stopped answering: showing its last state while reconnecting.')
          : s.status === 'failed' && s.lastError ? s.lastError.message
            : undefined;
    if (description !== this.lastDescription || message !== this.lastMessage) {
      for (const view of this.views) {
        view.description = description;
        view.message = message;
      }
      this.lastDescription = description;
      this.lastMessage = message;
    }
    this.setKey(ContextKey.Status, s.status);
    this.setKey(ContextKey.Connected, s.status === 'connected');
    this.setKey(ContextKey.AutoBuild, s.state.autoTrigger.build === true);
    this.setKey(ContextKey.AutoSync, s.state.autoTrigger.sync === true);
    this.setKey(ContextKey.AutoDeploy, s.state.autoTrigger.deploy === true);
  }

  private setKey(key: string, value: unknown): void {
    if (this.lastKeys.get(key) !== value) {
      this.lastKeys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  }
}
