import * as path from 'path';
import * as vscode from 'vscode';
import { ViewId } from '../common/ids';
import { oneLine, Width } from '../skaffold/base/text';
import { exportSession as writeSession, NotAnEventLogError, openEventLog as readEventLogFile } from '../skaffold/session/eventLogFiles';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { LogChannels } from '../views/output/logChannels';
import { pickSession } from './pickSession';

/**
 * Opens a Skaffold event log (`--event-log-file`, its `.v2`, or an exported session) as a
 * read-only session: the Explorer's file, else one the user picks. Reads under a cancellable
 * progress notification; the views fill as it reads.
 */
export async function openEventLog(manager: SessionManager, logs: LogChannels, arg?: unknown): Promise<SkaffoldSession | undefined> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: vscode.l10n.t('Open Event Log'),
      title: vscode.l10n.t('Open a Skaffold event log (written by --event-log-file)'),
      filters: { [vscode.l10n.t('Skaffold event logs')]: ['json', 'v2', 'jsonl', 'log'], [vscode.l10n.t('All files')]: ['*'] },
    });
    uri = picked?.[0];
    if (!uri) {
      return undefined;
    }
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Only event logs on this machine\'s disk can be opened.'));
    return undefined;
  }
  const name = oneLine(path.basename(uri.fsPath), Width.name);
  const file = uri.fsPath;
  try {
    const opened = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Opening {0}', name), cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        return readEventLogFile(manager, file, {
          signal: abort.signal,
          onProgress: (fraction) => {
            const percent = Math.floor(fraction * 100);
            if (percent > shown) {
              progress.report({ increment: percent - shown, message: `${percent}%` });
              shown = percent;
            }
          },
          onOutput: (events, session) => {
            const store = logs.of(session).output;
            for (const e of events) {
              store.apply(e);
            }
          },
        }).finally(() => cancel.dispose());
      },
    );
    if (!opened.session) {
      void vscode.window.showInformationMessage(opened.message);
      return undefined;
    }
    void vscode.commands.executeCommand(`workbench.view.extension.${ViewId.Container}`);
    void vscode.window.showInformationMessage(opened.message);
    return opened.session;
  } catch (err) {
    if (err instanceof NotAnEventLogError) {
      void vscode.window.showErrorMessage(err.message);
      return undefined;
    }
    throw err;
  }
}

/**
 * Writes a session's events to a file the user chooses, exactly as Skaffold writes its
 * `--event-log-file`: for a bug report, or to open later (Open Skaffold Event Log…).
 */
export async function exportSession(manager: SessionManager, node?: unknown): Promise<vscode.Uri | undefined> {
  const session = await pickSession(manager, node, {
    filter: (s) => s.logRecords.length > 0,
    placeHolder: vscode.l10n.t('Session whose events to export'),
    none: vscode.l10n.t('No Skaffold session has events to export yet.'),
    from: manager.sessions,
  });
  if (!session) {
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const base = `skaffold-events-${safeFileName(session.label)}-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.json`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, base) : undefined,
    saveLabel: vscode.l10n.t('Export'),
    title: vscode.l10n.t('Export the events of {0}', oneLine(session.label, Width.name)),
    filters: { [vscode.l10n.t('Skaffold event logs')]: ['json'] },
  });
  if (!target) {
    return undefined;
  }
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Event logs can only be written to this machine\'s disk.'));
    return undefined;
  }
  const written = await writeSession(session, target.fsPath);
  const what = vscode.l10n.t('Exported {0} events of {1} to {2}.', written.events, oneLine(session.label, Width.name), path.basename(target.fsPath));
  if (written.dropped > 0) {
    const settings = vscode.l10n.t('Open Settings');
    const choice = await vscode.window.showWarningMessage(
      `${what} ${vscode.l10n.t('The session\'s {0} oldest events were no longer kept (skaffold.eventLog.maxEntries), so the file starts later than the session did.', written.dropped)}`,
      settings,
    );
    if (choice === settings) {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'skaffold.eventLog.maxEntries');
    }
  } else {
    const open = vscode.l10n.t('Open File');
    void vscode.window.showInformationMessage(what, open).then((choice) => choice === open && vscode.commands.executeCommand('vscode.open', target));
  }
  return target;
}

/** A session label as part of a file name: letters, digits, dots and dashes only. */
function safeFileName(label: string): string {
  return label.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'session';
}

