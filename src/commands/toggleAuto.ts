import * as vscode from 'vscode';
import { Phase } from '../skaffold/wire/protocol';
import { SessionManager } from '../skaffold/session/sessionManager';
import { sessionForControl } from './execute';

/** Flips a phase's auto trigger and reports the value Skaffold reads back. */
export async function toggleAuto(manager: SessionManager, node: unknown, phase: Phase): Promise<boolean | undefined> {
  const session = await sessionForControl(manager, node);
  if (!session) {
    return undefined;
  }
  const wanted = !(session.state.autoTrigger[phase] ?? false);
  const now = await session.setAutoTrigger(phase, wanted);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: auto {0} {1}', phase, now ? vscode.l10n.t('on') : vscode.l10n.t('off')), 3000);
  return now;
}
