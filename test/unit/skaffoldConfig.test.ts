/**
 * Reading a skaffold.yaml for its modules, profiles and requires: multi-config files, broken
 * YAML reported with its line, and untrusted input (huge, deep, alias bombs, odd values) that
 * must neither throw nor hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, moduleNames, parseSkaffoldConfig, profileNames } from '../../src/skaffold/project/skaffoldConfig';

const MULTI = `apiVersion: skaffold/v4beta6
kind: Config
metadata:
  name: backend
requires:
  - path: ../common/skaffold.yaml
    configs: [db, cache]
  - git:
      repo: https://github.com/example/infra
    configs: [ingress]
build:
  artifacts:
    - image: example/api
profiles:
  - name: dev
  - name: prod
    patches: [{op: replace, path: /build/local/push, value: true}]
---
apiVersion: skaffold/v4beta6
kind: Config
metadata:
  name: frontend
profiles:
  - name: prod
  - name: "my profile"
---
# a config without a name
apiVersion: skaffold/v4beta6
kind: Config
profiles: [{name: staging}]
---
`;

test('a multi-config skaffold.yaml: each config, its module name, profiles and requires', () => {
  const summary = parseSkaffoldConfig(MULTI);
  assert.deepEqual(summary.errors, []);
  assert.deepEqual(summary.configs, [
    { name: 'backend', profiles: ['dev', 'prod'], requires: [{ path: '../common/skaffold.yaml', configs: ['db', 'cache'] }, { configs: ['ingress'] }] },
    { name: 'frontend', profiles: ['prod', 'my profile'], requires: [] },
    { profiles: ['staging'], requires: [] },
  ]);
  assert.deepEqual(profileNames(summary), ['dev', 'prod', 'my profile', 'staging'], 'each profile once, in file order');
  assert.deepEqual(moduleNames(summary), ['backend', 'frontend'], 'only named configs are modules');
});

test('broken YAML is reported with its line; the configs before it are still read', () => {
  const summary = parseSkaffoldConfig('metadata:\n  name: app\nprofiles:\n  - name: dev\n---\nmetadata:\n  name: [unclosed\nprofiles: x\n');
  assert.equal(summary.configs[0].name, 'app');
  assert.deepEqual(summary.configs[0].profiles, ['dev']);
  assert.ok(summary.errors.length > 0);
  assert.match(summary.errors[0], /^line 8, column 1: /, summary.errors.join('\n'));
  const duplicate = parseSkaffoldConfig('metadata: {name: a}\nmetadata: {name: b}\n');
  assert.match(duplicate.errors.join('\n'), /line 2, column 1: .*unique/i);
});

test('documents that are not configs are reported or skipped, never thrown', () => {
  const summary = parseSkaffoldConfig('- just\n- a list\n---\njust a string\n---\n\n---\nmetadata: {name: ok}\n');
  assert.deepEqual(summary.configs, [{ name: 'ok', profiles: [], requires: [] }]);
  assert.deepEqual(summary.errors, [
    'line 1, column 1: document 1 is not a mapping (apiVersion, kind, metadata, build, ...).',
    'line 4, column 1: document 2 is not a mapping (apiVersion, kind, metadata, build, ...).',
  ]);
  assert.deepEqual(parseSkaffoldConfig(''), { configs: [], errors: [] });
  assert.deepEqual(parseSkaffoldConfig('# only a comment\n'), { configs: [], errors: [] });
  assert.match(parseSkaffoldConfig(undefined as unknown as string).errors[0], /not text/);
});

test('odd values: wrong types are ignored, numbers read as names, overlong and control-character names dropped', () => {
  const long = 'p'.repeat(LIMITS.maxNameLength + 1);
  const summary = parseSkaffoldConfig([
    'metadata: {name: 42}',
    `profiles: [{name: ok}, {name: ${long}}, {name: "bad\\u0007bell"}, {name: ""}, {name: [x]}, "plain", null, {name: 7}]`,
    'requires: [{path: 5, configs: [a, {b: c}, null]}, "x", {configs: "notalist"}]',
  ].join('\n'));
  assert.deepEqual(summary.errors, []);
  assert.deepEqual(summary.configs, [{ name: '42', profiles: ['ok', '7'], requires: [{ configs: ['a'] }, { configs: [] }] }]);
  assert.deepEqual(parseSkaffoldConfig('metadata: hello\nprofiles: {name: x}\n').configs, [{ profiles: [], requires: [] }]);
});

test('aliases are followed where the names are, and an alias bomb costs nothing', () => {
  const anchors = parseSkaffoldConfig('common: &meta {name: shared}\nmetadata: *meta\nprofiles: [&p {name: dev}, *p, {<<: *meta}]\n');
  assert.deepEqual(anchors.configs, [{ name: 'shared', profiles: ['dev', 'dev', 'shared'], requires: [] }]);
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) {
    const prev = String.fromCharCode(96 + i);
    levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  levels.push('metadata: {name: bomb}', 'profiles: *l');
  // 10^11 profiles if the aliases were expanded: read where they are, it is one config with
  // none (the profiles are sequences, not named maps). The time it takes is in npm run bench.
  const bomb = parseSkaffoldConfig(levels.join('\n'));
  assert.deepEqual(bomb.configs, [{ name: 'bomb', profiles: [], requires: [] }]);
});

test('huge, deep or endless input is bounded: no throw, no crash, a clear error', () => {
  // Without a bound, yaml overflows the stack, and a later regexp compilation can abort Node.
  const deepFlow = parseSkaffoldConfig(`metadata: {name: a}\n---\nx: ${'['.repeat(100_000)}`);
  assert.deepEqual(deepFlow, { configs: [], errors: ['line 3: the Skaffold config is nested more than 200 levels deep: it was not read.'] });
  const deepBlock = parseSkaffoldConfig('- '.repeat(50_000) + 'x\n');
  assert.match(deepBlock.errors.join('\n'), /nested more than 200 levels deep/);
  const fairlyDeep = parseSkaffoldConfig(`a: ${'['.repeat(150)}\n---\nmetadata: {name: after}\n`);
  assert.match(fairlyDeep.errors[0], /^line 1, column 1: document 1 is nested more than 100 levels deep/);
  assert.deepEqual(moduleNames(fairlyDeep), ['after'], 'the next document is still read');
  const brackets = parseSkaffoldConfig(`# ${']'.repeat(300)}\nmetadata: {name: "${'['.repeat(300)}"}\nprofiles: [{name: dev}]\n`);
  assert.deepEqual(brackets.errors, [], 'brackets in comments and strings are not nesting');
  assert.deepEqual(profileNames(brackets), ['dev']);

  const manyDocs = parseSkaffoldConfig(Array.from({ length: 1500 }, (_, i) => `metadata: {name: m${i}}`).join('\n---\n'));
  assert.equal(manyDocs.configs.length, LIMITS.maxDocuments);
  assert.match(manyDocs.errors.join('\n'), /More than 1000 documents/);

  const manyProfiles = parseSkaffoldConfig(`profiles:\n${Array.from({ length: 1500 }, (_, i) => `  - name: p${i}`).join('\n')}\n`);
  assert.equal(manyProfiles.configs[0].profiles.length, LIMITS.maxProfiles);
  assert.match(manyProfiles.errors.join('\n'), /More than 1000 profiles/);

  const tooBig = parseSkaffoldConfig(`# ${'x'.repeat(LIMITS.maxBytes)}\nmetadata: {name: a}\n`);
  assert.deepEqual(tooBig.configs, []);
  assert.match(tooBig.errors[0], /larger than 512 KiB/);

  const manyErrors = parseSkaffoldConfig(Array.from({ length: 500 }, () => 'a: [').join('\n---\n'));
  assert.ok(manyErrors.errors.length <= LIMITS.maxErrors);

  const binary = parseSkaffoldConfig(String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 65536)));
  assert.ok(Array.isArray(binary.errors) && Array.isArray(binary.configs));
});
