/**
 * The words of the Dev Loop History view: rows short enough for a sidebar at its default width
 * ("#3 rebuild", "succeeded · 4.2s"), and what a screen reader says of each row ("Iteration 3,
 * rebuild, started by src/a.txt modified, succeeded in 4.2 seconds"). Pure, so that it is
 * tested in plain Node; the view adds icons and tooltips.
 */
import { ArtifactTiming, IterationPhases, IterationRecord, PhaseTiming } from '../state/model';
import { oneLine, Width } from '../base/text';
import { formatDuration, spokenDuration } from './labels';
import { Status } from '../wire/protocol';

export type PhaseKey = keyof IterationPhases;

/** The phases in the order Skaffold runs them. */
export const PHASES: readonly PhaseKey[] = ['sync', 'build', 'deploy', 'statusCheck'];

export const PHASE_LABEL: Record<PhaseKey, string> = {
  sync: 'Sync',
  build: 'Build',
  deploy: 'Deploy',
  statusCheck: 'Status check',
};

const TRIGGER_WORD: Record<string, string> = {
  initial: 'initial',
  rebuild: 'rebuild',
  sync: 'sync',
  redeploy: 'redeploy',
  other: 'other',
};

/** What an iteration did: initial, rebuild, sync, redeploy or other. */
export function triggerWord(r: IterationRecord): string {
  return TRIGGER_WORD[r.trigger] ?? 'other';
}

/** An older iteration whose end never came (as the timeline says it). */
export const NO_RESULT = 'no result';

/** A status from Skaffold as one lower-case word: running, succeeded, failed, canceled; any other string as sent. */
export function outcomeWord(status: string | undefined): string {
  switch (status) {
    case Status.InProgress:
    case Status.Started:
      return 'running';
    case Status.Succeeded:
    case Status.Complete:
    case 'Completed':
      return 'succeeded';
    case Status.Failed:
      return 'failed';
    case Status.Canceled:
      return 'canceled';
    default:
      return oneLine(status, Width.status);
  }
}

/** An iteration's outcome word; `newest` says whether a running one can still be running. */
export function iterationOutcome(r: IterationRecord, newest: boolean): string {
  return r.outcome === Status.InProgress && !newest ? NO_RESULT : outcomeWord(r.outcome);
}

/** "succeeded · 4.2s", "failed · 1.0s", "running": the outcome word, then the duration when known. */
export function outcomeText(word: string, ms: number | undefined): string {
  return [word, formatDuration(ms)].filter(Boolean).join(' · ');
}

const FINISHED_WORDS = new Set(['succeeded', 'failed', 'canceled']);

/** The same in words: "succeeded in 4.2 seconds", "running for 2.0 seconds", "running". */
export function spokenOutcome(word: string, ms: number | undefined): string {
  const d = spokenDuration(ms);
  if (!d) {
    return word;
  }
  if (word === 'running') {
    return `running for ${d}`;
  }
  return FINISHED_WORDS.has(word) ? `${word} in ${d}` : [word, `took ${d}`].filter(Boolean).join(', ');
}

/** An iteration's row: "#3 rebuild". */
export function iterationLabel(r: IterationRecord): string {
  return `#${r.iteration} ${triggerWord(r)}`;
}

/** Its description: "succeeded · 4.2s". */
export function iterationDescription(r: IterationRecord, newest: boolean): string {
  return outcomeText(iterationOutcome(r, newest), r.durationMs);
}

/** "Iteration 3, rebuild, started by src/a.txt modified, succeeded in 4.2 seconds". */
export function iterationSpoken(r: IterationRecord, newest: boolean, cause: string | undefined): string {
  return [
    `Iteration ${r.iteration}`,
    triggerWord(r),
    cause ? `started by ${oneLine(cause, Width.line)}` : '',
    spokenOutcome(iterationOutcome(r, newest), r.durationMs),
  ].filter(Boolean).join(', ');
}

/** The row under an iteration that says what started it: "Started by: src/a.txt modified". */
export function causeLabel(cause: string): string {
  return `Started by: ${oneLine(cause, Width.line)}`;
}

export function causeSpoken(iteration: number, cause: string): string {
  return `Iteration ${iteration} was started by ${oneLine(cause, Width.line)}`;
}

/** A phase row's description: "succeeded · 1.0s". */
export function phaseDescription(timing: PhaseTiming): string {
  return outcomeText(outcomeWord(timing.status), timing.durationMs);
}

/** "Build of iteration 3, succeeded in 1.0 seconds". */
export function phaseSpoken(phase: PhaseKey, iteration: number, timing: PhaseTiming | undefined): string {
  const outcome = timing ? spokenOutcome(outcomeWord(timing.status), timing.durationMs) : '';
  return [`${PHASE_LABEL[phase]} of iteration ${iteration}`, outcome].filter(Boolean).join(', ');
}

/** An artifact row under an iteration's build: "example/app · succeeded · 2.0s". */
export function artifactLabel(a: ArtifactTiming): string {
  return [oneLine(a.name, Width.name), outcomeText(outcomeWord(a.status), a.durationMs)].filter(Boolean).join(' · ');
}

/** "Build of example/app in iteration 3, succeeded in 2.0 seconds". */
export function artifactSpoken(a: ArtifactTiming, iteration: number): string {
  return [`Build of ${oneLine(a.name, Width.name)} in iteration ${iteration}`, spokenOutcome(outcomeWord(a.status), a.durationMs)].filter(Boolean).join(', ');
}
