/**
 * Attaching VS Code's debuggers to the containers `skaffold debug` prepared: which forwarded
 * port leads to a container's debugger, the attach configuration for its runtime, and the
 * bookkeeping for "offer to attach once per container". Pure: no VS Code API, no I/O.
 *
 * Everything in a DebugContainerState or PortState came from the server: the reducer checked
 * its types and bounded its strings, but their content is untrusted: names are only compared
 * and shown (base/text.ts), paths are validated before they reach a debug adapter, and only a
 * loopback address is ever given to a debugger.
 */
import { hasUnsafeCharacter, isLoopbackHost, oneLine, oneLineElided, Width } from '../base/text';
import { DebugContainerState, PortState } from '../state/model';

/** The runtimes `skaffold debug` reports, by the IDs it uses. */
export type DebugRuntime = 'go' | 'jvm' | 'nodejs' | 'python' | 'netcore';

/** A runtime this module builds an attach configuration for (netcore is not one). */
export type AttachableRuntime = Exclude<DebugRuntime, 'netcore'>;

export type DebugTarget =
  | {
    ok: true;
    runtime: AttachableRuntime;
    /** The debug port's name as Skaffold reported it (`dlv`, `jdwp`, `devtools`, `dap`). */
    portName: string;
    /** The container's port. */
    remotePort: number;
    /** The port on this machine that Skaffold forwards to it: what the debugger connects to. */
    localPort: number;
    /** The forward's loopback address, without brackets (`127.0.0.1`, `::1`, `localhost`). */
    host: string;
  }
  | { ok: false; reason: string };

/** The shape of `vscode.DebugConfiguration`, without depending on VS Code. */
export interface DebugConfigurationLike {
  type: string;
  request: string;
  name: string;
  [key: string]: unknown;
}

export interface DebugConfigurationOptions {
  /** The local source folder (usually the workspace folder of the artifact). */
  localRoot: string;
  /** The configuration's name; by default "Skaffold: <pod> / <container> (<runtime>)". */
  name?: string;
  /**
   * The source root inside the container, overriding the event's workingDir (for Go, the path
   * the binary was built at matters, which may differ from the image's working directory).
   * Used only when it is a valid absolute path.
   */
  remoteRoot?: string;
}

export interface DebugExtensionInfo {
  /** The Marketplace ID of the extension that provides `debugType`; absent when built into VS Code. */
  extensionId?: string;
  displayName: string;
  /** The debug type the configuration uses; absent when there is none. */
  debugType?: string;
  /** Whether this module can build an attach configuration for the runtime. */
  supported: boolean;
}

export interface RemoteRoot {
  /** The source root inside the container, or undefined when the runtime needs no mapping (jvm). */
  remoteRoot?: string;
  /** Where it came from: the override, the event's workingDir, or this runtime's default. */
  source: 'option' | 'workingDir' | 'default' | 'none';
  /** Why the workingDir was not used, when it was not. */
  note?: string;
}

interface RuntimeInfo {
  label: string;
  /** Skaffold's names for the debug port of this runtime, preferred first. */
  portNames: readonly string[];
  /** Port names that speak a protocol the configured debugger cannot (python's pydevd). */
  foreignPortNames: readonly string[];
  /** The remote source root assumed when Skaffold reports no workingDir; none for jvm. */
  defaultRemoteRoot?: string;
  extension: DebugExtensionInfo;
}

const RUNTIMES: Record<DebugRuntime, RuntimeInfo> = {
  go: {
    label: 'Go', portNames: ['dlv'], foreignPortNames: [], defaultRemoteRoot: '/app',
    extension: { extensionId: 'golang.go', displayName: 'Go', debugType: 'go', supported: true },
  },
  jvm: {
    label: 'Java', portNames: ['jdwp'], foreignPortNames: [],
    extension: { extensionId: 'vscjava.vscode-java-debug', displayName: 'Debugger for Java', debugType: 'java', supported: true },
  },
  nodejs: {
    label: 'Node.js', portNames: ['devtools'], foreignPortNames: [], defaultRemoteRoot: '/app',
    extension: { displayName: 'JavaScript Debugger (built into VS Code)', debugType: 'node', supported: true },
  },
  python: {
    // debugpy and ptvsd both speak DAP on the port Skaffold names `dap`; `pydevd` is PyDev's
    // own protocol (for PyCharm), which the Python Debugger extension cannot attach to.
    label: 'Python', portNames: ['dap'], foreignPortNames: ['pydevd'], defaultRemoteRoot: '/app',
    extension: { extensionId: 'ms-python.debugpy', displayName: 'Python Debugger', debugType: 'debugpy', supported: true },
  },
  netcore: {
    label: '.NET', portNames: [], foreignPortNames: [],
    extension: { extensionId: 'ms-dotnettools.csharp', displayName: 'C#', debugType: 'coreclr', supported: false },
  },
};

const MAX_PATH = 1024;
/** At most this many forwarded ports are looked at (there are at most 65535 local ports). */
const MAX_PORTS = 65536;
/** At most this many debug ports of one container are looked at. */
const MAX_DEBUG_PORTS = 64;

function quoted(value: string | undefined, width: number = Width.address): string {
  return `"${oneLineElided(value, width)}"`;
}

/** A name usable for matching: a non-empty string without unsafe characters, bounded. */
function cleanName(value: string | undefined, max: number = Width.name): string | undefined {
  return value !== undefined && value.length > 0 && value.length <= max && !hasUnsafeCharacter(value) ? value : undefined;
}

function validPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Skaffold's runtime ID (case-insensitive), or undefined when it is not one Skaffold reports. */
export function debugRuntime(runtime: string | undefined): DebugRuntime | undefined {
  if (runtime === undefined || runtime.length > 32) {
    return undefined;
  }
  const r = runtime.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(RUNTIMES, r) ? r as DebugRuntime : undefined;
}

/** A runtime's name to show: "Go", "Java", "Node.js", "Python", ".NET", else the (cleaned) ID. */
export function runtimeLabel(runtime: string | undefined): string {
  const r = debugRuntime(runtime);
  if (r) {
    return RUNTIMES[r].label;
  }
  return oneLine(runtime, Width.status) || 'unknown runtime';
}

/** The extension that provides the debugger for a runtime, to tell the user what to install. */
export function debugExtensionFor(runtime: string | undefined): DebugExtensionInfo {
  const r = debugRuntime(runtime);
  if (!r) {
    return { displayName: `no debugger (unknown runtime ${quoted(runtime, Width.status)})`, supported: false };
  }
  return { ...RUNTIMES[r].extension };
}

/**
 * A path fit to be a debug adapter's remote root: absolute POSIX (`/app`) or Windows with a
 * drive letter (`C:\app`, `C:/app`), no control characters, no `.`/`..` segments, at most
 * 1024 characters; trailing separators are dropped (except the root's). UNC paths are refused.
 */
export function sanitizeRemoteRoot(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0 || value.length > MAX_PATH || hasUnsafeCharacter(value)) {
    return undefined;
  }
  let root: string;
  let rest: string;
  let sep: RegExp;
  if (value.startsWith('/') && !value.startsWith('//')) {
    root = '/';
    rest = value.slice(1);
    sep = /\/+/;
  } else if (/^[A-Za-z]:[\\/]/.test(value)) {
    root = value.slice(0, 3);
    rest = value.slice(3);
    sep = /[\\/]+/;
  } else {
    return undefined;
  }
  const segments = rest.split(sep).filter((s) => s.length > 0);
  if (segments.some((s) => s === '.' || s === '..')) {
    return undefined;
  }
  const separator = root === '/' ? '/' : root[2];
  return root + segments.join(separator);
}

/** The remote source root for a container: the override, its workingDir, or the runtime's default. */
export function resolveRemoteRoot(container: DebugContainerState, runtime: AttachableRuntime, override?: string): RemoteRoot {
  const info = RUNTIMES[runtime];
  if (info.defaultRemoteRoot === undefined) {
    return { source: 'none' };
  }
  if (override !== undefined) {
    const r = sanitizeRemoteRoot(override);
    if (r) {
      return { remoteRoot: r, source: 'option' };
    }
  }
  const wd = container.workingDir;
  const fromEvent = sanitizeRemoteRoot(wd);
  if (fromEvent) {
    return { remoteRoot: fromEvent, source: 'workingDir' };
  }
  const why = wd === undefined || wd === ''
    ? 'Skaffold reported no working directory'
    : `the working directory Skaffold reported (${quoted(wd, Width.code)}) is not an absolute path`;
  return {
    remoteRoot: info.defaultRemoteRoot,
    source: 'default',
    note: `${why}: assuming the sources are at ${info.defaultRemoteRoot} in the container.`,
  };
}

function describe(container: DebugContainerState): string {
  const pod = oneLineElided(container.podName, Width.address) || '?';
  const name = oneLineElided(container.containerName, Width.address) || '?';
  return `${pod} / ${name}`;
}

function isPodResource(type: string | undefined): boolean {
  return type === undefined || type.toLowerCase() === 'pod';
}

/**
 * Whether a forwarded port leads to this pod's (and container's) port `remotePort` named
 * `portName`. The pod must be named by the forward (podName, or resourceName of a pod forward);
 * a forward of a service or a deployment may reach another replica and is never taken.
 */
function forwardsTo(p: PortState, pod: string, namespace: string | undefined, container: string | undefined,
  portName: string, remotePort: number): boolean {
  if (!isPodResource(p.resourceType)) {
    return false;
  }
  const forwardPod = p.podName ?? (p.resourceName?.replace(/^pods?\//i, ''));
  if (forwardPod !== pod) {
    return false;
  }
  if (namespace !== undefined && p.namespace !== undefined && p.namespace !== namespace) {
    return false;
  }
  if (container !== undefined && p.containerName !== undefined && p.containerName !== container) {
    return false;
  }
  const t = p.targetPort;
  if (typeof t === 'number') {
    return t === remotePort;
  }
  if (typeof t === 'string') {
    return t === portName;
  }
  return p.portName === portName;
}

/** The host a debugger connects to for a forward's address, without brackets, when it is a loopback address. */
function loopbackHost(address: string): string | undefined {
  return isLoopbackHost(address) ? address.replace(/^\[(.*)\]$/, '$1') : undefined;
}

function pickDebugPort(container: DebugContainerState, runtime: AttachableRuntime):
  { name: string; port: number } | { reason: string } {
  const info = RUNTIMES[runtime];
  const ports: { name: string; port: number }[] = [];
  for (const [name, port] of Object.entries(container.debugPorts).slice(0, MAX_DEBUG_PORTS)) {
    const n = cleanName(name, Width.address);
    if (n !== undefined && validPort(port)) {
      ports.push({ name: n, port });
    }
  }
  for (const known of info.portNames) {
    const found = ports.find((p) => p.name === known);
    if (found) {
      return found;
    }
  }
  const usable = ports.filter((p) => !info.foreignPortNames.includes(p.name));
  if (usable.length === 1) {
    return usable[0];
  }
  if (usable.length > 1) {
    return {
      reason: `${describe(container)} has ${usable.length} debug ports (${usable.slice(0, 5).map((p) => quoted(p.name, Width.status)).join(', ')}) and none is named ${info.portNames.map((n) => `"${n}"`).join(' or ')}: which one the debugger listens on is unknown.`,
    };
  }
  if (ports.length > 0) {
    return {
      reason: `${describe(container)} is configured for ${quoted(ports[0].name, Width.status)}, a protocol the ${info.extension.displayName} extension cannot attach to. Configure the container for debugpy (the "dap" protocol) instead.`,
    };
  }
  return { reason: `Skaffold reported no debug port for ${describe(container)}.` };
}

/**
 * Which local port leads to a container's debugger. The debug port is the one with the
 * runtime's known name (`dlv`, `jdwp`, `devtools`, `dap`), else the container's only one; the
 * local port is the one Skaffold forwards to THAT port of THAT pod (and container), on a
 * loopback address. Anything wrong is a reason to show.
 */
export function resolveDebugTarget(container: DebugContainerState, ports: Iterable<PortState>): DebugTarget {
  const status = container.status.trim().toLowerCase();
  if (status === 'terminated') {
    return { ok: false, reason: `${describe(container)} has terminated.` };
  }
  if (status !== 'started') {
    return { ok: false, reason: `${describe(container)} is not running (its status is ${quoted(container.status, Width.status)}).` };
  }
  const runtime = debugRuntime(container.runtime);
  if (runtime === undefined) {
    return {
      ok: false,
      reason: container.runtime === undefined || container.runtime === ''
        ? `Skaffold did not report which runtime ${describe(container)} runs, so no debugger can be chosen.`
        : `${describe(container)} runs ${quoted(container.runtime, Width.status)}, a runtime this extension does not know how to debug.`,
    };
  }
  if (runtime === 'netcore') {
    return {
      ok: false,
      reason: `${describe(container)} is a .NET container: its debugger (vsdbg) is reached through kubectl exec, not a port, and attaching to it is not supported here. Use a launch configuration of the C# extension with a pipeTransport.`,
    };
  }
  const pod = cleanName(container.podName);
  if (pod === undefined) {
    return { ok: false, reason: `Skaffold reported no usable pod name for ${describe(container)}, so its forwarded port cannot be found.` };
  }
  const picked = pickDebugPort(container, runtime);
  if ('reason' in picked) {
    return { ok: false, reason: picked.reason };
  }
  // Compared as they are (comparing is safe); absent on either side means "not said".
  const { namespace, containerName } = container;
  let best: { localPort: number; host: string; exact: boolean } | undefined;
  let refused: string | undefined;
  let seen = 0;
  for (const p of ports) {
    if (++seen > MAX_PORTS) {
      break;
    }
    if (!forwardsTo(p, pod, namespace, containerName, picked.name, picked.port) || !validPort(p.localPort)) {
      continue;
    }
    const host = loopbackHost(p.address);
    if (host === undefined) {
      refused ??= oneLine(p.address, Width.address);
      continue;
    }
    // Prefer a forward that names the container (and the port) exactly; then the lowest port.
    const exact = p.containerName === containerName && (p.portName === undefined || p.portName === picked.name);
    if (!best || (exact && !best.exact) || (exact === best.exact && p.localPort < best.localPort)) {
      best = { localPort: p.localPort, host, exact };
    }
  }
  if (best) {
    return { ok: true, runtime, portName: picked.name, remotePort: picked.port, localPort: best.localPort, host: best.host };
  }
  if (refused !== undefined) {
    return {
      ok: false,
      reason: `The debug port of ${describe(container)} is forwarded to "${refused}", which is not a loopback address: a debugger there would be reachable from the network. Not attaching.`,
    };
  }
  return {
    ok: false,
    reason: `The debug port ${quoted(picked.name, 32)} (${picked.port}) of ${describe(container)} is not forwarded (yet). Skaffold forwards debug ports when port forwarding is on (skaffold debug does it by default).`,
  };
}

/**
 * The attach configuration for a container whose target was resolved. The remote source root
 * is `options.remoteRoot` if valid, else the container's workingDir if it is an absolute path,
 * else `/app` (see resolveRemoteRoot, which tells which was used).
 */
export function buildDebugConfiguration(container: DebugContainerState, target: Extract<DebugTarget, { ok: true }>,
  options: DebugConfigurationOptions): DebugConfigurationLike {
  const info = RUNTIMES[target.runtime];
  const name = oneLine(options.name, Width.name)
    || `Skaffold: ${oneLineElided(container.podName, Width.label) || '?'} / ${oneLineElided(container.containerName, Width.label) || '?'} (${info.label})`;
  const { remoteRoot } = resolveRemoteRoot(container, target.runtime, options.remoteRoot);
  const localRoot = options.localRoot;
  const base = { name, request: 'attach' };
  switch (target.runtime) {
    case 'nodejs':
      return {
        ...base, type: 'node', address: target.host, port: target.localPort,
        localRoot, remoteRoot, skipFiles: ['<node_internals>/**'],
      };
    case 'jvm':
      return { ...base, type: 'java', hostName: target.host, port: target.localPort };
    case 'python':
      return {
        ...base, type: 'debugpy', connect: { host: target.host, port: target.localPort },
        pathMappings: [{ localRoot, remoteRoot }],
      };
    case 'go':
      return {
        ...base, type: 'go', mode: 'remote', host: target.host, port: target.localPort,
        substitutePath: [{ from: localRoot, to: remoteRoot }],
      };
  }
}

/** How many containers an AutoAttachTracker remembers (the oldest are forgotten first). */
export const MAX_TRACKED_CONTAINERS = 512;

/**
 * "Offer to attach automatically, once per container." `next()` is given all the debug
 * containers of the session as they are now (SessionState.debugContainers) and returns those
 * to offer now: Started, with a forwarded debug port that resolves, never offered before.
 *
 * A container is known by its key (namespace/pod/container). One already offered is offered
 * again only if it ended in between: seen with status Terminated, or absent from a later
 * `next()` (the reducer drops a container when Skaffold reports it Terminated, and a deploy
 * resets them all). A pod keeps its name across restarts of its containers, so a container
 * that restarts (and needs a new debugger connection) is offered again; one that is still
 * listed after a reconnect (the session keeps its state and rebuilds it from the replay) is
 * not. A container Started but not forwarded yet is not remembered: it is offered when its
 * forward arrives. Memory is bounded: only listed containers are remembered, at most
 * MAX_TRACKED_CONTAINERS of them, and at most that many are looked at per call.
 */
export class AutoAttachTracker {
  private readonly offered = new Set<string>();

  constructor(private readonly limit = MAX_TRACKED_CONTAINERS) {}

  next(containers: Iterable<DebugContainerState>, ports: Iterable<PortState>): DebugContainerState[] {
    const portList: PortState[] = [];
    for (const p of ports) {
      portList.push(p);
      if (portList.length >= MAX_PORTS) {
        break;
      }
    }
    const listed = new Set<string>();
    const offer: DebugContainerState[] = [];
    let seen = 0;
    for (const c of containers) {
      if (++seen > this.limit) {
        break;
      }
      const key = c.key;
      if (c.status.trim().toLowerCase() === 'terminated') {
        this.offered.delete(key);
        continue;
      }
      if (listed.has(key)) {
        continue; // the same container twice in one call: the first one counts
      }
      listed.add(key);
      if (this.offered.has(key) || !resolveDebugTarget(c, portList).ok) {
        continue;
      }
      offer.push(c);
      this.offered.add(key);
    }
    if (seen <= this.limit) {
      // Everything was looked at: what is not listed has ended.
      for (const key of this.offered) {
        if (!listed.has(key)) {
          this.offered.delete(key);
        }
      }
    }
    while (this.offered.size > this.limit) {
      const oldest = this.offered.values().next().value as string;
      this.offered.delete(oldest);
    }
    return offer;
  }

  /** Whether a container (by key) has been offered and not ended since. */
  wasOffered(key: string): boolean {
    return this.offered.has(key);
  }

  /** How many containers are remembered. */
  get size(): number {
    return this.offered.size;
  }

  /** Forgets everything: for a new session (another Skaffold). */
  reset(): void {
    this.offered.clear();
  }
}
