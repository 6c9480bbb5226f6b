import * as vscode from 'vscode';
import { SessionManager } from '../skaffold/session/sessionManager';
import { TimelinePanel } from '../views/webview/timelinePanel';
import { pickSession } from './pickSession';

/** Opens the dev-loop timeline of the row's session, else of the one the user picks. */
export async function showTimeline(manager: SessionManager, timeline: TimelinePanel, node?: unknown): Promise<void> {
  const session = await pickSession(manager, node, {
    filter: () => true,
    placeHolder: vscode.l10n.t('Session whose dev loop to show'),
    none: vscode.l10n.t('No Skaffold session: start or attach to one to see its dev loop.'),
  });
  if (session) {
    timeline.show(session);
  }
}
