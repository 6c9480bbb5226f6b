import * as vscode from 'vscode';
import { LiveSettings } from '../../common/settings';
import { Disposable } from '../../common/disposable';
import { AutoAttachTracker, runtimeLabel } from '../../skaffold/debug/debugConfig';
import { DebugContainerState } from '../../skaffold/state/model';
import { oneLine, Width } from '../../skaffold/base/text';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';

/**
 * With `skaffold.debug.autoAttach` on, offers to attach the debugger once per container that
 * `skaffold debug` reports ready (its debug port forwarded): a notification with Attach, not
 * a debug session started behind the user's back.
 */
export class DebugAutoAttach extends Disposable {
  private readonly trackers = new WeakMap<SkaffoldSession, AutoAttachTracker>();
  private enabled: boolean;

  constructor(
    private readonly manager: SessionManager,
    settings: LiveSettings,
    private readonly attach: (node: { kind: 'debug'; sessionId: string; key: string }) => Thenable<unknown>,
  ) {
    super();
    this.enabled = settings.value.debugAutoAttach;
    this._register(settings.watch('debugAutoAttach', (enabled) => this.setEnabled(enabled)));
    this._register(manager.onDidChangeState(({ session, change }) => {
      if (change.sections.has('debugContainers') || change.sections.has('ports')) {
        this.check(session);
      }
    }));
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (enabled) {
      for (const session of this.manager.shown) {
        this.check(session);
      }
    }
  }

  private check(session: SkaffoldSession): void {
    let tracker = this.trackers.get(session);
    if (!tracker) {
      tracker = new AutoAttachTracker();
      this.trackers.set(session, tracker);
    }
    // Bookkeeping goes on while off, so that turning it on does not offer every old container.
    const ready = tracker.next(session.state.debugContainers.values(), session.state.ports.values());
    if (!this.enabled || this.isDisposed) {
      return;
    }
    for (const container of ready) {
      void this.offer(session, container);
    }
  }

  private async offer(session: SkaffoldSession, container: DebugContainerState): Promise<void> {
    const attach = vscode.l10n.t('Attach Debugger');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t('{0} in pod {1} is ready to debug ({2}).', oneLine(container.containerName ?? container.key, Width.name), oneLine(container.podName, Width.name), runtimeLabel(container.runtime)),
      attach,
    );
    if (answer === attach && !this.isDisposed) {
      await this.attach({ kind: 'debug', sessionId: session.id, key: container.key });
    }
  }
}
