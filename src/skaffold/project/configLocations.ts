/**
 * Where things are declared in a Skaffold project, to put Skaffold's errors on the line they
 * are about: each artifact's `image:` (top level and in profiles), its `context` and `sync:`,
 * each config's `deploy:` and `manifests:` keys, the manifest globs, and in the manifest files
 * every Kubernetes object's kind, name and namespace with the range of its `name:`.
 *
 * Starting from the skaffold.yaml Skaffold runs, it follows `requires` with a local `path:`
 * (a directory means its skaffold.yaml; `configs:` selects configs by metadata.name) and reads
 * every config document of every file. Remote requires (git, Cloud Storage) are noted and
 * skipped. All I/O goes through ProjectFiles, so this stays free of VS Code (the extension
 * implements it with workspace.fs and findFiles, tests with plain fs).
 *
 * The files are untrusted workspace content: every read is bounded (size, documents, nesting
 * as skaffoldConfig.ts does, files, matches, objects), a problem becomes a note, and indexing
 * never throws.
 */
import * as path from 'path';
import { Document, isMap, isScalar, LineCounter, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { LIMITS } from './skaffoldConfig';
import { deref, firstLine, get, items, nameOf, pairOf, positionOf, readYaml, usablePath } from './yamlReader';

/** A range in a text file, 0-based lines and UTF-16 columns (as VS Code counts them). */
export interface TextRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** The file access indexing needs. Every function may fail or reject: that becomes a note. */
export interface ProjectFiles {
  /** The text of a file, or undefined when it does not exist or is not a file. */
  read(path: string): Promise<string | undefined>;
  /** The files under `baseDir` matching the glob `pattern` (relative to it), as paths. */
  glob(baseDir: string, pattern: string): Promise<string[]>;
  /**
   * What is at a path, when the implementation can tell without reading it: then a file over
   * the size limit is never read, and a required `path:` that is a directory is known as one.
   */
  stat?(path: string): Promise<{ type: 'file' | 'directory' | 'other'; size: number } | undefined>;
}

export interface IndexedConfig {
  /** The skaffold.yaml (or other config file) it is in. */
  file: string;
  /** Its position among the documents of that file, from 0. */
  document: number;
  /** metadata.name, when it has a usable one. */
  name?: string;
  /** True for the configs of the file Skaffold was started with. */
  root: boolean;
  /** The document's first line (its first key), where a problem about the whole config goes. */
  start: TextRange;
  deployKey?: TextRange;
  manifestsKey?: TextRange;
}

export interface ArtifactDeclaration {
  /** The `image:` value as written: what Skaffold names the artifact in its events. */
  image: string;
  file: string;
  /** Index into ConfigIndex.configs. */
  config: number;
  /** Set when the artifact is declared by a profile (build.artifacts or a patch). */
  profile?: string;
  imageRange: TextRange;
  context?: string;
  contextRange?: TextRange;
  /** The `sync:` key of the artifact. */
  syncRange?: TextRange;
  /**
   * What builds it: the builder key the artifact has (docker when it names none, as Skaffold
   * defaults). Absent on a declaration that only replaces an image (a profile's patch): it
   * says nothing of the sources.
   */
  builder?: BuilderKind;
  /**
   * The Dockerfile, as written (relative to the context): `docker.dockerfile` or
   * `kaniko.dockerfile` (Skaffold's default `Dockerfile` when absent), or a custom builder's
   * `dependencies.dockerfile.path`.
   */
  dockerfile?: string;
  /** `dependencies:` of a custom, buildpacks or ko builder, as written; absent when it has none. */
  dependencies?: ArtifactDependencies;
  /** `sync:` rules, as written; absent when the artifact has no `sync:`. */
  sync?: SyncRules;
}

/** The builder keys Skaffold knows; `other` for one this reader does not. */
export type BuilderKind = 'docker' | 'kaniko' | 'custom' | 'buildpacks' | 'ko' | 'jib' | 'bazel' | 'other';

export interface ArtifactDependencies {
  /** Globs relative to the context (Go's filepath.Glob: `*` stays inside a folder; a folder means all under it). */
  paths?: string[];
  /** Globs relative to the context that are not dependencies, even under `paths`. */
  ignore?: string[];
  /** A custom builder's `dependencies.command`: the files are what the command prints. */
  command?: boolean;
}

export interface SyncRules {
  /** `sync.manual[]`: `src` globs relative to the context (`**` crosses folders), with where they go. */
  manual: { src: string; dest?: string; strip?: string }[];
  /** `sync.infer[]`: globs of the files to sync where the Dockerfile copies them. */
  infer: string[];
  /** `sync.auto`: the builder tells Skaffold what to sync (jib, buildpacks, ko). */
  auto: boolean;
}

export interface ManifestEntry {
  config: number;
  /** The config file the entry is written in. */
  file: string;
  pattern: string;
  /** The entry's line in the config; absent for Skaffold's default (`k8s/*.yaml`). */
  range?: TextRange;
  source: 'rawYaml' | 'kubectl' | 'default';
  profile?: string;
  /** The manifest files it matched (at most INDEX_LIMITS.maxGlobMatches). */
  files: string[];
}

export interface ManifestObject {
  /** The manifest file. */
  file: string;
  /** The YAML document it is, from 0. */
  document: number;
  kind: string;
  name: string;
  namespace?: string;
  /** The range of the metadata.name value. */
  nameRange: TextRange;
  /** The config whose manifests include the file (the first one, when several do). */
  config: number;
  profile?: string;
}

export interface IndexNote {
  message: string;
  /** The file the note is about, and where in it when that is known. */
  file?: string;
  range?: TextRange;
}

export interface ConfigIndex {
  rootFile: string;
  configs: IndexedConfig[];
  artifacts: ArtifactDeclaration[];
  manifestEntries: ManifestEntry[];
  objects: ManifestObject[];
  /** Every file read (configs and manifests), for watching them. */
  files: string[];
  /** What was skipped or could not be read. Bounded. */
  notes: IndexNote[];
}

export const INDEX_LIMITS = {
  /** Config files followed through `requires`, the root included. */
  maxConfigFiles: 50,
  /** How deep `requires` are followed (the root is 0). */
  maxRequireDepth: 10,
  /** A manifest file larger than this is not read (a config file: LIMITS.maxBytes). */
  maxManifestBytes: 2 * 1024 * 1024,
  /** Manifest files read in all. */
  maxManifestFiles: 200,
  /** Files one glob entry may match. */
  maxGlobMatches: 200,
  /** Glob entries per config (rawYaml and kubectl manifests together, profiles included). */
  maxManifestEntries: 200,
  maxArtifacts: 2000,
  maxObjects: 10000,
  maxNotes: LIMITS.maxErrors,
  maxPathLength: 4096,
  /** Patterns read from one list of one artifact (`dependencies.paths`, `sync.manual`, ...). */
  maxPatterns: 100,
};

/** Skaffold's manifests when a config names none (kubectl in v1 schemas, rawYaml in v2). */
export const DEFAULT_MANIFESTS = 'k8s/*.yaml';

type Node = Scalar | YAMLMap | YAMLSeq | undefined;

/** One parsed YAML file: its documents, with what turns offsets into lines. */
interface ParsedFile {
  docs: { doc: Document.Parsed; index: number }[];
  lines: LineCounter;
  text: string;
}

/**
 * Indexes the project of `rootFile`. Never throws: whatever cannot be read (a missing required
 * file, a cycle, a remote config, a file too large or too deep, broken YAML) is a note.
 */
export async function indexSkaffoldProject(rootFile: string, files: ProjectFiles): Promise<ConfigIndex> {
  const index: ConfigIndex = { rootFile, configs: [], artifacts: [], manifestEntries: [], objects: [], files: [], notes: [] };
  const note = (message: string, file?: string, range?: TextRange) => {
    const text = firstLine(message);
    // The same note twice (a limit met again, the same file required twice) is said once.
    if (index.notes.length < INDEX_LIMITS.maxNotes && !index.notes.some((n) => n.message === text && n.file === file)) {
      index.notes.push({ message: text, ...(file !== undefined ? { file } : {}), ...(range ? { range } : {}) });
    }
  };
  try {
    await indexConfigs(rootFile, files, index, note);
    await indexManifests(files, index, note);
  } catch (e) {
    note(`The Skaffold project could not be indexed: ${(e as Error)?.message ?? String(e)}`, rootFile);
  }
  return index;
}

type Note = (message: string, file?: string, range?: TextRange) => void;

interface Pending {
  file: string;
  /** metadata.names to take, or undefined for every config of the file. */
  only?: string[];
  depth: number;
  /** The config that requires it: where, and the path as it wrote it. */
  from?: { file: string; range?: TextRange; written?: string };
  /** `file#document` of the configs that required this one, from the root: to tell a cycle. */
  chain: string[];
}

async function indexConfigs(rootFile: string, files: ProjectFiles, index: ConfigIndex, note: Note): Promise<void> {
  const parsed = new Map<string, ParsedFile | undefined>();
  /** `file#document` of every config taken, so a config is read once whoever requires it. */
  const taken = new Set<string>();
  const queue: Pending[] = [{ file: rootFile, depth: 0, chain: [] }];
  while (queue.length > 0) {
    const job = queue.shift()!;
    let file = job.file;
    let parsedFile = parsed.get(file);
    if (!parsed.has(file)) {
      if (parsed.size >= INDEX_LIMITS.maxConfigFiles) {
        note(`More than ${INDEX_LIMITS.maxConfigFiles} Skaffold config files: ${file} and the rest were not read.`, job.from?.file, job.from?.range);
        continue;
      }
      const read = await readConfigFile(file, files, note, job.from);
      if (read && read.file !== file) {
        file = read.file; // a directory: its skaffold.yaml
        parsedFile = parsed.get(file);
      }
      if (!parsed.has(file)) {
        parsedFile = read ? parseFile(read.text, file, LIMITS.maxDocuments, note) : undefined;
        parsed.set(file, parsedFile);
        parsed.set(job.file, parsedFile);
        if (read) {
          index.files.push(file);
        }
      }
    }
    if (!parsedFile) {
      continue;
    }
    const found = new Set<string>();
    for (const { doc, index: docIndex } of parsedFile.docs) {
      const root = deref(doc.contents, doc);
      if (!isMap(root)) {
        continue;
      }
      const name = nameOf(get(get(root, 'metadata', doc), 'name', doc));
      if (job.only && (name === undefined || !job.only.includes(name))) {
        continue;
      }
      if (name !== undefined) {
        found.add(name);
      }
      const key = `${file}#${docIndex}`;
      if (job.chain.includes(key)) {
        note(`The config ${name ?? file} is required back by a config it requires (a cycle): it was indexed once.`, job.from?.file, job.from?.range);
        continue;
      }
      if (taken.has(key)) {
        continue; // required again: already indexed
      }
      taken.add(key);
      const configIndex = index.configs.length;
      const at = (node: unknown) => rangeOf(parsedFile!, node);
      index.configs.push({
        file,
        document: docIndex,
        ...(name !== undefined ? { name } : {}),
        root: job.depth === 0,
        start: firstLineRange(parsedFile, root),
        ...optional('deployKey', at(keyOf(root, 'deploy', doc))),
        ...optional('manifestsKey', at(keyOf(root, 'manifests', doc))),
      });
      readArtifacts(root, doc, parsedFile, file, configIndex, index, note);
      readManifestEntries(root, doc, parsedFile, file, configIndex, index, note);
      for (const req of items(get(root, 'requires', doc)).slice(0, LIMITS.maxRequires)) {
        const r = deref(req, doc);
        if (!isMap(r)) {
          continue;
        }
        const from = { file, range: at(keyOf(r, 'path', doc) ?? keyOf(r, 'git', doc) ?? keyOf(r, 'googleCloudStorage', doc) ?? r.items[0]?.key) };
        const only = items(get(r, 'configs', doc)).map((c) => nameOf(deref(c, doc))).filter((c): c is string => c !== undefined);
        if (get(r, 'git', doc) !== undefined || get(r, 'googleCloudStorage', doc) !== undefined) {
          const kind = get(r, 'git', doc) !== undefined ? 'git' : 'Cloud Storage';
          note(`A config required from ${kind} is not indexed: problems in it are shown on the root config.`, file, from.range);
          continue;
        }
        const p = get(r, 'path', doc);
        const target = isScalar(p) && typeof p.value === 'string' ? p.value : undefined;
        if (p !== undefined && !usablePath(target, INDEX_LIMITS.maxPathLength)) {
          note('A required config path is not a usable path: it was not followed.', file, from.range);
          continue;
        }
        if (job.depth + 1 > INDEX_LIMITS.maxRequireDepth) {
          note(`Configs are required more than ${INDEX_LIMITS.maxRequireDepth} levels deep: ${target ?? file} was not followed.`, file, from.range);
          continue;
        }
        // No path: configs of this same file.
        queue.push({
          file: target === undefined ? file : resolve(file, target),
          only: only.length > 0 ? only : undefined,
          depth: job.depth + 1,
          from: { ...from, ...(target !== undefined ? { written: target } : {}) },
          chain: [...job.chain, key],
        });
      }
    }
    for (const missing of job.only?.filter((n) => !found.has(n)) ?? []) {
      note(`No config named "${missing}" in ${file}.`, job.from?.file, job.from?.range);
    }
  }
}

/** Reads a config file; a path that is a directory means the skaffold.yaml in it. */
async function readConfigFile(file: string, files: ProjectFiles, note: Note, from?: Pending['from']): Promise<{ file: string; text: string } | undefined> {
  const kind = await safeStat(files, file);
  const candidates = kind === 'directory' ? [path.join(file, 'skaffold.yaml')]
    : kind === 'file' || /\.ya?ml$/i.test(file) ? [file]
      : [path.join(file, 'skaffold.yaml'), file];
  for (const candidate of candidates) {
    const text = await readBounded(files, candidate, LIMITS.maxBytes, note);
    if (text === TOO_LARGE) {
      note(`${candidate} is larger than ${LIMITS.maxBytes / 1024} KiB: it was not read.`, candidate);
      return undefined;
    }
    if (text !== undefined) {
      return { file: candidate, text };
    }
  }
  note(from ? `The required config ${from.written ?? file} was not found (${file}).` : `The Skaffold config ${file} was not found.`, from?.file ?? file, from?.range);
  return undefined;
}

const TOO_LARGE = Symbol('too large');

async function safeStat(files: ProjectFiles, file: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const s = files.stat ? await files.stat(file) : undefined;
    return s?.type;
  } catch {
    return undefined;
  }
}

/** The text of a file of at most `maxBytes` (UTF-8), TOO_LARGE, or undefined when absent or unreadable. */
async function readBounded(files: ProjectFiles, file: string, maxBytes: number, note: Note): Promise<string | undefined | typeof TOO_LARGE> {
  try {
    const s = files.stat ? await files.stat(file) : undefined;
    if (s && s.type !== 'file') {
      return undefined;
    }
    if (s && s.size > maxBytes) {
      return TOO_LARGE;
    }
    const text = await files.read(file);
    if (typeof text !== 'string') {
      return undefined;
    }
    // A string longer than the limit is too large in UTF-8 too; else count its bytes.
    return text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes ? TOO_LARGE : text;
  } catch (e) {
    note(`${file} could not be read: ${(e as Error)?.message ?? String(e)}`, file);
    return undefined;
  }
}

/**
 * The YAML documents of a file, read by the one bounded reader (yamlReader.ts); what went
 * wrong is a note (the first syntax error of at most three documents). Indexes count from 0.
 */
function parseFile(text: string, file: string, maxDocuments: number, note: Note): ParsedFile | undefined {
  const lines = new LineCounter();
  const result: ParsedFile = { docs: [], lines, text };
  const reported = new Set<number>();
  const read = readYaml(text, maxDocuments, lines, ({ doc, index }) => result.docs.push({ doc, index: index - 1 }), (p) => {
    switch (p.kind) {
      case 'lexicalDepth':
        return note(`${file}, line ${p.line}: nested more than ${LIMITS.maxLexicalDepth} levels deep: the file was not read.`, file, lineRange(p.line - 1));
      case 'documents':
        return note(`${file} has more than ${p.max} documents: the rest were not read.`, file);
      case 'documentDepth':
        return note(`${file}: document ${p.document} is nested more than ${LIMITS.maxDepth} levels deep: it was not read.`, file);
      case 'syntax': {
        if (reported.has(p.document) || reported.size >= 3) {
          return;
        }
        reported.add(p.document);
        const { line } = positionOf(lines, p.offset);
        return note(`${file}, line ${line}: ${p.message}`, file, lineRange(line - 1));
      }
      case 'unreadable':
        return note(`${file} could not be read: ${p.message}`, file);
    }
  });
  return read ? result : undefined;
}

function readArtifacts(root: YAMLMap, doc: Document.Parsed, file: ParsedFile, fileName: string, config: number, index: ConfigIndex, note: Note): void {
  const add = (artifact: unknown, profile?: string) => {
    const a = deref(artifact, doc);
    if (!isMap(a)) {
      return;
    }
    const imageNode = get(a, 'image', doc);
    const image = nameOf(imageNode, 1024);
    const imageRange = rangeOf(file, imageNode);
    if (image === undefined || !imageRange) {
      return;
    }
    addArtifact(index, note, {
      image,
      file: fileName,
      config,
      ...(profile !== undefined ? { profile } : {}),
      imageRange,
      ...contextOf(a, doc, file),
      ...optional('syncRange', rangeOf(file, keyOf(a, 'sync', doc))),
      ...sourcesOf(a, doc, (message) => note(message, fileName, imageRange)),
    });
  };
  for (const artifact of items(get(get(root, 'build', doc), 'artifacts', doc))) {
    add(artifact);
  }
  for (const p of items(get(root, 'profiles', doc)).slice(0, LIMITS.maxProfiles)) {
    const profile = deref(p, doc);
    const name = nameOf(get(profile, 'name', doc));
    if (name === undefined) {
      continue;
    }
    for (const artifact of items(get(get(profile, 'build', doc), 'artifacts', doc))) {
      add(artifact, name);
    }
    // JSON patches that add an artifact or replace an image.
    for (const item of items(get(profile, 'patches', doc)).slice(0, LIMITS.maxRequires)) {
      const patch = deref(item, doc);
      const op = nameOf(get(patch, 'op', doc));
      const at = nameOf(get(patch, 'path', doc), 1024);
      const value = get(patch, 'value', doc);
      if ((op !== 'add' && op !== 'replace') || at === undefined) {
        continue;
      }
      if (/^\/build\/artifacts\/(\d+|-)$/.test(at)) {
        add(value, name);
      } else if (at === '/build/artifacts') {
        for (const artifact of items(value)) {
          add(artifact, name);
        }
      } else if (/^\/build\/artifacts\/\d+\/image$/.test(at)) {
        const image = nameOf(value, 1024);
        const imageRange = rangeOf(file, value);
        if (image !== undefined && imageRange) {
          addArtifact(index, note, { image, file: fileName, config, profile: name, imageRange });
        }
      }
    }
  }
}

function addArtifact(index: ConfigIndex, note: Note, declaration: ArtifactDeclaration): void {
  if (index.artifacts.length >= INDEX_LIMITS.maxArtifacts) {
    note(`More than ${INDEX_LIMITS.maxArtifacts} artifacts: the rest were not indexed.`, declaration.file);
    return;
  }
  index.artifacts.push(declaration);
}

function contextOf(artifact: YAMLMap, doc: Document.Parsed, file: ParsedFile): Partial<ArtifactDeclaration> {
  const node = get(artifact, 'context', doc);
  const context = isScalar(node) && typeof node.value === 'string' && usablePath(node.value, INDEX_LIMITS.maxPathLength) ? node.value : undefined;
  const range = rangeOf(file, node);
  return context !== undefined && range ? { context, contextRange: range } : {};
}

const BUILDERS: readonly Exclude<BuilderKind, 'docker' | 'other'>[] = ['kaniko', 'custom', 'buildpacks', 'ko', 'jib', 'bazel'];
/** Builder keys of Skaffold this reader does not tell apart (their sources are the whole context). */
const OTHER_BUILDERS = ['dockerfileless', 'cluster'];

/** What the artifact's sources are (its builder, Dockerfile, dependencies) and its sync rules. */
function sourcesOf(artifact: YAMLMap, doc: Document.Parsed, note: (message: string) => void): Partial<ArtifactDeclaration> {
  const patterns = (node: Node, what: string): string[] | undefined => {
    if (node === undefined) {
      return undefined;
    }
    const list = items(node);
    if (list.length > INDEX_LIMITS.maxPatterns) {
      note(`More than ${INDEX_LIMITS.maxPatterns} ${what}: the rest are not watched.`);
    }
    return list.slice(0, INDEX_LIMITS.maxPatterns).map((n) => pathValue(deref(n, doc))).filter((p): p is string => p !== undefined);
  };
  const out: Partial<ArtifactDeclaration> = {};
  const named = BUILDERS.find((b) => get(artifact, b, doc) !== undefined);
  const builder: BuilderKind = named ?? (get(artifact, 'docker', doc) !== undefined || !OTHER_BUILDERS.some((b) => get(artifact, b, doc) !== undefined) ? 'docker' : 'other');
  out.builder = builder;
  const spec = get(artifact, builder, doc);
  if (builder === 'docker' || builder === 'kaniko') {
    out.dockerfile = pathValue(get(spec, 'dockerfile', doc)) ?? 'Dockerfile';
  }
  if (builder === 'custom' || builder === 'buildpacks' || builder === 'ko') {
    const deps = get(spec, 'dependencies', doc);
    if (isMap(deps)) {
      const dependencies: ArtifactDependencies = {};
      const paths = patterns(get(deps, 'paths', doc), 'dependency paths');
      const ignore = patterns(get(deps, 'ignore', doc), 'ignored paths');
      if (paths) {
        dependencies.paths = paths;
      }
      if (ignore) {
        dependencies.ignore = ignore;
      }
      if (builder === 'custom' && get(deps, 'command', doc) !== undefined) {
        dependencies.command = true;
      }
      const dockerfile = builder === 'custom' ? get(deps, 'dockerfile', doc) : undefined;
      if (dockerfile !== undefined) {
        out.dockerfile = pathValue(get(dockerfile, 'path', doc)) ?? 'Dockerfile';
      }
      out.dependencies = dependencies;
    }
  }
  const sync = get(artifact, 'sync', doc);
  if (isMap(sync)) {
    const manual: SyncRules['manual'] = [];
    const rules = items(get(sync, 'manual', doc));
    if (rules.length > INDEX_LIMITS.maxPatterns) {
      note(`More than ${INDEX_LIMITS.maxPatterns} sync rules: the rest are not watched.`);
    }
    for (const r of rules.slice(0, INDEX_LIMITS.maxPatterns)) {
      const rule = deref(r, doc);
      const src = pathValue(get(rule, 'src', doc));
      if (src !== undefined) {
        const dest = pathValue(get(rule, 'dest', doc));
        const strip = pathValue(get(rule, 'strip', doc));
        manual.push({ src, ...(dest !== undefined ? { dest } : {}), ...(strip !== undefined ? { strip } : {}) });
      }
    }
    const auto = get(sync, 'auto', doc);
    out.sync = {
      manual,
      infer: patterns(get(sync, 'infer', doc), 'sync patterns') ?? [],
      auto: isScalar(auto) && (auto.value === true || auto.value === 'true'),
    };
  }
  return out;
}

/** A path or glob written in the config, when usable. */
function pathValue(node: Node): string | undefined {
  const value = isScalar(node) ? node.value : undefined;
  return usablePath(value, INDEX_LIMITS.maxPathLength) ? value : undefined;
}

function readManifestEntries(root: YAMLMap, doc: Document.Parsed, file: ParsedFile, fileName: string, config: number, index: ConfigIndex, note: Note): void {
  let count = 0;
  const add = (list: Node, source: 'rawYaml' | 'kubectl', profile?: string) => {
    for (const entry of items(list)) {
      const node = deref(entry, doc);
      const pattern = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      if (!usablePath(pattern, INDEX_LIMITS.maxPathLength)) {
        continue;
      }
      if (++count > INDEX_LIMITS.maxManifestEntries) {
        if (count === INDEX_LIMITS.maxManifestEntries + 1) {
          note(`More than ${INDEX_LIMITS.maxManifestEntries} manifest entries: the rest were not read.`, fileName, rangeOf(file, node));
        }
        return;
      }
      index.manifestEntries.push({ config, file: fileName, pattern: pattern!, ...optional('range', rangeOf(file, node)), source, ...(profile !== undefined ? { profile } : {}), files: [] });
    }
  };
  const manifests = get(root, 'manifests', doc);
  const deploy = get(root, 'deploy', doc);
  add(get(manifests, 'rawYaml', doc), 'rawYaml');
  add(get(get(deploy, 'kubectl', doc), 'manifests', doc), 'kubectl');
  for (const p of items(get(root, 'profiles', doc)).slice(0, LIMITS.maxProfiles)) {
    const profile = deref(p, doc);
    const name = nameOf(get(profile, 'name', doc));
    if (name !== undefined) {
      add(get(get(profile, 'manifests', doc), 'rawYaml', doc), 'rawYaml', name);
      add(get(get(get(profile, 'deploy', doc), 'kubectl', doc), 'manifests', doc), 'kubectl', name);
    }
  }
  // Skaffold's default applies when the config says nothing of what to deploy.
  const otherDeployers = ['helm', 'kustomize', 'kpt', 'docker', 'cloudrun'].some((k) => get(deploy, k, doc) !== undefined);
  const kubectlManifests = get(get(deploy, 'kubectl', doc), 'manifests', doc) !== undefined;
  if (manifests === undefined && !kubectlManifests && !otherDeployers) {
    index.manifestEntries.push({ config, file: fileName, pattern: DEFAULT_MANIFESTS, source: 'default', files: [] });
  }
}

/** Globs each manifest entry and reads the Kubernetes objects of the files it matches. */
async function indexManifests(files: ProjectFiles, index: ConfigIndex, note: Note): Promise<void> {
  const seen = new Set<string>();
  let budgetNoted = false;
  for (const entry of index.manifestEntries) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry.pattern)) {
      note(`The remote manifest ${entry.pattern} is not indexed.`, entry.file, entry.range);
      continue;
    }
    const baseDir = path.dirname(entry.file);
    let matched: string[] = [];
    try {
      const result = await files.glob(baseDir, entry.pattern);
      matched = Array.isArray(result) ? result.filter((f) => typeof f === 'string' && usablePath(f, INDEX_LIMITS.maxPathLength)) : [];
    } catch (e) {
      note(`The manifests ${entry.pattern} could not be listed: ${(e as Error)?.message ?? String(e)}`, entry.file, entry.range);
      continue;
    }
    if (matched.length > INDEX_LIMITS.maxGlobMatches) {
      note(`${entry.pattern} matches more than ${INDEX_LIMITS.maxGlobMatches} files: the rest were not read.`, entry.file, entry.range);
    }
    entry.files = [...new Set(matched)].sort().slice(0, INDEX_LIMITS.maxGlobMatches);
    for (const manifest of entry.files) {
      if (seen.has(manifest)) {
        continue;
      }
      if (seen.size >= INDEX_LIMITS.maxManifestFiles) {
        if (!budgetNoted) {
          budgetNoted = true;
          note(`More than ${INDEX_LIMITS.maxManifestFiles} manifest files: the rest were not read.`, entry.file, entry.range);
        }
        break;
      }
      seen.add(manifest);
      await readManifest(manifest, entry, files, index, note);
    }
  }
}

async function readManifest(file: string, entry: ManifestEntry, files: ProjectFiles, index: ConfigIndex, note: Note): Promise<void> {
  const text = await readBounded(files, file, INDEX_LIMITS.maxManifestBytes, note);
  if (text === undefined) {
    return; // matched, then gone: nothing to say
  }
  index.files.push(file);
  if (text === TOO_LARGE) {
    note(`${file} is larger than ${INDEX_LIMITS.maxManifestBytes / 1024 / 1024} MiB: its objects were not indexed.`, file);
    return;
  }
  const parsed = parseFile(text, file, LIMITS.maxDocuments, note);
  for (const { doc, index: docIndex } of parsed?.docs ?? []) {
    const root = deref(doc.contents, doc);
    if (!isMap(root)) {
      continue;
    }
    const kind = nameOf(get(root, 'kind', doc));
    const metadata = get(root, 'metadata', doc);
    const nameNode = get(metadata, 'name', doc);
    const name = nameOf(nameNode, 253);
    const nameRange = rangeOf(parsed!, nameNode);
    if (kind === undefined || name === undefined || !nameRange) {
      continue;
    }
    if (index.objects.length >= INDEX_LIMITS.maxObjects) {
      note(`More than ${INDEX_LIMITS.maxObjects} Kubernetes objects: the rest were not indexed.`, file);
      return;
    }
    const namespace = nameOf(get(metadata, 'namespace', doc), 253);
    index.objects.push({
      file,
      document: docIndex,
      kind,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      nameRange,
      config: entry.config,
      ...(entry.profile !== undefined ? { profile: entry.profile } : {}),
    });
  }
}

// --- YAML helpers ------------------------------------------------------------------------

/** The key node of `map[key]`, for the range of `deploy:`, `sync:`, ... */
function keyOf(map: Node, key: string, doc: Document.Parsed): unknown {
  return pairOf(map, key, doc)?.key;
}

/** A path written in a config, relative to the config file's directory. */
function resolve(configFile: string, p: string): string {
  return path.isAbsolute(p) ? path.normalize(p) : path.join(path.dirname(configFile), p);
}

/** The range a node spans (value only, not trailing comments), or undefined. */
function rangeOf(file: ParsedFile, node: unknown): TextRange | undefined {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (!node || typeof node !== 'object' || !Array.isArray(range)) {
    return undefined;
  }
  const start = file.lines.linePos(range[0]);
  const end = file.lines.linePos(Math.max(range[0], range[1]));
  return { startLine: start.line - 1, startCharacter: start.col - 1, endLine: end.line - 1, endCharacter: end.col - 1 };
}

/** The line of a document's first key, to the end of that line. */
function firstLineRange(file: ParsedFile, root: YAMLMap): TextRange {
  const first = root.items[0]?.key;
  const offset = (first as { range?: number[] } | undefined)?.range?.[0] ?? root.range?.[0] ?? 0;
  const { line, col } = file.lines.linePos(offset);
  const lineStart = file.lines.lineStarts[line - 1] ?? 0;
  let end = file.text.indexOf('\n', lineStart);
  end = end < 0 ? file.text.length : end;
  if (end > lineStart && file.text[end - 1] === '\r') {
    end--;
  }
  return { startLine: line - 1, startCharacter: col - 1, endLine: line - 1, endCharacter: Math.max(col - 1, end - lineStart) };
}

function lineRange(line: number): TextRange {
  return { startLine: line, startCharacter: 0, endLine: line, endCharacter: 0 };
}

function optional<K extends string>(key: K, range: TextRange | undefined): { [P in K]?: TextRange } {
  return (range ? { [key]: range } : {}) as { [P in K]?: TextRange };
}
