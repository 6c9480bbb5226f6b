import { entryTime } from './fromProto';
import { LogEntry } from '../wire/protocol';

export interface LogRecord {
  /** Increases by one per record kept, across reconnects. */
  seq: number;
  /** Event time in ms, when the entry carried one. */
  time?: number;
  entry: LogEntry;
}

/** Decodes an entry from the bytes it came in (the Events method's deserializer). */
export type EntryDecoder = (bytes: Uint8Array) => LogEntry;

/** Bytes of kept entries at most, whatever the log's capacity: the oldest go first. */
const MAX_ARENA_BYTES = 16 * 1024 * 1024;

/**
 * The entries' encoded bytes, oldest first, in one buffer outside the JS heap: a circular
 * queue of byte ranges. A kept decoded entry is a graph of a dozen objects that the garbage
 * collector copies twice before it settles in the old generation (at thousands of events a
 * second, that made V8 double its young generation); bytes copied here cost it nothing.
 * Grows (doubling) to hold what is kept, up to MAX_ARENA_BYTES.
 */
class ByteRing {
  private arena = Buffer.allocUnsafeSlow(64 * 1024);
  /** Ranges of the kept entries, oldest first (parallel to the log's slots). */
  private head = 0;
  private tail = 0;
  private used = 0;

  /** Copies `bytes` in at the write position; returns its offset, or -1 if too large to keep. `owner` frees the oldest. */
  write(bytes: Uint8Array, owner: RingOwner): number {
    const n = bytes.length;
    if (n > MAX_ARENA_BYTES) {
      return -1;
    }
    for (;;) {
      const at = this.fits(n);
      if (at >= 0) {
        this.arena.set(bytes, at);
        this.tail = at + n;
        this.used += n;
        return at;
      }
      if (this.arena.length < MAX_ARENA_BYTES && this.used + n > this.arena.length / 2) {
        this.grow(Math.min(MAX_ARENA_BYTES, Math.max(this.arena.length * 2, this.used + n)), owner);
      } else if (!owner.evictOldest()) {
        this.head = this.tail = this.used = 0; // nothing kept: start over
      }
    }
  }

  /** Where `n` bytes go, or -1 when the oldest must go first. */
  private fits(n: number): number {
    if (this.used === 0) {
      this.head = this.tail = 0;
      return n <= this.arena.length ? 0 : -1;
    }
    if (this.tail > this.head) {
      if (this.tail + n <= this.arena.length) {
        return this.tail;
      }
      return n <= this.head ? 0 : -1; // wrap: the end's rest is skipped
    }
    return this.tail + n <= this.head ? this.tail : -1;
  }

  /** The oldest range `[offset, length]` was let go; `next` is the new oldest's offset (or none). */
  free(length: number, next: number | undefined): void {
    this.used -= length;
    if (next === undefined) {
      this.head = this.tail = this.used = 0;
    } else {
      this.head = next;
    }
  }

  /** A bigger arena, the kept ranges packed from 0 in order; `live` yields them and is told their new offsets. */
  private grow(size: number, owner: RingOwner): void {
    const next = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const [offset, length] of owner.liveRanges()) {
      this.arena.copy(next, at, offset, offset + length);
      at += length;
    }
    this.arena = next;
    this.head = 0;
    this.tail = at;
    this.used = at;
  }

  read(offset: number, length: number): Uint8Array {
    return this.arena.subarray(offset, offset + length);
  }

  clear(): void {
    this.head = this.tail = this.used = 0;
  }
}

/** What the ring asks of the log it keeps bytes for (an interface, not closures: no allocation per entry). */
interface RingOwner {
  /** Lets the oldest record go; false when there is none. */
  evictOldest(): boolean;
  /** The byte ranges kept, oldest first; told their new offsets as the ring moves them. */
  liveRanges(): Iterable<[number, number]>;
}

/**
 * The bounded event log: the newest `capacity` entries, oldest dropped first. It also
 * recognises the entries Skaffold replays after a reconnect (its whole history again) so
 * each event is logged once: an entry older than the newest one logged before this
 * connection, or as old with the same content, was logged already.
 *
 * An entry given with its encoded bytes (and a decoder) is kept as those bytes, outside the
 * JS heap, and decoded again when the records are read; else it is kept as it is.
 */
export class EventLog implements RingOwner {
  /**
   * The records, in parallel arrays indexed by slot (a circular queue from `start`): numbers
   * in typed arrays, outside the JS heap, so that a log of any capacity is no object per
   * record. A record kept as bytes has its offset and length in the ring; one kept as an
   * entry (no decoder, or too large for the ring) has offset -1 and its entry in `entries`.
   */
  private seqs: Float64Array;
  /** NaN: the entry carried no time. */
  private times: Float64Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  /** Entries kept as they are, by slot; made at the first one. */
  private entries: (LogEntry | undefined)[] | undefined;
  private readonly bytes = new ByteRing();
  private start = 0;
  private count = 0;
  private nextSeq = 1;
  /**
   * Newest event time logged so far, and the records logged at exactly that time (from
   * sequence number `newestFrom`, at most MAX_SAME_TIME of them): they are read back from
   * the log when a connection starts rather than held, so that no entry outlives its event.
   */
  private newest = -Infinity;
  private newestFrom = 0;
  private newestCount = 0;
  /** The same, frozen when a connection starts: the boundary between replay and new. */
  private replayBefore = -Infinity;
  private replayKeys = new Set<string>();

  constructor(private capacity: number, private readonly decode?: EntryDecoder) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.seqs = new Float64Array(this.capacity);
    this.times = new Float64Array(this.capacity);
    this.offsets = new Int32Array(this.capacity);
    this.lengths = new Int32Array(this.capacity);
  }

  /** Call when a new subscription starts: what it replays up to now is not logged twice. */
  beginConnection(): void {
    this.replayBefore = this.newest;
    this.replayKeys = new Set();
    for (let i = this.count - 1; i >= 0; i--) {
      const slot = this.slot(i);
      const seq = this.seqs[slot];
      if (seq < this.newestFrom) {
        break;
      }
      if (seq < this.newestFrom + this.newestCount) {
        this.replayKeys.add(keyOf(this.entryAt(slot)));
      }
    }
  }

  /**
   * Adds the entry unless it is a replay of one logged before; returns the record if added.
   * `bytes`: the entry as it came on the wire, kept instead of the entry (copied: the caller
   * may reuse them).
   */
  add(entry: LogEntry, bytes?: Uint8Array): LogRecord | undefined {
    const time = entryTime(entry);
    if (time !== undefined) {
      if (time < this.replayBefore) {
        return undefined;
      }
      if (time === this.replayBefore && this.replayKeys.has(keyOf(entry))) {
        return undefined;
      }
    }
    const seq = this.nextSeq++;
    if (time !== undefined) {
      if (time > this.newest) {
        this.newest = time;
        this.newestFrom = seq;
        this.newestCount = 1;
      } else if (time === this.newest && this.newestCount < MAX_SAME_TIME) {
        this.newestCount++;
      }
    }
    if (this.count === this.capacity) {
      this.evictOldest();
    }
    let offset = -1;
    if (bytes && this.decode) {
      offset = this.bytes.write(bytes, this);
    }
    const slot = this.slot(this.count);
    this.seqs[slot] = seq;
    this.times[slot] = time ?? NaN;
    this.offsets[slot] = offset;
    this.lengths[slot] = offset < 0 ? 0 : bytes!.length;
    if (offset < 0) {
      (this.entries ??= new Array(this.capacity))[slot] = entry;
    }
    this.count++;
    return { seq, time, entry };
  }

  /** Lets the oldest record go; false when there is none. */
  evictOldest(): boolean {
    if (this.count === 0) {
      return false;
    }
    const oldest = this.start;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
    if (this.offsets[oldest] >= 0) {
      this.bytes.free(this.lengths[oldest], this.firstOffset());
    } else if (this.entries) {
      this.entries[oldest] = undefined;
    }
    return true;
  }

  /** The slot of the i-th record, oldest first. */
  private slot(i: number): number {
    return (this.start + i) % this.capacity;
  }

  /** Where the oldest record kept as bytes starts, if any. */
  private firstOffset(): number | undefined {
    for (let i = 0; i < this.count; i++) {
      const offset = this.offsets[this.slot(i)];
      if (offset >= 0) {
        return offset;
      }
    }
    return undefined;
  }

  /** The byte ranges kept, oldest first; the ring moves them as it yields (offsets rewritten). */
  *liveRanges(): Iterable<[number, number]> {
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot(i);
      if (this.offsets[slot] >= 0) {
        yield [this.offsets[slot], this.lengths[slot]];
        this.offsets[slot] = at;
        at += this.lengths[slot];
      }
    }
  }

  get size(): number {
    return this.count;
  }

  /** The kept records, oldest first (entries kept as bytes decoded again). */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot(i);
      const time = this.times[slot];
      out.push({ seq: this.seqs[slot], time: Number.isNaN(time) ? undefined : time, entry: this.entryAt(slot) });
    }
    return out;
  }

  private entryAt(slot: number): LogEntry {
    const offset = this.offsets[slot];
    return offset < 0 ? this.entries![slot]! : this.decode!(this.bytes.read(offset, this.lengths[slot]));
  }

  /**
   * Forgets every record and what counts as a replay: another Skaffold (a new address) has
   * a history of its own, which may be older than the last one's.
   */
  clear(): void {
    this.entries = undefined;
    this.bytes.clear();
    this.start = 0;
    this.count = 0;
    this.newest = -Infinity;
    this.newestFrom = 0;
    this.newestCount = 0;
    this.replayBefore = -Infinity;
    this.replayKeys = new Set();
  }

  /** Changes the capacity, keeping the newest records (as entries: the ring starts over). */
  resize(capacity: number): void {
    const kept = this.records().slice(-Math.max(1, Math.floor(capacity)));
    this.capacity = Math.max(1, Math.floor(capacity));
    this.seqs = new Float64Array(this.capacity);
    this.times = new Float64Array(this.capacity);
    this.offsets = new Int32Array(this.capacity);
    this.lengths = new Int32Array(this.capacity);
    this.entries = new Array(this.capacity);
    this.bytes.clear();
    this.start = 0;
    this.count = 0;
    for (const r of kept) {
      const slot = this.count++;
      this.seqs[slot] = r.seq;
      this.times[slot] = r.time ?? NaN;
      this.offsets[slot] = -1;
      this.entries[slot] = r.entry;
    }
  }
}

/** Records at one event time told apart from a replay by their content; more are taken as new. */
const MAX_SAME_TIME = 256;

function keyOf(entry: LogEntry): string {
  const ts = entry.timestamp;
  return `${ts?.seconds ?? ''}.${ts?.nanos ?? ''}|${entry.event?.event_type ?? ''}|${entry.entry ?? ''}`;
}
