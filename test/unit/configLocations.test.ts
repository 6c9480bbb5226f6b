/**
 * Indexing a Skaffold project for where things are declared: the fixture projects (one config;
 * several configs in a file with requires, profiles, v1 and v2 manifests), then untrusted
 * workspace content (huge, deep, broken, cyclic, missing, failing I/O) that must give notes,
 * never a throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigIndex, DEFAULT_MANIFESTS, indexSkaffoldProject, INDEX_LIMITS, ProjectFiles, TextRange } from '../../src/skaffold/project/configLocations';
import { LIMITS } from '../../src/skaffold/project/skaffoldConfig';
import { diskFiles, FIXTURES, memoryFiles } from '../fixtures/problems/files';

/** The text a range covers in a file on disk (single-line ranges). */
function textAt(file: string, range: TextRange | undefined, files?: Record<string, string>): string | undefined {
  if (!range) {
    return undefined;
  }
  const text = files ? files[file] : fs.readFileSync(file, 'utf8');
  const line = text.split(/\r?\n/)[range.startLine];
  assert.equal(range.endLine, range.startLine, 'a single-line range');
  return line.slice(range.startCharacter, range.endCharacter);
}

const rel = (index: ConfigIndex, file: string) => path.relative(path.dirname(index.rootFile), file).split(path.sep).join('/');

test('one config: each artifact\'s image, context and sync key, the deploy and manifests keys, on their lines', async () => {
  const root = path.join(FIXTURES, 'single', 'skaffold.yaml');
  const index = await indexSkaffoldProject(root, diskFiles());
  assert.deepEqual(index.notes, []);
  assert.equal(index.configs.length, 1);
  const [config] = index.configs;
  assert.equal(config.name, 'single');
  assert.equal(config.root, true);
  assert.equal(config.start.startLine, 1, 'the first key, after the leading comment');
  assert.equal(textAt(root, config.start), 'apiVersion: skaffold/v4beta6');
  assert.equal(textAt(root, config.deployKey), 'deploy');
  assert.equal(textAt(root, config.manifestsKey), 'manifests');

  assert.deepEqual(index.artifacts.map((a) => [a.image, textAt(root, a.imageRange), a.context, textAt(root, a.contextRange), textAt(root, a.syncRange)]), [
    ['example/app', 'example/app', 'app', 'app', 'sync'],
    ['example/worker', 'example/worker', 'worker', 'worker', undefined],
  ]);
  assert.equal(index.artifacts[0].imageRange.startLine, 7, 'line 8 of the file');
});

test('manifests: a rawYaml glob\'s line, the files it matches, and every object of a multi-document file', async () => {
  const root = path.join(FIXTURES, 'single', 'skaffold.yaml');
  const index = await indexSkaffoldProject(root, diskFiles());
  assert.equal(index.manifestEntries.length, 1);
  const [entry] = index.manifestEntries;
  assert.equal(entry.source, 'rawYaml');
  assert.equal(textAt(root, entry.range), 'k8s/*.yaml');
  assert.deepEqual(entry.files.map((f) => rel(index, f)), ['k8s/app.yaml', 'k8s/worker.yaml'], 'notes.txt does not match the glob');
  assert.deepEqual(index.objects.map((o) => [rel(index, o.file), o.document, o.kind, o.name, o.namespace ?? null]), [
    ['k8s/app.yaml', 0, 'Service', 'app', null],
    ['k8s/app.yaml', 1, 'Deployment', 'app', null],
    ['k8s/app.yaml', 2, 'StatefulSet', 'db', 'data'],
    ['k8s/app.yaml', 3, 'DaemonSet', 'agent', null],
    ['k8s/app.yaml', 4, 'Job', 'migrate', null],
    ['k8s/app.yaml', 5, 'Pod', 'debug-shell', null],
    ['k8s/worker.yaml', 0, 'Deployment', 'worker', null],
  ]);
  for (const o of index.objects) {
    assert.equal(textAt(o.file, o.nameRange), o.name, `${o.kind}/${o.name}: the range is its name: value`);
  }
  const deployment = index.objects[1];
  assert.equal(deployment.nameRange.startLine, 14, 'the Deployment\'s name, in the second document');
  assert.deepEqual([...index.files].map((f) => rel(index, f)), ['skaffold.yaml', 'k8s/app.yaml', 'k8s/worker.yaml']);
});

test('several configs in one file, requires (a directory, a file, this file), profiles, v1 kubectl manifests', async () => {
  const root = path.join(FIXTURES, 'multi', 'skaffold.yaml');
  const files = diskFiles();
  const index = await indexSkaffoldProject(root, files);
  assert.deepEqual(index.configs.map((c) => [c.name, rel(index, c.file), c.document, c.root]), [
    ['web', 'skaffold.yaml', 0, true],
    ['api', 'skaffold.yaml', 1, true],
    ['all', 'skaffold.yaml', 2, true],
    ['db', 'services/skaffold.yaml', 0, false],
    ['common', 'shared/common.yaml', 0, false],
  ], 'the directory means its skaffold.yaml; configs: [db] leaves "cache" out; "web" required again is indexed once');
  assert.ok(!files.reads.some((f) => f.includes('cache')), 'the manifests of a config not required are not read');

  const web = index.artifacts.filter((a) => a.image === 'example/web');
  assert.deepEqual(web.map((a) => [rel(index, a.file), a.profile ?? null, textAt(a.file, a.imageRange)]), [
    ['skaffold.yaml', null, 'example/web'],
    ['skaffold.yaml', 'debug', 'example/web'],
    ['shared/common.yaml', null, 'example/web'],
  ]);
  const canary = index.artifacts.find((a) => a.image === 'example/canary');
  assert.equal(canary?.profile, 'canary', 'an artifact a profile patch adds');
  assert.equal(textAt(root, canary?.imageRange), 'example/canary');
  const api = index.artifacts.find((a) => a.image === 'example/api')!;
  assert.equal(textAt(root, api.syncRange), 'sync');

  const apiConfig = index.configs[1];
  assert.equal(textAt(root, apiConfig.deployKey), 'deploy');
  assert.equal(apiConfig.manifestsKey, undefined, 'v1 schema: no manifests key');
  const kubectl = index.manifestEntries.find((e) => e.source === 'kubectl')!;
  assert.equal(textAt(root, kubectl.range), 'api/k8s/*.yaml');
  assert.deepEqual(kubectl.files.map((f) => rel(index, f)), ['api/k8s/api.yaml']);

  const objects = index.objects.map((o) => [rel(index, o.file), o.kind, o.name, o.namespace ?? null, index.configs[o.config].name]);
  assert.deepEqual(objects, [
    ['k8s/web-deployment.yaml', 'Deployment', 'web', null, 'web'],
    ['k8s/web-deployment.yaml', 'Service', 'web', null, 'web'],
    ['k8s/staging/web.yaml', 'Deployment', 'web', 'staging', 'web'],
    ['api/k8s/api.yaml', 'Deployment', 'api', 'backend', 'api'],
    ['services/db/statefulset.yaml', 'StatefulSet', 'db', null, 'db'],
  ], 'manifests resolved from each config\'s own directory');
});

test('what the index cannot follow is noted where it is written: a git require, a missing path, a cycle', async () => {
  const root = path.join(FIXTURES, 'multi', 'skaffold.yaml');
  const index = await indexSkaffoldProject(root, diskFiles());
  const notes = index.notes.map((n) => [n.message.replace(FIXTURES, '<fixtures>'), n.file && rel(index, n.file), n.file && textAt(n.file, n.range)]);
  assert.deepEqual(notes, [
    ['A config required from git is not indexed: problems in it are shown on the root config.', 'skaffold.yaml', 'git'],
    [`The required config ./missing was not found (${path.join('<fixtures>', 'multi', 'missing')}).`, 'skaffold.yaml', 'path'],
    ['The config all is required back by a config it requires (a cycle): it was indexed once.', 'services/skaffold.yaml', 'path'],
  ]);
});

test('Skaffold\'s default manifests (k8s/*.yaml) when a config names none; none with another deployer', async () => {
  const files = memoryFiles({
    [path.join('/p', 'skaffold.yaml')]: 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: a\n',
    [path.join('/p', 'k8s', 'a.yaml')]: 'kind: Deployment\nmetadata:\n  name: a\n',
    [path.join('/q', 'skaffold.yaml')]: 'apiVersion: skaffold/v2beta29\nkind: Config\ndeploy:\n  helm:\n    releases: [{name: q, chartPath: c}]\n',
    [path.join('/q', 'k8s', 'q.yaml')]: 'kind: Deployment\nmetadata:\n  name: q\n',
  });
  const p = await indexSkaffoldProject(path.join('/p', 'skaffold.yaml'), files);
  assert.deepEqual(p.manifestEntries.map((e) => [e.pattern, e.source, e.range ?? null]), [[DEFAULT_MANIFESTS, 'default', null]]);
  assert.deepEqual(p.objects.map((o) => o.name), ['a']);
  const q = await indexSkaffoldProject(path.join('/q', 'skaffold.yaml'), files);
  assert.deepEqual(q.manifestEntries, []);
  assert.deepEqual(q.objects, []);
});

test('requires without a path select configs of the same file; a directory is found without stat', async () => {
  const yaml = [
    'metadata: {name: a}', 'requires:', '  - configs: [c]', '  - path: lib', '---',
    'metadata: {name: b}', '---',
    'metadata: {name: c}', 'build: {artifacts: [{image: img-c}]}',
  ].join('\n');
  const files = memoryFiles({
    [path.join('/w', 'skaffold.yaml')]: yaml,
    [path.join('/w', 'lib', 'skaffold.yaml')]: 'metadata: {name: lib}\nbuild:\n  artifacts:\n    - image: img-lib\n',
  });
  const index = await indexSkaffoldProject(path.join('/w', 'skaffold.yaml'), files);
  assert.deepEqual(index.configs.map((c) => c.name), ['a', 'b', 'c', 'lib']);
  assert.deepEqual(index.artifacts.map((a) => a.image), ['img-c', 'img-lib']);
  assert.deepEqual(index.notes, []);
});

test('a configs: filter naming a config the file lacks is noted; a self-require is a cycle, followed once', async () => {
  const files = memoryFiles({
    [path.join('/s', 'skaffold.yaml')]: 'metadata: {name: s}\nrequires:\n  - path: skaffold.yaml\n  - path: other.yaml\n    configs: [nope]\n',
    [path.join('/s', 'other.yaml')]: 'metadata: {name: yes}\n',
  });
  const index = await indexSkaffoldProject(path.join('/s', 'skaffold.yaml'), files);
  assert.deepEqual(index.configs.map((c) => c.name), ['s']);
  assert.deepEqual(index.notes.map((n) => n.message), [
    'The config s is required back by a config it requires (a cycle): it was indexed once.',
    `No config named "nope" in ${path.join('/s', 'other.yaml')}.`,
  ]);
});

test('a 10 MB manifest is not parsed (a note); the other manifests still are', async () => {
  const big = `kind: ConfigMap\nmetadata:\n  name: big\ndata:\n${'  k: v\n'.repeat(10 * 1024 * 1024 / 7)}`;
  assert.ok(big.length > 10_000_000);
  const files = memoryFiles({
    [path.join('/b', 'skaffold.yaml')]: 'manifests:\n  rawYaml: ["k8s/*.yaml"]\n',
    [path.join('/b', 'k8s', 'big.yaml')]: big,
    [path.join('/b', 'k8s', 'small.yaml')]: 'kind: Deployment\nmetadata:\n  name: small\n',
  });
  const index = await indexSkaffoldProject(path.join('/b', 'skaffold.yaml'), files);
  assert.deepEqual(index.objects.map((o) => o.name), ['small']);
  assert.deepEqual(index.notes.map((n) => n.message), [`${path.join('/b', 'k8s', 'big.yaml')} is larger than ${INDEX_LIMITS.maxManifestBytes / 1024 / 1024} MiB: its objects were not indexed.`]);
});

test('with stat, a file over the limit is never read; a huge config is refused too', async () => {
  const reads: string[] = [];
  const files: ProjectFiles = {
    async read(file) {
      reads.push(file);
      return file.endsWith('skaffold.yaml') ? 'manifests:\n  rawYaml: [big.yaml]\n' : 'x';
    },
    async glob(base, pattern) {
      return [path.join(base, pattern)];
    },
    async stat(file) {
      return { type: 'file', size: file.endsWith('big.yaml') ? 50 * 1024 * 1024 : 40 };
    },
  };
  const index = await indexSkaffoldProject(path.join('/h', 'skaffold.yaml'), files);
  assert.deepEqual(reads, [path.join('/h', 'skaffold.yaml')], 'big.yaml was not read');
  assert.match(index.notes[0].message, /big\.yaml is larger than 2 MiB/);

  const huge = await indexSkaffoldProject(path.join('/h', 'skaffold.yaml'), memoryFiles({ [path.join('/h', 'skaffold.yaml')]: `# ${'x'.repeat(LIMITS.maxBytes)}\n` }));
  assert.deepEqual(huge.configs, []);
  assert.match(huge.notes[0].message, /larger than 512 KiB: it was not read/);
});

test('requires deeper than the limit stop there with a note; so do more config files than the limit', async () => {
  const chain: Record<string, string> = {};
  for (let i = 0; i < 30; i++) {
    chain[path.join('/d', `c${i}.yaml`)] = `metadata: {name: c${i}}\nrequires:\n  - path: c${i + 1}.yaml\n`;
  }
  const deep = await indexSkaffoldProject(path.join('/d', 'c0.yaml'), memoryFiles(chain));
  assert.equal(deep.configs.length, INDEX_LIMITS.maxRequireDepth + 1);
  assert.match(deep.notes.map((n) => n.message).join('\n'), /required more than 10 levels deep/);

  const wide: Record<string, string> = { [path.join('/f', 'skaffold.yaml')]: `requires:\n${Array.from({ length: 80 }, (_, i) => `  - path: m${i}.yaml\n`).join('')}` };
  for (let i = 0; i < 80; i++) {
    wide[path.join('/f', `m${i}.yaml`)] = `metadata: {name: m${i}}\n`;
  }
  const many = await indexSkaffoldProject(path.join('/f', 'skaffold.yaml'), memoryFiles(wide));
  assert.equal(many.configs.length, INDEX_LIMITS.maxConfigFiles);
  assert.match(many.notes.map((n) => n.message).join('\n'), /More than 50 Skaffold config files/);
});

test('a missing root, broken or deeply nested manifests, failing reads and globs: notes, never a throw', async () => {
  const missing = await indexSkaffoldProject(path.join('/none', 'skaffold.yaml'), memoryFiles({}));
  assert.deepEqual(missing.configs, []);
  assert.deepEqual(missing.notes.map((n) => n.message), [`The Skaffold config ${path.join('/none', 'skaffold.yaml')} was not found.`]);

  const files = memoryFiles({
    [path.join('/m', 'skaffold.yaml')]: 'deploy:\n  kubectl:\n    manifests: ["k8s/*.yaml", "https://example.com/remote.yaml"]\n',
    [path.join('/m', 'k8s', 'a-broken.yaml')]: 'kind: Deployment\nmetadata:\n  name: ok-before\n---\nkind: [unclosed\nmetadata: {name: x}\n---\nkind: Service\nmetadata:\n  name: ok-after\n',
    [path.join('/m', 'k8s', 'b-deep.yaml')]: `${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    [path.join('/m', 'k8s', 'c-odd.yaml')]: '- a list\n---\n42\n---\nkind: Deployment\nmetadata: {name: [not, a, name]}\n---\nkind: Deployment\nmetadata: {name: "bad\\u0007name"}\n',
  });
  const index = await indexSkaffoldProject(path.join('/m', 'skaffold.yaml'), files);
  assert.deepEqual(index.objects.map((o) => o.name), ['ok-before', 'ok-after']);
  const notes = index.notes.map((n) => n.message).join('\n');
  assert.match(notes, /The remote manifest https:\/\/example\.com\/remote\.yaml is not indexed/);
  assert.match(notes, /a-broken\.yaml, line 6: Flow sequence/, 'broken YAML: its line');
  assert.match(notes, /b-deep\.yaml, line 1: nested more than 200 levels deep/);

  const failing: ProjectFiles = {
    async read(file) {
      if (file.endsWith('skaffold.yaml')) {
        return 'manifests: {rawYaml: [a.yaml, "b/*.yaml"]}\n';
      }
      throw new Error('EACCES');
    },
    async glob(_base, pattern) {
      if (pattern.startsWith('b/')) {
        throw new Error('glob failed');
      }
      return [path.join('/x', pattern)];
    },
  };
  const failed = await indexSkaffoldProject(path.join('/x', 'skaffold.yaml'), failing);
  assert.deepEqual(failed.notes.map((n) => n.message), [
    `${path.join('/x', 'a.yaml')} could not be read: EACCES`,
    'The manifests b/*.yaml could not be listed: glob failed',
  ]);
  const odd = { read: async () => 42, glob: async () => 'not a list' } as unknown as ProjectFiles;
  assert.deepEqual((await indexSkaffoldProject('skaffold.yaml', odd)).configs, []);
});

test('a glob matching thousands of files reads a bounded number of them', async () => {
  const all: Record<string, string> = { [path.join('/g', 'skaffold.yaml')]: 'manifests:\n  rawYaml: ["k8s/*.yaml", "more/*.yaml"]\n' };
  for (let i = 0; i < 1000; i++) {
    all[path.join('/g', 'k8s', `m${String(i).padStart(4, '0')}.yaml`)] = `kind: ConfigMap\nmetadata: {name: m${i}}\n`;
    all[path.join('/g', 'more', `m${i}.yaml`)] = `kind: ConfigMap\nmetadata: {name: more${i}}\n`;
  }
  const files = memoryFiles(all);
  const index = await indexSkaffoldProject(path.join('/g', 'skaffold.yaml'), files);
  assert.equal(index.manifestEntries[0].files.length, INDEX_LIMITS.maxGlobMatches);
  assert.equal(files.reads.length, 1 + INDEX_LIMITS.maxManifestFiles);
  assert.equal(index.objects.length, INDEX_LIMITS.maxManifestFiles);
  const notes = index.notes.map((n) => n.message);
  assert.ok(notes.includes(`k8s/*.yaml matches more than ${INDEX_LIMITS.maxGlobMatches} files: the rest were not read.`), notes.join('\n'));
  assert.ok(notes.includes(`More than ${INDEX_LIMITS.maxManifestFiles} manifest files: the rest were not read.`), notes.join('\n'));
});

test('ranges count UTF-16 columns and survive CRLF line ends, merge keys and quoted values', async () => {
  const text = [
    'apiVersion: skaffold/v4beta6',
    'x-base: &base',
    '  context: src',
    'build:',
    '  artifacts:',
    '    - {image: "ünïcode/app", <<: *base}',
    '    - image: \'quoted/app\'',
    '',
  ].join('\r\n');
  const file = path.join('/u', 'skaffold.yaml');
  const index = await indexSkaffoldProject(file, memoryFiles({ [file]: text }));
  assert.deepEqual(index.artifacts.map((a) => [a.image, a.context ?? null]), [['ünïcode/app', 'src'], ['quoted/app', null]]);
  assert.equal(textAt(file, index.artifacts[0].imageRange, { [file]: text }), '"ünïcode/app"');
  assert.equal(textAt(file, index.artifacts[1].imageRange, { [file]: text }), '\'quoted/app\'');
  assert.equal(textAt(file, index.artifacts[0].contextRange, { [file]: text }), 'src', 'the merged key, where the anchor has it');
  assert.equal(textAt(file, index.configs[0].start, { [file]: text }), 'apiVersion: skaffold/v4beta6', 'no \\r in the range');
});
