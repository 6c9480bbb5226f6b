import { entryTime } from './fromProto';
import { LogEntry } from '../wire/protocol';

export interface LogRecord {
  /** Increases by one per record kept, across reconnects. */
  seq: number;
  /** Event time in ms, when the entry carried one. */
  time?: number;
  entry: LogEntry;
}

/**
 * The bounded event log: the newest `capacity` entries, oldest dropped first. It also
 * recognises the entries Skaffold replays after a reconnect (its whole history again) so
 * each event is logged once: an entry older than the newest one logged before this
 * connection, or as old with the same content, was logged already.
 */
export class EventLog {
  private buffer: (LogRecord | undefined)[];
  private start = 0;
  private count = 0;
  private nextSeq = 1;
  /** Newest event time logged so far, and the entries logged at exactly that time. */
  private newest = -Infinity;
  private newestEntries: LogEntry[] = [];
  /** The same, frozen when a connection starts: the boundary between replay and new. */
  private replayBefore = -Infinity;
  private replayKeys = new Set<string>();

  constructor(private capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.buffer = new Array(this.capacity);
  }

  /** Call when a new subscription starts: what it replays up to now is not logged twice. */
  beginConnection(): void {
    this.replayBefore = this.newest;
    this.replayKeys = new Set(this.newestEntries.map(keyOf));
  }

  /** Adds the entry unless it is a replay of one logged before; returns the record if added. */
  add(entry: LogEntry): LogRecord | undefined {
    const time = entryTime(entry);
    if (time !== undefined) {
      if (time < this.replayBefore) {
        return undefined;
      }
      if (time === this.replayBefore && this.replayKeys.has(keyOf(entry))) {
        return undefined;
      }
      if (time > this.newest) {
        this.newest = time;
        this.newestEntries.length = 0;
        this.newestEntries.push(entry);
      } else if (time === this.newest && this.newestEntries.length < 256) {
        this.newestEntries.push(entry);
      }
    }
    const record: LogRecord = { seq: this.nextSeq++, time, entry };
    const index = (this.start + this.count) % this.capacity;
    this.buffer[index] = record;
    if (this.count < this.capacity) {
      this.count++;
    } else {
      this.start = (this.start + 1) % this.capacity;
    }
    return record;
  }

  get size(): number {
    return this.count;
  }

  /** The kept records, oldest first. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push(this.buffer[(this.start + i) % this.capacity]!);
    }
    return out;
  }

  /**
   * Forgets every record and what counts as a replay: another Skaffold (a new address) has
   * a history of its own, which may be older than the last one's.
   */
  clear(): void {
    this.buffer = new Array(this.capacity);
    this.start = 0;
    this.count = 0;
    this.newest = -Infinity;
    this.newestEntries = [];
    this.replayBefore = -Infinity;
    this.replayKeys = new Set();
  }

  /** Changes the capacity, keeping the newest records. */
  resize(capacity: number): void {
    const kept = this.records().slice(-Math.max(1, Math.floor(capacity)));
    this.capacity = Math.max(1, Math.floor(capacity));
    this.buffer = new Array(this.capacity);
    this.start = 0;
    this.count = 0;
    for (const r of kept) {
      this.buffer[this.count++] = r;
    }
  }
}

function keyOf(entry: LogEntry): string {
  const ts = entry.timestamp;
  return `${ts?.seconds ?? ''}.${ts?.nanos ?? ''}|${entry.event?.event_type ?? ''}|${entry.entry ?? ''}`;
}
