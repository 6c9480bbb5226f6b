/**
 * Skaffold's messages, as @grpc/proto-loader decodes them, made into the model (model.ts):
 * the boundary where server data is checked. Every field is optional and untrusted here:
 * strings are coerced (only primitives) and bounded (base/text.ts), numbers checked, a
 * missing or malformed part left out. Past this, the core trusts the model's types.
 */
import { bounded, Bound } from '../base/text';
import {
  DebugContainerState, ErrorInfo, initialState, NOT_STARTED, PortState,
  ArtifactState, ResourceState, SEEDED, SessionState,
} from './model';
import { ActionableErr, DebuggingContainerEvent, EnumValue, LogEntry, PortEvent, State, Status } from '../wire/protocol';

/** Skaffold's status strings, each kept once: a state holding thousands keeps no copy of its own. */
const KNOWN_STATUSES = new Map<string, string>(Object.values(Status).map((s) => [s, s]));

/** A status string as the state keeps it ('' when absent). */
export function statusOf(value: unknown): string {
  return (typeof value === 'string' ? KNOWN_STATUSES.get(value) : undefined) ?? bounded(value, Bound.word) ?? '';
}

/** An enum value (a name, or a number our proto does not know) as the state keeps it. */
export function codeOf(value: EnumValue | undefined): string | undefined {
  return bounded(value, Bound.word);
}

/** The timestamp last converted and its time: the event log and the reducer both ask, entry by entry. */
let lastStamp: LogEntry['timestamp'];
let lastTime: number | undefined;

/** Event time in ms since the epoch, or undefined when absent or malformed. */
export function entryTime(entry: LogEntry): number | undefined {
  const ts = entry.timestamp;
  if (!ts) {
    return undefined;
  }
  if (ts === lastStamp) {
    return lastTime;
  }
  const seconds = Number(ts.seconds ?? 0);
  const nanos = Number(ts.nanos ?? 0);
  lastStamp = ts;
  lastTime = Number.isFinite(seconds) && Number.isFinite(nanos) ? seconds * 1000 + Math.floor(nanos / 1e6) : undefined;
  return lastTime;
}

/** The error of an event: its ActionableErr, else the deprecated err/errCode fields. */
export function errorInfo(actionable?: ActionableErr, err?: unknown, errCode?: EnumValue): ErrorInfo | undefined {
  const message = bounded(actionable?.message, Bound.text) ?? bounded(err, Bound.text);
  let code = codeOf(actionable?.errCode) ?? codeOf(errCode);
  if (code === 'OK' || code === '0') {
    code = undefined;
  }
  const suggestions = Array.isArray(actionable?.suggestions)
    ? actionable!.suggestions.slice(0, 20).flatMap((s) => {
      const action = bounded(s?.action, Bound.text);
      const sc = codeOf(s?.suggestionCode);
      return action ? [{ action, code: sc === 'NIL' ? undefined : sc }] : [];
    })
    : [];
  if (!message && !code && suggestions.length === 0) {
    return undefined;
  }
  return { message: message ?? code ?? '', code, suggestions };
}

/** A forwarded port, or undefined when its local port is not one (1-65535). */
export function portState(e: PortEvent, iteration: number, epoch: number): PortState | undefined {
  const localPort = e.localPort;
  if (typeof localPort !== 'number' || !Number.isInteger(localPort) || localPort < 1 || localPort > 65535) {
    return undefined;
  }
  let targetPort: number | string | undefined;
  const tp = e.targetPort;
  const named = tp && tp.type === 1 ? bounded(tp.strVal, Bound.word) : undefined;
  if (named) {
    targetPort = named;
  } else if (tp && typeof tp.intVal === 'number' && tp.intVal > 0) {
    targetPort = tp.intVal;
  } else if (typeof e.remotePort === 'number' && e.remotePort > 0) {
    targetPort = e.remotePort;
  }
  return {
    localPort,
    address: bounded(e.address, Bound.word) ?? '127.0.0.1',
    resourceType: bounded(e.resourceType, Bound.word),
    resourceName: bounded(e.resourceName, Bound.name),
    namespace: bounded(e.namespace, Bound.name),
    podName: bounded(e.podName, Bound.name),
    containerName: bounded(e.containerName, Bound.name),
    portName: bounded(e.portName, Bound.word),
    targetPort,
    iteration,
    epoch,
  };
}

/** A container `skaffold debug` prepared, keyed by namespace/pod/container. */
export function debugContainer(e: DebuggingContainerEvent): DebugContainerState {
  const podName = bounded(e.podName, Bound.name);
  const containerName = bounded(e.containerName, Bound.name);
  const namespace = bounded(e.namespace, Bound.name);
  const debugPorts: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.debugPorts ?? {}).slice(0, 50)) {
    if (typeof v === 'number') {
      debugPorts[bounded(k, Bound.word) ?? ''] = v;
    }
  }
  return {
    key: `${namespace ?? ''}/${podName ?? ''}/${containerName ?? ''}`,
    status: statusOf(e.status),
    podName, containerName, namespace,
    artifact: bounded(e.artifact, Bound.name),
    runtime: bounded(e.runtime, Bound.word),
    workingDir: bounded(e.workingDir, Bound.path),
    debugPorts,
  };
}

/** "Starting Skaffold: &{Version:v2.7.0 ConfigVersion:...}" -> "v2.7.0" (absent for dev builds). */
export function parseVersion(info: string | undefined): string | undefined {
  const m = info ? /Version:(v?\d+\.\d+[^\s},]*)/.exec(info) : null;
  return m ? m[1].slice(0, 64) : undefined;
}

/** The auto triggers GetState reports; proto3 leaves `false` off the wire, so a present phase with none means false. */
export function autoTriggers(server: State): SessionState['autoTrigger'] {
  return {
    build: server.buildState ? server.buildState.autoTrigger === true : undefined,
    sync: server.fileSyncState ? server.fileSyncState.autoTrigger === true : undefined,
    deploy: server.deployState ? server.deployState.autoTrigger === true : undefined,
  };
}

/** A state seeded from GetState: what Skaffold reports now, before any event is applied. */
export function stateFromServer(server: State, base: SessionState = initialState()): SessionState {
  const iteration = base.devLoop.iteration;
  const artifacts = new Map<string, ArtifactState>();
  for (const [name, status] of Object.entries(server.buildState?.artifacts ?? {})) {
    const n = bounded(name, Bound.name);
    if (n) {
      artifacts.set(n, { name: n, status: statusOf(status), iteration });
    }
  }
  const resources = new Map<string, ResourceState>();
  for (const [name, status] of Object.entries(server.statusCheckState?.resources ?? {})) {
    const n = bounded(name, Bound.name);
    if (n) {
      resources.set(n, { name: n, status: statusOf(status), iteration: Math.max(0, iteration), deploy: SEEDED, epoch: base.epoch });
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
    const c = codeOf(v);
    return c === 'OK' ? undefined : c;
  };
  return {
    ...base,
    artifacts,
    resources,
    ports,
    debugContainers,
    deploy: { status: statusOf(server.deployState?.status) || NOT_STARTED, code: code(server.deployState?.statusCode) },
    statusCheck: { status: statusOf(server.statusCheckState?.status) || NOT_STARTED, code: code(server.statusCheckState?.statusCode) },
    fileSync: { status: statusOf(server.fileSyncState?.status) || NOT_STARTED },
    test: { status: statusOf(server.testState?.status) || NOT_STARTED, code: code(server.testState?.statusCode) },
    autoTrigger: autoTriggers(server),
    metadata: server.metadata ?? base.metadata,
  };
}
