import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { describeEntry } from '../skaffold/format';
import { SkaffoldSession } from '../skaffold/session';


/**
 * The "Skaffold" log channel: one readable line per event (failures as errors) and every
 * connection change. The channel's level is the user's (Developer: Set Log Level).
 */
export class EventOutput extends Disposable {
  constructor(session: SkaffoldSession, channel: vscode.LogOutputChannel) {
    super();
    this._register(session.onDidLog((record) => {
      const line = describeEntry(record.entry);
      const e = record.entry.event;
      const failed = e?.buildEvent?.status === 'Failed' || e?.deployEvent?.status === 'Failed' || e?.devLoopEvent?.status === 'Failed'
        || e?.statusCheckEvent?.status === 'Failed' || e?.resourceStatusCheckEvent?.status === 'Failed' || e?.fileSyncEvent?.status === 'Failed';
      if (failed) {
        channel.error(line);
      } else {
        channel.info(line);
      }
    }));
    this._register(session.onDidChangeStatus((e) => {
      const why = e.error ? `: ${e.error.message}` : '';
      const text = `[session] ${session.address} ${e.previous} -> ${e.status}${why}`;
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

