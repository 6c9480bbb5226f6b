/**
 * Skaffold's failures placed where the code is: each rule on the fixture projects (the line a
 * user would see the squiggle on), cleared when the state shows success, warnings for what is
 * wrong while a rollout still waits, and untrusted or odd input that must not throw.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { ConfigIndex, indexSkaffoldProject } from '../../src/skaffold/project/configLocations';
import { initialState, SessionState } from '../../src/skaffold/state/model';
import { computeProblems, isTransientStatusCode, locateResource, parseResourceName, Problem } from '../../src/skaffold/project/problems';
import { oneLine, UNSAFE_CHARACTER, Width } from '../../src/skaffold/base/text';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { reduce } from '../../src/skaffold/state/reducer';
import { diskFiles, FIXTURES, memoryFiles } from '../fixtures/problems/files';
import { entry, ev, iteration } from './helpers';
import { arb, DEFAULT_SEED } from './arbitraries';

let single: ConfigIndex;
let multi: ConfigIndex;

before(async () => {
  single = await indexSkaffoldProject(path.join(FIXTURES, 'single', 'skaffold.yaml'), diskFiles());
  multi = await indexSkaffoldProject(path.join(FIXTURES, 'multi', 'skaffold.yaml'), diskFiles());
});

function run(entries: LogEntry[], from: SessionState = initialState()): SessionState {
  return entries.reduce((s, e) => reduce(s, e).state, from);
}

/** Where a problem shows: the file (relative to the fixtures), the 1-based line, and the text it underlines. */
function where(p: Problem): [string, number, string] {
  const text = fs.readFileSync(p.file, 'utf8').split(/\r?\n/)[p.range.startLine];
  return [path.relative(FIXTURES, p.file).split(path.sep).join('/'), p.range.startLine + 1, text.slice(p.range.startCharacter, p.range.endCharacter)];
}

const buildFailed = (artifact: string, message: string, errCode = 'BUILD_UNKNOWN') => [
  ev.devLoop(0, 'In Progress'),
  ev.build(artifact, 'In Progress'),
  ev.build(artifact, 'Failed', message, errCode),
  ev.devLoop(0, 'Failed', { errCode, message: `build [${artifact}] failed: ${message}` }),
];

const resourceEvent = (resource: string, status: string, message: string, statusCode: string, suggestions: { suggestionCode?: string; action: string }[] = []) =>
  entry({ resourceStatusCheckEvent: { resource, status, message, statusCode, actionableErr: { errCode: statusCode, message, suggestions } } });

test('a failed build: on the artifact\'s image line, with Skaffold\'s message, code and suggestions; no dev-loop duplicate', () => {
  const state = run(buildFailed('example/app', 'building custom artifact: exit status 1'));
  const problems = computeProblems(state, single);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  const [p] = problems;
  assert.deepEqual(where(p), ['single/skaffold.yaml', 8, 'example/app']);
  assert.equal(p.message, 'example/app: building custom artifact: exit status 1');
  assert.equal(p.severity, 'error');
  assert.equal(p.code, 'BUILD_UNKNOWN');
  assert.equal(p.phase, 'build');
  assert.equal(p.subject, 'example/app');
  assert.deepEqual(p.suggestions, [{ code: 'FIX_USER_BUILD_ERR', action: 'Fix the Dockerfile' }]);
  assert.equal(p.configFile, p.file);
});

test('a build failure stays through an iteration that did not rebuild it and while it rebuilds, and goes when it builds', () => {
  let state = run(buildFailed('example/app', 'exit status 1'));
  // The next iteration builds only the worker: example/app is reset to Not Started.
  state = run([ev.devLoop(1, 'In Progress'), ev.build('example/worker', 'In Progress'), ev.build('example/worker', 'Complete')], state);
  assert.equal(state.artifacts.get('example/app')?.status, 'Not Started');
  assert.deepEqual(computeProblems(state, single).map((p) => [where(p)[2], p.message]), [['example/app', 'example/app: exit status 1']]);
  state = run([ev.build('example/app', 'In Progress')], state);
  assert.deepEqual(computeProblems(state, single).map((p) => where(p)[2]), ['example/app'], 'still failed while it rebuilds');
  state = run([ev.build('example/app', 'Complete'), ev.deploy('In Progress'), ev.deploy('Complete'), ev.devLoop(1, 'Succeeded')], state);
  assert.deepEqual(computeProblems(state, single), []);
});

test('an artifact declared in several configs shows in each; a top-level declaration wins over a profile\'s', () => {
  const state = run(buildFailed('example/web', 'exit status 2'));
  assert.deepEqual(computeProblems(state, multi).map(where), [
    ['multi/skaffold.yaml', 9, 'example/web'],
    ['multi/shared/common.yaml', 9, 'example/web'],
  ], 'not the line in the "debug" profile');
});

test('an artifact only profiles declare shows there; the active profiles are preferred when given', async () => {
  const sidecar = computeProblems(run(buildFailed('example/debug-sidecar', 'no such file')), multi);
  assert.deepEqual(sidecar.map(where), [['multi/skaffold.yaml', 36, 'example/debug-sidecar']]);
  const canary = computeProblems(run(buildFailed('example/canary', 'no such file')), multi);
  assert.deepEqual(canary.map(where), [['multi/skaffold.yaml', 45, 'example/canary']], 'added by a profile patch');

  const file = path.join('/p', 'skaffold.yaml');
  const index = await indexSkaffoldProject(file, memoryFiles({
    [file]: 'profiles:\n  - name: dev\n    build: {artifacts: [{image: img}]}\n  - name: prod\n    build: {artifacts: [{image: img}]}\n',
  }));
  const state = run(buildFailed('img', 'exit status 1'));
  assert.deepEqual(computeProblems(state, index).map((p) => p.range.startLine), [2, 4], 'no active profile known: every profile');
  assert.deepEqual(computeProblems(state, index, { activeProfiles: ['prod'] }).map((p) => p.range.startLine), [4]);
});

test('a build failure not placeable anywhere goes to the root config\'s first line, with its subject', () => {
  const [p, ...rest] = computeProblems(run(buildFailed('example/elsewhere', 'exit status 1')), single);
  assert.deepEqual(rest, []);
  assert.deepEqual(where(p), ['single/skaffold.yaml', 2, 'apiVersion: skaffold/v4beta6']);
  assert.equal(p.message, 'example/elsewhere: exit status 1');
});

test('a failed file sync: the artifact\'s sync key, else its image line; gone when a sync succeeds', () => {
  const sync = (status: string, image: string) => entry({ fileSyncEvent: { status, image, fileCount: 1, ...(status === 'Failed' ? { err: 'copying files: exit status 1', actionableErr: { errCode: 'SYNC_UNKNOWN', message: 'copying files: exit status 1' } } : {}) } });
  const state = run([...iteration(0, ['example/app', 'example/worker']), ev.devLoop(1, 'In Progress'), sync('In Progress', 'example/app'), sync('Failed', 'example/app')]);
  const [p, ...rest] = computeProblems(state, single);
  assert.deepEqual(rest, []);
  assert.deepEqual(where(p), ['single/skaffold.yaml', 10, 'sync']);
  assert.equal(p.message, 'example/app: copying files: exit status 1');
  assert.equal(p.phase, 'sync');
  assert.equal(p.code, 'SYNC_UNKNOWN');
  const worker = computeProblems(run([sync('Failed', 'example/worker')], state), single);
  assert.deepEqual(worker.map(where), [['single/skaffold.yaml', 14, 'example/worker']], 'no sync key: the image line');
  assert.deepEqual(computeProblems(run([sync('In Progress', 'example/app'), sync('Succeeded', 'example/app')], state), single), []);
});

test('a failed resource: the manifest object that declares it, not another kind of the same name', () => {
  const state = run([
    ...iteration(0, ['example/app']).slice(0, 5),
    resourceEvent('deployment/app', 'Failed', 'deployment app failed: 0 of 1 replicas available', 'STATUSCHECK_DEADLINE_EXCEEDED', [{ suggestionCode: 'CHECK_CONTAINER_LOGS', action: 'Check the logs' }]),
  ]);
  const [p, ...rest] = computeProblems(state, single);
  assert.deepEqual(rest, []);
  assert.deepEqual(where(p), ['single/k8s/app.yaml', 15, 'app'], 'the Deployment, not the Service above it');
  assert.equal(p.message, 'deployment/app: deployment app failed: 0 of 1 replicas available');
  assert.equal(p.phase, 'statusCheck');
  assert.equal(p.subject, 'deployment/app');
  assert.equal(p.code, 'STATUSCHECK_DEADLINE_EXCEEDED');
  assert.equal(p.configFile, path.join(FIXTURES, 'single', 'skaffold.yaml'), 'the config that lists the manifest');
});

test('a pod\'s problem goes to what owns it, from the suffixes Kubernetes adds to pod names', () => {
  const owners: [string, string][] = [
    ['Pod/app-c6b3a40544-4cf5b', 'Deployment app'],
    ['pod/worker-5f7d8c9b6-abcde', 'Deployment worker'],
    ['{Pod:data/db-0}', 'StatefulSet db'],
    ['Pod/agent-x7k2p', 'DaemonSet agent'],
    ['Pod/migrate-q9z8w', 'Job migrate'],
    ['Pod/debug-shell', 'Pod debug-shell'],
  ];
  for (const [pod, owner] of owners) {
    const found = locateResource(single, pod).map((o) => `${o.kind} ${o.name}`);
    assert.deepEqual(found, [owner], pod);
    const state = run([resourceEvent(pod, 'Failed', 'container is waiting to start: image can\'t be pulled', 'STATUSCHECK_IMAGE_PULL_ERR')]);
    const [p] = computeProblems(state, single);
    assert.equal(where(p)[2], owner.split(' ')[1], pod);
    assert.equal(p.message, `${pod}: container is waiting to start: image can't be pulled`);
  }
  assert.deepEqual(locateResource(single, 'Pod/nothing-like-it-12345'), []);
});

test('namespaces: Skaffold\'s ns:kind/name must agree with the manifest\'s namespace when both have one', () => {
  const at = (resource: string) => locateResource(multi, resource).map((o) => `${path.relative(FIXTURES, o.file).split(path.sep).join('/')} ${o.namespace ?? '-'}`);
  assert.deepEqual(at('deployment/web'), ['multi/k8s/web-deployment.yaml -'], 'no namespace in the name: the default one');
  assert.deepEqual(at('staging:deployment/web'), ['multi/k8s/staging/web.yaml staging']);
  assert.deepEqual(at('{Pod:staging/web-6d4b75cb6d-x2x4k}'), ['multi/k8s/staging/web.yaml staging']);
  assert.deepEqual(at('backend:deployment/api'), ['multi/api/k8s/api.yaml backend']);
  assert.deepEqual(at('deployment/api'), ['multi/api/k8s/api.yaml backend'], 'the only candidate, from a Skaffold that left the namespace out');
  assert.deepEqual(at('other:deployment/api'), []);
  assert.deepEqual(at('statefulset/db'), ['multi/services/db/statefulset.yaml -'], 'in a required config');

  const state = run([resourceEvent('other:deployment/api', 'Failed', 'rollout failed', 'STATUSCHECK_UNKNOWN')]);
  assert.deepEqual(computeProblems(state, multi).map(where), [['multi/skaffold.yaml', 11, 'manifests']], 'not found: the root\'s manifests key');
  const db = computeProblems(run([resourceEvent('statefulset/db', 'Failed', 'rollout failed', 'STATUSCHECK_UNKNOWN')]), multi)[0];
  assert.equal(db.configFile, path.join(FIXTURES, 'multi', 'services', 'skaffold.yaml'));
});

test('still In Progress: a warning for what will not fix itself, nothing for the steps of a normal rollout', () => {
  const base = iteration(0, ['example/app']).slice(0, 5);
  const pulling = run([...base, resourceEvent('deployment/app', 'In Progress', 'container app is waiting to start: example/app can\'t be pulled', 'STATUSCHECK_IMAGE_PULL_ERR')]);
  const [w, ...rest] = computeProblems(pulling, single);
  assert.deepEqual(rest, []);
  assert.equal(w.severity, 'warning');
  assert.deepEqual(where(w), ['single/k8s/app.yaml', 15, 'app']);
  assert.equal(w.code, 'STATUSCHECK_IMAGE_PULL_ERR');
  for (const code of ['STATUSCHECK_CONTAINER_CREATING', 'STATUSCHECK_POD_INITIALIZING', 'STATUSCHECK_DEPLOYMENT_ROLLOUT_PENDING', 'STATUSCHECK_SUCCESS']) {
    const state = run([...base, resourceEvent('deployment/app', 'In Progress', 'waiting for rollout to finish: 0 of 1 updated replicas are available...', code)]);
    assert.deepEqual(computeProblems(state, single), [], code);
  }
  // The recorded progress note: "creating container app" on the pod.
  assert.deepEqual(computeProblems(run(iteration(0, ['example/app'])), single), [], 'a whole successful iteration: no problem');
  // And the warning becomes an error at the deadline, in the same place, once.
  const failed = run([resourceEvent('deployment/app', 'Failed', 'container app is waiting to start: example/app can\'t be pulled', 'STATUSCHECK_IMAGE_PULL_ERR')], pulling);
  assert.deepEqual(computeProblems(failed, single).map((p) => [p.severity, where(p)[2]]), [['error', 'app']]);
});

test('which codes are part of a normal rollout', () => {
  for (const code of [undefined, '', 'OK', 'STATUSCHECK_SUCCESS', 'STATUSCHECK_CONTAINER_CREATING', 'STATUSCHECK_POD_INITIALIZING', 'STATUSCHECK_DEPLOYMENT_ROLLOUT_PENDING',
    'STATUSCHECK_STANDALONE_PODS_PENDING', 'STATUSCHECK_CONFIG_CONNECTOR_IN_PROGRESS', 'STATUSCHECK_CUSTOM_RESOURCE_IN_PROGRESS', 'STATUSCHECK_USER_CANCELLED', '4711', 'STATUSCHECK_SOMETHING_NEW_IN_PROGRESS']) {
    assert.equal(isTransientStatusCode(code), true, String(code));
  }
  for (const code of ['STATUSCHECK_IMAGE_PULL_ERR', 'STATUSCHECK_CONTAINER_RESTARTING', 'STATUSCHECK_RUN_CONTAINER_ERR', 'STATUSCHECK_CONTAINER_TERMINATED', 'STATUSCHECK_UNHEALTHY',
    'STATUSCHECK_CONTAINER_WAITING_UNKNOWN', 'STATUSCHECK_FAILED_SCHEDULING', 'STATUSCHECK_NODE_DISK_PRESSURE', 'STATUSCHECK_KUBECTL_CONNECTION_ERR', 'STATUSCHECK_UNKNOWN', 'STATUSCHECK_DEADLINE_EXCEEDED']) {
    assert.equal(isTransientStatusCode(code), false, code);
  }
});

test('a pod and its deployment saying the same thing are one problem, on the deployment', () => {
  const message = 'container app is waiting to start: example/app can\'t be pulled';
  const state = run([
    resourceEvent('Pod/app-c6b3a40544-4cf5b', 'Failed', message, 'STATUSCHECK_IMAGE_PULL_ERR'),
    resourceEvent('deployment/app', 'Failed', message, 'STATUSCHECK_IMAGE_PULL_ERR'),
  ]);
  assert.deepEqual(computeProblems(state, single).map((p) => [p.subject, p.message]), [['deployment/app', `deployment/app: ${message}`]]);
  // Two workloads that fail alike, both placed on the manifests key (not found): both shown.
  const two = run([
    resourceEvent('deployment/gone-a', 'Failed', 'rollout failed', 'STATUSCHECK_UNKNOWN'),
    resourceEvent('deployment/gone-b', 'Failed', 'rollout failed', 'STATUSCHECK_UNKNOWN'),
  ]);
  assert.deepEqual(computeProblems(two, single).map((p) => [where(p)[2], p.message]), [
    ['manifests', 'deployment/gone-a: rollout failed'],
    ['manifests', 'deployment/gone-b: rollout failed'],
  ]);
});

test('a failed deploy: the root config\'s deploy key (manifests key for a manifest error); gone when a deploy completes', () => {
  const failed = run([...iteration(0, ['example/app']).slice(0, 4), ev.deploy('Failed', 'kubectl apply: error validating data')]);
  const [p, ...rest] = computeProblems(failed, single);
  assert.deepEqual(rest, []);
  assert.deepEqual(where(p), ['single/skaffold.yaml', 19, 'deploy']);
  assert.equal(p.message, 'kubectl apply: error validating data', 'a whole phase: no subject');
  assert.equal(p.code, 'DEPLOY_KUBECTL_USER_ERR');
  const manifestError = run([entry({ deployEvent: { status: 'Failed', actionableErr: { errCode: 'DEPLOY_READ_MANIFEST_ERR', message: 'reading manifests: no such file' } } })]);
  assert.deepEqual(computeProblems(manifestError, single).map(where), [['single/skaffold.yaml', 16, 'manifests']]);
  assert.deepEqual(computeProblems(run(iteration(1, ['example/app']), failed), single), []);
  // Several root configs: the first with a deploy key.
  assert.deepEqual(computeProblems(run([ev.deploy('Failed', 'boom')]), multi).map(where), [['multi/skaffold.yaml', 15, 'deploy']]);
});

test('a deploy that failed only because resources did is not said twice', () => {
  const state = run([
    ev.deploy('In Progress'),
    resourceEvent('deployment/app', 'Failed', 'crash loop', 'STATUSCHECK_CONTAINER_RESTARTING'),
    entry({ statusCheckEvent: { status: 'Failed', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_RESTARTING', message: '1/1 deployment(s) failed' } } }),
    entry({ deployEvent: { status: 'Failed', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_RESTARTING', message: '1/1 deployment(s) failed' } } }),
    ev.devLoop(0, 'Failed', { errCode: 'STATUSCHECK_CONTAINER_RESTARTING', message: '1/1 deployment(s) failed' }),
  ]);
  assert.deepEqual(computeProblems(state, single).map((p) => [p.phase, where(p)[2]]), [['statusCheck', 'app']]);
});

test('dev-loop and status-check failures only when nothing more specific shows, on the root config\'s first line', () => {
  const devLoop = run([ev.devLoop(0, 'In Progress'), ev.devLoop(0, 'Failed', { errCode: 'DEVINIT_REGISTER_BUILD_DEPS', message: 'watching files: too many open files' })]);
  const [p, ...rest] = computeProblems(devLoop, single);
  assert.deepEqual(rest, []);
  assert.deepEqual(where(p), ['single/skaffold.yaml', 2, 'apiVersion: skaffold/v4beta6']);
  assert.equal(p.message, 'watching files: too many open files');
  assert.equal(p.phase, 'devLoop');
  assert.equal(p.code, 'DEVINIT_REGISTER_BUILD_DEPS');
  assert.deepEqual(computeProblems(run([ev.devLoop(1, 'In Progress')], devLoop), single), [], 'the next iteration clears it');

  const statusCheck = run([entry({ statusCheckEvent: { status: 'Failed', actionableErr: { errCode: 'STATUSCHECK_KUBECTL_CONNECTION_ERR', message: 'kubectl connection error' } } })]);
  assert.deepEqual(computeProblems(statusCheck, single).map((x) => [x.phase, where(x)[1], x.message]), [['statusCheck', 2, 'kubectl connection error']]);
  const noWords = run([ev.devLoop(0, 'Failed')]);
  assert.deepEqual(computeProblems(noWords, single).map((x) => x.message), ['The dev loop failed.']);
});

test('server text is made single-line and bounded; a subject already in the message is not repeated', () => {
  const nasty = `\u001b[31mfailed\u001b[0m:\nline two\r\n\ttabbed \u202eevil\u0000 ${'x'.repeat(100_000)}`;
  const state = run([entry({ buildEvent: { artifact: 'example/app', status: 'Failed', actionableErr: { errCode: 'BUILD_USER_ERROR', message: nasty, suggestions: Array.from({ length: 50 }, (_, i) => ({ suggestionCode: 'FIX_USER_BUILD_ERR', action: `fix ${i}\n${'y'.repeat(5000)}` })) } } })]);
  const [p] = computeProblems(state, single, { maxMessageLength: 200 });
  assert.ok(p.message.length <= 200, String(p.message.length));
  assert.ok(p.message.startsWith('example/app: failed: line two tabbed evil x'), p.message);
  assert.ok(p.message.endsWith('…'));
  assert.doesNotMatch(p.message, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.equal(p.suggestions.length, 10);
  assert.ok(p.suggestions.every((s) => s.action.length <= 500 && !/\n/.test(s.action)));

  const prefixed = run(buildFailed('example/app', 'example/app: exit status 1'));
  assert.equal(computeProblems(prefixed, single)[0].message, 'example/app: exit status 1');
  assert.equal(oneLine('a\u2028b\u0085c  \n d', 100), 'a b c d');
  assert.equal(oneLine(`${'a'.repeat(9)}\ud83d\ude00`, 10), `${'a'.repeat(9)}…`, 'never half a surrogate pair');
});

test('identical problems once: the same declaration indexed twice gives one problem', () => {
  const twice: ConfigIndex = { ...single, artifacts: [...single.artifacts, ...single.artifacts] };
  assert.equal(computeProblems(run(buildFailed('example/app', 'exit status 1')), twice).length, 1);
});

test('at most maxProblems problems', () => {
  const entries = Array.from({ length: 50 }, (_, i) => ev.build(`img-${i}`, 'Failed', 'exit status 1'));
  assert.equal(computeProblems(run(entries), single, { maxProblems: 7 }).length, 7);
});

test('resource names Skaffold uses are read; anything else is not a resource', () => {
  assert.deepEqual(parseResourceName('deployment/app'), { kind: 'deployment', name: 'app' });
  assert.deepEqual(parseResourceName('ns:statefulset/db'), { kind: 'statefulset', namespace: 'ns', name: 'db' });
  assert.deepEqual(parseResourceName('{Pod:ns/app-1}'), { kind: 'Pod', namespace: 'ns', name: 'app-1' });
  for (const odd of ['', 'app', 'a/b/c', '{Pod:ns/}', 'x'.repeat(5000)]) {
    assert.equal(parseResourceName(odd), undefined, String(odd).slice(0, 20));
  }
});

test('whatever Skaffold sends (through the reducer, the boundary): each problem is one bounded line, with bounded one-line suggestions', () => {
  fc.assert(fc.property(fc.array(arb.entry, { maxLength: 16 }), (entries) => {
    for (const p of computeProblems(run(entries), single)) {
      for (const text of [p.message, p.subject, ...p.suggestions.map((x) => x.action)]) {
        assert.doesNotMatch(text, UNSAFE_CHARACTER);
        assert.equal(text, text.trim());
      }
      assert.ok(p.message.length > 0 && p.message.length <= Width.message, String(p.message.length));
      assert.ok(p.suggestions.length <= 10 && p.suggestions.every((x) => x.action.length > 0 && x.action.length <= Width.detail));
      assert.ok(p.code === undefined || /^([A-Za-z][A-Za-z0-9_]{0,79}|\d{1,10})$/.test(p.code), p.code);
    }
  }), { numRuns: 300, seed: DEFAULT_SEED });
});

const recorded = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'recorded', 'build-fail-rebuild');

test('recorded session "build-fail-rebuild": the failure shows on example/app\'s line, and goes when the fix builds', async () => {
  const config = path.join('/project', 'skaffold.yaml');
  const yaml = fs.readFileSync(path.join(recorded, 'skaffold.yaml'), 'utf8');
  const index = await indexSkaffoldProject(config, memoryFiles({ [config]: yaml }));
  const events = fs.readFileSync(path.join(recorded, 'events.json'), 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const raw = JSON.parse(line) as { timestamp?: string; event?: Record<string, unknown>; entry?: string };
    const ms = Date.parse(raw.timestamp ?? '');
    return { timestamp: Number.isFinite(ms) ? { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 } : undefined, event: { ...raw.event, event_type: Object.keys(raw.event ?? {})[0] }, entry: raw.entry } as LogEntry;
  });
  let state = initialState();
  const seen: string[] = [];
  for (const e of events) {
    state = reduce(state, e).state;
    const problems = computeProblems(state, index);
    const line = problems.map((p) => `${p.range.startLine + 1} ${p.message}`).join('; ');
    if (seen[seen.length - 1] !== line) {
      seen.push(line);
    }
  }
  assert.deepEqual(seen, ['', '9 example/app: building custom artifact: exit status 1', '']);
});
