/**
 * The session state the extension shows: plain, immutable data built by the reducer from
 * Skaffold's GetState and its event stream. Strings in it came from the server: untrusted.
 */
import { Metadata } from '../wire/protocol';

/** An error as Skaffold reported it: the message, its StatusCode name and the suggestions. */
export interface ErrorInfo {
  message: string;
  /** StatusCode enum name (e.g. BUILD_USER_ERROR), or the number when unknown to our proto. */
  code?: string;
  suggestions: SuggestionInfo[];
}

export interface SuggestionInfo {
  code?: string;
  action: string;
}

/** The last finished build of an artifact, kept across iterations that did not rebuild it. */
export interface BuildResult {
  status: string;
  iteration: number;
  /** ms from its "In Progress" event to this one, when both were seen. */
  durationMs?: number;
  /** Event time (ms since epoch) of the result. */
  at?: number;
  error?: ErrorInfo;
}

export interface ArtifactState {
  name: string;
  /** Skaffold's current status: Not Started, In Progress, Complete, Failed, Canceled, or another string. */
  status: string;
  /** The iteration the current status belongs to. */
  iteration: number;
  /** Event time (ms) the current build started, while it is In Progress. */
  startedAt?: number;
  error?: ErrorInfo;
  /** The last finished build (Complete, Failed or Canceled), whatever iteration it was in. */
  lastResult?: BuildResult;
  /**
   * The last build that succeeded: the image that is deployed and running, kept across
   * iterations until a newer build of this artifact succeeds (a failed one does not replace it).
   */
  lastBuilt?: BuildResult;
  hostPlatform?: string;
  targetPlatforms?: string;
}

/**
 * A Kubernetes resource as the last status check that spoke of it saw it. It stays in the
 * state while it runs, across iterations that do not deploy (Skaffold's own State forgets it
 * at every build): until a status check of a later deploy passes without naming it, or, for a
 * pod, until a later deploy reports a new pod of the same workload (a rollout replaced it).
 */
export interface ResourceState {
  /** As Skaffold names it: `deployment/app`, `Pod/app-c6b3a40544-4cf5b`. */
  name: string;
  status: string;
  message?: string;
  /** StatusCode name from the event (STATUSCHECK_SUCCESS, STATUSCHECK_CONTAINER_CREATING, ...). */
  code?: string;
  error?: ErrorInfo;
  at?: number;
  /** The dev-loop iteration of the event this verdict comes from. */
  iteration: number;
  /** The deploy it was last reported in (SessionState.deploys); SEEDED when only GetState named it. */
  deploy: number;
  /** The state epoch it was reported in: Skaffold's own State still lists it while this equals SessionState.epoch. */
  epoch: number;
}

/** `deploy` of what GetState listed before any event was replayed: the replay replaces it. */
export const SEEDED = -1;

export interface PortState {
  localPort: number;
  address: string;
  resourceType?: string;
  resourceName?: string;
  namespace?: string;
  podName?: string;
  containerName?: string;
  portName?: string;
  /** The resource's port: number, or a named port. */
  targetPort?: number | string;
  /** The dev-loop iteration that forwarded it. */
  iteration: number;
  /** The state epoch it was announced in (see ResourceState.epoch). */
  epoch: number;
}

export interface DebugContainerState {
  key: string;
  status: string;
  podName?: string;
  containerName?: string;
  namespace?: string;
  artifact?: string;
  runtime?: string;
  workingDir?: string;
  debugPorts: Record<string, number>;
}

export interface PhaseState {
  status: string;
  message?: string;
  code?: string;
  error?: ErrorInfo;
  at?: number;
  /** The iteration the status belongs to, when an event set it. */
  iteration?: number;
  /**
   * The last finished run of this phase (its status Complete, Succeeded, Failed, ...), kept
   * when Skaffold resets the phase for a new iteration: what is deployed comes from it.
   */
  last?: PhaseResult;
}

/** A finished run of a phase, from the iteration it ran in. */
export interface PhaseResult {
  status: string;
  iteration: number;
  at?: number;
  message?: string;
  error?: ErrorInfo;
}

export interface FileSyncPhase extends PhaseState {
  fileCount?: number;
  image?: string;
}

export interface AutoTriggers {
  /** undefined when this Skaffold does not report it (before v1.11). */
  build?: boolean;
  sync?: boolean;
  deploy?: boolean;
}

export interface DevLoopState {
  /** Skaffold's v1 iteration number: 0 is the first loop. -1 before any DevLoopEvent. */
  iteration: number;
  status: string;
  error?: ErrorInfo;
  startedAt?: number;
  at?: number;
}

/** How an iteration's work is classified, as far as v1 events tell (they never say why it ran). */
export type IterationTrigger = 'initial' | 'rebuild' | 'sync' | 'redeploy' | 'other';

/**
 * One phase of an iteration, timed from event timestamps only (never the wall clock).
 * Times are undefined when the event that would give them had no valid timestamp; the
 * duration is undefined unless both ends are known and in order.
 */
export interface PhaseTiming {
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  /** In Progress while running, else the result (Complete, Succeeded, Failed, ... as sent). */
  status: string;
}

export interface IterationPhases {
  build?: PhaseTiming;
  sync?: PhaseTiming;
  deploy?: PhaseTiming;
  statusCheck?: PhaseTiming;
}

export interface ArtifactTiming {
  name: string;
  status: string;
  startedAt?: number;
  durationMs?: number;
}

/** One dev-loop iteration as the events tell it (see history.ts for how they are cut). */
export interface IterationRecord {
  /** Skaffold's v1 number (from 0); events before the first DevLoopEvent belong to 0. */
  iteration: number;
  trigger: IterationTrigger;
  /** True when no DevLoopEvent told where it starts (Skaffold before v1.9, or events before the first one). */
  inferred: boolean;
  startedAt?: number;
  /** Absent while it runs (and when its end had no valid timestamp). */
  endedAt?: number;
  durationMs?: number;
  /** The DevLoopEvent status: In Progress, Succeeded, Failed, or another string as sent. */
  outcome: string;
  error?: ErrorInfo;
  phases: IterationPhases;
  /** The artifacts it built, in the order they started (at most MAX_ITERATION_ARTIFACTS). */
  artifacts: readonly ArtifactTiming[];
}

/** How many iterations the state keeps: the newest ones. */
export const MAX_ITERATIONS = 200;
/** How many artifacts one iteration record lists. */
export const MAX_ITERATION_ARTIFACTS = 50;

/**
 * What the extension shows of a Skaffold session. Skaffold's own State is what the current
 * iteration did; this is that and what is running (API-NOTES.md, State): artifacts keep their
 * last successful build, resources their last verdict and ports stay forwarded until Skaffold
 * redeploys. What Skaffold's State itself would list now is the entries of the current `epoch`
 * (see `skaffoldView`).
 */
export interface SessionState {
  artifacts: ReadonlyMap<string, ArtifactState>;
  /** Resources running, each with its last verdict (see ResourceState). */
  resources: ReadonlyMap<string, ResourceState>;
  /** Ports forwarded now: kept across iterations until Skaffold redeploys (it stops the forwards then). */
  ports: ReadonlyMap<number, PortState>;
  debugContainers: ReadonlyMap<string, DebugContainerState>;
  deploy: PhaseState;
  statusCheck: PhaseState;
  fileSync: FileSyncPhase;
  test: PhaseState;
  devLoop: DevLoopState;
  autoTrigger: AutoTriggers;
  /** Skaffold's version from its MetaEvent ("v2.7.0"), when it reports one. */
  skaffoldVersion?: string;
  /** The MetaEvent's text as sent. */
  skaffoldInfo?: string;
  metadata?: Metadata;
  /** Set when Skaffold announced its end (TerminationEvent). */
  termination?: PhaseState;
  /** Whether the current iteration has started building (build state was reset for it). */
  buildRoundOpen: boolean;
  /** How many times Skaffold reset its State (a build round or a deploy started). */
  epoch: number;
  /** How many deploys have started. */
  deploys: number;
  /** Events seen whose kind this proto does not know (newer Skaffold): kept count of, shown in the log. */
  unknownEvents: number;
  /** Event time (ms) of the last event applied. */
  lastEventAt?: number;
  /** The dev loop's history, oldest first, the newest MAX_ITERATIONS of them. */
  iterations: readonly IterationRecord[];
}

export type Section =
  | 'artifacts' | 'resources' | 'ports' | 'debugContainers' | 'deploy' | 'statusCheck'
  | 'fileSync' | 'test' | 'devLoop' | 'autoTrigger' | 'meta' | 'history';

/** Every section, for a change that touches the whole state. */
export const SECTIONS: readonly Section[] = [
  'artifacts', 'resources', 'ports', 'debugContainers', 'deploy', 'statusCheck', 'fileSync',
  'test', 'devLoop', 'autoTrigger', 'meta', 'history',
];

/**
 * What a state transition touched: the sections, which keys inside the keyed ones
 * (artifacts, resources, ports), and the sections that changed as a whole (a reset), where
 * every item must be refreshed.
 */
export interface StateChange {
  sections: Set<Section>;
  all: Set<Section>;
  artifacts: Set<string>;
  resources: Set<string>;
  ports: Set<number>;
}

export function emptyChange(): StateChange {
  return { sections: new Set(), all: new Set(), artifacts: new Set(), resources: new Set(), ports: new Set() };
}

/**
 * At most this many resources named in one change: past it, the change names the resources as
 * a whole (`all`), as a reset does. The views then redraw the Resources view at once, which
 * costs no more than that many rows one by one, and a burst over thousands of resources does
 * not grow a set of names per delivery.
 */
export const MAX_NAMED_RESOURCES = 1000;

/** Notes that resource `name` changed. */
export function noteResource(change: StateChange, name: string): void {
  if (change.resources.size < MAX_NAMED_RESOURCES) {
    change.resources.add(name);
  } else {
    change.all.add('resources');
  }
}

export function isEmptyChange(change: StateChange): boolean {
  return change.sections.size === 0;
}

/** Adds `from` into `into` (used to coalesce bursts). */
export function mergeChange(into: StateChange, from: StateChange): StateChange {
  for (const s of from.sections) {
    into.sections.add(s);
  }
  for (const s of from.all) {
    into.all.add(s);
  }
  for (const a of from.artifacts) {
    into.artifacts.add(a);
  }
  for (const r of from.resources) {
    noteResource(into, r);
  }
  for (const p of from.ports) {
    into.ports.add(p);
  }
  return into;
}

export const NOT_STARTED = 'Not Started';

export function initialState(): SessionState {
  return {
    artifacts: new Map(),
    resources: new Map(),
    ports: new Map(),
    debugContainers: new Map(),
    deploy: { status: NOT_STARTED },
    statusCheck: { status: NOT_STARTED },
    fileSync: { status: NOT_STARTED },
    test: { status: NOT_STARTED },
    devLoop: { iteration: -1, status: NOT_STARTED },
    autoTrigger: {},
    buildRoundOpen: false,
    epoch: 0,
    deploys: 0,
    unknownEvents: 0,
    iterations: [],
  };
}

/** A status that ends a run: not In Progress, Started, Not Started or empty. */
export function isFinished(status: string): boolean {
  return status !== 'In Progress' && status !== 'Started' && status !== NOT_STARTED && status !== '';
}

/**
 * The phase's last finished run: itself when an event finished it, else the one it kept (a
 * status only GetState gave, before the replay, is not a run: the replay tells it again).
 * Used by the reducer and by the reconciliation with GetState.
 */
export function lastOf(p: PhaseState): PhaseResult | undefined {
  if (p.iteration !== undefined && isFinished(p.status) && p.status !== 'Information') {
    return { status: p.status, iteration: p.iteration, at: p.at, message: p.message, error: p.error };
  }
  return p.last;
}

/**
 * What Skaffold's own State lists now (GetState): the resources and ports reported since its
 * last reset. The state keeps more (what still runs); this is for comparing with Skaffold.
 */
export function skaffoldView(s: SessionState): { resources: ResourceState[]; ports: PortState[] } {
  return {
    resources: [...s.resources.values()].filter((r) => r.epoch === s.epoch),
    ports: [...s.ports.values()].filter((p) => p.epoch === s.epoch),
  };
}
