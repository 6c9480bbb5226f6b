/**
 * The dev loop's history: one IterationRecord per iteration, built from the same events the
 * reducer applies, and a pure function of them (replaying the whole stream into a fresh state
 * gives the same history, however it is cut into batches).
 *
 * How the events are cut into iterations:
 * - With DevLoopEvents (Skaffold v1.9+): an iteration runs from its DevLoopEvent "In Progress"
 *   to its "Succeeded"/"Failed" (or another result string, kept as sent); every phase event in
 *   between belongs to it. A second "In Progress" with the same number while it runs is the
 *   same iteration.
 * - Events outside a running iteration (before the first DevLoopEvent, or without any, as
 *   before v1.9) open an *inferred* iteration: numbered 0 for the first, else one after the
 *   previous. In it the phases are expected in the order Skaffold's loop runs them (sync,
 *   build, deploy, status check): an event that starts a phase it has already started, or one
 *   earlier in that order, begins the next iteration. A build starts a phase only when it
 *   opens a new build round (the reducer's buildRoundOpen), so the artifacts of one round stay
 *   together. A sync then a build in one iteration (Skaffold does sync first) stay together.
 *   An inferred iteration's outcome and end are derived from its phases: In Progress while one
 *   runs, else Failed / Canceled / Succeeded, ending at its last phase's end. A DevLoopEvent
 *   with the inferred iteration's number adopts it (keeping its earlier start).
 *
 * Times are event timestamps only (never the wall clock); a missing or malformed one leaves
 * that time, and the durations depending on it, undefined. Durations are never negative.
 *
 * Cost: the reducer keeps one HistoryDraft while it owns the state (reducer.ts, Ownership), so
 * the list and the newest record are copied at most once per hand-out of the state, however
 * many events come in between.
 */
import {
  ArtifactTiming, ErrorInfo, IterationPhases, IterationRecord, IterationTrigger, MAX_ITERATION_ARTIFACTS,
  MAX_ITERATIONS, NOT_STARTED, PhaseTiming,
} from './model';
import { Status } from '../wire/protocol';

export type PhaseName = keyof IterationPhases;

/** What the reducer tells the history about one event (strings already bounded by it). */
export type HistoryEvent =
  | { kind: 'devLoop'; iteration: number; status: string; at: number | undefined; error?: ErrorInfo }
  | { kind: 'build'; artifact: string; status: string; at: number | undefined; error?: ErrorInfo; newRound: boolean }
  | { kind: 'sync' | 'deploy' | 'statusCheck'; status: string; at: number | undefined; error?: ErrorInfo };

const IN_PROGRESS = Status.InProgress;
const FAILED = Status.Failed;
/** Latest possible Date (ms): anything later is not a time. */
const MAX_TIME = 8.64e15;
const MAX_ERROR_MESSAGE = 2000;
const MAX_SUGGESTIONS = 5;
const MAX_SUGGESTION = 500;

/** Where each phase comes in Skaffold's loop. */
const ORDER: Record<PhaseName, number> = { sync: 0, build: 1, deploy: 2, statusCheck: 3 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type WritableRecord = Mutable<IterationRecord> & { artifacts: ArtifactTiming[] };

/** An event time, when it is one: finite, after the epoch (proto's zero Timestamp is "unset") and a valid Date. */
export function validTime(at: unknown): number | undefined {
  return typeof at === 'number' && Number.isFinite(at) && at > 0 && at <= MAX_TIME ? at : undefined;
}

/** end - start, when both are known and in order. */
export function durationBetween(start: number | undefined, end: number | undefined): number | undefined {
  return start !== undefined && end !== undefined && end >= start ? end - start : undefined;
}

function isResult(status: string): boolean {
  return status !== IN_PROGRESS && status !== NOT_STARTED && status !== '';
}

function timing(startedAt: number | undefined, endedAt: number | undefined, status: string): PhaseTiming {
  return { startedAt, endedAt, durationMs: durationBetween(startedAt, endedAt), status };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The error as kept in the history: shorter than the state's (200 iterations of them). */
function boundedError(e: ErrorInfo | undefined): ErrorInfo | undefined {
  if (!e) {
    return undefined;
  }
  if (e.message.length <= MAX_ERROR_MESSAGE && e.suggestions.length <= MAX_SUGGESTIONS && e.suggestions.every((s) => s.action.length <= MAX_SUGGESTION)) {
    return e;
  }
  return {
    message: cut(e.message, MAX_ERROR_MESSAGE),
    code: e.code,
    suggestions: e.suggestions.slice(0, MAX_SUGGESTIONS).map((s) => ({ action: cut(s.action, MAX_SUGGESTION), code: s.code })),
  };
}

function newRecord(iteration: number, first: boolean, startedAt: number | undefined, inferred: boolean): WritableRecord {
  // Every key always present (phases too, undefined until they run): one object shape, and the
  // same events give records deep-equal however they were batched.
  return {
    iteration,
    trigger: first ? 'initial' : 'other',
    inferred,
    startedAt,
    endedAt: undefined,
    durationMs: undefined,
    outcome: IN_PROGRESS,
    error: undefined,
    phases: { sync: undefined, build: undefined, deploy: undefined, statusCheck: undefined },
    artifacts: [],
  };
}

/** A shallow copy to write to: a literal of one shape (faster than a spread on the hot path). */
function copyRecord(r: IterationRecord): WritableRecord {
  const p = r.phases;
  return {
    iteration: r.iteration,
    trigger: r.trigger,
    inferred: r.inferred,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: r.durationMs,
    outcome: r.outcome,
    error: r.error,
    phases: { sync: p.sync, build: p.build, deploy: p.deploy, statusCheck: p.statusCheck },
    artifacts: r.artifacts.slice(),
  };
}

/**
 * Copy-on-write access to a state's iteration list: the list is copied the first time it
 * changes (`list` is then the copy, which the writer puts into its state), the newest record
 * the first time it changes; later changes write to the copies. The list it was given is
 * never modified.
 */
export class HistoryDraft {
  private owned: WritableRecord[] | undefined;
  private ownedLast: WritableRecord | undefined;

  constructor(private readonly base: readonly IterationRecord[]) {}

  get list(): readonly IterationRecord[] {
    return this.owned ?? this.base;
  }

  get last(): IterationRecord | undefined {
    const list = this.list;
    return list[list.length - 1];
  }

  private writableList(): WritableRecord[] {
    if (!this.owned) {
      this.owned = this.base.slice() as WritableRecord[];
    }
    return this.owned;
  }

  /** The newest record, writable (there must be one). */
  writableLast(): WritableRecord {
    const list = this.writableList();
    const i = list.length - 1;
    if (list[i] !== this.ownedLast) {
      this.ownedLast = copyRecord(list[i]);
      list[i] = this.ownedLast;
    }
    return this.ownedLast!;
  }

  push(record: WritableRecord): WritableRecord {
    const list = this.writableList();
    list.push(record);
    if (list.length > MAX_ITERATIONS) {
      list.splice(0, list.length - MAX_ITERATIONS);
    }
    this.ownedLast = record;
    return record;
  }
}

/**
 * Applies one event to the history being drafted; whether it changed anything (an event that
 * tells nothing, like a "Not Started" or a deploy's "Information", does not).
 */
export function recordEvent(h: HistoryDraft, e: HistoryEvent): boolean {
  return e.kind === 'devLoop' ? devLoop(h, e.iteration, e.status, validTime(e.at), e.error) : phaseEvent(h, e);
}

/** The history after `events`, from `iterations` (pure: the input is not modified). */
export function recordEvents(iterations: readonly IterationRecord[], events: Iterable<HistoryEvent>): readonly IterationRecord[] {
  const h = new HistoryDraft(iterations);
  for (const e of events) {
    recordEvent(h, e);
  }
  return h.list;
}

function devLoop(h: HistoryDraft, iteration: number, status: string, at: number | undefined, error: ErrorInfo | undefined): boolean {
  const last = h.last;
  const same = last !== undefined && last.iteration === iteration;
  if (status === IN_PROGRESS) {
    if (same && (last.inferred || last.outcome === IN_PROGRESS)) {
      // Work of this iteration came before its DevLoopEvent, or the event came twice.
      const r = h.writableLast();
      r.inferred = false;
      r.outcome = IN_PROGRESS;
      r.startedAt ??= at;
      r.endedAt = undefined;
      r.durationMs = undefined;
      return true;
    }
    h.push(newRecord(iteration, h.list.length === 0, at, false));
    return true;
  }
  if (!isResult(status)) {
    return false;
  }
  const r = same ? h.writableLast() : h.push(newRecord(iteration, h.list.length === 0, undefined, false));
  r.inferred = false;
  r.outcome = status;
  r.endedAt = at;
  r.durationMs = durationBetween(r.startedAt, at);
  // The dev loop's own error (with its code for the whole loop), else the failing phase's.
  r.error = boundedError(error) ?? (status === FAILED ? r.error : undefined);
  return true;
}

/** Whether this event starts its phase (as opposed to reporting on a running or finished one). */
function starts(e: Exclude<HistoryEvent, { kind: 'devLoop' }>): boolean {
  switch (e.kind) {
    case 'build':
      return e.status === IN_PROGRESS && e.newRound;
    case 'statusCheck':
      return e.status === Status.Started;
    default:
      return e.status === IN_PROGRESS;
  }
}

function highestStarted(r: IterationRecord): number {
  const p = r.phases;
  return p.statusCheck ? ORDER.statusCheck : p.deploy ? ORDER.deploy : p.build ? ORDER.build : p.sync ? ORDER.sync : -1;
}

/** The record this event belongs to, writable: the running one, or a new inferred one. */
function recordFor(h: HistoryDraft, e: Exclude<HistoryEvent, { kind: 'devLoop' }>, at: number | undefined): WritableRecord {
  const last = h.last;
  if (last) {
    const joins = last.inferred ? !starts(e) || ORDER[e.kind] > highestStarted(last) : last.outcome === IN_PROGRESS;
    if (joins) {
      return h.writableLast();
    }
  }
  return h.push(newRecord(last ? last.iteration + 1 : 0, h.list.length === 0, at, true));
}

function phaseEvent(h: HistoryDraft, e: Exclude<HistoryEvent, { kind: 'devLoop' }>): boolean {
  const status = e.status;
  if (status === '' || status === NOT_STARTED || (e.kind === 'deploy' && status === Status.Information)) {
    return false; // nothing ran: a reset or a note
  }
  const at = validTime(e.at);
  const r = recordFor(h, e, at);
  const phases = r.phases;
  const running = status === IN_PROGRESS || (e.kind === 'statusCheck' && status === Status.Started);
  if (e.kind === 'build') {
    build(r, e.artifact, status, at);
  } else {
    const prev = phases[e.kind];
    if (running) {
      // A phase run twice in one iteration spans both runs: its first start to its last end
      // (and a first start without a valid time stays unknown).
      phases[e.kind] = timing(prev ? prev.startedAt : at, undefined, IN_PROGRESS);
    } else {
      phases[e.kind] = timing(prev ? prev.startedAt : undefined, at, status);
    }
  }
  if (status === FAILED && e.error) {
    r.error = boundedError(e.error);
  }
  if (r.trigger !== 'initial') {
    r.trigger = triggerOf(phases);
  }
  if (r.inferred) {
    derive(r);
  }
  return true;
}

function build(r: WritableRecord, name: string, status: string, at: number | undefined): void {
  const artifacts = r.artifacts;
  const i = artifacts.findIndex((a) => a.name === name);
  const prev = i >= 0 ? artifacts[i] : undefined;
  const next: ArtifactTiming = status === IN_PROGRESS
    ? { name, status, startedAt: at, durationMs: undefined }
    : { name, status, startedAt: prev?.startedAt, durationMs: durationBetween(prev?.startedAt, at) };
  if (i >= 0) {
    artifacts[i] = next;
  } else if (artifacts.length < MAX_ITERATION_ARTIFACTS) {
    artifacts.push(next);
  }
  const phase = r.phases.build;
  if (status === IN_PROGRESS) {
    r.phases.build = timing(phase ? phase.startedAt : at, undefined, IN_PROGRESS);
    return;
  }
  // The build phase ends with the last result of the iteration's artifacts.
  let stillRunning = false;
  let failed = false;
  for (const a of artifacts) {
    stillRunning ||= a.status === IN_PROGRESS;
    failed ||= a.status === FAILED;
  }
  const startedAt = phase ? phase.startedAt : undefined;
  r.phases.build = stillRunning ? timing(startedAt, undefined, IN_PROGRESS) : timing(startedAt, at, failed ? FAILED : status);
}

/** What an iteration did: built (rebuild), else deployed (redeploy), else synced files only (sync). */
export function triggerOf(phases: IterationPhases): IterationTrigger {
  if (phases.build) {
    return 'rebuild';
  }
  if (phases.deploy) {
    return 'redeploy';
  }
  if (phases.sync) {
    return 'sync';
  }
  return 'other';
}

/** An inferred iteration's outcome and end, from its phases. */
function derive(r: WritableRecord): void {
  let endedAt: number | undefined;
  let outcome: string = Status.Succeeded;
  for (const name of ['sync', 'build', 'deploy', 'statusCheck'] as const) {
    const p = r.phases[name];
    if (!p) {
      continue;
    }
    if (p.status === IN_PROGRESS) {
      r.outcome = IN_PROGRESS;
      r.endedAt = undefined;
      r.durationMs = undefined;
      return;
    }
    if (p.status === FAILED) {
      outcome = FAILED;
    } else if (p.status === Status.Canceled && outcome !== FAILED) {
      outcome = Status.Canceled;
    }
    if (p.endedAt !== undefined && (endedAt === undefined || p.endedAt > endedAt)) {
      endedAt = p.endedAt;
    }
  }
  r.outcome = outcome;
  r.endedAt = endedAt;
  r.durationMs = durationBetween(r.startedAt, endedAt);
  if (outcome !== FAILED) {
    r.error = undefined;
  }
}
