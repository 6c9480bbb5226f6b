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
 * as they are, missing fields are tolerated, and server text is bounded in length.
 */
import {
  ArtifactState, DebugContainerState, emptyChange, ErrorInfo, initialState, isFinished, NOT_STARTED,
  PhaseResult, PhaseState, PortState, ResourceState, SEEDED, Section, SessionState, StateChange,
} from './model';
import { isPod, ownerOf, ownerStem } from './workloads';
import { HistoryDraft, HistoryEvent, recordEvent } from './history';
import {
  ActionableErr, DebuggingContainerEvent, EnumValue, LogEntry, PortEvent, State, Status,
} from '../wire/protocol';

export interface ReduceResult {
  state: SessionState;
  change: StateChange;
}

const MAX_NAME = 512;
const MAX_TEXT = 8192;

/** Server text, coerced to a string and bounded; undefined when empty. */
function text(value: unknown, max = MAX_TEXT): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  // Only primitives: a decoded message never holds anything else here, and an object's
  // toString is not to be trusted (or called).
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
  if (s.length === 0) {
    return undefined;
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function statusText(value: unknown): string {
  return text(value, 128) ?? '';
}

function codeText(value: EnumValue | undefined): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  return text(value, 128);
}

/** Event time in ms since the epoch, or undefined when absent or malformed. */
export function entryTime(entry: LogEntry): number | undefined {
  const ts = entry.timestamp;
  if (!ts) {
    return undefined;
  }
  const seconds = Number(ts.seconds ?? 0);
  const nanos = Number(ts.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) {
    return undefined;
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/** The error of an event: its ActionableErr, else the deprecated err/errCode fields. */
export function errorInfo(actionable?: ActionableErr, err?: unknown, errCode?: EnumValue): ErrorInfo | undefined {
  const message = text(actionable?.message) ?? text(err);
  let code = codeText(actionable?.errCode) ?? codeText(errCode);
  if (code === 'OK' || code === '0') {
    code = undefined;
  }
  const suggestions = Array.isArray(actionable?.suggestions)
    ? actionable!.suggestions.slice(0, 20).flatMap((s) => {
      const action = text(s?.action, 2048);
      const sc = codeText(s?.suggestionCode);
      return action ? [{ action, code: sc === 'NIL' ? undefined : sc }] : [];
    })
    : [];
  if (!message && !code && suggestions.length === 0) {
    return undefined;
  }
  return { message: message ?? code ?? '', code, suggestions };
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
 * A state being changed: copy-on-write, once per draft. The first change copies the state
 * object, and the first change to a collection copies that map; later changes in the same
 * draft (a batch of events) write to the copies. The input state is never touched.
 */
class Draft {
  private ownState = false;
  private readonly owned = new Set<unknown>();
  private historyDraft: HistoryDraft | undefined;

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
    }
  }

  /**
   * A status check's word on a resource. The first word of this deploy on a pod retires the
   * pods of the same workload from earlier deploys: a rollout replaced them.
   */
  setResource(next: ResourceState): void {
    const resources = this.map('resources');
    const prev = resources.get(next.name);
    if (isPod(next.name) && prev?.deploy !== next.deploy) {
      const workloads = [...resources.keys()].filter((n) => !isPod(n));
      const owner = (pod: string) => ownerOf(pod, workloads) ?? `~${ownerStem(pod)}`;
      const mine = owner(next.name);
      for (const [name, r] of resources) {
        if (r.deploy < next.deploy && name !== next.name && isPod(name) && owner(name) === mine) {
          resources.delete(name);
          this.touchAll('resources');
        }
      }
    }
    resources.set(next.name, next);
    this.touch('resources');
    this.change.resources.add(next.name);
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
    const checked = [...resources.values()].filter((r) => r.deploy === deploy && !isPod(r.name)).map((r) => r.name);
    for (const r of stale) {
      if (!isPod(r.name) || ownerOf(r.name, checked) === undefined) {
        resources.delete(r.name);
      }
    }
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
      const info = text(event!.metaEvent?.entry) ?? text(entry.entry);
      d.set('skaffoldInfo', info);
      d.set('skaffoldVersion', parseVersion(info) ?? d.state.skaffoldVersion);
      d.set('metadata', event!.metaEvent?.metadata ?? d.state.metadata, 'meta');
      break;
    }
    case 'devLoopEvent': {
      const e = event!.devLoopEvent ?? {};
      const iteration = Number.isInteger(e.iteration) ? e.iteration! : 0;
      const status = statusText(e.status);
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
      const name = text(e.artifact, MAX_NAME);
      if (!name) {
        countUnknown(d);
        return;
      }
      const status = statusText(e.status);
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
        hostPlatform: text(e.hostPlatform, 128) ?? prev?.hostPlatform,
        targetPlatforms: text(e.targetPlatforms, 512) ?? prev?.targetPlatforms,
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
      const status = statusText(e.status);
      if (status === Status.Information) {
        d.set('deploy', { ...d.state.deploy, message: text(e.err) ?? text(entry.entry), at }, 'deploy');
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
      const status = statusText(e.status);
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      d.set('statusCheck', { ...phase(d.state.statusCheck, status, currentIteration(d.state), at, error), message: text(e.message) }, 'statusCheck');
      if (status === Status.Succeeded) {
        d.pruneAfterCheck();
      }
      d.record({ kind: 'statusCheck', status, at, error });
      break;
    }
    case 'resourceStatusCheckEvent': {
      const e = event!.resourceStatusCheckEvent ?? {};
      const name = text(e.resource, MAX_NAME);
      if (!name) {
        countUnknown(d);
        return;
      }
      const error = errorInfo(e.actionableErr, e.err);
      const status = statusText(e.status);
      const message = text(e.message);
      d.setResource({
        name,
        status,
        message,
        code: codeText(e.statusCode),
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
      const status = statusText(e.status);
      const error = errorInfo(e.actionableErr, e.err, e.errCode);
      d.set('fileSync', {
        ...phase(d.state.fileSync, status, currentIteration(d.state), at, error),
        fileCount: Number.isInteger(e.fileCount) ? e.fileCount : undefined,
        image: text(e.image, MAX_NAME),
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
      d.set('termination', { status: statusText(e.status), at, error: errorInfo(e.err) }, 'meta');
      break;
    }
    case 'TestEvent': {
      const e = event!.TestEvent ?? {};
      d.set('test', phase(d.state.test, statusText(e.status), currentIteration(d.state), at, errorInfo(e.actionableErr)), 'test');
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

/**
 * The phase's last finished run: itself when an event finished it, else the one it kept (a
 * status only GetState gave, before the replay, is not a run: the replay tells it again).
 */
function lastOf(p: PhaseState): PhaseResult | undefined {
  if (p.iteration !== undefined && isFinished(p.status) && p.status !== Status.Information) {
    return { status: p.status, iteration: p.iteration, at: p.at, message: p.message, error: p.error };
  }
  return p.last;
}

/** A phase reset for a new iteration ("Not Started"), keeping its last result. */
function resetPhase(p: PhaseState): PhaseState {
  return { status: NOT_STARTED, last: lastOf(p) };
}

function portState(e: PortEvent, iteration: number, epoch: number): PortState | undefined {
  const localPort = e.localPort;
  if (typeof localPort !== 'number' || !Number.isInteger(localPort) || localPort < 1 || localPort > 65535) {
    return undefined;
  }
  let targetPort: number | string | undefined;
  const tp = e.targetPort;
  if (tp && tp.type === 1 && text(tp.strVal)) {
    targetPort = text(tp.strVal, 64);
  } else if (tp && typeof tp.intVal === 'number' && tp.intVal > 0) {
    targetPort = tp.intVal;
  } else if (typeof e.remotePort === 'number' && e.remotePort > 0) {
    targetPort = e.remotePort;
  }
  return {
    localPort,
    address: text(e.address, 64) ?? '127.0.0.1',
    resourceType: text(e.resourceType, 64),
    resourceName: text(e.resourceName, MAX_NAME),
    namespace: text(e.namespace, 256),
    podName: text(e.podName, MAX_NAME),
    containerName: text(e.containerName, MAX_NAME),
    portName: text(e.portName, 64),
    targetPort,
    iteration,
    epoch,
  };
}

function debugContainer(e: DebuggingContainerEvent): DebugContainerState {
  const podName = text(e.podName, MAX_NAME);
  const containerName = text(e.containerName, MAX_NAME);
  const namespace = text(e.namespace, 256);
  const debugPorts: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.debugPorts ?? {}).slice(0, 50)) {
    if (typeof v === 'number') {
      debugPorts[text(k, 64) ?? ''] = v;
    }
  }
  return {
    key: `${namespace ?? ''}/${podName ?? ''}/${containerName ?? ''}`,
    status: statusText(e.status),
    podName, containerName, namespace,
    artifact: text(e.artifact, MAX_NAME),
    runtime: text(e.runtime, 64),
    workingDir: text(e.workingDir, 1024),
    debugPorts,
  };
}

/** "Starting Skaffold: &{Version:v2.7.0 ConfigVersion:...}" -> "v2.7.0" (absent for dev builds). */
export function parseVersion(info: string | undefined): string | undefined {
  const m = info ? /Version:(v?\d+\.\d+[^\s},]*)/.exec(info) : null;
  return m ? m[1].slice(0, 64) : undefined;
}

/** A state seeded from GetState: what Skaffold reports now, before any event is applied. */
export function stateFromServer(server: State, base: SessionState = initialState()): SessionState {
  const iteration = base.devLoop.iteration;
  const artifacts = new Map<string, ArtifactState>();
  for (const [name, status] of Object.entries(server.buildState?.artifacts ?? {})) {
    const n = text(name, MAX_NAME);
    if (n) {
      artifacts.set(n, { name: n, status: statusText(status), iteration });
    }
  }
  const resources = new Map<string, ResourceState>();
  for (const [name, status] of Object.entries(server.statusCheckState?.resources ?? {})) {
    const n = text(name, MAX_NAME);
    if (n) {
      resources.set(n, { name: n, status: statusText(status), iteration: Math.max(0, iteration), deploy: SEEDED, epoch: base.epoch });
    }
  }
  const ports = new Map<number, PortState>();
  for (const p of Object.values(server.forwardedPorts ?? {})) {
    const port = portState(p ?? {}, Math.max(0, iteration), base.epoch);
    if (port) {
      ports.set(port.localPort, port);
    }
  }
  const debugContainers = new Map<string, DebugContainerState>();
  for (const c of server.debuggingContainers ?? []) {
    const dc = debugContainer(c ?? {});
    debugContainers.set(dc.key, dc);
  }
  const code = (v: EnumValue | undefined) => {
    const c = codeText(v);
    return c === 'OK' ? undefined : c;
  };
  return {
    ...base,
    artifacts,
    resources,
    ports,
    debugContainers,
    deploy: { status: statusText(server.deployState?.status) || NOT_STARTED, code: code(server.deployState?.statusCode) },
    statusCheck: { status: statusText(server.statusCheckState?.status) || NOT_STARTED, code: code(server.statusCheckState?.statusCode) },
    fileSync: { status: statusText(server.fileSyncState?.status) || NOT_STARTED },
    test: { status: statusText(server.testState?.status) || NOT_STARTED, code: code(server.testState?.statusCode) },
    autoTrigger: triggers(server),
    metadata: server.metadata ?? base.metadata,
  };
}

function triggers(server: State): SessionState['autoTrigger'] {
  // proto3 leaves `false` off the wire, so a present phase with no autoTrigger means false.
  return {
    build: server.buildState ? server.buildState.autoTrigger === true : undefined,
    sync: server.fileSyncState ? server.fileSyncState.autoTrigger === true : undefined,
    deploy: server.deployState ? server.deployState.autoTrigger === true : undefined,
  };
}

/**
 * Brings in what only GetState tells (events never carry the auto triggers, which other
 * clients may change) and artifacts the events have not named yet.
 */
export function reconcileTriggers(state: SessionState, server: State): ReduceResult {
  const change = emptyChange();
  const next = triggers(server);
  let result = state;
  if (next.build !== state.autoTrigger.build || next.sync !== state.autoTrigger.sync || next.deploy !== state.autoTrigger.deploy) {
    result = { ...result, autoTrigger: next };
    change.sections.add('autoTrigger');
  }
  const missing = Object.keys(server.buildState?.artifacts ?? {}).filter((n) => text(n, MAX_NAME) && !state.artifacts.has(text(n, MAX_NAME)!));
  if (missing.length > 0) {
    const artifacts = new Map(result.artifacts);
    for (const raw of missing) {
      const name = text(raw, MAX_NAME)!;
      artifacts.set(name, { name, status: statusText(server.buildState!.artifacts![raw]), iteration: state.devLoop.iteration });
      change.artifacts.add(name);
    }
    result = { ...result, artifacts };
    change.sections.add('artifacts');
  }
  return { state: result, change };
}

/**
 * Aligns phase and artifact statuses with GetState. Used after an Execute, which resets
 * Skaffold's state without emitting any event when that phase's auto trigger is on.
 */
export function reconcileStatuses(state: SessionState, server: State): ReduceResult {
  const { state: withTriggers, change } = reconcileTriggers(state, server);
  let result = withTriggers;
  const artifacts = new Map(result.artifacts);
  for (const [raw, status] of Object.entries(server.buildState?.artifacts ?? {})) {
    const name = text(raw, MAX_NAME);
    const a = name ? artifacts.get(name) : undefined;
    const s = statusText(status);
    if (a && a.status !== s) {
      artifacts.set(a.name, { ...a, status: s, startedAt: s === Status.InProgress ? a.startedAt : undefined, error: s === a.lastResult?.status ? a.error : undefined });
      change.artifacts.add(a.name);
      change.sections.add('artifacts');
    }
  }
  result = { ...result, artifacts };
  const phases: ['deploy' | 'statusCheck' | 'fileSync' | 'test', string | undefined][] = [
    ['deploy', server.deployState?.status],
    ['statusCheck', server.statusCheckState?.status],
    ['fileSync', server.fileSyncState?.status],
    ['test', server.testState?.status],
  ];
  for (const [key, status] of phases) {
    const s = statusText(status);
    if (s && result[key].status !== s) {
      result = { ...result, [key]: { ...result[key], status: s, error: undefined, last: lastOf(result[key]) } };
      change.sections.add(key);
    }
  }
  return { state: result, change };
}
