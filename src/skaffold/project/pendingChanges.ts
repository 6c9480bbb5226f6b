/**
 * What changed in an artifact's sources since Skaffold last built (or synced) it, while
 * Skaffold waits to be told (auto-build or auto-sync off): "3 files changed since its last
 * build", "2 files to sync".
 *
 * Which files are an artifact's sources follows Skaffold's own rules per builder, as far as
 * the config tells them without running anything (`loadArtifactSources`):
 * - docker, kaniko, and custom with `dependencies.dockerfile`: every file under the context
 *   except what its `.dockerignore` excludes (`<Dockerfile>.dockerignore` first, then
 *   `<context>/.dockerignore`, as Docker and Skaffold look for them), and the Dockerfile
 *   always. Skaffold narrows this further to what the Dockerfile's COPY/ADD take; that is not
 *   read here, so a file of the context the Dockerfile never copies is marked too.
 * - custom, buildpacks, ko with `dependencies.paths`: Skaffold's `list.Files` rules: each path
 *   is a Go `filepath.Glob` relative to the context (`*` stays inside a folder, `**` is `*`),
 *   a matched folder means every file under it, and `dependencies.ignore` (Go
 *   `filepath.Match` on the path relative to the context) drops a file or a whole folder.
 * - custom with `dependencies.command`, buildpacks without `dependencies`, jib, bazel and
 *   builders this reader does not know: every file under the context (their build tool
 *   decides; this over-approximates).
 * - ko without `dependencies`: `**\/*.go` and `go.mod` (Skaffold's default).
 * - custom without `dependencies`: nothing (Skaffold watches nothing for it).
 * A source file that matches a `sync.manual[].src` or `sync.infer` glob (doublestar, relative
 * to the context) is a file to sync; any other source file needs a build. With `sync.auto`
 * the builder decides what syncs: its changes count as build changes, and a sync of the
 * artifact clears them too.
 *
 * What clears a mark (PendingChanges.applyState), from Skaffold's event times:
 * - Only changes noted while the trigger is off count: auto-build off for build changes,
 *   auto-sync off for sync changes (a trigger Skaffold does not report makes no new marks, and
 *   keeps the ones there: a reconnecting session's state starts empty). Turning the trigger
 *   on drops that kind's marks (Skaffold acts on its own again).
 * - A build of the artifact that started at S and completed takes every change noted at or
 *   before S (build and sync marks alike). A change noted after S, during the build, is still
 *   pending after it: the build may not have read it.
 * - While a build runs, the changes it took (at or before S) are not shown; when it fails or is
 *   canceled they are shown again (the running image does not have them).
 * - A sync that succeeded, of an image that is the artifact (`name`, `name:tag`, `name@digest`;
 *   every artifact when the image names none of them), takes the sync marks noted at or
 *   before its start. Same rules while it runs and when it fails.
 *
 * Memory is bounded: at most `maxPaths` distinct paths per artifact and kind are remembered,
 * past that only counted (the count is then "at least"). Core code: no `vscode` here.
 */
import * as path from 'path';
import { Disposable, Emitter } from '../base/events';
import { Clock, realClock } from '../base/schedule';
import { isFinished, SessionState } from '../state/model';
// Types only: this module stays light (no YAML parser) for the extension to load at once.
import type { ArtifactDeclaration, ConfigIndex } from './configLocations';

export const PENDING_LIMITS = {
  /** Distinct paths remembered per artifact and kind (build, sync); the rest are counted. */
  maxPaths: 1000,
  /** Paths given as a sample (the newest). */
  sampleSize: 5,
  /** A .dockerignore larger than this is not read (its artifact is then watched whole). */
  maxIgnoreFileBytes: 256 * 1024,
  /** Patterns read from one .dockerignore. */
  maxIgnorePatterns: 2000,
  /** Alternatives a `{a,b}` glob expands to; past it the rest are not matched. */
  maxAlternatives: 64,
  /** Artifacts followed per session (as configLocations' PENDING_LIMITS.maxArtifacts). */
  maxArtifacts: 2000,
};

/** How an artifact's build sources are told (see the file comment). */
export type SourceRule =
  /** Every file under the context, except what `dockerignore` excludes. */
  | { kind: 'context' }
  /** Skaffold's list.Files: Go globs relative to the context; a matched folder is all under it. */
  | { kind: 'paths'; paths: string[]; ignore: string[] }
  /** Doublestar globs relative to the context (ko's default). */
  | { kind: 'globs'; globs: string[] }
  /** No file: Skaffold watches nothing for it. */
  | { kind: 'none' };

export interface ArtifactSources {
  /** The artifact, as Skaffold names it in its events. */
  image: string;
  /** The context folder, absolute. */
  context: string;
  rule: SourceRule;
  /** .dockerignore patterns, in order (`!` re-includes), for a `context` rule. */
  dockerignore: string[];
  /** The Dockerfile, absolute: a source of a docker build even when .dockerignore excludes it. */
  dockerfile?: string;
  /** Sync globs (manual `src` and `infer`), relative to the context; `auto` when the builder decides. */
  sync?: { globs: string[]; auto: boolean };
}

export interface LoadedSources {
  artifacts: ArtifactSources[];
  /** The ignore files read or looked for: when one changes, load again. */
  ignoreFiles: string[];
}

/** Reads a file's text; undefined when it is absent or unreadable. May reject: that is "absent". */
export type ReadText = (file: string) => Promise<string | undefined>;

/**
 * Each artifact's sources from its declarations in the index (a declaration that only renames
 * an image is skipped), contexts resolved against the config file's folder. Never throws.
 */
export async function loadArtifactSources(index: ConfigIndex, read: ReadText): Promise<LoadedSources> {
  const artifacts: ArtifactSources[] = [];
  const ignoreFiles = new Set<string>();
  const reads = new Map<string, Promise<string | undefined>>();
  const readOnce = (file: string) => {
    let text = reads.get(file);
    if (!text) {
      text = Promise.resolve().then(() => read(file)).then((t) => (typeof t === 'string' && t.length <= PENDING_LIMITS.maxIgnoreFileBytes ? t : undefined), () => undefined);
      reads.set(file, text);
    }
    return text;
  };
  for (const declaration of index.artifacts.slice(0, PENDING_LIMITS.maxArtifacts)) {
    const sources = sourcesOf(declaration);
    if (!sources) {
      continue;
    }
    if (sources.rule.kind === 'context' && sources.dockerfile) {
      const candidates = [`${sources.dockerfile}.dockerignore`, path.join(sources.context, '.dockerignore')];
      for (const candidate of candidates) {
        ignoreFiles.add(candidate);
        const text = await readOnce(candidate);
        if (text !== undefined) {
          sources.dockerignore = parseDockerignore(text);
          break;
        }
      }
    }
    artifacts.push(sources);
  }
  return { artifacts, ignoreFiles: [...ignoreFiles] };
}

/** The sources of one declaration, without its .dockerignore (see loadArtifactSources). */
export function sourcesOf(declaration: ArtifactDeclaration): ArtifactSources | undefined {
  if (!declaration.builder) {
    return undefined;
  }
  const context = path.resolve(path.dirname(declaration.file), declaration.context ?? '.');
  const deps = declaration.dependencies;
  const dockerfile = declaration.dockerfile !== undefined ? path.resolve(context, declaration.dockerfile) : undefined;
  let rule: SourceRule;
  switch (declaration.builder) {
    case 'docker':
    case 'kaniko':
      rule = { kind: 'context' };
      break;
    case 'custom':
      rule = dockerfile !== undefined || deps?.command ? { kind: 'context' }
        : deps?.paths?.length ? { kind: 'paths', paths: deps.paths, ignore: deps.ignore ?? [] }
          : { kind: 'none' };
      break;
    case 'buildpacks':
      rule = { kind: 'paths', paths: deps?.paths ?? ['.'], ignore: deps?.ignore ?? [] };
      break;
    case 'ko':
      rule = deps?.paths ? { kind: 'paths', paths: deps.paths, ignore: deps.ignore ?? [] } : { kind: 'globs', globs: ['**/*.go', 'go.mod'] };
      break;
    default:
      rule = { kind: 'context' };
  }
  const sync = declaration.sync ? { globs: [...declaration.sync.manual.map((r) => r.src), ...declaration.sync.infer], auto: declaration.sync.auto } : undefined;
  return {
    image: declaration.image,
    context,
    rule,
    dockerignore: [],
    ...(dockerfile !== undefined && rule.kind === 'context' ? { dockerfile } : {}),
    ...(sync ? { sync } : {}),
  };
}

/** The patterns of a .dockerignore, as Docker reads them: trimmed, comments and blanks left out, cleaned. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (patterns.length >= PENDING_LIMITS.maxIgnorePatterns) {
      break;
    }
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const exclusion = line.startsWith('!');
    line = exclusion ? line.slice(1).trim() : line;
    const cleaned = cleanPattern(line);
    if (cleaned !== '') {
      patterns.push(exclusion ? `!${cleaned}` : cleaned);
    }
  }
  return patterns;
}

/** What a changed file is to an artifact: a source to build, one to sync, or neither. */
export function classify(sources: ArtifactSources, file: string): 'build' | 'sync' | undefined {
  return classifyAbsolute(sources, path.resolve(file))?.kind;
}

/** classify for an absolute, normalized path; with the path relative to the context. */
function classifyAbsolute(sources: ArtifactSources, file: string): { kind: 'build' | 'sync'; rel: string } | undefined {
  const rule = sources.rule.kind;
  const prefix = sources.context.endsWith(path.sep) ? sources.context : sources.context + path.sep;
  const inside = file.startsWith(prefix);
  if (rule === 'none' || (rule !== 'paths' && !inside)) {
    return undefined; // cheap first: a burst of events meets every artifact
  }
  const rel = inside ? file.slice(prefix.length).split(path.sep).join('/') : relativePath(sources.context, file);
  if (rel === undefined || rel === '') {
    return undefined;
  }
  if (sources.dockerfile !== undefined && file === sources.dockerfile) {
    return { kind: 'build', rel }; // a new Dockerfile is never synced
  }
  if (!isSource(sources, rel)) {
    return undefined;
  }
  const kind = sources.sync && !sources.sync.auto && sources.sync.globs.some((g) => globMatch(g, rel, 'doublestar')) ? 'sync' : 'build';
  return { kind, rel };
}

/** The path relative to the context with `/` separators ('..' segments when outside); undefined for the context itself. */
function relativePath(context: string, file: string): string | undefined {
  const rel = path.relative(context, file).split(path.sep).join('/');
  return rel === '' || path.isAbsolute(rel) ? undefined : rel;
}

function isSource(sources: ArtifactSources, rel: string): boolean {
  const inside = rel !== '..' && !rel.startsWith('../');
  const rule = sources.rule;
  switch (rule.kind) {
    case 'none':
      return false;
    case 'context':
      return inside && !dockerignored(sources.dockerignore, rel);
    case 'globs':
      return rule.globs.some((g) => globMatch(g, rel, 'doublestar'));
    case 'paths':
      return listed(rule.paths, rule.ignore, rel);
  }
}

/**
 * Skaffold's list.Files for one path: some pattern matches the path or a folder above it (Go
 * globs, segment by segment), and no ignore pattern matches it or a folder between the
 * matched one and it (the walk skips an ignored folder).
 */
function listed(patterns: string[], ignore: string[], rel: string): boolean {
  const segments = rel.split('/');
  const outside = segments[0] === '..';
  const ignores = ignore.map((i) => cleanPattern(i).split('/'));
  for (const pattern of patterns) {
    const cleaned = cleanPattern(pattern);
    const root = cleaned === '' ? [] : cleaned.split('/');
    // Globbing lists what is there: only a pattern that climbs out (`../`) reaches a file outside.
    if (outside !== (root[0] === '..') || root.length > segments.length || !root.every((p, i) => segmentMatch(p, segments[i], 'go'))) {
      continue;
    }
    let excluded = false;
    for (let depth = Math.max(root.length, 1); depth <= segments.length && !excluded; depth++) {
      excluded = ignores.some((ig) => ig.length === depth && ig.every((p, i) => segmentMatch(p, segments[i], 'go')));
    }
    if (!excluded) {
      return true;
    }
  }
  return false;
}

/** Docker's rule: the last pattern that matches the path or a folder above it decides (`!` re-includes). */
function dockerignored(patterns: string[], rel: string): boolean {
  const rules = ignoreRules(patterns);
  const segments = rel.split('/');
  const above = folderMatches(patterns, rules, segments.slice(0, -1));
  for (let i = rules.length - 1; i >= 0; i--) {
    if (above[i] === 1 || rules[i].alternatives.some((a) => segmentsMatch(a, segments, 'doublestar'))) {
      return !rules[i].exclusion;
    }
  }
  return false;
}

interface IgnoreRule {
  exclusion: boolean;
  alternatives: string[][];
}

/** Each ignore list compiled once, and for each folder which of its patterns match it or a folder above. */
const ignoreCache = new WeakMap<string[], { rules: IgnoreRule[]; folders: Map<string, Uint8Array> }>();
const MAX_FOLDERS = 2000;

function ignoreEntry(patterns: string[]): { rules: IgnoreRule[]; folders: Map<string, Uint8Array> } {
  let entry = ignoreCache.get(patterns);
  if (!entry) {
    const rules = patterns.map((pattern) => {
      const exclusion = pattern.startsWith('!');
      return { exclusion, alternatives: compiled(exclusion ? pattern.slice(1) : pattern, 'doublestar') };
    });
    entry = { rules, folders: new Map() };
    ignoreCache.set(patterns, entry);
  }
  return entry;
}

function ignoreRules(patterns: string[]): IgnoreRule[] {
  return ignoreEntry(patterns).rules;
}

function folderMatches(patterns: string[], rules: IgnoreRule[], folder: string[]): Uint8Array {
  if (folder.length === 0) {
    return new Uint8Array(rules.length);
  }
  const cache = ignoreEntry(patterns).folders;
  const key = folder.join('/');
  let result = cache.get(key);
  if (!result) {
    const matched = new Uint8Array(folderMatches(patterns, rules, folder.slice(0, -1)));
    rules.forEach((rule, i) => {
      if (matched[i] === 0 && rule.alternatives.some((a) => segmentsMatch(a, folder, 'doublestar'))) {
        matched[i] = 1;
      }
    });
    if (cache.size >= MAX_FOLDERS) {
      cache.clear();
    }
    cache.set(key, matched);
    result = matched;
  }
  return result;
}

/** A pattern as Go's filepath.Clean leaves it, relative: `./a//b/` is `a/b`, `.` is ''. */
function cleanPattern(pattern: string): string {
  const cleaned = path.posix.normalize(pattern.replace(/^\/+/, '')).replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned;
}

/**
 * Whether `rel` (a `/`-separated relative path) matches the glob. `go`: Go's filepath.Match,
 * where `*` and `?` stay inside a segment and `**` is `*`. `doublestar`: also `**` as a whole
 * segment for any number of folders (none included) and `{a,b}` alternatives. Both know
 * `[a-z]`, `[^a]` (`[!a]`), and `\` escapes. A malformed pattern matches nothing.
 * Written here rather than taken from minimatch/picomatch: those are not dependencies of the
 * extension (only of its tools), and their rules (braces and extglobs everywhere, dotfiles
 * left out) are not Go's, which Skaffold applies.
 */
export function globMatch(pattern: string, rel: string, mode: 'go' | 'doublestar'): boolean {
  const segments = rel.split('/');
  return compiled(pattern, mode).some((alternative) => segmentsMatch(alternative, segments, mode));
}

/** Patterns split (and braces expanded) once: a burst of file events matches them many times. */
const compiledCache = new Map<string, string[][]>();
const MAX_COMPILED = 5000;

function compiled(pattern: string, mode: 'go' | 'doublestar'): string[][] {
  const key = `${mode}:${pattern}`;
  let result = compiledCache.get(key);
  if (!result) {
    result = (mode === 'doublestar' ? expandBraces(pattern) : [pattern]).map((alternative) => {
      const cleaned = cleanPattern(alternative);
      return cleaned === '' ? [] : cleaned.split('/');
    });
    if (compiledCache.size >= MAX_COMPILED) {
      compiledCache.clear();
    }
    compiledCache.set(key, result);
  }
  return result;
}

/** Pattern segments against path segments; `**` (doublestar) takes any number of segments. */
function segmentsMatch(pattern: string[], segments: string[], mode: 'go' | 'doublestar'): boolean {
  // Quick rejections: the common miss (`*.log` against `app.js`) costs one segment match.
  const last = pattern[pattern.length - 1];
  if (mode === 'go' && pattern.length !== segments.length) {
    return false;
  }
  if (last !== undefined && last !== '**' && segments.length > 0 && !segmentMatch(last, segments[segments.length - 1], mode)) {
    return false;
  }
  // Wildcard matching with backtracking to the last `**`: linear space, no recursion.
  let p = 0;
  let s = 0;
  let star = -1;
  let starS = 0;
  while (s < segments.length) {
    if (p < pattern.length && mode === 'doublestar' && pattern[p] === '**') {
      star = p++;
      starS = s;
      continue;
    }
    if (p < pattern.length && segmentMatch(pattern[p], segments[s], mode)) {
      p++;
      s++;
      continue;
    }
    if (star >= 0) {
      p = star + 1;
      s = ++starS;
      continue;
    }
    return false;
  }
  while (p < pattern.length && mode === 'doublestar' && pattern[p] === '**') {
    p++;
  }
  return p === pattern.length;
}

/** One segment against a glob segment: `*`, `?`, `[...]`, `\` escapes (Go's filepath.Match). */
function segmentMatch(pattern: string, name: string, mode: 'go' | 'doublestar'): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let starS = 0;
  while (s < name.length) {
    if (p < pattern.length && pattern[p] === '*') {
      while (pattern[p] === '*') {
        p++; // `**` inside a segment is `*`
      }
      star = p;
      starS = s;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, name[s], mode) : -1;
    if (next >= 0) {
      p = next;
      s++;
      continue;
    }
    if (star >= 0) {
      p = star;
      s = ++starS;
      continue;
    }
    return false;
  }
  while (pattern[p] === '*') {
    p++;
  }
  return p === pattern.length;
}

/** Matches one character at pattern[p]: the index after what matched, or -1. */
function matchOne(pattern: string, p: number, c: string, mode: 'go' | 'doublestar'): number {
  const ch = pattern[p];
  if (ch === '?') {
    return p + 1;
  }
  if (ch === '\\') {
    return p + 1 < pattern.length && pattern[p + 1] === c ? p + 2 : -1;
  }
  if (ch !== '[') {
    return ch === c ? p + 1 : -1;
  }
  let i = p + 1;
  const negated = pattern[i] === '^' || (mode === 'doublestar' && pattern[i] === '!');
  if (negated) {
    i++;
  }
  let matched = false;
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    first = false;
    let lo = pattern[i];
    if (lo === '\\') {
      lo = pattern[++i];
    }
    let hi = lo;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      hi = pattern[i + 2] === '\\' ? pattern[i + 3] : pattern[i + 2];
      i += pattern[i + 2] === '\\' ? 3 : 2;
    }
    if (lo !== undefined && hi !== undefined && lo <= c && c <= hi) {
      matched = true;
    }
    i++;
  }
  if (i >= pattern.length) {
    return -1; // no closing bracket: a malformed pattern
  }
  return matched !== negated ? i + 1 : -1;
}

/** `a{b,c}d` into `abd`, `acd` (nested too), at most PENDING_LIMITS.maxAlternatives. */
function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const queue = [pattern];
  while (queue.length > 0 && out.length < PENDING_LIMITS.maxAlternatives) {
    const current = queue.shift()!;
    const open = findBrace(current);
    if (!open) {
      out.push(current);
      continue;
    }
    const [start, end, parts] = open;
    for (const part of parts) {
      if (queue.length + out.length >= PENDING_LIMITS.maxAlternatives) {
        break;
      }
      queue.push(current.slice(0, start) + part + current.slice(end + 1));
    }
  }
  return out;
}

/** The first `{...}` with a top-level comma: its start, end and alternatives. */
function findBrace(pattern: string): [number, number, string[]] | undefined {
  for (let start = 0; start < pattern.length; start++) {
    if (pattern[start] === '\\') {
      start++;
      continue;
    }
    if (pattern[start] !== '{') {
      continue;
    }
    let depth = 0;
    const parts: string[] = [];
    let from = start + 1;
    for (let i = start; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') {
        i++;
      } else if (c === '{') {
        depth++;
      } else if (c === '}' && --depth === 0) {
        parts.push(pattern.slice(from, i));
        if (parts.length > 1) {
          return [start, i, parts];
        }
        break;
      } else if (c === ',' && depth === 1) {
        parts.push(pattern.slice(from, i));
        from = i + 1;
      }
    }
  }
  return undefined;
}

// --- The tracker --------------------------------------------------------------------------

export interface PendingKind {
  /** Files changed (distinct paths; at least this many when more than maxPaths changed). */
  files: number;
  /** When the oldest of them changed (ms, the clock the changes were noted with). */
  since: number;
  /** The newest few, relative to the context, `/`-separated. */
  sample: string[];
}

export interface Pending {
  build?: PendingKind;
  sync?: PendingKind;
}

/**
 * What is pending, in a few words for a row, a lens or the status bar: `3 files changed`,
 * `2 files to sync`, both with ` · `; undefined when nothing is.
 */
export function pendingWords(p: Pending | undefined): string | undefined {
  const count = (k: PendingKind) => `${k.files >= PENDING_LIMITS.maxPaths ? `${k.files}+` : k.files} file${k.files === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (p?.build && p.build.files > 0) {
    parts.push(`${count(p.build)} changed`);
  }
  if (p?.sync && p.sync.files > 0) {
    parts.push(`${count(p.sync)} to sync`);
  }
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

export interface PendingChangeEvent {
  /** The artifacts whose `pending` changed. */
  artifacts: ReadonlySet<string>;
}

/** A file that was created, changed or deleted, and when (ms; the tracker's clock when absent). */
export interface FileChange {
  file: string;
  at?: number;
}

export interface PendingOptions {
  /** Times of changes noted without one, and of builds whose start Skaffold did not time. */
  clock?: Clock;
  maxPaths?: number;
}

/** The changes of one kind of one artifact: path -> when it last changed, oldest first. */
interface Marks {
  paths: Map<string, number>;
  /** Changes past maxPaths, and when the last of them was. */
  overflow: number;
  overflowAt: number;
}

/** What takes an artifact's changes: the last committed boundary and a run in progress. */
interface Taker {
  /** Changes at or before this were taken by a run that succeeded. */
  committed: number;
  /** The start of a run in progress: the changes at or before it are not shown meanwhile. */
  running?: number;
  /** The last finished run seen, to tell a new one. */
  lastKey?: string;
}

type Kind = 'build' | 'sync';

/**
 * The pending changes of one session: fed with file changes (noteFileChange) and with the
 * session's state (applyState), asked what is pending for an artifact (pending).
 */
export class PendingChanges implements Disposable {
  private readonly clock: Clock;
  private readonly maxPaths: number;
  private sources: ArtifactSources[] = [];
  private readonly marks = new Map<string, Record<Kind, Marks>>();
  private readonly builds = new Map<string, Taker>();
  private readonly syncs = new Map<string, Taker>();
  private sync: { running?: { at: number; image?: string }; lastKey?: string } = {};
  /** Which triggers are off (changes of that kind are pending). */
  private manual: { build: boolean; sync: boolean } = { build: false, sync: false };
  private known = new Set<string>();
  private readonly _onDidChange = new Emitter<PendingChangeEvent>();
  readonly onDidChange = this._onDidChange.event;

  constructor(sources: readonly ArtifactSources[] = [], options: PendingOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.maxPaths = Math.max(1, options.maxPaths ?? PENDING_LIMITS.maxPaths);
    this.setSources(sources);
  }

  /** Replaces what the artifacts' sources are (the config or a .dockerignore changed); marks stay. */
  setSources(sources: readonly ArtifactSources[]): void {
    this.sources = sources.slice(0, PENDING_LIMITS.maxArtifacts);
  }

  /** Whether any artifact has sources to watch and a trigger is off: then changes are worth watching. */
  get watching(): boolean {
    return (this.manual.build || this.manual.sync) && this.sources.some((s) => this.known.has(s.image) && s.rule.kind !== 'none');
  }

  /** Notes that `file` changed (created, changed or deleted) at `atMs` (default: the clock's now). */
  noteFileChange(file: string, atMs?: number): void {
    this.noteFileChanges([{ file, at: atMs }]);
  }

  /** Notes a burst of changes, each at its time: one onDidChange for them all. */
  noteFileChanges(changes: readonly FileChange[]): void {
    if (!this.manual.build && !this.manual.sync) {
      return;
    }
    const changed = new Set<string>();
    for (const { file, at } of changes) {
      if (typeof file !== 'string' || file === '') {
        continue;
      }
      const atMs = typeof at === 'number' && Number.isFinite(at) ? at : this.clock.now();
      const absolute = path.resolve(file);
      for (const sources of this.sources) {
        if (!this.known.has(sources.image)) {
          continue;
        }
        const found = classifyAbsolute(sources, absolute);
        // A file to sync while auto-sync is on is synced by Skaffold: not pending.
        if (!found || (found.kind === 'build' && !this.manual.build) || (found.kind === 'sync' && !this.manual.sync)) {
          continue;
        }
        this.add(sources.image, found.kind, found.rel, atMs);
        changed.add(sources.image);
      }
    }
    this.fire(changed);
  }

  /** Follows the session: the auto triggers, the builds and syncs that take changes. */
  applyState(state: SessionState): void {
    const changed = new Set<string>();
    const before = (image: string) => JSON.stringify(this.pending(image) ?? null);
    const snapshot = new Map([...this.marks.keys()].map((k) => [k, before(k)]));
    this.known = new Set(state.artifacts.keys());
    const manualBuild = state.autoTrigger.build === false;
    const manualSync = state.autoTrigger.sync === false;
    // A trigger turned on: Skaffold acts on the changes itself from now on. (Unknown, as in a
    // state that starts again empty, keeps the marks: only no new ones are made.)
    if (state.autoTrigger.build === true) {
      this.dropKind('build');
    }
    if (state.autoTrigger.sync === true) {
      this.dropKind('sync');
    }
    this.manual = { build: manualBuild, sync: manualSync };
    const now = this.clock.now();
    for (const a of state.artifacts.values()) {
      const taker = this.taker(this.builds, a.name);
      const result = a.lastResult;
      const key = result ? `${result.iteration}|${result.status}|${result.at ?? ''}` : undefined;
      const finished = result !== undefined && key !== taker.lastKey;
      if (finished) {
        // A build finished since the last look (perhaps with the next one already running).
        const start = result.at !== undefined && result.durationMs !== undefined ? result.at - result.durationMs : taker.running ?? result.at ?? now;
        taker.lastKey = key;
        if (result.status === 'Complete') {
          this.commit(a.name, ['build', 'sync'], start, taker);
        }
      }
      // Running now: what it took is not shown meanwhile. Not running (finished, canceled, a new
      // round's reset): what it had taken and did not complete is shown again.
      taker.running = a.status === 'In Progress' ? a.startedAt ?? (finished ? undefined : taker.running) ?? now : undefined;
    }
    this.applySync(state, now);
    for (const [image, was] of snapshot) {
      if (before(image) !== was) {
        changed.add(image);
      }
    }
    this.fire(changed);
  }

  /** What is pending for an artifact, or undefined when nothing is. */
  pending(artifact: string): Pending | undefined {
    const marks = this.marks.get(artifact);
    if (!marks) {
      return undefined;
    }
    const build = this.builds.get(artifact);
    const buildCut = Math.max(build?.committed ?? -Infinity, build?.running ?? -Infinity);
    const sync = this.syncs.get(artifact);
    const syncCut = Math.max(buildCut, sync?.committed ?? -Infinity, sync?.running ?? -Infinity);
    const out: Pending = {};
    const b = this.visible(marks.build, buildCut);
    const s = this.visible(marks.sync, syncCut);
    if (b) {
      out.build = b;
    }
    if (s) {
      out.sync = s;
    }
    return b || s ? out : undefined;
  }

  /** Every artifact with something pending. */
  get artifacts(): string[] {
    return [...this.marks.keys()].filter((a) => this.pending(a) !== undefined);
  }

  dispose(): void {
    this._onDidChange.dispose();
    this.marks.clear();
  }

  private applySync(state: SessionState, now: number): void {
    const phase = state.fileSync;
    const image = phase.image;
    if (phase.status === 'In Progress') {
      const at = phase.at ?? this.sync.running?.at ?? now;
      this.sync.running = { at, image };
      for (const name of this.syncTargets(image)) {
        this.taker(this.syncs, name).running = at;
      }
      return;
    }
    const key = phase.iteration !== undefined && isFinished(phase.status) ? `${phase.iteration}|${phase.status}|${phase.at ?? ''}` : undefined;
    const running = this.sync.running;
    this.sync.running = undefined;
    const targets = this.syncTargets(image ?? running?.image);
    for (const name of targets) {
      this.taker(this.syncs, name).running = undefined;
    }
    if (key === undefined || key === this.sync.lastKey) {
      return;
    }
    this.sync.lastKey = key;
    if (phase.status !== 'Succeeded' && phase.status !== 'Complete') {
      return;
    }
    // Its start: seen while it ran, else as the dev-loop history timed it, else its end.
    const timed = [...state.iterations].reverse().find((i) => i.phases.sync)?.phases.sync;
    const recorded = timed?.startedAt !== undefined && (phase.at === undefined || timed.startedAt <= phase.at) ? timed.startedAt : undefined;
    const start = running?.at ?? recorded ?? phase.at ?? now;
    for (const name of targets) {
      const auto = this.sources.some((s) => s.image === name && s.sync?.auto);
      this.commit(name, auto ? ['sync', 'build'] : ['sync'], start, this.taker(this.syncs, name));
    }
  }

  /** The artifacts a sync of `image` is about: those it names, else every one with sync marks. */
  private syncTargets(image: string | undefined): string[] {
    const all = [...this.marks.keys()];
    const named = image === undefined ? [] : all.filter((a) => image === a || image.startsWith(`${a}:`) || image.startsWith(`${a}@`));
    return named.length > 0 ? named : all;
  }

  private taker(map: Map<string, Taker>, name: string): Taker {
    let taker = map.get(name);
    if (!taker) {
      taker = { committed: -Infinity };
      map.set(name, taker);
    }
    return taker;
  }

  /** A run that started at `start` succeeded: it took the changes of `kinds` noted at or before it. */
  private commit(artifact: string, kinds: Kind[], start: number, taker: Taker): void {
    taker.committed = Math.max(taker.committed, start);
    const marks = this.marks.get(artifact);
    if (!marks) {
      return;
    }
    for (const kind of kinds) {
      const m = marks[kind];
      for (const [p, at] of m.paths) {
        if (at <= start) {
          m.paths.delete(p);
        }
      }
      if (m.overflowAt <= start) {
        m.overflow = 0;
        m.overflowAt = -Infinity;
      }
    }
    if (kinds.includes('build') && taker !== this.builds.get(artifact)) {
      const build = this.taker(this.builds, artifact);
      build.committed = Math.max(build.committed, start);
    }
    if (this.isEmpty(marks)) {
      this.marks.delete(artifact);
    }
  }

  private add(artifact: string, kind: Kind, rel: string, at: number): void {
    let marks = this.marks.get(artifact);
    if (!marks) {
      marks = { build: emptyMarks(), sync: emptyMarks() };
      this.marks.set(artifact, marks);
    }
    const m = marks[kind];
    if (m.paths.has(rel)) {
      m.paths.delete(rel); // to the end: the order is by last change
      m.paths.set(rel, at);
    } else if (m.paths.size < this.maxPaths) {
      m.paths.set(rel, at);
    } else {
      m.overflow++;
      m.overflowAt = Math.max(m.overflowAt, at);
    }
  }

  private dropKind(kind: Kind): void {
    for (const [artifact, marks] of this.marks) {
      marks[kind] = emptyMarks();
      if (this.isEmpty(marks)) {
        this.marks.delete(artifact);
      }
    }
  }

  private isEmpty(marks: Record<Kind, Marks>): boolean {
    return marks.build.paths.size === 0 && marks.build.overflow === 0 && marks.sync.paths.size === 0 && marks.sync.overflow === 0;
  }

  private visible(m: Marks, cut: number): PendingKind | undefined {
    let files = 0;
    let since = Infinity;
    const newest: string[] = [];
    for (const [p, at] of m.paths) {
      if (at > cut) {
        files++;
        since = Math.min(since, at);
        newest.push(p);
        if (newest.length > PENDING_LIMITS.sampleSize) {
          newest.shift();
        }
      }
    }
    if (m.overflow > 0 && m.overflowAt > cut) {
      files += m.overflow;
      since = Math.min(since, m.overflowAt);
    }
    return files > 0 ? { files, since, sample: newest.reverse() } : undefined;
  }

  private fire(artifacts: Set<string>): void {
    if (artifacts.size > 0) {
      this._onDidChange.fire({ artifacts });
    }
  }
}

function emptyMarks(): Marks {
  return { paths: new Map(), overflow: 0, overflowAt: -Infinity };
}
