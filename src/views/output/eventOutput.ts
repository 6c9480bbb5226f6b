import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';
import { describeEntry } from '../../skaffold/present/eventLine';
import { oneLine, Width } from '../../skaffold/base/text';
import { SessionManager } from '../../skaffold/session/sessionManager';

/**
 * The "Skaffold" log channel: one readable line per event (failures as errors) and every
 * connection change. The channel's level is the user's (Developer: Set Log Level).
 */
export class EventOutput extends Disposable {
  constructor(manager: SessionManager, channel: vscode.LogOutputChannel) {
    super();
    // With more than one session, each line says whose it is.
    const whose = (label: string) => (manager.sessions.length > 1 ? `[${oneLine(label, Width.label)}] ` : '');
    this._register(manager.onDidLog(({ session, record }) => {
      const line = `${whose(session.label)}${describeEntry(record.entry)}`;
      const e = record.entry.event;
      const failed = e?.buildEvent?.status === 'Failed' || e?.deployEvent?.status === 'Failed' || e?.devLoopEvent?.status === 'Failed'
        || e?.statusCheckEvent?.status === 'Failed' || e?.resourceStatusCheckEvent?.status === 'Failed' || e?.fileSyncEvent?.status === 'Failed';
      if (failed) {
        channel.error(line);
      } else {
        channel.info(line);
      }
    }));
    this._register(manager.onDidChangeStatus(({ session, event: e }) => {
      if (e.status === e.previous && !e.error) {
        return; // a process change, not a connection change
      }
      const why = e.error ? `: ${e.error.message}` : '';
      const text = `[session] ${whose(session.label)}${session.address} ${e.previous} -> ${e.status}${why}`;
      if (e.status === 'failed') {
        channel.error(text);
      } else if (e.status === 'ended' || e.status === 'reconnecting') {
        channel.warn(text);
      } else {
        channel.info(text);
      }
    }));
  }
}

