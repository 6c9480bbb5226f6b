import * as vscode from 'vscode';
import { Launcher } from '../skaffold/launch/launcher';
import { SessionManager } from '../skaffold/session/sessionManager';
import { isDetachable, isDismissable } from '../views/trees/sessionItem';
import { pickSession } from './pickSession';

/** Stop: ends a Skaffold we started, gracefully (it cleans up), killing it after the timeout; twice: at once. */
export async function stop(manager: SessionManager, launcher: Launcher, node?: unknown): Promise<void> {
  const session = await pickSession(manager, node, {
    from: manager.sessions,
    filter: (s) => launcher.processOf(s) !== undefined,
    placeHolder: vscode.l10n.t('Stop which Skaffold?'),
    none: vscode.l10n.t('No Skaffold started from VS Code is running. (Skaffold started elsewhere is stopped where it runs.)'),
  });
  if (!session) {
    return;
  }
  const exit = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping Skaffold {0} (it cleans up first)', session.label) },
    () => launcher.stop(session),
  );
  if (exit) {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold {0} stopped', session.label), 3000);
  }
}

/** Detach: stop following a session; Skaffold itself goes on running. */
export async function detach(manager: SessionManager, node?: unknown): Promise<void> {
  const session = await pickSession(manager, node, {
    from: manager.sessions,
    filter: isDetachable,
    placeHolder: vscode.l10n.t('Detach from which Skaffold?'),
    none: vscode.l10n.t('Not attached to any Skaffold.'),
  });
  if (session) {
    manager.remove(session); // the configured session is disconnected, the others closed
  }
}

/** Dismiss: forget a session that ended (its last state stays shown until then). */
export async function dismiss(manager: SessionManager, launcher: Launcher, node?: unknown): Promise<void> {
  const session = await pickSession(manager, node, {
    from: manager.sessions,
    filter: isDismissable,
    placeHolder: vscode.l10n.t('Dismiss which session?'),
    none: vscode.l10n.t('No ended session to dismiss.'),
  });
  if (!session) {
    return;
  }
  if (launcher.processOf(session)) {
    throw new Error(vscode.l10n.t('Skaffold {0} is still running: stop it first.', session.label));
  }
  manager.remove(session);
}
