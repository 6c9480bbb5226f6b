/**
 * Event-log files as sessions: opening one (`--event-log-file` F and its `F.v2`, or a file
 * exported here) makes a read-only session of it; exporting writes a session's events as
 * Skaffold writes that file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { eventLogPair, EventLogSummary, formatEventLog, readEventLog, ReadEventLogOptions, sniffEventLog } from '../wire/eventLogFile';
import { LogEntry } from '../wire/protocol';
import { V2Event } from '../wire/protocolV2';
import { SkaffoldSession } from './session';
import { SessionManager } from './sessionManager';

export interface OpenEventLogOptions extends Pick<ReadEventLogOptions, 'signal' | 'maxLineBytes' | 'chunkBytes'> {
  /** Share of the bytes read so far (0 to 1), after each read. */
  onProgress?(fraction: number): void;
  /** Skaffold's own output: the v2 file's events, in batches, as they are read. */
  onOutput?(events: V2Event[], session: SkaffoldSession): void;
}

export interface OpenedEventLog {
  /** Undefined when the opening was cancelled (the session is removed then). */
  session: SkaffoldSession | undefined;
  v1?: EventLogSummary;
  v2?: EventLogSummary;
  /** What was read, in a sentence for the user. */
  message: string;
}

/** Thrown for a file that is not an event log: its message is for the user. */
export class NotAnEventLogError extends Error {}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Opens an event-log file as a session of `manager`: either file of a pair may be given; the
 * other is read too when it is beside it. Rejects with NotAnEventLogError when the file's
 * first event is not a Skaffold event, or with the file system's error when it cannot be read.
 */
export async function openEventLog(manager: SessionManager, file: string, options: OpenEventLogOptions = {}): Promise<OpenedEventLog> {
  const format = await sniffEventLog(file);
  if (!format) {
    throw new NotAnEventLogError(`${path.basename(file)} is not a Skaffold event log: its first line is not a Skaffold event.`);
  }
  const pair = eventLogPair(file);
  const v1 = format === 'v1' ? file : await isFile(pair.v1) && await sniffEventLog(pair.v1) === 'v1' ? pair.v1 : undefined;
  const v2 = format === 'v2' ? file : await isFile(pair.v2) && await sniffEventLog(pair.v2) === 'v2' ? pair.v2 : undefined;
  const sizes = await Promise.all([v1, v2].map(async (f) => (f ? (await fs.promises.stat(f)).size : 0)));
  const total = Math.max(1, sizes[0] + sizes[1]);
  const session = manager.addFile(v1 ?? v2!, path.basename(v1 ?? v2!));
  const read = { signal: options.signal, maxLineBytes: options.maxLineBytes, chunkBytes: options.chunkBytes };
  const result: OpenedEventLog = { session, message: '' };
  try {
    if (v1) {
      result.v1 = await readEventLog(v1, (entries) => session.loadEntries(entries as LogEntry[]), {
        ...read, format: 'v1', onProgress: (bytes) => options.onProgress?.(bytes / total),
      });
    }
    if (v2 && !result.v1?.cancelled) {
      result.v2 = await readEventLog(v2, (events) => options.onOutput?.(events as V2Event[], session), {
        ...read, format: 'v2', onProgress: (bytes) => options.onProgress?.((sizes[0] + bytes) / total),
      });
    }
  } catch (err) {
    manager.remove(session);
    throw err;
  }
  if (result.v1?.cancelled || result.v2?.cancelled) {
    manager.remove(session);
    return { session: undefined, v1: result.v1, v2: result.v2, message: `Opening ${path.basename(file)} was cancelled.` };
  }
  result.message = describe(result, v1, v2);
  session.endLoading(result.message);
  return result;
}

/** "Read 1,234 events from events.json, and Skaffold's output from events.json.v2; 2 lines skipped (line 7: not JSON)." */
function describe(opened: OpenedEventLog, v1: string | undefined, v2: string | undefined): string {
  const parts: string[] = [];
  if (v1 && opened.v1) {
    parts.push(`Read ${opened.v1.events.toLocaleString('en-US')} events from ${path.basename(v1)}`);
  } else {
    parts.push(`No v1 event log beside ${path.basename(v2!)}: only Skaffold's output is shown`);
  }
  if (v1 && v2 && opened.v2) {
    parts.push(`and Skaffold's output from ${path.basename(v2)}`);
  }
  let text = parts.join(', ');
  const skipped = [opened.v1, opened.v2].filter((s): s is EventLogSummary => s !== undefined);
  const count = skipped.reduce((n, s) => n + s.malformed + s.tooLong, 0);
  if (count > 0) {
    const first = skipped.find((s) => s.firstProblem)?.firstProblem;
    text += `; ${count.toLocaleString('en-US')} line${count === 1 ? '' : 's'} skipped${first ? ` (line ${first.line}: ${first.reason})` : ''}`;
  }
  return `${text}.`;
}

export interface ExportedSession {
  /** Events written. */
  events: number;
  /** The session's oldest events, no longer kept (skaffold.eventLog.maxEntries), so not written. */
  dropped: number;
}

/**
 * Writes a session's events to `file` exactly as Skaffold writes its `--event-log-file`
 * (v1 LogEntry messages, one protojson line each): all it still keeps of them.
 */
export async function exportSession(session: SkaffoldSession, file: string): Promise<ExportedSession> {
  const records = session.logRecords;
  const text = formatEventLog(records.map((r) => r.entry as unknown as Record<string, unknown>), 'v1');
  await fs.promises.writeFile(file, text, 'utf8');
  return { events: records.length, dropped: records.length > 0 ? records[0].seq - 1 : 0 };
}
