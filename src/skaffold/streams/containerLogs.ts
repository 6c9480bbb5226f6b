/**
 * Container logs from Skaffold's v2 ApplicationLogs stream, kept per container and across
 * dev-loop iterations.
 *
 * What the stream does (API-NOTES): on subscribe Skaffold sends its buffer of the current
 * iteration, then live lines; it clears that buffer when an iteration starts. So the history of
 * earlier iterations exists only here, and after a resubscribe the replay repeats lines this
 * store already has: those are recognised (timestamp, pod, container, text) and dropped.
 *
 * Everything is bounded: the length of a line, the lines per container, the number of
 * containers (the least recently written is dropped) and the characters kept in all.
 */
import { Disposable, Emitter } from '../base/events';
import { cleanLine, clip, oneLine, Width } from '../base/text';
import { ApplicationLogEvent, eventTimeMs, V2Event } from '../wire/protocolV2';

// ---------------------------------------------------------------- text

/**
 * One line of a log made safe to show (base/text.ts cleanLine: tabs and spaces kept), at most
 * `max` characters; a longer line ends with how much was cut.
 */
export function logLine(text: string, max: number): string {
  const clean = cleanLine(text, max + 1, '');
  return clean.length > max ? `${clip(clean, max, '')}… [line cut at ${max} characters]` : clean;
}

/**
 * Splits `text` into lines (\n, \r\n), each cleaned by logLine. A trailing newline ends the
 * last line (no empty line after it). Only the last `maxLines` lines are kept.
 */
export function splitLines(text: string, maxLineLength: number, maxLines: number): string[] {
  const parts = text.split('\n');
  if (parts.length > 1 && parts[parts.length - 1] === '') {
    parts.pop();
  }
  const kept = parts.length > maxLines ? parts.slice(parts.length - maxLines) : parts;
  return kept.map((p) => logLine(p.endsWith('\r') ? p.slice(0, -1) : p, maxLineLength));
}

/** Server text used as a name: one line, bounded; a placeholder when empty or not a string. */
function cleanName(value: unknown, fallback: string): string {
  return (typeof value === 'string' ? oneLine(value, Width.name) : '') || fallback;
}

/** FNV-1a over the UTF-16 code units: a short stand-in for a message in the replay index. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

// ---------------------------------------------------------------- store

export interface ContainerLogOptions {
  /** Lines kept per container (default 10,000). */
  maxLines?: number;
  /** Containers kept; the least recently written goes first (default 200). */
  maxContainers?: number;
  /** Characters per line; longer lines are cut (default 8192). */
  maxLineLength?: number;
  /** Characters kept over all containers (default 32 Mi); the oldest lines go first. */
  maxTotalChars?: number;
  /** Lines kept over all containers (default 200,000); the oldest lines go first. */
  maxTotalLines?: number;
}

export interface ContainerInfo {
  /** `pod/container`. */
  key: string;
  pod: string;
  container: string;
  lineCount: number;
  /** When its newest line was written (Skaffold's clock, ms), or undefined when unknown. */
  lastAt: number | undefined;
}

interface Line {
  text: string;
  /** Arrival order over all containers, for the pod view. */
  seq: number;
  marker: boolean;
  /** Skaffold's time of the event (ms), when it had one. */
  at: number | undefined;
}

interface Channel {
  key: string;
  pod: string;
  container: string;
  lines: Line[];
  /** Lines dropped from the front of `lines` but not yet spliced out (amortised trimming). */
  head: number;
  chars: number;
  lastAt: number | undefined;
  /** Skaffold time of the newest line, to tell which iteration it belongs to. */
  lastLineAt: number | undefined;
}

interface IterationStart {
  iteration: number;
  at: number;
}

/** A key of the replay index: the event's time, pod, container and a digest of its text. */
type ReplayKey = string;

/** How far before an iteration's start replay keys are still kept (clock granularity). */
const PRUNE_SLACK_MS = 1000;
const MAX_REPLAY_KEYS = 50_000;
const MAX_ITERATIONS = 1000;

export class ContainerLogStore {
  private readonly _onDidAppend = new Emitter<{ key: string; lines: string[] }>();
  /** New lines of one container, as they arrive (never a replayed duplicate). */
  readonly onDidAppend = (listener: (key: string, newLines: string[]) => void): Disposable =>
    this._onDidAppend.event((e) => listener(e.key, e.lines));
  private readonly _onDidChangeContainers = new Emitter<void>();
  /** A container appeared or was dropped, or the store was cleared. */
  readonly onDidChangeContainers = this._onDidChangeContainers.event;
  private readonly _onDidRewrite = new Emitter<string>();
  /**
   * A container's lines changed other than at their end (by key): an iteration marker was put
   * before lines that had arrived ahead of the news that their iteration began. Read lines() again.
   */
  readonly onDidRewrite = this._onDidRewrite.event;

  private readonly maxLines: number;
  private readonly maxContainers: number;
  private readonly maxLineLength: number;
  private readonly maxTotalChars: number;
  private readonly maxTotalLines: number;
  /** Least recently written first (a written channel is moved to the end). */
  private readonly channels = new Map<string, Channel>();
  private totalChars = 0;
  private totalLines = 0;
  private seq = 0;
  private iterations: IterationStart[] = [];
  /**
   * The replay index: how often each key was seen in the subscription that saw it most (the
   * current iteration's events, which a new subscription replays).
   */
  private known = new Map<ReplayKey, { count: number; at: number | undefined }>();
  /** How often each key was seen in the current subscription. */
  private seen = new Map<ReplayKey, number>();

  constructor(options: ContainerLogOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(options.maxLines ?? 10_000));
    this.maxContainers = Math.max(1, Math.floor(options.maxContainers ?? 200));
    this.maxLineLength = Math.max(16, Math.floor(options.maxLineLength ?? 8192));
    this.maxTotalChars = Math.max(this.maxLineLength * 4, Math.floor(options.maxTotalChars ?? 32 * 1024 * 1024));
    this.maxTotalLines = Math.max(this.maxLines, Math.floor(options.maxTotalLines ?? 200_000));
  }

  /** The newest iteration whose start is known (v2 numbering, from 1), or 0. */
  get iteration(): number {
    return this.iterations.length ? this.iterations[this.iterations.length - 1].iteration : 0;
  }

  /**
   * A new ApplicationLogs subscription starts: what it replays first is matched against what
   * is already here.
   */
  beginSubscription(): void {
    this.seen.clear();
  }

  /**
   * A dev-loop iteration (v2 number) started at `at` (Skaffold's clock, ms): Skaffold cleared
   * its buffer, so replays hold only what comes after. A start this store already knows of, or
   * an older one (the Events stream replays history), changes nothing.
   */
  beginIteration(iteration: number, at: number | undefined): void {
    if (!Number.isFinite(iteration) || at === undefined || !Number.isFinite(at)) {
      return;
    }
    const last = this.iterations[this.iterations.length - 1];
    if (last && at <= last.at) {
      return;
    }
    this.iterations.push({ iteration, at });
    if (this.iterations.length > MAX_ITERATIONS) {
      this.iterations.splice(0, this.iterations.length - MAX_ITERATIONS);
    }
    // Keys of events before the start will not be replayed again.
    for (const [key, k] of this.known) {
      if (k.at === undefined || k.at < at - PRUNE_SLACK_MS) {
        this.known.delete(key);
        this.seen.delete(key);
      }
    }
    // Lines of this iteration that came before the news of its start (the two streams race):
    // the marker goes before them.
    for (const channel of this.channels.values()) {
      if (channel.lastLineAt !== undefined && channel.lastLineAt >= at && this.insertMarker(channel, iteration, at)) {
        this._onDidRewrite.fire(channel.key);
      }
    }
  }

  /**
   * Adds what one ApplicationLogs event carries. Returns the lines appended (none for a
   * replayed duplicate or an event without a log).
   */
  append(event: V2Event): string[] {
    const log: ApplicationLogEvent | undefined = event?.applicationLogEvent;
    if (!log || typeof log !== 'object') {
      return [];
    }
    const message = typeof log.message === 'string' ? log.message : '';
    const pod = cleanName(log.podName, '(unknown pod)');
    const container = cleanName(log.containerName, '(unknown container)');
    const at = eventTimeMs(event);
    if (this.isReplayed(event, pod, container, message, at)) {
      return [];
    }
    const texts = splitLines(message, this.maxLineLength, this.maxLines);
    if (texts.length === 0) {
      texts.push('');
    }
    const key = `${pod}/${container}`;
    let channel = this.channels.get(key);
    let added = false;
    if (channel) {
      this.channels.delete(key); // re-inserted below: most recently written last
    } else {
      channel = { key, pod, container, lines: [], head: 0, chars: 0, lastAt: undefined, lastLineAt: undefined };
      added = true;
    }
    this.channels.set(key, channel);
    const out: string[] = [];
    if (at !== undefined) {
      // A line of a later iteration than the container's previous line: a marker between them.
      // Decided on Skaffold's times; when this line comes before the news of its iteration
      // (the two streams race), beginIteration() puts the marker in afterwards.
      if (channel.lines.length > channel.head && channel.lastLineAt !== undefined) {
        const before = this.iterationIndexAt(channel.lastLineAt);
        const now = this.iterationIndexAt(at);
        if (now > before) {
          const marker = iterationMarker(this.iterations[now].iteration);
          this.push(channel, marker, true, this.iterations[now].at);
          out.push(marker);
        }
      }
      if (channel.lastLineAt === undefined || at >= channel.lastLineAt) {
        channel.lastLineAt = at;
      }
      channel.lastAt = channel.lastLineAt;
    } else {
      channel.lastAt = Date.now();
    }
    for (const text of texts) {
      this.push(channel, text, false, at);
      out.push(text);
    }
    this.trimChannel(channel);
    const dropped = this.enforceBounds(channel);
    this._onDidAppend.fire({ key, lines: out });
    if (added || dropped) {
      this._onDidChangeContainers.fire();
    }
    return out;
  }

  /** The lines of one container (`pod/container`), oldest first. */
  lines(key: string): string[] {
    const channel = this.channels.get(key);
    return channel ? channel.lines.slice(channel.head).map((l) => l.text) : [];
  }

  /** The containers, the most recently written first. */
  containers(): ContainerInfo[] {
    return [...this.channels.values()].reverse().map((c) => ({
      key: c.key, pod: c.pod, container: c.container, lineCount: c.lines.length - c.head, lastAt: c.lastAt,
    }));
  }

  /**
   * The lines of every container of a pod in the order they arrived, each after its
   * container's name in brackets ("[app] listening on :8080"); an iteration marker once.
   */
  podLines(pod: string): string[] {
    const parts = [...this.channels.values()].filter((c) => c.pod === pod);
    const merged: { line: Line; container: string }[] = [];
    for (const c of parts) {
      for (let i = c.head; i < c.lines.length; i++) {
        merged.push({ line: c.lines[i], container: c.container });
      }
    }
    merged.sort((a, b) => a.line.seq - b.line.seq);
    const out: string[] = [];
    let lastMarker: string | undefined;
    for (const { line, container } of merged) {
      if (line.marker) {
        if (line.text !== lastMarker) {
          out.push(line.text);
          lastMarker = line.text;
        }
      } else {
        out.push(parts.length > 1 ? `[${container}] ${line.text}` : line.text);
        lastMarker = undefined;
      }
    }
    return out;
  }

  /** Forgets every line (the replay index too). */
  clear(): void {
    this.channels.clear();
    this.totalChars = 0;
    this.totalLines = 0;
    this.known.clear();
    this.seen.clear();
    this.iterations = [];
    this._onDidChangeContainers.fire();
  }

  dispose(): void {
    this._onDidAppend.dispose();
    this._onDidChangeContainers.dispose();
    this._onDidRewrite.dispose();
  }

  // ---- internals ----

  /** Counts the event in the current subscription; true when an earlier one already had it. */
  private isReplayed(event: V2Event, pod: string, container: string, message: string, at: number | undefined): boolean {
    const ts = event.timestamp;
    const key = `${ts ? `${String(ts.seconds ?? '')}.${String(ts.nanos ?? '')}` : '-'}|${pod}|${container}|${message.length}|${hash(message)}`;
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    const known = this.known.get(key);
    if (known && count <= known.count) {
      return true;
    }
    if (known) {
      known.count = count;
    } else {
      this.known.set(key, { count, at });
      if (this.known.size > MAX_REPLAY_KEYS) {
        const oldest = this.known.keys().next().value as ReplayKey;
        this.known.delete(oldest);
        this.seen.delete(oldest);
      }
    }
    return false;
  }

  /**
   * Which known iteration start a Skaffold time follows (an index into `iterations`; -1 before
   * all). By index, not number: a restarted Skaffold counts from 1 again.
   */
  private iterationIndexAt(at: number): number {
    let lo = 0;
    let hi = this.iterations.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.iterations[mid].at <= at) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private push(channel: Channel, text: string, marker: boolean, at: number | undefined): void {
    channel.lines.push({ text, seq: this.seq++, marker, at });
    channel.chars += text.length;
    this.totalChars += text.length;
    this.totalLines++;
  }

  /** Puts the marker of an iteration that began at `at` before the channel's lines from then on; true when it did. */
  private insertMarker(channel: Channel, iteration: number, at: number): boolean {
    let j = channel.lines.length - 1;
    while (j >= channel.head && (channel.lines[j].at === undefined || channel.lines[j].at! >= at)) {
      j--;
    }
    if (j < channel.head || j === channel.lines.length - 1 || channel.lines[j].marker || channel.lines[j + 1].marker) {
      return false; // nothing before them (a new container), nothing after, or already separated
    }
    const text = iterationMarker(iteration);
    channel.lines.splice(j + 1, 0, { text, seq: channel.lines[j + 1].seq - 0.5, marker: true, at });
    channel.chars += text.length;
    this.totalChars += text.length;
    this.totalLines++;
    return true;
  }

  /** Drops the lines over maxLines (spliced out in batches, so that each append is O(1) on average). */
  private trimChannel(channel: Channel): void {
    let live = channel.lines.length - channel.head;
    while (live > this.maxLines) {
      this.dropFront(channel);
      live--;
    }
    this.compact(channel);
  }

  private dropFront(channel: Channel): void {
    const line = channel.lines[channel.head++];
    channel.chars -= line.text.length;
    this.totalChars -= line.text.length;
    this.totalLines--;
  }

  private compact(channel: Channel): void {
    if (channel.head > 0 && channel.head >= Math.max(1024, channel.lines.length / 4)) {
      channel.lines.splice(0, channel.head);
      channel.head = 0;
    }
  }

  /** Keeps the number of containers and the total size within bounds; true when a container was dropped. */
  private enforceBounds(current: Channel): boolean {
    let dropped = false;
    for (const [key, c] of this.channels) {
      if (this.channels.size <= this.maxContainers || c === current) {
        break;
      }
      this.channels.delete(key);
      this.totalChars -= c.chars;
      this.totalLines -= c.lines.length - c.head;
      dropped = true;
    }
    // Over a size bound: the least recently written containers lose their oldest lines.
    const over = () => this.totalChars > this.maxTotalChars || this.totalLines > this.maxTotalLines;
    for (const c of this.channels.values()) {
      if (!over()) {
        break;
      }
      while (over() && c.lines.length - c.head > (c === current ? 1 : 0)) {
        this.dropFront(c);
      }
      this.compact(c);
      if (c !== current && c.lines.length === c.head) {
        this.channels.delete(c.key);
        dropped = true;
      }
    }
    return dropped;
  }
}

/** The line that separates two iterations in a container's log (numbered as the views number them, from 0). */
export function iterationMarker(v2Iteration: number): string {
  return `── iteration #${Math.max(0, v2Iteration - 1)} ──`;
}
