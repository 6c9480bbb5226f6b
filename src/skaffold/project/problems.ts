/**
 * Skaffold's errors as problems in the files they are about, for the Problems panel: a pure
 * function of the session state and the project's index (configLocations.ts), so a problem
 * goes away as soon as the state shows the phase succeeding.
 *
 * Where each goes:
 * - a failed build: the artifact's `image:` (top-level declarations first, else profiles; in
 *   every config that declares it). A failure stays until that artifact builds again
 *   successfully: an iteration that did not rebuild it resets it to Not Started, but its last
 *   result is still the failure.
 * - a failed file sync: that artifact's `sync:` key, else its `image:`.
 * - a resource whose status check failed: the manifest object that declares it (a pod: its
 *   owner, from the pod-name suffixes Kubernetes adds), else the `manifests:`/`deploy:` key.
 *   Still In Progress but with a code that is not a step of a normal rollout: a warning there.
 * - a failed deploy: the root config's `deploy:` (or `manifests:`) key; not when it failed
 *   only because of resources shown already.
 * - the status-check phase and the dev loop: only when nothing more specific is shown, on the
 *   root config's first line.
 * Server text is untrusted: messages and suggestions are bounded and made one line
 * (base/text.ts). The state is trusted to be what its type says (the reducer checked it).
 */
import { ArtifactDeclaration, ConfigIndex, ManifestObject, TextRange } from './configLocations';
import { ArtifactState, ErrorInfo, ResourceState, SessionState, SuggestionInfo } from '../state/model';
import { Status } from '../wire/protocol';
import { oneLine, Width } from '../base/text';

export type ProblemPhase = 'build' | 'sync' | 'deploy' | 'statusCheck' | 'devLoop';
export type ProblemSeverity = 'error' | 'warning';

export interface Problem {
  file: string;
  /** 0-based, as VS Code counts. */
  range: TextRange;
  severity: ProblemSeverity;
  /** One line, bounded, prefixed by the subject where that helps. */
  message: string;
  /** The StatusCode name (or number, from a newer Skaffold). */
  code?: string;
  phase: ProblemPhase;
  /** The artifact's image or the resource's name; empty for a whole phase. */
  subject: string;
  /** Bounded, single-line. */
  suggestions: SuggestionInfo[];
  /** The Skaffold config file the problem belongs to (its own file, or the one listing the manifest). */
  configFile: string;
}

export interface ProblemOptions {
  /** Default 1000 characters. */
  maxMessageLength?: number;
  /** Default 1000. */
  maxProblems?: number;
  /**
   * The profiles the session runs with, when known: an artifact declared only in profiles is
   * then placed in those (in all of its profiles when none of them is active).
   */
  activeProfiles?: readonly string[];
}

/** Our own words when Skaffold gave none, one table for the extension to localize. */
export const FALLBACK_MESSAGES: Record<ProblemPhase, string> = {
  build: 'The build failed.',
  sync: 'File sync failed.',
  deploy: 'The deploy failed.',
  statusCheck: 'The status check failed.',
  devLoop: 'The dev loop failed.',
};

const MAX_SUGGESTIONS = 10;

/**
 * Status codes a resource reports while a normal rollout progresses (or that say nothing is
 * wrong): no warning for them while In Progress. Everything else that Skaffold reports while
 * it keeps waiting (an image that cannot be pulled, a crash loop, an unschedulable pod, lost
 * connection to the cluster, an unknown waiting reason) is a warning before it turns into a
 * failure at the deadline.
 */
export const TRANSIENT_STATUS_CODES: ReadonlySet<string> = new Set([
  'OK',
  'STATUSCHECK_SUCCESS',
  'BUILD_SUCCESS',
  'DEPLOY_SUCCESS',
  'TEST_SUCCESS',
  'RENDER_SUCCESS',
  'STATUSCHECK_CONTAINER_CREATING',
  'STATUSCHECK_POD_INITIALIZING',
  'STATUSCHECK_DEPLOYMENT_ROLLOUT_PENDING',
  'STATUSCHECK_STANDALONE_PODS_PENDING',
  'STATUSCHECK_CONFIG_CONNECTOR_IN_PROGRESS',
  'STATUSCHECK_CUSTOM_RESOURCE_IN_PROGRESS',
  'STATUSCHECK_CONFIG_CONNECTOR_TERMINATING',
  'STATUSCHECK_CUSTOM_RESOURCE_TERMINATING',
  'STATUSCHECK_USER_CANCELLED',
]);

/**
 * Whether a code reported while In Progress is part of a normal rollout. No code, a code in
 * TRANSIENT_STATUS_CODES, a name of the same shape from a newer Skaffold (…_SUCCESS,
 * …_IN_PROGRESS, …_PENDING, …_CREATING, …_INITIALIZING), or a bare number (a code our proto
 * does not know: nothing to tell the user) is transient.
 */
export function isTransientStatusCode(code: string | undefined): boolean {
  if (code === undefined || code === '' || TRANSIENT_STATUS_CODES.has(code)) {
    return true;
  }
  return /^\d+$/.test(code) || /_(SUCCESS|IN_PROGRESS|PENDING|CREATING|INITIALIZING)$/.test(code);
}

/**
 * Problems for the state, placed with the index. Pure. What cannot be placed goes to the
 * root config.
 */
export function computeProblems(state: SessionState, index: ConfigIndex, options: ProblemOptions = {}): Problem[] {
  const ctx = new Collector(index, options);
  for (const a of state.artifacts.values()) {
    buildProblem(ctx, a);
  }
  syncProblem(ctx, state.fileSync);
  // Workloads before pods: a pod's problem placed on its owner that says what the owner's says
  // is the same problem.
  const resources = [...state.resources.values()].sort((a, b) => Number(isPod(a.name)) - Number(isPod(b.name)));
  for (const r of resources) {
    resourceProblem(ctx, r);
  }
  deployProblem(ctx, state.deploy);
  // The phase-wide failures only when nothing more specific says it.
  if (state.statusCheck.status === Status.Failed && !ctx.has(undefined, 'error')) {
    const e = state.statusCheck.error;
    ctx.add(ctx.rootStart(), 'error', 'statusCheck', '', e?.message || state.statusCheck.message, e?.code ?? state.statusCheck.code, e?.suggestions);
  }
  if (state.devLoop.status === Status.Failed && !ctx.has(undefined, 'error')) {
    const e = state.devLoop.error;
    ctx.add(ctx.rootStart(), 'error', 'devLoop', '', e?.message, e?.code, e?.suggestions);
  }
  return ctx.problems;
}

interface Place {
  file: string;
  range: TextRange;
  configFile: string;
}

class Collector {
  readonly problems: Problem[] = [];
  private readonly seen = new Map<string, Problem>();
  private readonly seenText = new Map<string, Problem>();
  private readonly maxMessage: number;
  private readonly maxProblems: number;

  constructor(readonly index: ConfigIndex, readonly options: ProblemOptions) {
    this.maxMessage = clampInt(options.maxMessageLength, Width.message, 20, 100_000);
    this.maxProblems = clampInt(options.maxProblems, 1000, 1, 100_000);
  }

  has(phase: ProblemPhase | undefined, severity: ProblemSeverity): boolean {
    return this.problems.some((p) => (phase === undefined || p.phase === phase) && p.severity === severity);
  }

  /**
   * Adds a problem unless the same one is there. `sameAsOwner`: a pod's problem, the same as
   * one already placed there with the same words (its deployment's): not added again.
   * A duplicate that is more severe makes the one there an error.
   */
  add(place: Place, severity: ProblemSeverity, phase: ProblemPhase, rawSubject: string, rawMessage: string | undefined, rawCode: string | undefined, suggestions: SuggestionInfo[] | undefined, sameAsOwner = false): void {
    const subject = oneLine(rawSubject, Width.name);
    const text = oneLine(rawMessage, this.maxMessage) || FALLBACK_MESSAGES[phase];
    const message = oneLine(subject && !text.startsWith(subject) ? `${subject}: ${text}` : text, this.maxMessage);
    const code = codeName(rawCode);
    const key = JSON.stringify([place.file, place.range, message]);
    const textKey = JSON.stringify([place.file, place.range, phase, text]);
    const existing = this.seen.get(key) ?? (sameAsOwner ? this.seenText.get(textKey) : undefined);
    if (existing) {
      if (existing.severity === 'warning' && severity === 'error') {
        existing.severity = 'error';
      }
      return;
    }
    if (this.problems.length >= this.maxProblems) {
      return;
    }
    const problem: Problem = {
      file: place.file,
      range: { ...place.range },
      severity,
      message,
      ...(code !== undefined ? { code } : {}),
      phase,
      subject,
      suggestions: cleanSuggestions(suggestions),
      configFile: place.configFile,
    };
    this.seen.set(key, problem);
    if (!this.seenText.has(textKey)) {
      this.seenText.set(textKey, problem);
    }
    this.problems.push(problem);
  }

  /** The root config's first line (the file's first line when nothing of it could be read). */
  rootStart(): Place {
    const root = this.configs().find((c) => c.root);
    if (root) {
      return { file: root.file, range: root.start, configFile: root.file };
    }
    const file = this.index.rootFile;
    return { file, range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 }, configFile: file };
  }

  /**
   * Where a deploy problem goes: a root config's `deploy:` key (`manifests:` first for a
   * problem with the manifests, or for a resource not found in them), then any config's,
   * else the root config's first line.
   */
  deployPlace(preferManifests: boolean): Place {
    const configs = this.configs();
    const order = preferManifests ? ['manifestsKey', 'deployKey'] as const : ['deployKey', 'manifestsKey'] as const;
    for (const group of [configs.filter((c) => c.root), configs]) {
      for (const key of order) {
        const c = group.find((x) => x[key]);
        if (c) {
          return { file: c.file, range: c[key]!, configFile: c.file };
        }
      }
    }
    return this.rootStart();
  }

  configs() {
    return this.index.configs;
  }

  configFile(config: number): string {
    return this.configs()[config]?.file ?? this.rootStart().file;
  }
}

// --- each phase ----------------------------------------------------------------------------

function buildProblem(ctx: Collector, a: ArtifactState): void {
  const error = buildFailure(a);
  if (!error) {
    return;
  }
  const places = locateArtifact(ctx.index, a.name, ctx.options.activeProfiles).map((d) => ({ file: d.file, range: d.imageRange, configFile: d.file }));
  for (const place of places.length > 0 ? places : [ctx.rootStart()]) {
    ctx.add(place, 'error', 'build', a.name, error.message, error.code, error.suggestions);
  }
}

/** The failure an artifact still shows, or undefined. */
function buildFailure(a: ArtifactState): ErrorInfo | undefined {
  if (a.status === Status.Failed) {
    return a.error ?? a.lastResult?.error ?? { message: '', suggestions: [] };
  }
  // Reset by an iteration that did not rebuild it, or being rebuilt: the failure stands until
  // a build of it succeeds.
  if (a.lastResult?.status === Status.Failed && (a.status === Status.NotStarted || a.status === Status.InProgress)) {
    return a.lastResult.error ?? { message: '', suggestions: [] };
  }
  return undefined;
}

function syncProblem(ctx: Collector, sync: SessionState['fileSync']): void {
  if (sync.status !== Status.Failed) {
    return;
  }
  const image = sync.image ?? '';
  const places = image ? locateArtifact(ctx.index, image, ctx.options.activeProfiles).map((d) => ({ file: d.file, range: d.syncRange ?? d.imageRange, configFile: d.file })) : [];
  for (const place of places.length > 0 ? places : [ctx.rootStart()]) {
    ctx.add(place, 'error', 'sync', image, sync.error?.message || sync.message, sync.error?.code ?? sync.code, sync.error?.suggestions);
  }
}

function deployProblem(ctx: Collector, deploy: SessionState['deploy']): void {
  if (deploy.status !== Status.Failed) {
    return;
  }
  const code = deploy.error?.code ?? deploy.code;
  if (code?.startsWith('STATUSCHECK_') && ctx.has('statusCheck', 'error')) {
    return; // the deploy failed because resources did: they show it where they are declared
  }
  const place = ctx.deployPlace(code?.includes('MANIFEST') ?? false);
  ctx.add(place, 'error', 'deploy', '', deploy.error?.message || deploy.message, code, deploy.error?.suggestions);
}

function resourceProblem(ctx: Collector, r: ResourceState): void {
  const code = r.error?.code ?? r.code;
  let severity: ProblemSeverity;
  if (r.status === Status.Failed) {
    severity = 'error';
  } else if (r.status === Status.InProgress && !isTransientStatusCode(code)) {
    severity = 'warning';
  } else {
    return;
  }
  const objects = locateResource(ctx.index, r.name);
  const places = objects.map((o) => ({ file: o.file, range: o.nameRange, configFile: ctx.configFile(o.config) }));
  for (const place of places.length > 0 ? places : [ctx.deployPlace(true)]) {
    ctx.add(place, severity, 'statusCheck', r.name, r.error?.message || r.message || code, code, r.error?.suggestions, isPod(r.name));
  }
}

// --- locating ------------------------------------------------------------------------------

/**
 * Where an artifact is declared: its top-level declarations (in every config that has one),
 * else its declarations in profiles (those of the active profiles when any of them declares it).
 */
export function locateArtifact(index: ConfigIndex, image: string, activeProfiles?: readonly string[]): ArtifactDeclaration[] {
  const all = index.artifacts.filter((d) => d.image === image);
  const top = all.filter((d) => d.profile === undefined);
  if (top.length > 0) {
    return top;
  }
  const active = activeProfiles ? all.filter((d) => activeProfiles.includes(d.profile!)) : [];
  return active.length > 0 ? active : all;
}

export interface ResourceName {
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * Skaffold's name of a resource: `deployment/app`, `ns:deployment/app` (workloads outside the
 * default namespace), `Pod/app-6d4b-x2x`, `{Pod:ns/app-6d4b-x2x}` (pods outside it).
 */
export function parseResourceName(raw: string): ResourceName | undefined {
  if (raw.length > 1024) {
    return undefined;
  }
  const s = raw.trim();
  const braced = /^\{([^:{}/\s]+):([^:{}/\s]+)\/([^{}/\s]+)\}$/.exec(s);
  if (braced) {
    return { kind: braced[1], namespace: braced[2], name: braced[3] };
  }
  const plain = /^(?:([^:/\s{}]+):)?([^:/\s{}]+)\/([^/\s{}]+)$/.exec(s);
  if (plain) {
    return { kind: plain[2], name: plain[3], ...(plain[1] !== undefined ? { namespace: plain[1] } : {}) };
  }
  return undefined;
}

/**
 * The manifest objects that declare a resource Skaffold names. A pod not declared itself is
 * looked up by its owner, from the suffixes Kubernetes adds to pod names: `<deployment>-<hash>-<id>`,
 * `<replicaset|daemonset|job>-<id>`, `<statefulset>-<ordinal>`. The kind matches
 * case-insensitively; a namespace on both sides must be the same.
 */
export function locateResource(index: ConfigIndex, resource: string): ManifestObject[] {
  const parsed = parseResourceName(resource);
  const objects = index.objects;
  if (!parsed) {
    return [];
  }
  const kind = parsed.kind.toLowerCase().split('.')[0];
  const candidates: { kinds: string[]; name: string }[] = [{ kinds: [kind], name: parsed.name }];
  if (kind === 'pod') {
    const id = /^(.+)-[a-z0-9]{5}$/.exec(parsed.name);
    if (id) {
      candidates.push({ kinds: ['replicaset', 'daemonset', 'job'], name: id[1] });
      const hash = /^(.+)-[a-z0-9]{1,10}$/.exec(id[1]);
      if (hash) {
        candidates.push({ kinds: ['deployment', 'cronjob'], name: hash[1] });
      }
    }
    const ordinal = /^(.+)-\d+$/.exec(parsed.name);
    if (ordinal) {
      candidates.push({ kinds: ['statefulset'], name: ordinal[1] });
    }
  }
  for (const c of candidates) {
    const scored = objects
      .filter((o) => o.name === c.name && c.kinds.includes(String(o.kind).toLowerCase()))
      .map((o) => ({ o, score: namespaceScore(parsed.namespace, o.namespace) }))
      .filter((x) => x.score > 0);
    if (scored.length > 0) {
      const best = Math.max(...scored.map((x) => x.score));
      return scored.filter((x) => x.score === best).map((x) => x.o);
    }
  }
  return [];
}

/**
 * How well namespaces agree: 0 when both are given and differ. Skaffold leaves the namespace
 * out of a name in "default", so an object without one, or in "default", fits best then.
 */
function namespaceScore(resource: string | undefined, object: string | undefined): number {
  if (resource !== undefined) {
    return object === undefined ? 2 : object === resource ? 3 : 0;
  }
  return object === undefined || object === 'default' ? 3 : 1;
}

function isPod(name: string): boolean {
  return parseResourceName(name)?.kind.toLowerCase() === 'pod';
}

// --- text ----------------------------------------------------------------------------------

/** A code as the reducer keeps it (an enum name, or a number from a newer Skaffold), else undefined. */
function codeName(code: string | undefined): string | undefined {
  return code !== undefined && /^([A-Za-z][A-Za-z0-9_]{0,79}|\d{1,10})$/.test(code) && code !== 'OK' && code !== '0' ? code : undefined;
}

function cleanSuggestions(suggestions: readonly SuggestionInfo[] | undefined): SuggestionInfo[] {
  const out: SuggestionInfo[] = [];
  for (const s of (suggestions ?? []).slice(0, 50)) {
    const action = oneLine(s.action, Width.detail);
    const code = codeName(s.code);
    if (action && !out.some((o) => o.action === action && o.code === code) && out.length < MAX_SUGGESTIONS) {
      out.push({ action, ...(code !== undefined && code !== 'NIL' ? { code } : {}) });
    }
  }
  return out;
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : fallback;
}
