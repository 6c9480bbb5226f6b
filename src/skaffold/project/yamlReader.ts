/**
 * The one reader of the workspace's YAML (skaffold.yaml and the manifests it deploys). Their
 * text is untrusted: reading never throws, and is bounded in bytes, documents and depth:
 * - the text is lexed first (iteratively) and refused when a line could nest deeper than
 *   YAML_LIMITS.maxLexicalDepth, since yaml's parser recurses and overflows a few thousand
 *   levels deep;
 * - documents are composed one at a time (yaml's Parser and Composer, what parseAllDocuments
 *   does): it stops after `maxDocuments`, and a document nested deeper than
 *   YAML_LIMITS.maxDepth is skipped before it is composed (composing recurses too);
 * - values are read where they are, aliases resolved one at a time (`deref`), never the whole
 *   document expanded, so an alias bomb costs nothing.
 * What went wrong is told to the caller as a YamlProblem, for it to say in its own words.
 * The values read from it (`nameOf`) are validated here, at the boundary.
 */
import { Composer, CST, Document, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { hasUnsafeCharacter } from '../base/text';

export const YAML_LIMITS = {
  /** Larger files are not read at all (a real skaffold.yaml is a few kilobytes). */
  maxBytes: 512 * 1024,
  /** Deeper documents are not composed (a skaffold.yaml is about 10 levels deep). */
  maxDepth: 100,
  /** Before parsing at all: a line that could nest deeper refuses the text. */
  maxLexicalDepth: 200,
  /** A name read from YAML (a config, a profile, a resource) longer than this is not used. */
  maxNameLength: 200,
};

/** What went wrong reading a text; `document` counts from 1, `offset` is in the text. */
export type YamlProblem =
  | { kind: 'lexicalDepth'; line: number }
  | { kind: 'documents'; max: number }
  | { kind: 'documentDepth'; document: number; offset: number }
  | { kind: 'syntax'; document: number; offset: number; message: string }
  | { kind: 'unreadable'; message: string };

export interface YamlDocument {
  doc: Document.Parsed;
  /** Its number in the text, from 1. */
  index: number;
}

/**
 * Reads the documents of `text`, at most `maxDocuments`, giving each to `onDocument` in order
 * and each problem to `onProblem` when it is met; `lines` learns the text's lines (to turn
 * offsets into lines). False when the text was refused before parsing.
 */
export function readYaml(text: string, maxDocuments: number, lines: LineCounter, onDocument: (d: YamlDocument) => void, onProblem: (p: YamlProblem) => void): boolean {
  const tooDeep = lexicalDepthExceeded(text, YAML_LIMITS.maxLexicalDepth);
  if (tooDeep > 0) {
    onProblem({ kind: 'lexicalDepth', line: tooDeep });
    return false;
  }
  const composer = new Composer({ prettyErrors: false });
  const accepted: number[] = []; // the numbers of the documents the composer will yield, in order
  const take = (doc: Document.Parsed) => {
    const index = accepted.shift() ?? 0;
    for (const e of doc.errors) {
      onProblem({ kind: 'syntax', document: index, offset: e.pos[0], message: firstLine(e.message) });
    }
    onDocument({ doc, index });
  };
  try {
    let count = 0;
    for (const token of new Parser(lines.addNewLine).parse(text)) {
      if (token.type === 'document') {
        count++;
        if (count > maxDocuments) {
          onProblem({ kind: 'documents', max: maxDocuments });
          break;
        }
        if (depthOf(token) > YAML_LIMITS.maxDepth) {
          onProblem({ kind: 'documentDepth', document: count, offset: token.offset });
          continue;
        }
        accepted.push(count);
      }
      for (const doc of composer.next(token)) {
        take(doc);
      }
    }
    for (const doc of composer.end()) {
      take(doc);
    }
  } catch (e) {
    onProblem({ kind: 'unreadable', message: firstLine((e as Error)?.message ?? String(e)) });
  }
  return true;
}

/** Line and column (both from 1) of an offset. */
export function positionOf(lines: LineCounter, offset: number | undefined): { line: number; column: number } {
  const { line, col } = lines.linePos(offset ?? 0);
  return { line: Math.max(line, 1), column: Math.max(col, 1) };
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

/** The nesting depth of a CST token, without recursion (it stops counting past the limit). */
export function depthOf(token: CST.Token): number {
  let max = 0;
  const stack: [unknown, number][] = [[token, 0]];
  while (stack.length > 0) {
    const [t, depth] = stack.pop() as [unknown, number];
    if (!t || typeof t !== 'object') {
      continue;
    }
    max = Math.max(max, depth);
    if (max > YAML_LIMITS.maxDepth) {
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

export type YamlNode = Scalar | YAMLMap | YAMLSeq | undefined;

/** The node itself, or what an alias points to (through at most a few aliases). */
export function deref(node: unknown, doc: Document.Parsed): YamlNode {
  let current = node;
  for (let i = 0; i < 5 && isAlias(current); i++) {
    current = current.resolve(doc);
  }
  return isScalar(current) || isMap(current) || isSeq(current) ? current : undefined;
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

/** The value of `map[key]` (aliases resolved; `<<` merges one level deep). */
export function get(map: unknown, key: string, doc: Document.Parsed): YamlNode {
  const pair = pairOf(map, key, doc);
  return pair ? deref(pair.value, doc) : undefined;
}

/** The items of a sequence; none for anything else. */
export function items(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

/**
 * A usable name: a non-empty string (a number is read as Skaffold would), at most `max`
 * characters, with no character that could disguise it (control, bidi). Else undefined.
 */
export function nameOf(node: unknown, max = YAML_LIMITS.maxNameLength): string | undefined {
  const value = isScalar(node) ? node.value : undefined;
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  if (text === undefined || text.trim() === '' || text.length > max || hasUnsafeCharacter(text)) {
    return undefined;
  }
  return text;
}

/** A path written in YAML that can be used: not empty, at most `max` characters, nothing unsafe. */
export function usablePath(p: unknown, max: number): p is string {
  return typeof p === 'string' && p.trim() !== '' && p.length <= max && !hasUnsafeCharacter(p);
}

/** The first line of a parser's message, without yaml's own position suffix, bounded. */
export function firstLine(message: string): string {
  const line = String(message).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
