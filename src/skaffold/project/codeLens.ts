/**
 * What the CodeLens says on a Skaffold project's files: on each artifact's `image:` line of
 * the config a session runs, its build in a few words ("built 12s ago in 1.4s", "building…",
 * "build failed: …") and what can be done with it (Build Now, Show Output, Show Logs); on each
 * workload's `name:` in a deployed manifest, the status check's verdict and its pods ("ready ·
 * 2/2 pods running", "failed · CrashLoopBackOff").
 *
 * A pure function of the file, the project's index (configLocations.ts) and the sessions'
 * states: the words are the views' (present/rows.ts), the places the Problems panel's
 * (problems.ts), and `now` is passed in, so that it is tested without a clock. It lives with
 * the project files rather than with the views' words because it places things with the
 * index (present/ is below project/ in the core's layers).
 *
 * Server text is untrusted: every message goes through base/text.ts, bounded to one line.
 */
import { Pending, pendingWords } from './pendingChanges';
import { ConfigIndex, ManifestObject, TextRange } from './configLocations';
import { FALLBACK_MESSAGES, isTransientStatusCode, locateArtifact, locateResource } from './problems';
import { ArtifactState, NOT_STARTED, ResourceState, SessionState } from '../state/model';
import { artifactRow, currentIteration, resourceRow, runningBuildText } from '../present/rows';
import { formatDuration, groupResources, Look, statusLook } from '../present/labels';
import { isPod, shortName } from '../state/workloads';
import { oneLine, Width } from '../base/text';
import { Status } from '../wire/protocol';

/**
 * The commands the lenses run: the values of CommandId (src/common/ids.ts), which the core
 * cannot import; a unit test keeps them equal. Each takes a node such as the views' rows give
 * (`{ sessionId, kind, name }`).
 */
export const LENS_COMMANDS = {
  build: 'skaffold.build',
  sync: 'skaffold.sync',
  showOutput: 'skaffold.showOutput',
  showLogs: 'skaffold.showContainerLogs',
} as const;

/** A session as the lenses need it. */
export interface LensSession {
  id: string;
  /** What the user calls it (shown when several sessions speak of the same line). */
  label: string;
  state: SessionState;
  /** Whether it takes commands now (connected): Build Now is offered only then. */
  connected: boolean;
  /** Its artifacts' changes not built or synced yet (auto build or sync off), when followed. */
  pending?(artifact: string): Pending | undefined;
}

export interface LensCommand {
  id: string;
  args: unknown[];
}

export interface Lens {
  /** Where it goes: the `image:` value, the manifest object's `name:` value. */
  range: TextRange;
  /** One short line; may start with a codicon (`$(pass) `). */
  title: string;
  /** What a click runs; none for a lens that only tells. */
  command?: LensCommand;
  tooltip?: string;
  /**
   * What the range covers in the file as indexed (the image, the object's name): a lens whose
   * range covers something else now (the file was edited since) is out of place.
   */
  subject: string;
}

export interface FileLenses {
  lenses: Lens[];
  /**
   * When the first relative time shown ("12s ago") reads differently: ask again then. Absent
   * when no lens shows one.
   */
  refreshAt?: number;
}

export interface LensOptions {
  /**
   * Name the session on every lens, even when only one of `sessions` speaks of a line (the
   * caller asks for another project's sessions separately and knows there are several).
   */
  nameSessions?: boolean;
}

/** How long a message may be in a lens's title (its tooltip has the rest). */
const TITLE_MESSAGE_WIDTH = 80;
/** Pods listed in a workload's tooltip. */
const MAX_TOOLTIP_PODS = 10;

/** The lenses of one file, in the order of its lines. */
export function codeLensesFor(file: string, index: ConfigIndex, sessions: readonly LensSession[], now: number, options: LensOptions = {}): FileLenses {
  const clock = new RefreshClock(now);
  const found: { at: TextRange; session: LensSession; lenses: Lens[]; order: number }[] = [];
  let order = 0;
  for (const session of sessions) {
    for (const a of session.state.artifacts.values()) {
      const declarations = locateArtifact(index, a.name).filter((d) => d.file === file);
      for (const d of declarations) {
        found.push({ at: d.imageRange, session, lenses: artifactLenses(a, session, d.imageRange, clock), order: order++ });
      }
    }
    for (const w of workloadsIn(file, index, session.state)) {
      found.push({ at: w.object.nameRange, session, lenses: workloadLenses(w, session), order: order++ });
    }
  }
  // Several sessions on one line: each says whose it is.
  const sessionsAt = new Map<string, Set<string>>();
  for (const f of found) {
    const key = rangeKey(f.at);
    sessionsAt.set(key, (sessionsAt.get(key) ?? new Set()).add(f.session.id));
  }
  const lenses: Lens[] = [];
  found.sort((x, y) => x.at.startLine - y.at.startLine || x.at.startCharacter - y.at.startCharacter || x.order - y.order);
  for (const f of found) {
    const named = options.nameSessions === true || (sessionsAt.get(rangeKey(f.at))?.size ?? 0) > 1;
    const [first, ...rest] = f.lenses;
    lenses.push(named ? withSession(first, f.session) : first, ...rest);
  }
  return { lenses, ...(clock.next !== undefined ? { refreshAt: clock.next } : {}) };
}

function rangeKey(r: TextRange): string {
  return `${r.startLine}:${r.startCharacter}`;
}

function withSession(lens: Lens, session: LensSession): Lens {
  const name = oneLine(session.label, Width.label) || session.id;
  const icon = /^\$\([a-z0-9~-]+\) /.exec(lens.title)?.[0] ?? '';
  return {
    ...lens,
    title: `${icon}${literal(name)}: ${lens.title.slice(icon.length)}`,
    ...(lens.tooltip !== undefined ? { tooltip: `${name}: ${lens.tooltip}` } : {}),
  };
}

function icon(look: Look): string {
  return `$(${look.icon}) `;
}

/**
 * Text of a title that is not ours made to read as it is: VS Code shows `$(name)` in a lens's
 * title as an icon, `\$(name)` as those characters.
 */
function literal(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}

// ------------------------------------------------------------------------------ artifacts

function artifactLenses(a: ArtifactState, session: LensSession, range: TextRange, clock: RefreshClock): Lens[] {
  const { state } = session;
  const current = currentIteration(state);
  const row = artifactRow(a, current);
  const last = a.lastResult;
  let words: string;
  switch (row.word) {
    case 'building':
      words = 'building…';
      break;
    case 'built':
    case 'up to date':
      words = ['built', clock.ago(last?.at), last?.durationMs !== undefined ? `in ${formatDuration(last.durationMs)}` : ''].filter(Boolean).join(' ');
      break;
    case 'failed':
    case 'canceled': {
      // `failed`, or `failed · #1` when an iteration that did not rebuild it reset it.
      const what = a.status === Status.Failed || a.status === Status.Canceled ? `build ${row.word}` : `last build ${row.description}`;
      const message = row.word === 'failed' ? oneLine(row.error?.message, TITLE_MESSAGE_WIDTH) || FALLBACK_MESSAGES.build : '';
      words = message ? `${what}: ${message}` : what;
      break;
    }
    case 'not built':
      words = 'not built yet';
      break;
    default:
      words = row.word;
  }
  const tooltip = [row.accessible];
  if (row.error?.message) {
    tooltip.push(oneLine(row.error.message, Width.message));
  }
  for (const s of row.error?.suggestions.slice(0, 3) ?? []) {
    const action = oneLine(s.action, Width.line);
    if (action) {
      tooltip.push(`Suggestion: ${action}`);
    }
  }
  if (row.running) {
    tooltip.push(runningBuildText(row.running, current).accessible);
  }
  const node = { sessionId: session.id, kind: 'artifact', name: a.name };
  const subject = a.name;
  const pending = session.pending?.(a.name);
  const waiting = pendingWords(pending);
  if (waiting) {
    words = `${words} · ${waiting}`;
    const sample = [...pending?.build?.sample ?? [], ...pending?.sync?.sample ?? []].map((f) => oneLine(f, Width.name));
    tooltip.push(`Changed since its last build: ${sample.join(', ')}`);
  }
  const lenses: Lens[] = [{ range, title: `${icon(row.look)}${literal(words)}`, tooltip: tooltip.join('\n'), subject }];
  // As the Artifacts view offers it: not while it builds, not when Skaffold builds on every change.
  if (session.connected && state.autoTrigger.build !== true && a.status !== Status.InProgress) {
    lenses.push({ range, title: 'Build Now', command: { id: LENS_COMMANDS.build, args: [node] }, tooltip: 'Ask Skaffold to build now (what changed since its last build)', subject });
  }
  // Files waiting to be synced (auto sync off): Sync Now, as the session row offers it.
  if (session.connected && state.autoTrigger.sync !== true && pending?.sync && pending.sync.files > 0) {
    lenses.push({ range, title: 'Sync Now', command: { id: LENS_COMMANDS.sync, args: [node] }, tooltip: 'Ask Skaffold to sync the changed files now', subject });
  }
  if ((a.status !== NOT_STARTED && a.status !== '') || last !== undefined) {
    lenses.push({ range, title: 'Show Output', command: { id: LENS_COMMANDS.showOutput, args: [node] }, tooltip: 'Show what Skaffold printed while building this image', subject });
  }
  if (a.lastBuilt !== undefined && state.deploys > 0) {
    lenses.push({ range, title: 'Show Logs', command: { id: LENS_COMMANDS.showLogs, args: [node] }, tooltip: 'Show the logs of the containers running this image', subject });
  }
  return lenses;
}

/**
 * "12s ago", "3m ago", and when that text changes next (the earliest of all asked). Event
 * times come from Skaffold's clock: one a little ahead of ours reads "just now".
 */
class RefreshClock {
  next: number | undefined;

  constructor(private readonly now: number) {}

  ago(at: number | undefined): string {
    if (at === undefined || !Number.isFinite(at) || !Number.isFinite(this.now)) {
      return '';
    }
    const elapsed = Math.max(0, this.now - at);
    let text: string;
    let step: number;
    if (elapsed < 5_000) {
      text = 'just now';
      step = 5_000;
    } else if (elapsed < 60_000) {
      step = 1_000;
      text = `${Math.floor(elapsed / step)}s ago`;
    } else if (elapsed < 3_600_000) {
      step = 60_000;
      text = `${Math.floor(elapsed / step)}m ago`;
    } else if (elapsed < 86_400_000) {
      step = 3_600_000;
      text = `${Math.floor(elapsed / step)}h ago`;
    } else {
      step = 86_400_000;
      text = `${Math.floor(elapsed / step)}d ago`;
    }
    // When the next multiple of the step has elapsed (an event ahead of us: counted from it).
    const changesAt = at + (Math.floor(elapsed / step) + 1) * step;
    this.next = this.next === undefined ? changesAt : Math.min(this.next, changesAt);
    return text;
  }
}

// ------------------------------------------------------------------------------ workloads

interface WorkloadEntry {
  object: ManifestObject;
  /** The workload Skaffold checked, when it named one (else only its pods are known). */
  workload?: ResourceState;
  pods: ResourceState[];
}

/**
 * The resources a session's status check spoke of that are declared in `file`: each
 * workload with its pods (grouped as the Resources view groups them), and pods that no
 * reported workload claims, on the object that declares them or their owner.
 */
function workloadsIn(file: string, index: ConfigIndex, state: SessionState): WorkloadEntry[] {
  const names = new Set(index.objects.filter((o) => o.file === file).map((o) => o.name));
  if (names.size === 0) {
    return [];
  }
  const entries = new Map<ManifestObject, WorkloadEntry>();
  for (const group of groupResources(state.resources.values())) {
    const pod = isPod(group.resource.name);
    // Looked up among all objects (the best namespace match may be in another file), but only
    // when this file declares something of that name: most workloads are declared elsewhere.
    if (!pod && !names.has(shortName(group.resource.name))) {
      continue;
    }
    for (const object of locateResource(index, group.resource.name).filter((o) => o.file === file)) {
      const entry = entries.get(object) ?? { object, pods: [] };
      if (pod) {
        entry.pods.push(group.resource);
      } else {
        entry.workload ??= group.resource;
        entry.pods.push(...group.children);
      }
      entries.set(object, entry);
    }
  }
  return [...entries.values()];
}

/** The words Kubernetes uses for why a container waits, when Skaffold's message names one. */
const KUBERNETES_REASON = /\b(CrashLoopBackOff|ImagePullBackOff|ErrImagePull|ErrImageNeverPull|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError|OOMKilled|ContainerCannotRun|DeadlineExceeded|Evicted)\b/;

/** Skaffold's status codes for what keeps a pod from running, in the words a developer knows. */
const REASON_OF_CODE: Record<string, string> = {
  STATUSCHECK_CONTAINER_RESTARTING: 'CrashLoopBackOff',
  STATUSCHECK_IMAGE_PULL_ERR: 'image cannot be pulled',
  STATUSCHECK_RUN_CONTAINER_ERR: 'container cannot run',
  STATUSCHECK_CONTAINER_TERMINATED: 'container terminated',
  STATUSCHECK_CONTAINER_EXEC_ERROR: 'container exec error',
  STATUSCHECK_UNHEALTHY: 'unhealthy',
  STATUSCHECK_FAILED_SCHEDULING: 'cannot be scheduled',
  STATUSCHECK_NODE_UNSCHEDULABLE: 'cannot be scheduled',
  STATUSCHECK_UNKNOWN_UNSCHEDULABLE: 'cannot be scheduled',
  STATUSCHECK_NODE_MEMORY_PRESSURE: 'node low on memory',
  STATUSCHECK_NODE_DISK_PRESSURE: 'node low on disk',
  STATUSCHECK_NODE_PID_PRESSURE: 'node low on process ids',
  STATUSCHECK_NODE_NETWORK_UNAVAILABLE: 'node network unavailable',
  STATUSCHECK_NODE_UNREACHABLE: 'node unreachable',
  STATUSCHECK_NODE_NOT_READY: 'node not ready',
  STATUSCHECK_KUBECTL_CONNECTION_ERR: 'cluster unreachable',
  STATUSCHECK_DEADLINE_EXCEEDED: 'deadline exceeded',
};

/**
 * Why a resource is not fine, in a few words: the Kubernetes reason its message names, else
 * its code's, else its message; undefined when it is fine or only on its way (a code of a
 * normal rollout while In Progress).
 */
function reasonOf(r: ResourceState): string | undefined {
  const code = r.error?.code ?? r.code;
  const failed = r.status === Status.Failed;
  if (!failed && !(r.status === Status.InProgress && !isTransientStatusCode(code))) {
    return undefined;
  }
  const message = oneLine(r.error?.message || r.message, Width.message);
  const named = KUBERNETES_REASON.exec(message)?.[1];
  if (named) {
    return named;
  }
  if (code !== undefined && REASON_OF_CODE[code]) {
    return REASON_OF_CODE[code];
  }
  return oneLine(message, TITLE_MESSAGE_WIDTH) || (code !== undefined ? oneLine(code, Width.code) : undefined);
}

/** How bad a look is, to show the worst of a workload's pods. */
function severity(look: Look): number {
  return look.icon === 'error' ? 3 : look.icon.endsWith('~spin') ? 2 : look.icon === 'pass' ? 0 : 1;
}

function workloadLenses(entry: WorkloadEntry, session: LensSession): Lens[] {
  const { state } = session;
  const { workload, pods } = entry;
  const range = entry.object.nameRange;
  const podRows = pods.map((p) => resourceRow(p, state, workload));
  const running = podRows.filter((r) => r.word === 'running').length;
  const parts: string[] = [];
  let look: Look;
  if (workload) {
    const row = resourceRow(workload, state);
    parts.push(row.description);
    look = row.look;
  } else {
    look = podRows.reduce<Look>((worst, r) => (severity(r.look) > severity(worst) ? r.look : worst), statusLook(Status.Succeeded));
  }
  if (pods.length > 0) {
    parts.push(`${running}/${pods.length} pod${pods.length === 1 ? '' : 's'} running`);
  }
  // A pod's reason says more than its workload's (a deployment that fails says its deadline passed).
  const reason = pods.map(reasonOf).find((x) => x !== undefined) ?? (workload ? reasonOf(workload) : undefined);
  if (reason && !parts.includes(reason)) {
    parts.push(reason);
  }
  const tooltip: string[] = [];
  if (workload) {
    tooltip.push(resourceRow(workload, state).accessible);
    const message = oneLine(workload.error?.message || workload.message, Width.message);
    if (message && message.toLowerCase() !== workload.status.toLowerCase()) {
      tooltip.push(message);
    }
  }
  for (const r of podRows.slice(0, MAX_TOOLTIP_PODS)) {
    tooltip.push(r.accessible);
  }
  if (podRows.length > MAX_TOOLTIP_PODS) {
    tooltip.push(`and ${podRows.length - MAX_TOOLTIP_PODS} more pods`);
  }
  const name = workload?.name ?? (pods.length === 1 ? pods[0].name : `${entry.object.kind}/${entry.object.name}`);
  const subject = entry.object.name;
  return [
    { range, title: `${icon(look)}${literal(parts.join(' · '))}`, tooltip: tooltip.join('\n'), subject },
    { range, title: 'Show Logs', command: { id: LENS_COMMANDS.showLogs, args: [{ sessionId: session.id, kind: 'resource', name }] }, tooltip: 'Show the logs of its containers', subject },
  ];
}
