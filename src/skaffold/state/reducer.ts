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
  ArtifactState, emptyChange, ErrorInfo, lastOf, NOT_STARTED, noteResource,
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

/**
 * Pods grouped by their owner (a workload, else what their name says: `~stem`). Small arrays,
 * not sets: an owner has a pod or two, and the index is written on every rollout.
 */
class OwnerIndex {
  /**
   * Per owner, its pod (most have one) or its pods: no array per owner of one pod, which a
   * rollout would make anew for every workload (an array's first push reserves 17 slots).
   * A workload that lost its last pod keeps its key (undefined): a rollout removes a pod and
   * adds its successor, and deleting and adding the key each time filled the map's table with
   * deleted entries, so that V8 made it anew every few hundred pods (measured: 4.7 MB of the
   * 200,000-event burst's scavenge survivors).
   */
  private readonly pods = new Map<string, string | string[] | undefined>();
  /** The keys of pods no workload owns (`~stem`). */
  private readonly orphanKeys = new Set<string>();

  constructor(private readonly workloads: WorkloadIndex) {}

  /** A pod's owner: its workload, else `~stem`. */
  keyOf(pod: string): string {
    return this.workloads.ownerOf(pod) ?? `~${ownerStem(pod)}`;
  }

  /** The pods whose owner is `key` (a copy when several: the caller may remove while reading). */
  podsOf(key: string): readonly string[] {
    const held = this.pods.get(key);
    return held === undefined ? NONE : typeof held === 'string' ? [held] : [...held];
  }

  addPod(pod: string, key = this.keyOf(pod)): void {
    const held = this.pods.get(key);
    if (held === undefined) {
      this.pods.set(key, pod);
      if (key.charCodeAt(0) === 0x7e) {
        this.orphanKeys.add(key);
      }
    } else if (typeof held === 'string') {
      this.pods.set(key, [held, pod]);
    } else {
      held.push(pod);
    }
  }

  removePod(pod: string, key = this.keyOf(pod)): void {
    const held = this.pods.get(key);
    if (held === pod) {
      if (this.orphanKeys.delete(key)) {
        this.pods.delete(key); // named after the pod, not a workload: seldom back
      } else {
        this.pods.set(key, undefined);
      }
    } else if (typeof held === 'object') {
      const i = held.indexOf(pod);
      if (i >= 0) {
        held.splice(i, 1);
      }
      if (held.length === 1) {
        this.pods.set(key, held[0]);
      }
    }
  }

  /** A new workload: the pods known before it that it owns move under it. */
  addWorkload(workload: string): void {
    this.workloads.add(workload);
    for (const key of [...this.orphanKeys]) {
      for (const pod of this.podsOf(key)) {
        if (this.workloads.ownerOf(pod) === workload) {
          this.removePod(pod, key);
          this.addPod(pod, workload);
        }
      }
    }
  }
}

const NONE: readonly string[] = [];

/**
 * What a writer of a state owns: the state object, the maps and the history list it made
 * since it last handed the state out (nobody else can hold them), and the index of pods by
 * owner of the resources map it describes. A batch of events writes to what it owns in place
 * and copies the rest, once. The session keeps one Ownership for the state it shows and calls
 * `release()` whenever it hands that state out: from then on the state is frozen for whoever
 * holds it, and the next write copies again. So a burst of events copies each collection once
 * per hand-out (a few times a second, when the views read it), not once per socket read.
 * Without one (`applyBatch` alone), every call copies what it writes.
 */
export class Ownership {
  /** The state object owned, if any. */
  state: SessionState | undefined;
  /** Per collection, the map owned (only the newest: one the state no longer holds is let go). */
  readonly maps: { [K in Collections]?: unknown } = {};
  history: HistoryDraft | undefined;
  /** Pods by owner, valid while `ownersOf` is the state's resources map. */
  owners: OwnerIndex | undefined;
  ownersOf: ReadonlyMap<string, ResourceState> | undefined;

  /**
   * `inPlace`: the resources are written in place, handed out or not. A resource reported
   * again keeps its object (by then in V8's old generation) instead of a new one that the
   * garbage collector would copy twice; a new pod takes the object of the pod it replaces;
   * and the resources map itself is not copied at a hand-out (a copy of a map of thousands,
   * made a few times a second, is what kept V8's young generation large). Only for the one
   * state a session shows (and builds apart), whose readers read the resources when a change
   * names them and keep none to compare with later; elsewhere (reduce, applyBatch alone) a
   * state once made never changes.
   */
  constructor(public inPlace = false) {}

  /**
   * The state was handed out: nothing of it may be written in place any more, but for the
   * resources map when `inPlace` (see the constructor).
   */
  release(): void {
    this.state = undefined;
    this.maps.artifacts = this.maps.ports = this.maps.debugContainers = undefined;
    if (!this.inPlace) {
      this.maps.resources = undefined;
    }
    this.history = undefined;
  }
}

/**
 * A state being changed: copy-on-write. The first change copies the state object and the
 * first change to a collection copies that map, unless the Ownership already owns them; later
 * changes write to the copies. The input state is never touched, except what `own` owns.
 */
class Draft {
  constructor(private current: SessionState, readonly change: StateChange, private readonly own: Ownership) {}

  get state(): SessionState {
    return this.current;
  }

  private writable(): Mutable<SessionState> {
    if (this.own.state !== this.current) {
      this.current = { ...this.current };
      this.own.state = this.current;
    }
    return this.current as Mutable<SessionState>;
  }

  /** A map of the state that may be written, copied unless owned. */
  map<K extends Collections>(key: K): SessionState[K] extends ReadonlyMap<infer MK, infer MV> ? Map<MK, MV> : never {
    const existing = this.current[key];
    if (this.own.maps[key] === existing) {
      return existing as never;
    }
    const copy = new Map(existing as ReadonlyMap<unknown, unknown>);
    this.own.maps[key] = copy;
    if (key === 'resources' && this.own.ownersOf === existing) {
      this.own.ownersOf = copy as ReadonlyMap<string, ResourceState>; // the same content
    }
    this.writable()[key] = copy as never;
    return copy as never;
  }

  private set owners(index: OwnerIndex | undefined) {
    this.own.owners = index;
    this.own.ownersOf = index ? this.current.resources : undefined;
  }

  private get owners(): OwnerIndex | undefined {
    return this.own.ownersOf === this.current.resources ? this.own.owners : undefined;
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

  private fresh<K extends Collections>(key: K): SessionState[K] {
    const m = new Map();
    this.own.maps[key] = m;
    return m as SessionState[K];
  }

  /**
   * What Skaffold does when an iteration starts building (ResetStateOnBuild), less what the
   * cluster still runs: resources and forwarded ports stay (only what GetState seeded goes,
   * as the replay tells it again).
   */
  resetOnBuild(iteration: number): void {
    const artifacts = this.fresh('artifacts') as Map<string, ArtifactState>;
    for (const [name, a] of this.current.artifacts) {
      // Written out rather than spread: one shape for every artifact, and no per-field copy loop.
      artifacts.set(name, {
        name: a.name, status: NOT_STARTED, iteration, startedAt: undefined, error: undefined,
        lastResult: a.lastResult, lastBuilt: a.lastBuilt, hostPlatform: a.hostPlatform, targetPlatforms: a.targetPlatforms,
      });
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
    w.ports = this.fresh('ports');
    w.debugContainers = this.fresh('debugContainers');
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
  setResource(name: string, prev: ResourceState | undefined, status: string, message: string | undefined, code: string | undefined, error: ErrorInfo | undefined, at: number | undefined): void {
    const iteration = currentIteration(this.current);
    const deploy = this.current.deploys;
    const epoch = this.current.epoch;
    const pod = isPod(name);
    if (!pod && !prev) {
      this.owners?.addWorkload(name); // it may own pods known before it
    }
    let key: string | undefined;
    /** A pod of the same owner that this one replaces (a rollout). */
    let retired: ResourceState | undefined;
    if (pod && prev?.deploy !== deploy) {
      const owners = this.ownerIndex();
      key = owners.keyOf(name);
      for (const other of owners.podsOf(key)) {
        const r = this.current.resources.get(other);
        if (r && r.deploy < deploy && other !== name) {
          this.map('resources').delete(other);
          owners.removePod(other, key);
          this.touchAll('resources');
          if (r.message === message) {
            message = r.message; // its string kept, not a copy
          }
          if (r.error && error && sameError(r.error, error)) {
            error = r.error;
          }
          retired ??= r;
        }
      }
    }
    const reused = prev ?? retired;
    if (reused !== undefined && this.own.inPlace) {
      // Written field by field: no new object, so nothing new for the GC to copy. A new pod
      // takes the object of the pod it replaces: a rollout then makes no object per pod.
      const w = reused as Mutable<ResourceState>;
      if (!prev) {
        w.name = name;
        this.map('resources').set(name, w);
        this.owners?.addPod(w.name, key);
      }
      w.status = status;
      w.message = message;
      w.code = code;
      w.error = error;
      w.at = at;
      w.iteration = iteration;
      w.deploy = deploy;
      w.epoch = epoch;
    } else {
      this.map('resources').set(name, { name, status, message, code, error, at, iteration, deploy, epoch });
      if (pod && !prev) {
        this.owners?.addPod(name, key);
      }
    }
    this.touch('resources');
    noteResource(this.change, name);
  }

  /**
   * Which workload owns each pod of the resources map, built at its first need (one pass) and
   * kept up to date by setResource and pruneAfterCheck while the Ownership lasts; a new or
   * deleted workload drops it. Without it, each new pod would compare every pod with every
   * workload.
   */
  private ownerIndex(): OwnerIndex {
    if (!this.owners) {
      const resources = this.current.resources; // read only: a copy made later keeps the index
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
    const owners = this.owners;
    let workloadGone = false;
    for (const r of stale) {
      const pod = isPod(r.name);
      if (!pod || checked.ownerOf(r.name) === undefined) {
        resources.delete(r.name);
        if (pod) {
          owners?.removePod(r.name);
        } else {
          workloadGone = true;
        }
      }
    }
    if (workloadGone) {
      this.owners = undefined; // its pods that stay belong to another owner, or to none
    }
    this.touchAll('resources');
  }

  /** Records an event in the dev loop's history (history.ts), copying the list unless owned. */
  record(event: HistoryEvent): void {
    // `?? []`: a state made before the history existed (or by hand) has none yet.
    const list = this.current.iterations ?? [];
    if (this.own.history?.list !== list) {
      this.own.history = new HistoryDraft(list);
    }
    if (recordEvent(this.own.history, event)) {
      this.touch('history');
    }
    if (this.own.history.list !== list) {
      this.set('iterations', this.own.history.list);
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
  const d = new Draft(state, change, new Ownership());
  applyTo(d, entry);
  return d.state;
}

/**
 * Several events at once, as if reduced one by one, but each collection is copied at most
 * once for the whole batch (with hundreds of resources, copying the map per event would cost
 * more than everything else together), and not at all when `own` already owns it.
 */
export function applyBatch(state: SessionState, entries: readonly LogEntry[], change: StateChange, own = new Ownership()): SessionState {
  const d = new Draft(state, change, own);
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
      const iteration = currentIteration(d.state);
      const message = bounded(e.message, Bound.text);
      d.set('statusCheck', { status, at, error, code: error?.code, iteration, last: lastOf(d.state.statusCheck), message }, 'statusCheck');
      if (status === Status.Succeeded) {
        d.pruneAfterCheck();
      }
      d.record({ kind: 'statusCheck', status, at, error });
      break;
    }
    case 'resourceStatusCheckEvent': {
      const e = event!.resourceStatusCheckEvent ?? {};
      // A resource is reported many times: what did not change is taken from its last report,
      // so the strings just decoded are garbage at once rather than kept (and copied to the
      // old generation) until its next report.
      const prev = typeof e.resource === 'string' ? d.state.resources.get(e.resource) : undefined;
      const name = prev?.name ?? bounded(e.resource, Bound.name);
      if (!name) {
        countUnknown(d);
        return;
      }
      const status = statusOf(e.status);
      const message = prev !== undefined && e.message === prev.message ? prev.message : bounded(e.message, Bound.text);
      // A "creating container" progress note comes as an actionableErr too; it is only an
      // error when the resource failed or the message differs from the progress message.
      const ae = e.actionableErr;
      const progressNote = status !== Status.Failed && typeof ae?.message === 'string' && ae.message !== '' && ae.message === e.message;
      let error = !progressNote && (ae || e.err) ? errorInfo(ae, e.err) : undefined;
      if (error && status !== Status.Failed && error.message === message) {
        error = undefined;
      }
      if (error && prev?.error && sameError(error, prev.error)) {
        error = prev.error;
      }
      d.setResource(name, prev, status, message, codeOf(e.statusCode), error, at);
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

function sameError(a: ErrorInfo, b: ErrorInfo): boolean {
  return a.message === b.message && a.code === b.code && a.suggestions.length === b.suggestions.length
    && a.suggestions.every((s, i) => s.action === b.suggestions[i].action && s.code === b.suggestions[i].code);
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
