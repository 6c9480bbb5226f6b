import * as vscode from 'vscode';
import { openSettings } from '../common/openSettings';
import { SkaffoldSession } from '../skaffold/session/session';

/** Connects (or reconnects) and reports how it went: connected, or why not yet. */
export async function connect(session: SkaffoldSession): Promise<void> {
  if (session.status === 'connected') {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: already connected to {0}', session.address), 3000);
    return;
  }
  if (session.status === 'failed' || session.status === 'ended' || session.status === 'reconnecting') {
    session.reconnect();
  } else {
    session.connect();
  }
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Connecting to Skaffold at {0}', session.address) },
    () => new Promise<'connected' | 'failed' | 'waiting'>((resolve) => {
      if (session.status === 'connected' || session.status === 'failed') {
        resolve(session.status);
        return;
      }
      const timer = setTimeout(() => { sub.dispose(); resolve('waiting'); }, 5000);
      const sub = session.onDidChangeStatus((e) => {
        if (e.status === 'connected' || e.status === 'failed') {
          clearTimeout(timer);
          sub.dispose();
          resolve(e.status);
        }
      });
    }),
  );
  if (outcome === 'connected') {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: connected to {0}', session.address), 3000);
    return;
  }
  const settings = vscode.l10n.t('Open Settings');
  const reason = session.lastError?.message ?? vscode.l10n.t('No answer yet.');
  const text = outcome === 'failed'
    ? reason
    : vscode.l10n.t('Still waiting for Skaffold at {0}: {1} The extension keeps trying in the background.', session.address, reason);
  const choice = await (outcome === 'failed' ? vscode.window.showErrorMessage(text, settings) : vscode.window.showWarningMessage(text, settings));
  if (choice === settings) {
    await openSettings('skaffold.address');
  }
}
