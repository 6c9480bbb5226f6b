/**
 * The pure reducer: (SessionState, LogEntry) -> SessionState + what changed. It follows what
 * Skaffold itself does to its state for each event (see API-NOTES.md, State), and keeps what
 * is still running, which Skaffold's State forgets:
 * - an iteration that builds resets the build state (artifacts not rebuilt go back to
 *   "Not Started", keeping their last successful build) and the deploy, status check, file
 *   sync and test phases (keeping each one's last result); resources keep their last verdict
 *   and ports stay forwarded, as they do in the cluster;
 * - a deploy stops Skaffold's port-forwards and debuggers (they go), and its status check
 *   speaks of the resources again: a rollout's new pods replace the workload's old ones, and
 *   a check that passes without naming a resource means it is no longer deployed.
 * It also records the dev loop's history (iterations and their phase timings, history.ts).
 * It never throws on what the server sends: unknown event kinds and status strings are kept
 * as they are, missing fields are tolerated, and server text is bounded in length. The parts
 * of an event become the model in fromProto.ts (the boundary); GetState is brought in by
 * fromProto.ts (stateFromServer) and reconcile.ts.
 */
import { bounded, Bound } from '../base/text';
import {
  ArtifactState, emptyChange, ErrorInfo, lastOf, NOT_STARTED,
  PhaseState, ResourceState, SEEDED, Section, SessionState, StateChange,
} from './model';
import { isPod, ownerStem, WorkloadIndex } from './workloads';
import { HistoryDraft, HistoryEvent, recordEvent } from './history';
import { codeOf, debugContainer, entryTime, errorInfo, parseVersion, portState, statusOf } from './fromProto';
import { LogEntry, Status } from '../wire/protocol';

// Until their importers (session/replay.ts, state/eventLog.ts, test/unit/faults.test.ts,
// test/unit/recordings.test.ts) import them from where they are now: remove then.

export interface ReduceResult {
  state: SessionState;
  change: StateChange;
}

function isTerminal(status: string): boolean {
  return status !== Status.InProgress && status !== NOT_STARTED && status !== '';
}

function currentIteration(state: SessionState): number {
  return Math.max(0, state.devLoop.iteration);
}

type Collections = 'artifacts' | 'resources' | 'ports' | 'debugContainers';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Pods grouped by their owner (a workload, else what their name says: `~stem`). */
class OwnerIndex {
  readonly pods = new Map<string, Set<string>>();

  constructor(private readonly workloads: WorkloadIndex) {}

  keyOf(pod: string): string {
    return this.workloads.ownerOf(pod) ?? `~${ownerStem(pod)}`;
  }

  addPod(pod: string): void {
    const key = this.keyOf(pod);
    let set = this.pods.get(key);
    if (!set) {
      set = new Set();
      this.pods.set(key, set);
    }
    set.add(pod);
  }
}

/**
 * A state being changed: copy-on-write, once per draft. The first change copies the state
 * object, and the first change to a collection copies that map; later changes in the same
 * draft (a batch of events) write to the copies. The input state is never touched.
 */
class Draft {
  private ownState = false;
  private readonly owned = new Set<unknown>();
  private historyDraft: HistoryDraft | undefined;
  private owners: OwnerIndex | undefined;

  constructor(private current: SessionState, readonly change: StateChange) {}

  get state(): SessionState {
    return this.current;
  }

  private writable(): Mutable<SessionState> {
    if (!this.ownState) {
      this.current = { ...this.current };
      this.ownState = true;
    }
    return this.current as Mutable<SessionState>;
  }

  /** A map of the state that may be written, copied the first time in this draft. */
  map<K extends Collections>(key: K): SessionState[K] extends ReadonlyMap<infer MK, infer MV> ? Map<MK, MV> : never {
    const existing = this.current[key];
    if (this.owned.has(existing)) {
      return existing as never;
    }
    const copy = new Map(existing as ReadonlyMap<unknown, unknown>);
    this.owned.add(copy);
    this.writable()[key] = copy as never;
    return copy as never;
  }

  set<K extends keyof SessionState>(key: K, value: SessionState[K], section?: Section): void {
    this.writable()[key] = value;
    if (section) {
      this.touch(section);
    }
  }

  touch(section: Section): void {
    this.change.sections.add(section);
  }

  touchAll(section: Section): void {
    this.change.sections.add(section);
    this.change.all.add(section);
  }

  private fresh<K, V>(): Map<K, V> {
    const m = new Map<K, V>();
    this.owned.add(m);
    return m;
  }

  /**
   * What Skaffold does when an iteration starts building (ResetStateOnBuild), less what the
   * cluster still runs: resources and forwarded ports stay (only what GetState seeded goes,
   * as the replay tells it again).
   */
  resetOnBuild(iteration: number): void {
    const artifacts = this.fresh<string, ArtifactState>();
    for (const [name, a] of this.current.artifacts) {
      artifacts.set(name, { ...a, status: NOT_STARTED, iteration, startedAt: undefined, error: undefined });
    }
    const w = this.writable();
    w.artifacts = artifacts;
    w.deploy = resetPhase(this.current.deploy);
    w.statusCheck = resetPhase(this.current.statusCheck);
    w.fileSync = resetPhase(this.current.fileSync);
    w.test = resetPhase(this.current.test);
    this.dropSeeded();
    w.buildRoundOpen = true;
    w.epoch = this.current.epoch + 1;
    for (const s of ['artifacts', 'deploy', 'statusCheck', 'fileSync', 'test', 'resources', 'ports'] as const) {
      this.touchAll(s);
    }
  }

  /**
   * What Skaffold does when a deploy starts (ResetStateOnDeploy): it stops its port-forwards
   * and debuggers. Resources keep their last verdict until the new status check names them.
   */
  resetOnDeploy(): void {
    const w = this.writable();
    w.statusCheck = resetPhase(this.current.statusCheck);
    this.dropSeeded();
    w.ports = this.fresh();
    w.debugContainers = this.fresh();
    w.buildRoundOpen = false;
    w.deploys = this.current.deploys + 1;
    w.epoch = this.current.epoch + 1;
    for (const s of ['statusCheck', 'resources', 'ports', 'debugContainers'] as const) {
      this.touchAll(s);
    }
  }

  /** Resources only GetState named (before the replay told of them): the replay tells again. */
  private dropSeeded(): void {
    let seeded = false;
    for (const r of this.current.resources.values()) {
      if (r.deploy === SEEDED) {
        seeded = true;
        break;
      }
    }
    if (seeded) {
      const resources = this.map('resources');
      for (const [name, r] of resources) {
        if (r.deploy === SEEDED) {
          resources.delete(name);
        }
      }
      this.owners = undefined;
    }
  }

  /**
   * A status check's word on a resource. The first word of this deploy on a pod retires the
   * pods of the same workload from earlier deploys: a rollout replaced them.
   */
  setResource(next: ResourceState): void {
    const resources = this.map('resources');
    const prev = resources.get(next.name);
    const pod = isPod(next.name);
    if (!pod && !prev) {
      this.owners = undefined; // a new workload may own pods known before it
    }
    if (pod && prev?.deploy !== next.deploy) {
      const owners = this.ownerIndex();
      for (const name of [...(owners.pods.get(owners.keyOf(next.name)) ?? [])]) {
        const r = resources.get(name);
        if (r && r.deploy < next.deploy && name !== next.name) {
          resources.delete(name);
          owners.pods.get(owners.keyOf(name))?.delete(name);
          this.touchAll('resources');
        }
      }
    }
    resources.set(next.name, next);
    if (pod && !prev && this.owners) {
      this.owners.addPod(next.name);
    }
    this.touch('resources');
    this.change.resources.add(next.name);
  }

  /**
   * Which workload owns each pod of the resources this draft writes, built at its first need
   * in the draft (one pass) and kept up to date by setResource; a deletion of a workload
   * drops it. Without it, each new pod would compare every pod with every workload.
   */
  private ownerIndex(): OwnerIndex {
    if (!this.owners) {
      const resources = this.map('resources');
      const workloads = new WorkloadIndex([...resources.keys()].filter((n) => !isPod(n)));
      this.owners = new OwnerIndex(workloads);
      for (const name of resources.keys()) {
        if (isPod(name)) {
          this.owners.addPod(name);
        }
      }
    }
    return this.owners;
  }

  /**
   * A status check passed: every resource of the deploy was named in it. What it did not
   * name is no longer deployed, but for pods of a workload it named (a workload that did not
   * roll out keeps its pods, which Skaffold only names while they start).
   */
  pruneAfterCheck(): void {
    const deploy = this.current.deploys;
    const stale = [...this.current.resources.values()].filter((r) => r.deploy < deploy);
    if (stale.length === 0) {
      return;
    }
    const resources = this.map('resources');
    const checked = new WorkloadIndex([...resources.values()].filter((r) => r.deploy === deploy && !isPod(r.name)).map((r) => r.name));
    for (const r of stale) {
      if (!isPod(r.name) || checked.ownerOf(r.name) === undefined) {
        resources.delete(r.name);
      }
    }
    this.owners = undefined;
    this.touchAll('resources');
  }

  /** Records an event in the dev loop's history (history.ts), copying the list once per draft. */
  record(event: HistoryEvent): void {
    // `?? []`: a state made before the history existed (or by hand) has none yet.
    this.historyDraft ??= new HistoryDraft(this.current.iterations ?? [], (list) => this.set('iterations', list));
    if (recordEvent(this.historyDraft, event)) {
      this.touch('history');
    }
  }

  closeBuildRound(): void {
    if (this.current.buildRoundOpen) {
      this.set('buildRoundOpen', false);
    }
  }
}

/** Applies one event. Pure: `state` is not modified. */
export function reduce(state: SessionState, entry: LogEntry): ReduceResult {
  const change = emptyChange();
  return { state: apply(state, entry, change), change };
}

/**
 * The same as `reduce`, adding what changed into `change` instead of returning a new one:
 * the session's hot path accumulates a burst's changes without allocating per event.
 */
export function apply(state: SessionState, entry: LogEntry, change: StateChange): SessionState {
  const d = new Draft(state, change);
  applyTo(d, entry);
  return d.state;
}

/**
 * Several events at once, as if reduced one by one, but each collection is copied at most
 * once for the whole batch: with hundreds of resources, copying the map per event would
 * cost more than everything else together.
 */
export function applyBatch(state: SessionState, entries: readonly LogEntry[], change: StateChange): SessionState {
  const d = new Draft(state, change);
  for (const entry of entries) {
    applyTo(d, entry);
  }
  return d.state;
}

function applyTo(d: Draft, entry: LogEntry): void {
  const event = entry?.event;
  const at = entryTime(entry ?? {});
  const kind = event?.event_type ?? (event ? Object.keys(event).find((k) => k !== 'event_type') : undefined);
  switch (kind) {
    case 'metaEvent': {
      const info = bounded(event!.metaEvent?.entry, Bound.text) ?? bounded(entry.entry, Bound.text);
      d.set('skaffoldInfo', info);
      d.set('skaffoldVersion', parseVersion(info) ?? d.state.skaffoldVersion);
      d.set('metadata', event!.metaEvent?.metadata ?? d.state.metadata, 'meta');
      break;
    }
    case 'devLoopEvent': {
      const e = event!.devLoopEvent ?? {};
      const iteration = Number.isInteger(e.iteration) ? e.iteration! : 0;
      const status = statusOf(e.status);
      const prev = d.state.devLoop;
      const startedAt = status === Status.InProgress ? at : prev.iteration === iteration ? prev.startedAt : undefined;
      const error = errorInfo(e.err);
      d.set('devLoop', { iteration, status, error, startedAt, at }, 'devLoop');
      d.set('buildRoundOpen', false);
      d.record({ kind: 'devLoop', iteration, status, at, error });
      break;
    }
    case 'buildEvent': {
      const e = event!.buildEvent ?? {};
      const name = bounded(e.artifact, Bound.name);
      if (!name) {
        countUnknown(d);
        return;
      }
      const status = statusOf(e.status);
      const iteration = currentIteration(d.state);
      const newRound = status === Status.InProgress && !d.state.buildRoundOpen;
      if (newRound) {
        d.resetOnBuild(iteration);
      }
      const prev = d.state.artifacts.get(name);
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      const next: ArtifactState = {
        name,
        status,
        iteration,
        startedAt: status === Status.InProgress ? at : prev?.startedAt,
        error,
        lastResult: prev?.lastResult,
        lastBuilt: prev?.lastBuilt,
        hostPlatform: bounded(e.hostPlatform, Bound.word) ?? prev?.hostPlatform,
        targetPlatforms: bounded(e.targetPlatforms, Bound.name) ?? prev?.targetPlatforms,
      };
      if (isTerminal(status)) {
        const durationMs = next.startedAt !== undefined && at !== undefined && at >= next.startedAt ? at - next.startedAt : undefined;
        next.lastResult = { status, iteration, durationMs, at, error };
        if (status === Status.Complete) {
          next.lastBuilt = next.lastResult;
        }
        next.startedAt = undefined;
      }
      d.map('artifacts').set(name, next);
      d.touch('artifacts');
      d.change.artifacts.add(name);
      d.record({ kind: 'build', artifact: name, status, at, error, newRound });
      break;
    }
    case 'deployEvent': {
      const e = event!.deployEvent ?? {};
      const status = statusOf(e.status);
      if (status === Status.Information) {
        d.set('deploy', { ...d.state.deploy, message: bounded(e.err, Bound.text) ?? bounded(entry.entry, Bound.text), at }, 'deploy');
        break;
      }
      if (status === Status.InProgress) {
        d.resetOnDeploy();
      }
      d.closeBuildRound();
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      d.set('deploy', phase(d.state.deploy, status, currentIteration(d.state), at, error), 'deploy');
      d.record({ kind: 'deploy', status, at, error });
      break;
    }
    case 'statusCheckEvent': {
      const e = event!.statusCheckEvent ?? {};
      d.closeBuildRound();
      const status = statusOf(e.status);
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      d.set('statusCheck', { ...phase(d.state.statusCheck, status, currentIteration(d.state), at, error), message: bounded(e.message, Bound.text) }, 'statusCheck');
      if (status === Status.Succeeded) {
        d.pruneAfterCheck();
      }
      d.record({ kind: 'statusCheck', status, at, error });
      break;
    }
    case 'resourceStatusCheckEvent': {
      const e = event!.resourceStatusCheckEvent ?? {};
      const name = bounded(e.resource, Bound.name);
      if (!name) {
        countUnknown(d);
        return;
      }
      const error = errorInfo(e.actionableErr, e.err);
      const status = statusOf(e.status);
      const message = bounded(e.message, Bound.text);
      d.setResource({
        name,
        status,
        message,
        code: codeOf(e.statusCode),
        // A "creating container" progress note comes as an actionableErr too; it is only an
        // error when the resource failed or the message differs from the progress message.
        error: error && (status === Status.Failed || error.message !== message) ? error : undefined,
        at,
        iteration: currentIteration(d.state),
        deploy: d.state.deploys,
        epoch: d.state.epoch,
      });
      break;
    }
    case 'portEvent': {
      const port = portState(event!.portEvent ?? {}, currentIteration(d.state), d.state.epoch);
      if (!port) {
        countUnknown(d);
        return;
      }
      d.map('ports').set(port.localPort, port);
      d.touch('ports');
      d.change.ports.add(port.localPort);
      break;
    }
    case 'fileSyncEvent': {
      const e = event!.fileSyncEvent ?? {};
      d.closeBuildRound();
      const status = statusOf(e.status);
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      d.set('fileSync', {
        ...phase(d.state.fileSync, status, currentIteration(d.state), at, error),
        fileCount: Number.isInteger(e.fileCount) ? e.fileCount : undefined,
        image: bounded(e.image, Bound.name),
      }, 'fileSync');
      d.record({ kind: 'sync', status, at, error });
      break;
    }
    case 'debuggingContainerEvent': {
      const c = debugContainer(event!.debuggingContainerEvent ?? {});
      const containers = d.map('debugContainers');
      if (c.status === Status.Terminated) {
        containers.delete(c.key);
      } else {
        containers.set(c.key, c);
      }
      d.touch('debugContainers');
      break;
    }
    case 'terminationEvent': {
      const e = event!.terminationEvent ?? {};
      d.set('termination', { status: statusOf(e.status), at, error: errorInfo(e.err) }, 'meta');
      break;
    }
    case 'TestEvent': {
      const e = event!.TestEvent ?? {};
      d.set('test', phase(d.state.test, statusOf(e.status), currentIteration(d.state), at, errorInfo(e.actionableErr)), 'test');
      break;
    }
    default:
      countUnknown(d);
      return;
  }
  if (at !== undefined) {
    d.set('lastEventAt', at);
  }
}

function countUnknown(d: Draft): void {
  d.set('unknownEvents', d.state.unknownEvents + 1);
}

/** A phase's new status; its last result is kept (the previous status when that one had finished). */
function phase(prev: PhaseState, status: string, iteration: number, at: number | undefined, error: ErrorInfo | undefined): PhaseState {
  return { status, at, error, code: error?.code, iteration, last: lastOf(prev) };
}

/** A phase reset for a new iteration ("Not Started"), keeping its last result. */
function resetPhase(p: PhaseState): PhaseState {
  return { status: NOT_STARTED, last: lastOf(p) };
}
