/**
 * What each of Skaffold's suggestions lets the user do: every SuggestionCode of our proto has
 * a deliberate mapping, the actions fit the problem they are offered on, links are ours (never
 * one from the server's text), settings exist, and each phase has its always-available actions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Problem } from '../../src/skaffold/project/problems';
import { findProtoDir } from '../../src/skaffold/wire/protocol';
import { ACTION_TITLES, DOCS, problemActions, suggestionActions, SuggestionAction, SUGGESTION_ACTIONS, suggestionText } from '../../src/skaffold/project/suggestions';

const protoDir = findProtoDir(__dirname);
const enums = fs.readFileSync(path.join(protoDir, 'enums.proto'), 'utf8');
const suggestionCodes = [...(/enum SuggestionCode \{([^}]*)\}/.exec(enums)?.[1] ?? '').matchAll(/^\s*([A-Za-z0-9_]+)\s*=\s*\d+;/gm)].map((m) => m[1]);
const pkg = JSON.parse(fs.readFileSync(path.join(protoDir, '..', 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, unknown> } } };

const CONFIG = path.join('/w', 'skaffold.yaml');
const MANIFEST = path.join('/w', 'k8s', 'app.yaml');
const range = { startLine: 7, startCharacter: 13, endLine: 7, endCharacter: 24 };

function problem(phase: Problem['phase'], extra: Partial<Problem> = {}): Problem {
  const inManifest = phase === 'statusCheck';
  return {
    file: inManifest ? MANIFEST : CONFIG,
    range,
    severity: 'error',
    message: 'm',
    phase,
    subject: phase === 'build' || phase === 'sync' ? 'example/app' : phase === 'statusCheck' ? 'deployment/app' : '',
    suggestions: [],
    configFile: CONFIG,
    ...extra,
  };
}

const summary = (actions: SuggestionAction[]) => actions.map((a) => {
  switch (a.kind) {
    case 'rerun':
      return `rerun:${a.phase}`;
    case 'openSettings':
      return `settings:${a.setting}`;
    case 'openDocs':
      return `docs:${a.url}`;
    case 'openFile':
      return `file:${path.basename(a.file)}${a.range ? `@${a.range.startLine}` : ''}`;
    case 'openLogs':
      return `logs:${a.resource}`;
    case 'output':
      return `output:${a.phase}`;
  }
});

test('every SuggestionCode in proto/enums.proto has a mapping, and the table has no name the proto lacks', () => {
  assert.ok(suggestionCodes.length >= 70 && suggestionCodes.includes('CHECK_TEST_COMMAND_AND_IMAGE_NAME'), `read ${suggestionCodes.length} codes`);
  assert.deepEqual(suggestionCodes.filter((c) => !(c in SUGGESTION_ACTIONS)), [], 'codes without a mapping');
  assert.deepEqual(Object.keys(SUGGESTION_ACTIONS).filter((c) => !suggestionCodes.includes(c)), [], 'mapped names not in the proto');
});

test('each code, on a problem of each phase: at least one action, links ours, settings real, files the problem\'s own', () => {
  const settings = Object.keys(pkg.contributes.configuration.properties);
  const urls = new Set<string>(Object.values(DOCS));
  const titles = new Set<string>(Object.values(ACTION_TITLES));
  for (const code of suggestionCodes) {
    for (const phase of ['build', 'sync', 'deploy', 'statusCheck', 'devLoop'] as const) {
      const p = problem(phase);
      const actions = suggestionActions({ code, action: `Skaffold says: do this (${code})` }, p);
      assert.ok(actions.length > 0, `${code} on ${phase}`);
      for (const a of actions) {
        assert.ok(titles.has(a.title) && ACTION_TITLES[a.titleId] === a.title, `${code}: title ${a.title}`);
        assert.ok(a.title.length <= 40, a.title);
        assert.equal(a.suggestion, `Skaffold says: do this (${code})`, 'the suggestion\'s own text stays at hand');
        if (a.kind === 'openDocs') {
          assert.ok(urls.has(a.url), a.url);
          assert.ok(a.url.startsWith('https://skaffold.dev/docs/') || a.url === DOCS.issues, a.url);
        } else if (a.kind === 'openSettings') {
          assert.ok(settings.includes(a.setting), `${a.setting} is a contributed setting`);
        } else if (a.kind === 'openFile') {
          assert.ok(a.file === p.file || a.file === p.configFile, `${code}: ${a.file}`);
        } else if (a.kind === 'openLogs') {
          assert.equal(phase, 'statusCheck', `${code}: container logs only for a resource`);
          assert.equal(a.resource, p.subject);
        }
      }
    }
  }
});

test('container logs for a crash loop or readiness problem; on a build problem the docs instead', () => {
  const resource = problem('statusCheck');
  assert.deepEqual(summary(suggestionActions({ code: 'CHECK_CONTAINER_LOGS', action: 'Check the container logs' }, resource)), [
    'logs:deployment/app', `docs:${DOCS.statusCheck}`,
  ]);
  assert.deepEqual(summary(suggestionActions({ code: 'CHECK_READINESS_PROBE', action: 'Check the readiness probe' }, resource)), [
    'file:app.yaml@7', 'logs:deployment/app', `docs:${DOCS.statusCheck}`,
  ], 'the manifest the problem is in');
  assert.deepEqual(summary(suggestionActions({ code: 'CHECK_CONTAINER_LOGS', action: 'x' }, problem('build'))), [`docs:${DOCS.statusCheck}`]);
});

test('config fixes open the Skaffold config where the problem is; a manifest fix without a manifest opens the config', () => {
  assert.deepEqual(summary(suggestionActions({ code: 'FIX_SKAFFOLD_CONFIG_DOCKERFILE', action: 'Check the dockerfile path' }, problem('build'))), [
    'file:skaffold.yaml@7', `docs:${DOCS.docker}`,
  ]);
  assert.deepEqual(summary(suggestionActions({ code: 'CONFIG_CHECK_FILE_PATH', action: 'x' }, problem('statusCheck'))), [
    'file:skaffold.yaml', `docs:${DOCS.configs}`,
  ], 'the config of a problem placed in a manifest: opened, without the manifest\'s range');
  assert.deepEqual(summary(suggestionActions({ code: 'REMOVE_NAMESPACE_FROM_MANIFESTS', action: 'x' }, problem('deploy'))), [
    'file:skaffold.yaml@7', 'settings:skaffold.launch.args', `docs:${DOCS.cli}`,
  ]);
});

test('environment advice: run the phase again (and the page to fix it); flags: the launch arguments', () => {
  const cases: [string, Problem['phase'], string[]][] = [
    ['DOCKER_BUILD_RETRY', 'build', ['rerun:build']],
    ['CHECK_DOCKER_RUNNING', 'build', ['rerun:build', `docs:${DOCS.localBuild}`]],
    ['CHECK_CLUSTER_CONNECTION', 'deploy', ['rerun:deploy', `docs:${DOCS.kubeContext}`]],
    ['START_MINIKUBE', 'devLoop', ['rerun:devloop', `docs:${DOCS.localCluster}`]],
    ['ADD_DEFAULT_REPO', 'build', ['settings:skaffold.launch.args', `docs:${DOCS.imageRegistries}`]],
    ['BUILD_FIX_UNKNOWN_PLATFORM_FLAG', 'build', ['settings:skaffold.launch.args', `docs:${DOCS.crossPlatform}`]],
    ['CONFIG_CHECK_PROFILE_SELECTION', 'devLoop', ['settings:skaffold.launch.args', `docs:${DOCS.profiles}`]],
    ['CONFIG_FIX_API_VERSION', 'devLoop', ['file:skaffold.yaml@7', 'settings:skaffold.executable', `docs:${DOCS.install}`]],
    ['INSTALL_HELM', 'deploy', ['rerun:deploy', `docs:${DOCS.helm}`]],
  ];
  for (const [code, phase, expected] of cases) {
    assert.deepEqual(summary(suggestionActions({ code, action: 'x' }, problem(phase))), expected, code);
  }
});

test('a link in the suggestion\'s text is never the one opened; OPEN_ISSUE opens Skaffold\'s tracker as we know it', () => {
  const text = 'If above error is unexpected, please open an issue at https://evil.example/skaffold/issues/new';
  const actions = suggestionActions({ code: 'OPEN_ISSUE', action: text }, problem('build'));
  assert.deepEqual(summary(actions), [`docs:${DOCS.issues}`]);
  assert.equal(actions[0].suggestion, text, 'the text is shown, not followed');
  for (const code of [...suggestionCodes, undefined, 'NOT_A_CODE']) {
    for (const a of suggestionActions({ code, action: text }, problem('deploy'))) {
      assert.ok(!JSON.stringify({ ...a, suggestion: undefined }).includes('evil.example'), `${code}`);
    }
  }
});

test('no code, NIL, or a code we do not know: the documentation of the problem\'s phase', () => {
  for (const code of [undefined, 'NIL', 'SOME_FUTURE_CODE', '4242', 'toString', '__proto__']) {
    assert.deepEqual(summary(suggestionActions({ code, action: 'x' }, problem('sync'))), [`docs:${DOCS.fileSync}`], String(code));
  }
  assert.deepEqual(summary(suggestionActions({ action: 'x' }, problem('devLoop'))), [`docs:${DOCS.home}`]);
});

test('what every problem offers, by phase: run it again, and where to look', () => {
  assert.deepEqual(problemActions(problem('build')).map((a) => a.title), ['Rebuild', 'Show build output']);
  assert.deepEqual(summary(problemActions(problem('build'))), ['rerun:build', 'output:build']);
  assert.deepEqual(problemActions(problem('sync')).map((a) => a.title), ['Rebuild', 'Show Skaffold output']);
  assert.deepEqual(problemActions(problem('deploy')).map((a) => a.title), ['Redeploy', 'Show Skaffold output']);
  assert.deepEqual(problemActions(problem('statusCheck')).map((a) => a.title), ['Show container logs', 'Redeploy', 'Show Skaffold output']);
  assert.deepEqual(summary(problemActions(problem('statusCheck'))), ['logs:deployment/app', 'rerun:deploy', 'output:statusCheck']);
  assert.deepEqual(problemActions(problem('devLoop')).map((a) => a.title), ['Build and deploy again', 'Show Skaffold output']);
  assert.deepEqual(summary(problemActions(problem('statusCheck', { subject: '' }))), ['rerun:deploy', 'output:statusCheck'], 'no resource: no logs');
});

test('suggestion text is one line and bounded; a suggestion without a code, or with one this version does not know, still gives actions', () => {
  assert.equal(suggestionText({ action: `run\n\u001b[1mdocker\u001b[0m   prune\u202e ${'z'.repeat(10_000)}` }).slice(0, 17), 'run docker prune ');
  assert.ok(suggestionText({ action: 'z'.repeat(10_000) }).length <= 500);
  assert.equal(suggestionText(undefined), '');
  for (const s of [{ action: 'Check the pod' }, { code: 'FIX_SOMETHING_NEWER_SKAFFOLD_KNOWS', action: 'Do the new thing' }]) {
    for (const p of [problem('statusCheck'), problem('build'), problem('deploy', { subject: '' })]) {
      const actions = suggestionActions(s, p);
      assert.ok(actions.length > 0, `${s.action} on ${p.phase}`);
      assert.ok(actions.every((x) => x.title.length > 0));
    }
  }
});
