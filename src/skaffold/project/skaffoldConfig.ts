/**
 * What a launcher needs from a skaffold.yaml: its configs (modules, `metadata.name`), their
 * profiles and what they require. The file is untrusted workspace content: parsing never
 * throws, is bounded in size, documents, depth and names, and reports YAML errors with
 * their line instead.
 */
import { Composer, CST, Document, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, Scalar, YAMLMap, YAMLSeq } from 'yaml';

export interface SkaffoldConfigSummary {
  configs: {
    /** metadata.name: the module name for `--module`. */
    name?: string;
    profiles: string[];
    requires: { path?: string; configs: string[] }[];
  }[];
  errors: string[];
}

export const LIMITS = {
  /** Larger files are not read at all (a real skaffold.yaml is a few kilobytes). */
  maxBytes: 512 * 1024,
  maxDocuments: 1000,
  maxProfiles: 1000,
  maxRequires: 1000,
  maxNameLength: 200,
  maxErrors: 50,
  /**
   * Deeper documents are not composed: yaml composes recursively, and a few hundred levels
   * (`[[[[...`) exhaust the stack, which can even abort the whole process. A skaffold.yaml
   * is about 10 levels deep.
   */
  maxDepth: 100,
  /**
   * Before parsing at all: yaml's parser recurses too (it overflows a few thousand levels
   * deep), so the text is first lexed (iteratively) and refused when a line could nest deeper.
   */
  maxLexicalDepth: 200,
};

type Config = SkaffoldConfigSummary['configs'][number];

/**
 * Reads the configs of a skaffold.yaml (several, separated by `---`, in a multi-config
 * project). It uses yaml's Parser and Composer, what parseAllDocuments does, one document at a
 * time: it can stop after LIMITS.maxDocuments and skip a document nested too deeply before
 * composing it. Values are read where they are (aliases resolved one at a time, never the
 * whole document expanded), so an alias bomb costs nothing.
 */
export function parseSkaffoldConfig(text: string): SkaffoldConfigSummary {
  const summary: SkaffoldConfigSummary = { configs: [], errors: [] };
  const error = (message: string) => {
    if (summary.errors.length < LIMITS.maxErrors) {
      summary.errors.push(message);
    }
  };
  if (typeof text !== 'string') {
    error('The Skaffold config is not text.');
    return summary;
  }
  if (Buffer.byteLength(text, 'utf8') > LIMITS.maxBytes) {
    error(`The Skaffold config is larger than ${LIMITS.maxBytes / 1024} KiB: it was not read.`);
    return summary;
  }
  const tooDeep = lexicalDepthExceeded(text, LIMITS.maxLexicalDepth);
  if (tooDeep > 0) {
    error(`line ${tooDeep}: the Skaffold config is nested more than ${LIMITS.maxLexicalDepth} levels deep: it was not read.`);
    return summary;
  }
  const lines = new LineCounter();
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return `line ${Math.max(line, 1)}, column ${Math.max(col, 1)}`;
  };
  const composer = new Composer({ prettyErrors: false });
  const accepted: number[] = []; // document numbers of what the composer will yield, in order
  const read = (doc: Document.Parsed) => {
    const index = accepted.shift() ?? 0;
    for (const e of doc.errors) {
      error(`${at(e.pos[0])}: ${firstLine(e.message)}`);
    }
    const root = deref(doc.contents, doc);
    if (root === undefined || (isScalar(root) && (root.value === null || root.value === undefined))) {
      return; // an empty document, as after a trailing `---`
    }
    if (!isMap(root)) {
      error(`${at(root?.range?.[0] ?? doc.range?.[0])}: document ${index} is not a mapping (apiVersion, kind, metadata, build, ...).`);
      return;
    }
    summary.configs.push(readConfig(root, doc, error));
  };
  try {
    let index = 0;
    for (const token of new Parser(lines.addNewLine).parse(text)) {
      if (token.type === 'document') {
        index++;
        if (index > LIMITS.maxDocuments) {
          error(`More than ${LIMITS.maxDocuments} documents: the rest were ignored.`);
          break;
        }
        if (depthOf(token) > LIMITS.maxDepth) {
          error(`${at(token.offset)}: document ${index} is nested more than ${LIMITS.maxDepth} levels deep: it was not read.`);
          continue;
        }
        accepted.push(index);
      }
      for (const doc of composer.next(token)) {
        read(doc);
      }
    }
    for (const doc of composer.end()) {
      read(doc);
    }
  } catch (e) {
    error(`The Skaffold config could not be read: ${firstLine((e as Error)?.message ?? String(e))}`);
  }
  return summary;
}

/**
 * The first line (1-based) whose nesting could exceed `limit`, or 0. An upper bound of the
 * depth on a line: its indentation, plus the block indicators (`- `, `? `, `: `) on it, plus
 * the open flow collections (`[`, `{`). The lexer knows quotes and comments and is iterative.
 */
export function lexicalDepthExceeded(text: string, limit: number): number {
  let line = 1;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  for (const source of new Lexer().lex(text)) {
    const type = CST.tokenType(source);
    if (type === 'newline') {
      line++;
      lineStart = true;
      indent = 0;
      indicators = 0;
      continue;
    }
    if (type === 'space') {
      indent = lineStart ? source.length : indent;
      continue;
    }
    lineStart = false;
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      flow++;
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') {
      flow = Math.max(0, flow - 1);
    } else if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind')) {
      indicators++;
    }
    if (indent + indicators + flow > limit) {
      return line;
    }
  }
  return 0;
}

/** The nesting depth of a CST token, without recursion. */
export function depthOf(token: CST.Token): number {
  let max = 0;
  const stack: [unknown, number][] = [[token, 0]];
  while (stack.length > 0) {
    const [t, depth] = stack.pop() as [unknown, number];
    if (!t || typeof t !== 'object') {
      continue;
    }
    max = Math.max(max, depth);
    if (max > LIMITS.maxDepth) {
      return max;
    }
    const node = t as { value?: unknown; items?: { key?: unknown; value?: unknown }[] };
    if (node.value && typeof node.value === 'object') {
      stack.push([node.value, depth]);
    }
    if (Array.isArray(node.items)) {
      for (const item of node.items) {
        stack.push([item.key, depth + 1], [item.value, depth + 1]);
      }
    }
  }
  return max;
}

type YamlNode = ReturnType<typeof deref>;

/** The node itself, or what an alias points to (through at most a few aliases). */
export function deref(node: unknown, doc: Document.Parsed): Scalar | YAMLMap | YAMLSeq | undefined {
  let current = node;
  for (let i = 0; i < 5 && isAlias(current); i++) {
    current = current.resolve(doc);
  }
  return isScalar(current) || isMap(current) || isSeq(current) ? current : undefined;
}

/** `map[key]`, looking into `<<: *base` merges one level deep as well. */
function field(map: YamlNode, key: string, doc: Document.Parsed): YamlNode {
  return deref(pairOf(map, key, doc)?.value, doc);
}

/** The pair of `map` whose key is `key`, looking into `<<: *base` merges one level deep as well. */
export function pairOf(map: unknown, key: string, doc: Document.Parsed): { key: unknown; value: unknown } | undefined {
  if (!isMap(map)) {
    return undefined;
  }
  const merges: unknown[] = [];
  for (const pair of map.items) {
    const k = deref(pair.key, doc);
    const name = isScalar(k) ? k.value : undefined;
    if (name === key) {
      return pair;
    }
    if (name === '<<') {
      merges.push(pair.value);
    }
  }
  for (const merge of merges) {
    const m = deref(merge, doc);
    for (const source of isSeq(m) ? m.items.slice(0, 10) : [m]) {
      const base = deref(source, doc);
      if (isMap(base)) {
        for (const pair of base.items) {
          const k = deref(pair.key, doc);
          if (isScalar(k) && k.value === key) {
            return pair;
          }
        }
      }
    }
  }
  return undefined;
}

function items(node: YamlNode): unknown[] {
  return isSeq(node) ? node.items : [];
}

function readConfig(root: YAMLMap, doc: Document.Parsed, error: (message: string) => void): Config {
  const config: Config = { profiles: [], requires: [] };
  const name = nameOf(field(field(root, 'metadata', doc), 'name', doc));
  if (name !== undefined) {
    config.name = name;
  }
  const profiles = items(field(root, 'profiles', doc));
  if (profiles.length > LIMITS.maxProfiles) {
    error(`More than ${LIMITS.maxProfiles} profiles in config ${config.name ?? '(unnamed)'}: the rest were ignored.`);
  }
  for (const profile of profiles.slice(0, LIMITS.maxProfiles)) {
    const profileName = nameOf(field(deref(profile, doc), 'name', doc));
    if (profileName !== undefined) {
      config.profiles.push(profileName);
    }
  }
  for (const req of items(field(root, 'requires', doc)).slice(0, LIMITS.maxRequires)) {
    const r = deref(req, doc);
    if (!isMap(r)) {
      continue;
    }
    const entry: Config['requires'][number] = { configs: [] };
    const p = field(r, 'path', doc);
    if (isScalar(p) && typeof p.value === 'string' && p.value.length <= 4096 && !hasControl(p.value)) {
      entry.path = p.value;
    }
    for (const c of items(field(r, 'configs', doc)).slice(0, LIMITS.maxDocuments)) {
      const configName = nameOf(deref(c, doc));
      if (configName !== undefined) {
        entry.configs.push(configName);
      }
    }
    config.requires.push(entry);
  }
  return config;
}

/** Profile names of every config, each once, in the order of the file. */
export function profileNames(summary: SkaffoldConfigSummary): string[] {
  return unique(summary.configs.flatMap((c) => c.profiles));
}

/** The names of the named configs (modules for `--module`), each once, in order. */
export function moduleNames(summary: SkaffoldConfigSummary): string[] {
  return unique(summary.configs.flatMap((c) => (c.name !== undefined ? [c.name] : [])));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/** A usable name: a non-empty string (a number is read as Skaffold would), short, no control characters. */
function nameOf(node: YamlNode): string | undefined {
  const value = isScalar(node) ? node.value : undefined;
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  if (text === undefined || text.trim() === '' || text.length > LIMITS.maxNameLength || hasControl(text)) {
    return undefined;
  }
  return text;
}

export function hasControl(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}

export function firstLine(message: string): string {
  const line = String(message).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
