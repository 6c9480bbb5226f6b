/**
 * The numbers behind the dev-loop timeline: how long each phase of an iteration took as the
 * chart stacks them, and whether a phase is slow or getting slower (a median of the recent
 * iterations against the earlier ones). Pure, from event timestamps only.
 */
import { IterationPhases, IterationRecord, PhaseTiming } from '../../state/model';
import { Status } from '../../wire/protocol';

export type TimelinePhase = keyof IterationPhases;

/** The phases in the order Skaffold runs them: stacked from the bottom of a bar. */
export const TIMELINE_PHASES: readonly TimelinePhase[] = ['sync', 'build', 'deploy', 'statusCheck'];

/** English texts; `labels` overrides any of them. `{name}` is replaced by a value. */
// ---------------------------------------------------------------------------------- durations

/**
 * The time each phase took, as the chart stacks it: deploy without the part of it the status
 * check overlaps (Skaffold v2 checks status inside its deploy; stacking both would count that
 * time twice). undefined where the events did not give a duration.
 */
export function phaseDurations(r: IterationRecord): Record<TimelinePhase, number | undefined> {
  const { sync, build, deploy, statusCheck } = r.phases ?? {};
  return {
    sync: ms(sync),
    build: ms(build),
    deploy: deploy && ms(deploy) !== undefined ? Math.max(0, ms(deploy)! - overlap(deploy, statusCheck)) : undefined,
    statusCheck: ms(statusCheck),
  };
}

function ms(p: PhaseTiming | undefined): number | undefined {
  const d = p?.durationMs;
  return typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : undefined;
}

function overlap(a: PhaseTiming, b: PhaseTiming | undefined): number {
  if (!b || ms(b) === undefined || a.startedAt === undefined || a.endedAt === undefined || b.startedAt === undefined || b.endedAt === undefined) {
    return 0;
  }
  return Math.max(0, Math.min(a.endedAt, b.endedAt) - Math.max(a.startedAt, b.startedAt));
}

export function finished(r: IterationRecord): boolean {
  return r.outcome !== Status.InProgress;
}

export function totalMs(r: IterationRecord): number | undefined {
  const d = r.durationMs;
  return typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : undefined;
}

// --------------------------------------------------------------------------------------- trend

/** How many finished iterations each side of the comparison takes. */
export const TREND_WINDOW = 5;
/** Fewer samples than this on either side: no claim about a trend. */
export const TREND_MIN_SAMPLES = 3;
/** A change is meaningful when the medians differ by this factor... */
export const TREND_RATIO = 1.25;
/** ...and by at least this much (ms): below it, it is noise in any dev loop. */
export const TREND_MIN_DELTA_MS = 300;

export interface PhaseTrend {
  phase: TimelinePhase;
  /** Median duration over the last (up to TREND_WINDOW) finished iterations that ran the phase. */
  recentMs: number;
  recentCount: number;
  /** The same over the TREND_WINDOW before those, when there were any. */
  previousMs?: number;
  previousCount: number;
  direction: 'slower' | 'faster' | 'steady' | 'unknown';
}

export interface TrendSummary {
  /** Per phase that has samples, in TIMELINE_PHASES order. */
  phases: PhaseTrend[];
  /** The phase with the greatest recent median. */
  slowest?: TimelinePhase;
  /** Failed iterations among the last (up to) 2 × TREND_WINDOW finished ones, and how many those are. */
  failed: number;
  considered: number;
  /** The iteration running now (the newest, unfinished), if any. */
  running?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Which phase is slow and whether it is getting slower: per phase, the median of the last
 * TREND_WINDOW finished iterations that ran it against the median of the TREND_WINDOW before.
 * The initial iteration builds everything, so it is left out unless it is all there is; a
 * phase that failed is left out of that phase's samples (a failure is quick, not fast).
 */
export function summarizeTrend(iterations: readonly IterationRecord[]): TrendSummary {
  const done = iterations.filter(finished);
  const later = done.filter((r) => r.trigger !== 'initial');
  const pool = later.length > 0 ? later : done;
  const phases: PhaseTrend[] = [];
  for (const phase of TIMELINE_PHASES) {
    const samples: number[] = [];
    for (const r of pool) {
      const d = phaseDurations(r)[phase];
      if (d !== undefined && r.phases?.[phase]?.status !== Status.Failed) {
        samples.push(d);
      }
    }
    if (samples.length === 0) {
      continue;
    }
    const recent = samples.slice(-TREND_WINDOW);
    const previous = samples.slice(-2 * TREND_WINDOW, -TREND_WINDOW);
    const recentMs = median(recent);
    const previousMs = previous.length > 0 ? median(previous) : undefined;
    let direction: PhaseTrend['direction'] = 'unknown';
    if (previousMs !== undefined && recent.length >= TREND_MIN_SAMPLES && previous.length >= TREND_MIN_SAMPLES) {
      const delta = recentMs - previousMs;
      if (delta >= TREND_MIN_DELTA_MS && recentMs >= previousMs * TREND_RATIO) {
        direction = 'slower';
      } else if (-delta >= TREND_MIN_DELTA_MS && previousMs >= recentMs * TREND_RATIO) {
        direction = 'faster';
      } else {
        direction = 'steady';
      }
    }
    phases.push({ phase, recentMs, recentCount: recent.length, previousMs, previousCount: previous.length, direction });
  }
  let slowest: PhaseTrend | undefined;
  for (const p of phases) {
    if (!slowest || p.recentMs > slowest.recentMs) {
      slowest = p;
    }
  }
  const lastDone = done.slice(-2 * TREND_WINDOW);
  const newest = iterations[iterations.length - 1];
  return {
    phases,
    slowest: slowest?.phase,
    failed: lastDone.filter((r) => r.outcome === Status.Failed).length,
    considered: lastDone.length,
    running: newest && !finished(newest) ? newest.iteration : undefined,
  };
}

