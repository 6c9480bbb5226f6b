import * as vscode from 'vscode';
import { Intent, Phase } from '../skaffold/wire/protocol';
import { phasesBlockedByAuto, SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { isConnected, pickSession } from './pickSession';

const PHASE_NAME: Record<Phase, string> = { build: 'build', sync: 'sync', deploy: 'deploy' };

/** The session to run an intent in: the node's, the only connected one, or the one picked. */
export function sessionForControl(manager: SessionManager, node: unknown): Promise<SkaffoldSession | undefined> {
  return pickSession(manager, node, {
    filter: isConnected,
    placeHolder: vscode.l10n.t('Which Skaffold session?'),
    none: vscode.l10n.t('Not connected to a Skaffold session.'),
  });
}

/**
 * Execute: run a build / sync / deploy once. Skaffold ignores the request for a phase whose
 * auto trigger is on, so say so and offer to turn it off first.
 */
export async function execute(manager: SessionManager, node: unknown, intent: Intent): Promise<void> {
  const session = await sessionForControl(manager, node);
  if (!session) {
    return;
  }
  const what = (['build', 'sync', 'deploy'] as const).filter((p) => intent[p]).map((p) => PHASE_NAME[p]).join(' and ');
  const blocked = phasesBlockedByAuto(session.state, intent);
  if (blocked.length > 0) {
    const names = blocked.map((p) => PHASE_NAME[p]).join(' and ');
    const turnOff = vscode.l10n.t('Turn Auto {0} Off and Run', names.replace(/\b\w/g, (c) => c.toUpperCase()));
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Auto {0} is on: Skaffold does not run a manual {0} while it is (it already acts on every change).', names),
      turnOff,
    );
    if (choice !== turnOff) {
      return;
    }
    for (const phase of blocked) {
      await session.setAutoTrigger(phase, false);
    }
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Skaffold: requesting {0}', what) },
    () => session.execute(intent),
  );
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: {0} requested', what), 3000);
}
