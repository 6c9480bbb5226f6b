/**
 * What a launcher needs from a skaffold.yaml: its configs (modules, `metadata.name`), their
 * profiles and what they require. The file is untrusted workspace content, read by the one
 * bounded YAML reader (yamlReader.ts): YAML errors are reported with their line, never thrown.
 */
import { Document, isMap, isScalar, LineCounter, YAMLMap } from 'yaml';
import { deref, get, items, nameOf, positionOf, readYaml, usablePath, YAML_LIMITS } from './yamlReader';

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
  ...YAML_LIMITS,
  maxDocuments: 1000,
  maxProfiles: 1000,
  maxRequires: 1000,
  maxErrors: 50,
};

type Config = SkaffoldConfigSummary['configs'][number];

/**
 * Reads the configs of a skaffold.yaml (several, separated by `---`, in a multi-config
 * project), bounded as yamlReader.ts says; what went wrong is in `errors`, with its line.
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
  const lines = new LineCounter();
  const at = (offset: number | undefined) => {
    const { line, column } = positionOf(lines, offset);
    return `line ${line}, column ${column}`;
  };
  readYaml(text, LIMITS.maxDocuments, lines, ({ doc, index }) => {
    const root = deref(doc.contents, doc);
    if (root === undefined || (isScalar(root) && (root.value === null || root.value === undefined))) {
      return; // an empty document, as after a trailing `---`
    }
    if (!isMap(root)) {
      error(`${at(root?.range?.[0] ?? doc.range?.[0])}: document ${index} is not a mapping (apiVersion, kind, metadata, build, ...).`);
      return;
    }
    summary.configs.push(readConfig(root, doc, error));
  }, (p) => {
    switch (p.kind) {
      case 'lexicalDepth':
        return error(`line ${p.line}: the Skaffold config is nested more than ${LIMITS.maxLexicalDepth} levels deep: it was not read.`);
      case 'documents':
        return error(`More than ${p.max} documents: the rest were ignored.`);
      case 'documentDepth':
        return error(`${at(p.offset)}: document ${p.document} is nested more than ${LIMITS.maxDepth} levels deep: it was not read.`);
      case 'syntax':
        return error(`${at(p.offset)}: ${p.message}`);
      case 'unreadable':
        return error(`The Skaffold config could not be read: ${p.message}`);
    }
  });
  return summary;
}

function readConfig(root: YAMLMap, doc: Document.Parsed, error: (message: string) => void): Config {
  const config: Config = { profiles: [], requires: [] };
  const name = nameOf(get(get(root, 'metadata', doc), 'name', doc));
  if (name !== undefined) {
    config.name = name;
  }
  const profiles = items(get(root, 'profiles', doc));
  if (profiles.length > LIMITS.maxProfiles) {
    error(`More than ${LIMITS.maxProfiles} profiles in config ${config.name ?? '(unnamed)'}: the rest were ignored.`);
  }
  for (const profile of profiles.slice(0, LIMITS.maxProfiles)) {
    const profileName = nameOf(get(deref(profile, doc), 'name', doc));
    if (profileName !== undefined) {
      config.profiles.push(profileName);
    }
  }
  for (const req of items(get(root, 'requires', doc)).slice(0, LIMITS.maxRequires)) {
    const r = deref(req, doc);
    if (!isMap(r)) {
      continue;
    }
    const entry: Config['requires'][number] = { configs: [] };
    const p = get(r, 'path', doc);
    if (isScalar(p) && usablePath(p.value, 4096)) {
      entry.path = p.value;
    }
    for (const c of items(get(r, 'configs', doc)).slice(0, LIMITS.maxDocuments)) {
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
