/**
 * Skaffold's event-log files (`--event-log-file F`): one protojson message per line, v1
 * LogEntry messages in F and v2 Event messages in `F.v2`. Read as a stream (a file may be
 * hundreds of megabytes): lines are parsed one read at a time and handed on in batches, so
 * memory stays bounded by what the caller keeps; a line that is not JSON or not a Skaffold
 * event is counted and skipped, a line longer than the bound is counted and skipped without
 * being held, and reading stops at once when cancelled. Written back in the same format
 * (protoJson.ts), so an exported session is what Skaffold would have written.
 */
import * as fs from 'fs';
import { codecFor, EventFormat, ProtoJsonCodec } from './protoJson';

type Json = Record<string, unknown>;

export interface ReadEventLogOptions {
  /** Which format the file holds; default: told by its first event. */
  format?: EventFormat;
  /** Stops the reading (the summary says `cancelled`). */
  signal?: AbortSignal;
  /** Bytes read so far and the file's size, after each read. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** Lines longer than this are skipped (default 16 MiB, Skaffold's own message limit is 4). */
  maxLineBytes?: number;
  /** Messages per batch handed on (default 2000). */
  batchSize?: number;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number;
}

export interface EventLogSummary {
  /** The format read: the one asked for, else the first event's; undefined when none was found. */
  format: EventFormat | undefined;
  /** Non-empty lines seen. */
  lines: number;
  /** Events read and handed on. */
  events: number;
  /** Lines that are not JSON, or not an event of the format. */
  malformed: number;
  /** Lines over the length bound. */
  tooLong: number;
  /** The first skipped line, for the message: its number (from 1) and why. */
  firstProblem?: { line: number; reason: string };
  bytes: number;
  cancelled: boolean;
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;

/** Which format a parsed line is in: v1 wraps its event in `event`, v2 names it at the top. */
export function formatOfLine(value: unknown): EventFormat | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const o = value as Json;
  if (typeof o.event === 'object' && o.event !== null && !Array.isArray(o.event)) {
    return 'v1';
  }
  for (const key of Object.keys(o)) {
    if (key !== 'timestamp' && /Event$/.test(key) && typeof o[key] === 'object' && o[key] !== null) {
      return 'v2';
    }
  }
  return undefined;
}

/**
 * Reads an event-log file, handing its events (as the gRPC side gives them: protocol.ts,
 * protocolV2.ts) to `onEvents` in batches, awaited before reading on. Rejects only when the
 * file cannot be read; everything in it is counted in the summary.
 */
export async function readEventLog(file: string, onEvents: (events: Json[], format: EventFormat) => void | Promise<void>, options: ReadEventLogOptions = {}): Promise<EventLogSummary> {
  const maxLine = Math.max(1024, options.maxLineBytes ?? DEFAULT_MAX_LINE);
  const batchSize = Math.max(1, options.batchSize ?? 2000);
  const summary: EventLogSummary = { format: options.format, lines: 0, events: 0, malformed: 0, tooLong: 0, bytes: 0, cancelled: false };
  const handle = await fs.promises.open(file, 'r');
  try {
    const total = (await handle.stat()).size;
    const chunk = Buffer.allocUnsafe(Math.max(4096, options.chunkBytes ?? 1024 * 1024));
    /** The start of the current line, carried from earlier reads (while within the bound). */
    let carry: Buffer[] = [];
    let carried = 0;
    /** The current line is over the bound: its bytes are dropped until its end. */
    let skipping = false;
    let batch: Json[] = [];
    let lineNo = 0;
    let codec: ProtoJsonCodec | undefined;

    const problem = (reason: string) => {
      summary.firstProblem ??= { line: lineNo, reason };
    };
    const take = (text: string) => {
      lineNo++;
      if (text.trim() === '') {
        return;
      }
      summary.lines++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        summary.malformed++;
        problem('not JSON');
        return;
      }
      const format = formatOfLine(value);
      summary.format ??= format;
      if (!format || format !== summary.format) {
        summary.malformed++;
        problem(format ? `a ${format} event in a ${summary.format} file` : 'not a Skaffold event');
        return;
      }
      codec ??= codecFor(format);
      const event = codec.fromJson(value);
      if (!event) {
        summary.malformed++;
        problem('not a Skaffold event');
        return;
      }
      batch.push(event);
    };
    const flush = async () => {
      if (batch.length > 0 && summary.format) {
        const events = batch;
        batch = [];
        summary.events += events.length;
        await onEvents(events, summary.format);
      }
    };

    for (;;) {
      if (options.signal?.aborted) {
        summary.cancelled = true;
        break;
      }
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) {
        break;
      }
      summary.bytes += bytesRead;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 ? bytesRead : nl;
        if (nl >= bytesRead || nl < 0) {
          // No end of line in this read: keep the line's start, unless it is too long already.
          if (!skipping) {
            if (carried + (bytesRead - start) > maxLine) {
              skipping = true;
              carry = [];
              carried = 0;
            } else if (bytesRead > start) {
              carry.push(Buffer.from(chunk.subarray(start, bytesRead)));
              carried += bytesRead - start;
            }
          }
          break;
        }
        if (skipping || carried + (end - start) > maxLine) {
          lineNo++;
          summary.lines++;
          summary.tooLong++;
          problem(`longer than ${Math.round(maxLine / 1024 / 1024)} MiB`);
          skipping = false;
        } else if (carried > 0) {
          carry.push(chunk.subarray(start, end));
          take(Buffer.concat(carry).toString('utf8'));
        } else {
          take(chunk.toString('utf8', start, end));
        }
        carry = [];
        carried = 0;
        start = nl + 1;
        if (batch.length >= batchSize) {
          await flush();
        }
      }
      options.onProgress?.(summary.bytes, total);
    }
    if (!summary.cancelled) {
      // The last line, when the file does not end with a newline (a log cut short).
      if (skipping) {
        lineNo++;
        summary.lines++;
        summary.tooLong++;
        problem(`longer than ${Math.round(maxLine / 1024 / 1024)} MiB`);
      } else if (carried > 0) {
        take(Buffer.concat(carry).toString('utf8'));
      }
      await flush();
    }
  } finally {
    await handle.close();
  }
  return summary;
}

/** The two files of one event log: `F` (v1) and `F.v2` (v2), from either name. */
export function eventLogPair(file: string): { v1: string; v2: string } {
  return file.endsWith('.v2') ? { v1: file.slice(0, -3), v2: file } : { v1: file, v2: `${file}.v2` };
}

/** Messages as the lines of an event-log file of their format. */
export function formatEventLog(messages: Iterable<Json>, format: EventFormat = 'v1'): string {
  const codec = codecFor(format);
  let out = '';
  for (const m of messages) {
    out += `${codec.toJson(m)}\n`;
  }
  return out;
}

/** The first event of a file, read from at most its first `bytes` (64 KiB): whether it is a Skaffold event log, and which. */
export async function sniffEventLog(file: string, bytes = 64 * 1024): Promise<EventFormat | undefined> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, bytesRead);
    const first = text.split('\n').find((l) => l.trim() !== '');
    if (first === undefined) {
      return undefined;
    }
    try {
      return formatOfLine(JSON.parse(first));
    } catch {
      return undefined;
    }
  } finally {
    await handle.close();
  }
}
