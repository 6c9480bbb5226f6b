/**
 * What each row of the views says, readable at the default sidebar width: the name first and
 * short, the status as an icon and one word (with `· #N` when it comes from an earlier
 * iteration), everything else in the tooltip, and the whole row in words for screen readers.
 *
 * Each row answers two questions apart, as Tilt's resource list does: what is running (the
 * last result, kept across iterations until something replaces it) and what the current
 * iteration is doing to it (building, deploying, checking, failed this time). Pure and free
 * of the VS Code API, so it is unit tested in plain Node.
 */
import {
  ArtifactState, BuildResult, ErrorInfo, isFinished, NOT_STARTED, PhaseResult, PhaseState, PortState, ResourceState,
  SessionState,
} from '../state/model';
import { oneLine, Width } from '../base/text';
import { Look, formatDuration, portHost, spokenDuration, statusLook } from './labels';
import { Status } from '../wire/protocol';
import { isPod, kindOf, shortName } from '../state/workloads';

export interface RowText {
  /** The row's label: the name, short. */
  label: string;
  /** The status word, then ` · #N` when what it says comes from an earlier iteration. */
  description: string;
  /** The status word alone. */
  word: string;
  look: Look;
  /** The row in words, for screen readers. */
  accessible: string;
}

const PASSED: Look = statusLook(Status.Succeeded);
const FAILED: Look = statusLook(Status.Failed);
const WORKING: Look = statusLook(Status.InProgress);
const IDLE: Look = statusLook(NOT_STARTED);
const UNKNOWN: Look = { icon: 'history', color: 'disabledForeground' };

/** The iteration a state is in (0 before the first DevLoopEvent, as the reducer counts). */
export function currentIteration(state: SessionState): number {
  return Math.max(0, state.devLoop.iteration);
}

/** ` · #N` when `iteration` is before `current`, else ''. */
function since(iteration: number | undefined, current: number): string {
  return iteration !== undefined && iteration < current ? ` · #${iteration}` : '';
}

/** `in iteration N` for screen readers, when from an earlier iteration. */
function sinceWords(iteration: number | undefined, current: number): string {
  return iteration !== undefined && iteration < current ? ` in iteration ${iteration}` : '';
}

function durationWords(ms: number | undefined): string {
  const d = spokenDuration(ms);
  return d ? ` in ${d}` : '';
}

/** A status Skaffold sent that we have no word for: shown as sent, lower-cased. */
function asSent(status: string): string {
  return oneLine(status, Width.status).toLowerCase() || 'unknown';
}

// ------------------------------------------------------------------------------ artifacts

/**
 * What an artifact's row shows: the build this iteration (building, built, failed,
 * canceled), else its last result (`up to date · #0` when its last build succeeded and this
 * iteration did not rebuild it). `running` is the earlier successful build that is still
 * deployed when this one failed or was canceled; `error` the failure to show under the row.
 */
export function artifactRow(a: ArtifactState, current: number): RowText & { running?: BuildResult; error?: ErrorInfo } {
  const name = oneLine(a.name, Width.name);
  const label = name;
  const last = a.lastResult;
  let word: string;
  let look: Look;
  let from: number | undefined;
  let error: ErrorInfo | undefined;
  let says: string;
  switch (a.status) {
    case Status.InProgress:
      word = 'building';
      look = WORKING;
      says = 'building';
      break;
    case Status.Complete:
      word = 'built';
      look = PASSED;
      says = `built${durationWords(last?.durationMs)}`;
      break;
    case Status.Failed:
    case Status.Canceled:
      word = a.status === Status.Failed ? 'failed' : 'canceled';
      look = statusLook(a.status);
      error = a.error;
      says = `build ${word}`;
      break;
    case NOT_STARTED:
    case '':
      if (last?.status === Status.Complete) {
        word = 'up to date';
        look = PASSED;
        from = last.iteration;
        says = `up to date, built${sinceWords(from, current)}${durationWords(last.durationMs)}`;
      } else if (last) {
        word = last.status === Status.Failed ? 'failed' : last.status === Status.Canceled ? 'canceled' : asSent(last.status);
        look = statusLook(last.status);
        from = last.iteration;
        error = last.error;
        says = `last build ${word}${sinceWords(from, current)}`;
      } else {
        word = 'not built';
        look = IDLE;
        says = 'not built yet';
      }
      break;
    default:
      word = asSent(a.status);
      look = statusLook(a.status);
      says = word;
  }
  const failedNow = word === 'failed' || word === 'canceled';
  const running = failedNow && a.lastBuilt && a.lastBuilt !== last ? a.lastBuilt : undefined;
  const stillRunning = running ? `; still running the build from iteration ${running.iteration}` : '';
  return {
    label,
    word,
    description: `${word}${since(from, current)}`,
    look,
    accessible: `${name}, ${says}${stillRunning}`,
    running,
    error,
  };
}

/** The child row under a failed artifact that says what still runs. */
export function runningBuildText(b: BuildResult, current: number): { label: string; accessible: string } {
  const d = formatDuration(b.durationMs);
  const when = b.iteration < current ? `#${b.iteration}` : 'this iteration';
  return {
    label: `running: build of ${when}${d ? ` (${d})` : ''}`,
    accessible: `Still running the build from iteration ${b.iteration}${b.durationMs !== undefined ? `, built${durationWords(b.durationMs)}` : ''}`,
  };
}

// ------------------------------------------------------------------------------ resources

/** The words of a status check's verdict on a workload and on a pod. */
const WORKLOAD_WORD: Record<string, string> = {
  [Status.InProgress]: 'rolling out',
  [Status.Succeeded]: 'ready',
  [Status.Failed]: 'failed',
};

/**
 * What a resource's row shows. A workload: its last verdict (`ready`, `rolling out`,
 * `failed`), marked `· #N` when an earlier iteration's check gave it. A pod: `running` once
 * it or its workload passed (Skaffold's v1 events never close a pod's "In Progress"),
 * `starting` while the check still waits on it, `failed`, or `unknown` when a check ended
 * without a word on it.
 */
export function resourceRow(r: ResourceState, state: SessionState, owner?: ResourceState): RowText {
  const current = currentIteration(state);
  const pod = isPod(r.name);
  // A pod under its workload is named by what its name adds to the workload's (`c44bcb7d5e-7f6e2`
  // under deployment/app: the ReplicaSet and the pod), which tells a rollout's pods apart and
  // fits the sidebar; the whole name is in the tooltip and the spoken label.
  const podName = oneLine(shortName(r.name), Width.name);
  const ownerPrefix = owner ? `${oneLine(shortName(owner.name), Width.name)}-` : undefined;
  const label = !pod ? oneLine(r.name, Width.name) : ownerPrefix && podName.startsWith(ownerPrefix) && podName.length > ownerPrefix.length
    ? podName.slice(ownerPrefix.length) : podName;
  let word: string;
  let look: Look;
  if (pod) {
    const ownerPassed = owner?.status === Status.Succeeded && owner.deploy >= r.deploy;
    // The check of this pod's deploy is over: a later deploy began, or this one's check ended.
    const checkOver = r.deploy < state.deploys || isFinished(state.statusCheck.status);
    if (r.status === Status.Succeeded || (r.status === Status.InProgress && (ownerPassed || checkOver && state.statusCheck.status === Status.Succeeded))) {
      word = 'running';
      look = PASSED;
    } else if (r.status === Status.Failed) {
      word = 'failed';
      look = FAILED;
    } else if (r.status === Status.InProgress) {
      word = checkOver ? 'unknown' : 'starting';
      look = checkOver ? UNKNOWN : WORKING;
    } else {
      word = asSent(r.status);
      look = statusLook(r.status);
    }
  } else {
    word = WORKLOAD_WORD[r.status] ?? asSent(r.status);
    look = statusLook(r.status);
  }
  const kind = pod ? 'Pod' : oneLine(kindOf(r.name), Width.status) || 'Resource';
  const what = pod ? `${kind} ${podName}` : `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${oneLine(shortName(r.name), Width.name)}`;
  const message = r.message && r.message.trim().toLowerCase() !== r.status.trim().toLowerCase() && word !== 'running' && word !== 'ready'
    ? `: ${oneLine(r.message, Width.line)}` : '';
  return {
    label,
    word,
    description: `${word}${since(r.iteration, current)}`,
    look,
    accessible: `${what}, ${word}${sinceWords(r.iteration, current)}${message}`,
  };
}

// ------------------------------------------------------------------------------ phases

export type PhaseKey = 'deploy' | 'statusCheck' | 'fileSync' | 'test';

export const PHASE_LABEL: Record<PhaseKey, string> = {
  deploy: 'Deploy',
  statusCheck: 'Status check',
  fileSync: 'File sync',
  test: 'Test',
};

const PHASE_WORDS: Record<PhaseKey, Record<string, string>> = {
  deploy: { [Status.InProgress]: 'deploying', [Status.Complete]: 'deployed', [Status.Failed]: 'failed' },
  statusCheck: { [Status.Started]: 'checking', [Status.InProgress]: 'checking', [Status.Succeeded]: 'passed', [Status.Failed]: 'failed' },
  fileSync: { [Status.InProgress]: 'syncing', [Status.Succeeded]: 'synced', [Status.Failed]: 'failed' },
  test: { [Status.InProgress]: 'testing', [Status.Succeeded]: 'passed', [Status.Complete]: 'passed', [Status.Failed]: 'failed' },
};

function phaseWord(key: PhaseKey, status: string): string {
  return PHASE_WORDS[key][status] ?? (status === NOT_STARTED || status === '' ? 'not run' : asSent(status));
}

/**
 * A phase's row: what this iteration does in it, else its last result with `· #N`
 * (`deployed · #0` after a build that failed, rather than "Not Started").
 */
export function phaseRow(key: PhaseKey, p: PhaseState, current: number): RowText & { shown: PhaseState | PhaseResult } {
  const idle = p.status === NOT_STARTED || p.status === '';
  const shown: PhaseState | PhaseResult = idle && p.last ? p.last : p;
  const word = phaseWord(key, shown.status);
  const from = idle && p.last ? p.last.iteration : undefined;
  const label = PHASE_LABEL[key];
  return {
    label,
    word,
    description: `${word}${since(from, current)}`,
    look: statusLook(shown.status),
    accessible: `${label}, ${word}${sinceWords(from, current)}`,
    shown,
  };
}

// ------------------------------------------------------------------------------ ports

/**
 * A forwarded port's row: `localhost:47480`, then where it leads (`app:8080`), marked `· #N`
 * when an earlier iteration forwarded it (it stays open until Skaffold redeploys).
 */
export function portRow(p: PortState, current: number): RowText {
  const host = portHost(p.address);
  const label = `${host}:${p.localPort}`;
  const target = p.targetPort !== undefined ? `:${oneLine(p.targetPort, Width.address)}` : '';
  const resource = oneLine(p.resourceName ?? p.podName, Width.name) || '?';
  const kind = oneLine(p.resourceType, Width.status);
  const word = `${resource}${target}`;
  return {
    label,
    word,
    description: `${word}${since(p.iteration, current)}`,
    look: { icon: 'plug' },
    accessible: `Port ${p.localPort} on ${host}, forwarded to ${kind ? `${kind} ` : ''}${resource}${target ? ` port ${target.slice(1)}` : ''}`
      + `${p.namespace ? ` in namespace ${oneLine(p.namespace, Width.address)}` : ''}${p.iteration < current ? `, since iteration ${p.iteration}` : ''}`,
  };
}
