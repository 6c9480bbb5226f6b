/**
 * Skaffold's own output (what its terminal shows), per task and subtask, from the v2 Events
 * stream's SkaffoldLogEvents: "Generating tags...", "Building [example/app]...", the build's
 * error, "Deployments stabilized in 2.2 seconds".
 *
 * A SkaffoldLogEvent is not always a whole line (" - example/app -> " then
 * "example/app:latest\n"): fragments are joined per (task, subtask) until a newline ends them.
 * Since Events replays the whole history to each subscriber, the store is rebuilt from scratch
 * (reset()) on each subscription. Bounded: line length, lines per task, tasks kept (the oldest
 * go first), characters in all, file-change triggers.
 */
import { logLine } from './containerLogs';
import { oneLine, Width } from '../base/text';
import { Disposable, Emitter } from '../base/events';
import { eventTimeMs, parseTaskId, SkaffoldLogEvent, TaskEvent, V2Event, V2Status } from '../wire/protocolV2';

export interface SkaffoldOutputOptions {
  /** Lines kept per task (default 5000). */
  maxLinesPerTask?: number;
  /** Tasks kept, the newest (default 100). */
  maxTasks?: number;
  /** Characters per line (default 4096). */
  maxLineLength?: number;
  /** Characters kept over all tasks (default 16 Mi); the oldest tasks lose lines first. */
  maxTotalChars?: number;
  /** Lines kept over all tasks (default 100,000); the oldest tasks lose lines first. */
  maxTotalLines?: number;
  /** File-change triggers kept, the newest (default 200). */
  maxTriggers?: number;
}

/** One line of output. `level` is the LogLevel name (DEBUG when Skaffold left it out) or an unknown number. */
export interface OutputLine {
  text: string;
  level: string | number;
  /** The subtask ("-1" when none; the image name for per-artifact build output). */
  subtask: string;
  /** Skaffold's time of the line's first fragment, ms. */
  at: number | undefined;
  /** False while the line waits for the rest of it (its newline). */
  complete: boolean;
}

export interface TaskInfo {
  id: string;
  /** Build, Deploy, DevLoop, ... ('' when the id is not of the form Task-N). */
  task: string;
  /** v2 iteration (from 1); -1 when the id does not say. */
  iteration: number;
  /** Lines shown by default (not DEBUG or TRACE). */
  lineCount: number;
  subtasks: string[];
  /** The newest TaskEvent status (InProgress, Succeeded, Failed, ...), if any came. */
  status: string | undefined;
  /** The failure's message, when the TaskEvent carried one. */
  error: string | undefined;
  firstAt: number | undefined;
  lastAt: number | undefined;
}

/** Files whose change started an iteration, from Skaffold's "files modified: [a b]" line. */
export interface Trigger {
  /** The task the line was logged under (the iteration before the one it starts). */
  taskId: string;
  at: number | undefined;
  kind: 'added' | 'modified' | 'deleted';
  files: string[];
  /** The v2 iteration the change started, once that iteration's DevLoop task began. */
  iteration: number | undefined;
}

export interface OutputQuery {
  /** Include DEBUG and TRACE lines, which Skaffold's terminal hides by default (default false). */
  all?: boolean;
}

interface Line extends OutputLine {
  /** What came so far, raw, while incomplete (bounded). */
  raw: string;
}

interface TaskRecord {
  id: string;
  lines: Line[];
  head: number;
  chars: number;
  /** subtask -> its incomplete line */
  pending: Map<string, Line>;
  subtasks: Set<string>;
  status: string | undefined;
  error: string | undefined;
  firstAt: number | undefined;
  lastAt: number | undefined;
}

const HIDDEN_LEVELS = new Set<string | number>(['DEBUG', 'TRACE']);
const TRIGGER = /^files (added|modified|deleted): \[(.*)\]\s*$/;
const MAX_FILES_PER_TRIGGER = 200;
const MAX_ID_LENGTH = 200;

function levelOf(value: unknown): string | number {
  if (value === undefined || value === null) {
    return 'DEBUG'; // 0 on the wire: left out
  }
  return typeof value === 'number' || typeof value === 'string' ? value : 'DEBUG';
}

function idOf(value: unknown, fallback: string): string {
  return (typeof value === 'string' ? oneLine(value, MAX_ID_LENGTH) : '') || fallback;
}

export class SkaffoldOutputStore {
  private readonly _onDidAppend = new Emitter<{ taskId: string; subtaskId: string; lines: string[] }>();
  /** Lines completed in a task's subtask, as they arrive (replays included: the store was reset first). */
  readonly onDidAppend = (listener: (taskId: string, subtaskId: string, lines: string[]) => void): Disposable =>
    this._onDidAppend.event((e) => listener(e.taskId, e.subtaskId, e.lines));
  private readonly _onDidReset = new Emitter<void>();
  /** Everything was dropped (a new subscription replays the history). */
  readonly onDidReset = this._onDidReset.event;
  private readonly _onDidChangeTask = new Emitter<string>();
  /** A task appeared or its status changed (by id). */
  readonly onDidChangeTask = this._onDidChangeTask.event;

  private readonly maxLinesPerTask: number;
  private readonly maxTasks: number;
  private readonly maxLineLength: number;
  private readonly maxTotalChars: number;
  private readonly maxTotalLines: number;
  private readonly maxTriggers: number;
  /** Oldest first (creation order). */
  private readonly taskMap = new Map<string, TaskRecord>();
  private totalChars = 0;
  private totalLines = 0;
  private triggerList: Trigger[] = [];

  constructor(options: SkaffoldOutputOptions = {}) {
    this.maxLinesPerTask = Math.max(1, Math.floor(options.maxLinesPerTask ?? 5000));
    this.maxTasks = Math.max(1, Math.floor(options.maxTasks ?? 100));
    this.maxLineLength = Math.max(16, Math.floor(options.maxLineLength ?? 4096));
    this.maxTotalChars = Math.max(this.maxLineLength * 4, Math.floor(options.maxTotalChars ?? 16 * 1024 * 1024));
    this.maxTotalLines = Math.max(this.maxLinesPerTask, Math.floor(options.maxTotalLines ?? 100_000));
    this.maxTriggers = Math.max(1, Math.floor(options.maxTriggers ?? 200));
  }

  /** Takes one v2 event; anything that is not a SkaffoldLogEvent or TaskEvent is ignored. */
  apply(event: V2Event): void {
    if (!event || typeof event !== 'object') {
      return;
    }
    if (event.skaffoldLogEvent && typeof event.skaffoldLogEvent === 'object') {
      this.applyLog(event.skaffoldLogEvent, eventTimeMs(event));
    } else if (event.taskEvent && typeof event.taskEvent === 'object') {
      this.applyTask(event.taskEvent, eventTimeMs(event));
    }
  }

  /** Drops everything (before a new subscription's replay). */
  reset(): void {
    this.taskMap.clear();
    this.totalChars = 0;
    this.totalLines = 0;
    this.triggerList = [];
    this._onDidReset.fire();
  }

  /** The task's lines (one subtask's only, when given), oldest first, as text. */
  output(taskId: string, subtaskId?: string, query: OutputQuery = {}): string[] {
    return this.outputLines(taskId, subtaskId, query).map((l) => l.text);
  }

  /** Like output(), with each line's level, subtask and time. */
  outputLines(taskId: string, subtaskId?: string, query: OutputQuery = {}): OutputLine[] {
    const task = this.taskMap.get(taskId);
    if (!task) {
      return [];
    }
    const out: OutputLine[] = [];
    for (let i = task.head; i < task.lines.length; i++) {
      const l = task.lines[i];
      if ((subtaskId === undefined || l.subtask === subtaskId) && (query.all || !HIDDEN_LEVELS.has(l.level))) {
        out.push({ text: l.text, level: l.level, subtask: l.subtask, at: l.at, complete: l.complete });
      }
    }
    return out;
  }

  /**
   * The newest task of a kind ("Build", "Deploy", "StatusCheck", "DevLoop", ...) that has lines
   * (of `subtaskId`, when given): for "the output of this artifact's last build",
   * latestTask('Build', 'example/app').
   */
  latestTask(prefix: string, subtaskId?: string, query: OutputQuery = {}): string | undefined {
    const records = [...this.taskMap.values()];
    for (let i = records.length - 1; i >= 0; i--) {
      const t = records[i];
      if (parseTaskId(t.id)?.task !== prefix) {
        continue;
      }
      for (let j = t.head; j < t.lines.length; j++) {
        const l = t.lines[j];
        if ((subtaskId === undefined || l.subtask === subtaskId) && (query.all || !HIDDEN_LEVELS.has(l.level))) {
          return t.id;
        }
      }
    }
    return undefined;
  }

  /** The tasks kept, oldest first. */
  tasks(): TaskInfo[] {
    return [...this.taskMap.values()].map((t) => {
      const parsed = parseTaskId(t.id);
      let lineCount = 0;
      for (let i = t.head; i < t.lines.length; i++) {
        if (!HIDDEN_LEVELS.has(t.lines[i].level)) {
          lineCount++;
        }
      }
      return {
        id: t.id, task: parsed?.task ?? '', iteration: parsed?.iteration ?? -1, lineCount,
        subtasks: [...t.subtasks], status: t.status, error: t.error, firstAt: t.firstAt, lastAt: t.lastAt,
      };
    });
  }

  /** The file changes Skaffold reported, oldest first. */
  triggers(): Trigger[] {
    return this.triggerList.map((t) => ({ ...t, files: [...t.files] }));
  }

  dispose(): void {
    this._onDidAppend.dispose();
    this._onDidReset.dispose();
    this._onDidChangeTask.dispose();
  }

  // ---- internals ----

  private task(id: string, at: number | undefined): TaskRecord {
    let task = this.taskMap.get(id);
    if (!task) {
      task = { id, lines: [], head: 0, chars: 0, pending: new Map(), subtasks: new Set(), status: undefined, error: undefined, firstAt: at, lastAt: at };
      this.taskMap.set(id, task);
      while (this.taskMap.size > this.maxTasks) {
        const [oldestId, oldest] = this.taskMap.entries().next().value as [string, TaskRecord];
        this.taskMap.delete(oldestId);
        this.totalChars -= oldest.chars;
        this.totalLines -= oldest.lines.length - oldest.head;
      }
      this._onDidChangeTask.fire(id);
    }
    if (at !== undefined) {
      task.firstAt ??= at;
      task.lastAt = at;
    }
    return task;
  }

  private applyTask(e: TaskEvent, at: number | undefined): void {
    const id = idOf(e.id, '');
    if (!id) {
      return;
    }
    const task = this.task(id, at);
    const status = typeof e.status === 'string' ? oneLine(e.status, Width.status) : undefined;
    const error = typeof e.actionableErr?.message === 'string' && e.actionableErr.message ? oneLine(e.actionableErr.message, this.maxLineLength) : undefined;
    const nextError = error ?? (status === V2Status.Failed ? task.error : undefined);
    if (status !== task.status || nextError !== task.error) {
      task.status = status;
      task.error = nextError;
      this._onDidChangeTask.fire(id);
    }
    const parsed = parseTaskId(id);
    if (parsed?.task === 'DevLoop' && status === V2Status.InProgress) {
      for (const t of this.triggerList) {
        t.iteration ??= parsed.iteration;
      }
    }
  }

  private applyLog(e: SkaffoldLogEvent, at: number | undefined): void {
    const taskId = idOf(e.task_id, '(no task)');
    const subtask = idOf(e.subtask_id, '-1');
    const message = typeof e.message === 'string' ? e.message : '';
    if (!message) {
      return;
    }
    const task = this.task(taskId, at);
    task.subtasks.add(subtask);
    const level = levelOf(e.level);
    const parts = message.split('\n');
    const completed: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const part = parts[i];
      if (last && part === '') {
        break; // the message ended with its newline
      }
      let line = task.pending.get(subtask);
      if (!line) {
        line = { text: '', raw: '', level, subtask, at, complete: false };
        task.lines.push(line);
        this.totalLines++;
      }
      const room = this.maxLineLength * 4 + 64 - line.raw.length;
      if (room > 0) {
        line.raw += part.length > room ? part.slice(0, room + 1) : part;
      }
      const before = line.text.length;
      line.text = logLine(line.raw.endsWith('\r') && !last ? line.raw.slice(0, -1) : line.raw, this.maxLineLength);
      task.chars += line.text.length - before;
      this.totalChars += line.text.length - before;
      if (last) {
        task.pending.set(subtask, line); // waits for its newline
      } else {
        line.complete = true;
        line.raw = '';
        task.pending.delete(subtask);
        completed.push(line.text);
        this.noticeTrigger(taskId, line);
      }
    }
    this.trim(task);
    if (completed.length) {
      this._onDidAppend.fire({ taskId, subtaskId: subtask, lines: completed });
    }
  }

  private noticeTrigger(taskId: string, line: Line): void {
    const m = TRIGGER.exec(line.text);
    if (!m) {
      return;
    }
    const files = m[2].split(/\s+/).filter(Boolean).slice(0, MAX_FILES_PER_TRIGGER);
    this.triggerList.push({ taskId, at: line.at, kind: m[1] as Trigger['kind'], files, iteration: undefined });
    if (this.triggerList.length > this.maxTriggers) {
      this.triggerList.splice(0, this.triggerList.length - this.maxTriggers);
    }
  }

  private trim(current: TaskRecord): void {
    while (current.lines.length - current.head > this.maxLinesPerTask) {
      this.dropFront(current);
    }
    this.compact(current);
    const over = () => this.totalChars > this.maxTotalChars || this.totalLines > this.maxTotalLines;
    for (const t of this.taskMap.values()) {
      if (!over()) {
        break;
      }
      while (over() && t.lines.length - t.head > (t === current ? 1 : 0)) {
        this.dropFront(t);
      }
      this.compact(t);
    }
  }

  private dropFront(task: TaskRecord): void {
    const line = task.lines[task.head++];
    task.chars -= line.text.length;
    this.totalChars -= line.text.length;
    this.totalLines--;
    if (task.pending.get(line.subtask) === line) {
      task.pending.delete(line.subtask);
    }
  }

  private compact(task: TaskRecord): void {
    if (task.head > 0 && task.head >= Math.max(256, task.lines.length / 4)) {
      task.lines.splice(0, task.head);
      task.head = 0;
    }
  }
}
