/**
 * How session state reads to a person: status looks, labels, the one-glance summary and the
 * grouping of pods under what owns them. Pure and free of the VS Code API, so the views stay
 * thin and this is unit tested in plain Node.
 */
import { isLoopbackHost, oneLine as cleanOneLine, Width } from '../base/text';
import { NOT_STARTED, PortState, ResourceState, SessionState } from '../state/model';
import { Status } from '../wire/protocol';
import { SessionOrigin, SessionProcess, SessionStatus } from '../session/session';
import { isPod, WorkloadIndex } from '../state/workloads';

export interface Look {
  /** A codicon id (with ~spin for work in progress). */
  icon: string;
  /** A theme colour id, or undefined for the default foreground. */
  color?: string;
}

const LOOKS: Record<string, Look> = {
  [NOT_STARTED]: { icon: 'circle-large-outline', color: 'disabledForeground' },
  [Status.InProgress]: { icon: 'sync~spin', color: 'charts.blue' },
  [Status.Started]: { icon: 'sync~spin', color: 'charts.blue' },
  [Status.Complete]: { icon: 'pass', color: 'testing.iconPassed' },
  [Status.Succeeded]: { icon: 'pass', color: 'testing.iconPassed' },
  Completed: { icon: 'pass', color: 'testing.iconPassed' },
  [Status.Failed]: { icon: 'error', color: 'testing.iconFailed' },
  [Status.Canceled]: { icon: 'circle-slash', color: 'disabledForeground' },
  [Status.Information]: { icon: 'info', color: 'charts.blue' },
  [Status.Terminated]: { icon: 'debug-stop', color: 'disabledForeground' },
};

/** The look of a Skaffold status string; unknown strings get a neutral question mark. */
export function statusLook(status: string): Look {
  return LOOKS[status] ?? (status === '' ? LOOKS[NOT_STARTED] : { icon: 'question' });
}

/** 950 -> "950ms", 12_300 -> "12.3s", 65_000 -> "1m 05s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return '';
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)}s`;
  }
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** 950 -> "950 milliseconds", 4_200 -> "4.2 seconds", 65_000 -> "1 minute 5 seconds"; '' when unknown. */
export function spokenDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return '';
  }
  if (ms < 1000) {
    const n = Math.round(ms);
    return `${n} millisecond${n === 1 ? '' : 's'}`;
  }
  if (ms < 60_000) {
    const s = (ms / 1000).toFixed(1);
    return `${s} seconds`;
  }
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m} minute${m === 1 ? '' : 's'}${s ? ` ${s} second${s === 1 ? '' : 's'}` : ''}`;
}

/**
 * The host of a forward as its label shows it and its URL opens it: `localhost` for what
 * localhost names (127.0.0.1, ::1), another loopback address as it is; undefined for an
 * address that is not this machine's.
 */
function loopbackHost(address: string): string | undefined {
  if (!isLoopbackHost(address)) {
    return undefined;
  }
  const host = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '127.0.0.1' || host === '::1') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

/** How a forward's address is shown: `localhost`, another loopback address, else the address (cleaned). */
export function portHost(address: string): string {
  return loopbackHost(address) ?? cleanOneLine(address, Width.address);
}

/** `localhost:47480 → service/app:8080` (the address Skaffold bound, when not loopback). */
export function portLabel(p: PortState): string {
  const host = portHost(p.address);
  const target = p.targetPort !== undefined ? `:${cleanOneLine(p.targetPort, Width.address)}` : '';
  const resource = [cleanOneLine(p.resourceType, Width.status), cleanOneLine(p.resourceName ?? p.podName, Width.name)].filter(Boolean).join('/');
  return `${host}:${p.localPort} → ${resource || '?'}${target}`;
}

const NO_PORTS: ReadonlyMap<number, PortState> = new Map();

/**
 * The ports a session forwards now: the state's (kept until Skaffold redeploys), or none
 * once its Skaffold ended or exited, which closed them.
 */
export function openPorts(session: { status: SessionStatus; process?: SessionProcess; state: SessionState; origin?: SessionOrigin }): ReadonlyMap<number, PortState> {
  return session.status === 'ended' || session.process?.state === 'exited' || session.origin === 'file' ? NO_PORTS : session.state.ports;
}

/**
 * The ports a session's view lists: those forwarded now, and for an event-log file, those its
 * Skaffold forwarded at the end of the log (shown, never opened: they were on another machine
 * or another day).
 */
export function listedPorts(session: { status: SessionStatus; process?: SessionProcess; state: SessionState; origin?: SessionOrigin }): ReadonlyMap<number, PortState> {
  return session.origin === 'file' ? session.state.ports : openPorts(session);
}

/**
 * The URL to open for a forwarded port. Only loopback http URLs are ever produced: the
 * address comes from the server and is not trusted to pick a host.
 */
export function portUrl(p: PortState): string | undefined {
  // Only what VS Code's port forwarding tunnels in a remote window (localhost, 127.0.0.1,
  // ::1, all shown as localhost): another loopback address is shown, not opened.
  if (loopbackHost(p.address) !== 'localhost' || !Number.isInteger(p.localPort) || p.localPort < 1 || p.localPort > 65535) {
    return undefined;
  }
  return `http://localhost:${p.localPort}`;
}

export interface ResourceGroup {
  resource: ResourceState;
  children: ResourceState[];
}

/**
 * Pods under what owns them where the name allows: `Pod/app-6d8f7c9b5-x2k4q` belongs to
 * `deployment/app` (a pod of a Deployment is `<name>-<replicaset hash>-<suffix>`, of a
 * StatefulSet `<name>-<ordinal>`). Pods no owner claims stand alone. Owners keep Skaffold's order.
 */
export function groupResources(resources: Iterable<ResourceState>): ResourceGroup[] {
  const all = [...resources];
  const owners = all.filter((r) => !isPod(r.name));
  const groups: ResourceGroup[] = owners.map((resource) => ({ resource, children: [] }));
  const byName = new Map(groups.map((g) => [g.resource.name, g]));
  const index = new WorkloadIndex(byName.keys());
  const loose: ResourceGroup[] = [];
  for (const pod of all.filter((r) => isPod(r.name))) {
    const owner = index.ownerOf(pod.name);
    if (owner) {
      byName.get(owner)!.children.push(pod);
    } else {
      loose.push({ resource: pod, children: [] });
    }
  }
  return [...groups, ...loose];
}

export type SummaryKind =
  | 'disconnected' | 'connecting' | 'reconnecting' | 'ended' | 'failed'
  | 'building' | 'buildFailed' | 'deploying' | 'statusCheck' | 'deployFailed' | 'ready' | 'idle'
  | 'starting' | 'stopping';

export interface Summary {
  kind: SummaryKind;
  /** Short text for the status bar, after "Skaffold". */
  text: string;
  /** Built so far / to build in this round, while building. */
  done?: number;
  total?: number;
  /** The artifact or resource at fault, when failed. */
  culprit?: string;
}

/** The codicon of each summary: the status bar's and the session rows'. */
export const SUMMARY_ICON: Record<SummaryKind, string> = {
  disconnected: 'debug-disconnect',
  connecting: 'loading~spin',
  reconnecting: 'loading~spin',
  ended: 'debug-stop',
  failed: 'warning',
  building: 'sync~spin',
  buildFailed: 'error',
  deploying: 'cloud-upload',
  statusCheck: 'pulse',
  deployFailed: 'error',
  ready: 'check',
  idle: 'circle-large-outline',
  starting: 'loading~spin',
  stopping: 'loading~spin',
};

/** Which summary needs the user first, when several sessions compete for one status bar. */
const URGENCY: SummaryKind[] = [
  'buildFailed', 'deployFailed', 'failed', 'building', 'deploying', 'statusCheck', 'stopping', 'starting', 'reconnecting', 'connecting', 'idle', 'ready', 'ended', 'disconnected',
];

/** The most urgent of several summaries (the first one on a tie). */
export function mostUrgent<T extends { summary: Summary }>(items: T[]): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (!best || URGENCY.indexOf(item.summary.kind) < URGENCY.indexOf(best.summary.kind)) {
      best = item;
    }
  }
  return best;
}

/** The dev loop at a glance, for the status bar. */
export function summarize(status: SessionStatus, state: SessionState): Summary {
  switch (status) {
    case 'disconnected':
      return { kind: 'disconnected', text: 'disconnected' };
    case 'connecting':
      return { kind: 'connecting', text: 'connecting' };
    case 'reconnecting':
      return { kind: 'reconnecting', text: 'reconnecting' };
    case 'ended':
      return { kind: 'ended', text: 'ended' };
    case 'failed':
      return { kind: 'failed', text: 'not connected' };
    default:
      break;
  }
  const artifacts = [...state.artifacts.values()];
  const inRound = artifacts.filter((a) => a.status !== NOT_STARTED);
  const building = inRound.filter((a) => a.status === Status.InProgress);
  const failed = artifacts.find((a) => a.status === Status.Failed);
  if (building.length > 0) {
    const done = inRound.filter((a) => a.status === Status.Complete).length;
    return { kind: 'building', text: `building ${done}/${inRound.length}`, done, total: inRound.length };
  }
  if (failed) {
    return { kind: 'buildFailed', text: `${cleanOneLine(failed.name, Width.label)} failed`, culprit: failed.name };
  }
  if (state.deploy.status === Status.Failed) {
    return { kind: 'deployFailed', text: 'deploy failed' };
  }
  if (state.statusCheck.status === Status.Failed) {
    const bad = [...state.resources.values()].find((r) => r.status === Status.Failed);
    return { kind: 'deployFailed', text: bad ? `${cleanOneLine(bad.name, Width.label)} failed` : 'status check failed', culprit: bad?.name };
  }
  if (state.deploy.status === Status.InProgress && (state.statusCheck.status === Status.Started || state.statusCheck.status === Status.InProgress)) {
    return { kind: 'statusCheck', text: 'status check' };
  }
  if (state.deploy.status === Status.InProgress) {
    return { kind: 'deploying', text: 'deploying' };
  }
  if (state.devLoop.status === Status.Failed) {
    return { kind: 'buildFailed', text: 'dev loop failed' };
  }
  if (state.deploy.status === Status.Complete || (artifacts.length > 0 && artifacts.every((a) => a.status === Status.Complete || a.lastResult?.status === Status.Complete) && state.devLoop.status !== Status.InProgress)) {
    return { kind: 'ready', text: 'ready' };
  }
  return { kind: 'idle', text: state.devLoop.status === Status.InProgress ? 'working' : 'waiting' };
}

/**
 * A session at a glance: as `summarize`, and for a Skaffold we started, its process:
 * starting (API not up yet), stopping (cleaning up), exited with its code.
 */
export function sessionSummary(session: { status: SessionStatus; state: SessionState; process?: SessionProcess; origin?: SessionOrigin }): Summary {
  if (session.origin === 'file') {
    // What the log says at its end, as a connected session would show it; `opening` meanwhile.
    return session.status === 'connecting' ? { kind: 'connecting', text: 'opening' } : summarize('connected', session.state);
  }
  const p = session.process;
  if (p?.state === 'stopping') {
    return { kind: 'stopping', text: 'stopping' };
  }
  if (p?.state === 'exited') {
    const how = p.signal ? `signal ${cleanOneLine(p.signal, Width.status)}` : p.exitCode !== undefined && p.exitCode !== null ? `code ${p.exitCode}` : '';
    return { kind: 'ended', text: how ? `exited (${how})` : 'exited' };
  }
  if (p?.state === 'starting' && session.status !== 'connected') {
    return { kind: 'starting', text: 'starting' };
  }
  return summarize(session.status, session.state);
}

/**
 * "shop · #3": which session the views show, short enough for a view's title bar: the
 * session's name, else Skaffold's version, else its port; the iteration; the status when it
 * is not live. The address and the rest are in the status bar's and the session's tooltips.
 */
export function sessionDescription(session: { name?: string; address: string; status: SessionStatus; state: SessionState }): string {
  const { status, state } = session;
  const port = /:(\d+)$/.exec(session.address)?.[1];
  const parts = [cleanOneLine(session.name, Width.label) || (state.skaffoldVersion ? `Skaffold ${cleanOneLine(state.skaffoldVersion, Width.status)}` : port ? `port ${port}` : cleanOneLine(session.address, Width.label))];
  if (state.devLoop.iteration >= 0) {
    parts.push(`#${state.devLoop.iteration}`);
  }
  if (status !== 'connected') {
    parts.push(status);
  }
  return parts.join(' · ');
}
