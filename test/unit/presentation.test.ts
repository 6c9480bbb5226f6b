import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, SessionState } from '../../src/skaffold/model';
import { LogEntry } from '../../src/skaffold/protocol';
import { reduce } from '../../src/skaffold/reducer';
import {
  artifactDescription, formatDuration, groupResources, portLabel, portUrl, sessionDescription, statusLook, summarize,
} from '../../src/skaffold/presentation';
import { ev, iteration } from './helpers';

function run(entries: LogEntry[], from: SessionState = initialState()): SessionState {
  return entries.reduce((s, e) => reduce(s, e).state, from);
}

test('status looks: each Skaffold status has its icon; work in progress spins; unknown is neutral', () => {
  assert.equal(statusLook('Not Started').icon, 'circle-large-outline');
  assert.equal(statusLook('In Progress').icon, 'sync~spin');
  assert.equal(statusLook('Started').icon, 'sync~spin');
  assert.equal(statusLook('Complete').icon, 'pass');
  assert.equal(statusLook('Succeeded').icon, 'pass');
  assert.equal(statusLook('Failed').icon, 'error');
  assert.equal(statusLook('Failed').color, 'testing.iconFailed');
  assert.equal(statusLook('Canceled').icon, 'circle-slash');
  assert.equal(statusLook('Information').icon, 'info');
  assert.equal(statusLook('Rolling Out Somehow').icon, 'question');
});

test('durations read like a person would say them', () => {
  assert.equal(formatDuration(950), '950ms');
  assert.equal(formatDuration(12_340), '12.3s');
  assert.equal(formatDuration(65_000), '1m 05s');
  assert.equal(formatDuration(undefined), '');
  assert.equal(formatDuration(-5), '');
});

test('artifact descriptions: status and duration now; the last result with its iteration after a reset', () => {
  let s = run(iteration(0, ['a', 'b']));
  assert.equal(artifactDescription(s.artifacts.get('a')!), 'Complete · 100ms');
  s = run([ev.devLoop(1, 'In Progress'), ev.build('a', 'In Progress')], s);
  assert.equal(artifactDescription(s.artifacts.get('a')!), 'In Progress');
  assert.equal(artifactDescription(s.artifacts.get('b')!), 'Not Started · last Complete in #0 (100ms)');
});

test('status bar summary: building n/m, failed with the artifact, deploying, status check, ready, disconnected states', () => {
  let s = run([ev.devLoop(0, 'In Progress'), ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.build('b', 'In Progress')]);
  assert.deepEqual(summarize('connected', s), { kind: 'building', text: 'building 1/2', done: 1, total: 2 });
  s = run([ev.build('b', 'Failed', 'boom')], s);
  assert.equal(summarize('connected', s).kind, 'buildFailed');
  assert.equal(summarize('connected', s).text, 'b failed');
  s = run(iteration(1, ['a', 'b']).slice(0, -6), s);
  assert.equal(summarize('connected', s).text, 'status check');
  s = run([ev.statusCheck('Succeeded'), ev.deploy('Complete'), ev.devLoop(1, 'Succeeded')], s);
  assert.equal(summarize('connected', s).kind, 'ready');
  s = run([ev.devLoop(2, 'In Progress'), ev.deploy('In Progress')], s);
  assert.equal(summarize('connected', s).text, 'deploying');
  s = run([ev.statusCheck('Failed'), ev.resource('deployment/app', 'Failed', 'crash loop', 'STATUSCHECK_CONTAINER_RESTARTING', true)], s);
  assert.equal(summarize('connected', s).text, 'deployment/app failed');
  for (const status of ['disconnected', 'connecting', 'reconnecting', 'ended'] as const) {
    assert.equal(summarize(status, s).kind, status);
  }
  assert.equal(summarize('failed', s).text, 'not connected');
  assert.equal(summarize('connected', initialState()).text, 'waiting');
});

test('ports: label, and only loopback http URLs are ever produced', () => {
  const s = run([ev.port(47480, 'app', 8080)]);
  const p = s.ports.get(47480)!;
  assert.equal(portLabel(p), 'localhost:47480 → service/app:8080');
  assert.equal(portUrl(p), 'http://localhost:47480');
  assert.equal(portUrl({ ...p, address: '10.0.0.5' }), undefined);
  assert.equal(portUrl({ ...p, address: 'evil.example.com' }), undefined);
  assert.equal(portUrl({ ...p, address: '::1' }), 'http://localhost:47480');
  assert.equal(portLabel({ ...p, address: '0.0.0.0', targetPort: 'http' }), '0.0.0.0:47480 → service/app:http');
});

test('pods are grouped under the deployment that owns them; the longest owner name wins; strays stand alone', () => {
  const s = run([
    ev.resource('deployment/app', 'Succeeded'),
    ev.resource('deployment/app-api', 'In Progress'),
    ev.resource('Pod/app-api-6d8f7c9b5-x2k4q', 'In Progress'),
    ev.resource('Pod/app-c6b3a40544-4cf5b', 'Succeeded'),
    ev.resource('Pod/lonely-1', 'Failed'),
    ev.resource('statefulset/db', 'Succeeded'),
    ev.resource('Pod/db-0', 'Succeeded'),
  ]);
  const groups = groupResources(s.resources.values()).map((g) => [g.resource.name, g.children.map((c) => c.name)]);
  assert.deepEqual(groups, [
    ['deployment/app', ['Pod/app-c6b3a40544-4cf5b']],
    ['deployment/app-api', ['Pod/app-api-6d8f7c9b5-x2k4q']],
    ['statefulset/db', ['Pod/db-0']],
    ['Pod/lonely-1', []],
  ]);
});

test('session description names address, version and iteration, and the status when not live', () => {
  const s = run([ev.meta('v2.24.0'), ev.devLoop(3, 'In Progress')]);
  assert.equal(sessionDescription('127.0.0.1:50051', 'connected', s), '127.0.0.1:50051 · v2.24.0 · #3');
  assert.equal(sessionDescription('127.0.0.1:50051', 'ended', s), '127.0.0.1:50051 · v2.24.0 · #3 · ended');
  assert.equal(sessionDescription('[::1]:50051', 'connecting', initialState()), '[::1]:50051 · connecting');
});
