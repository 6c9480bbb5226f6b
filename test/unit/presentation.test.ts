import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, SessionState } from '../../src/skaffold/state/model';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { reduce } from '../../src/skaffold/state/reducer';
import {
  formatDuration, groupResources, portLabel, portUrl, sessionDescription, statusLook, summarize,
} from '../../src/skaffold/present/labels';
import { artifactRow, currentIteration, phaseRow, portRow, resourceRow } from '../../src/skaffold/present/rows';
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

test('artifact rows: this iteration\'s build, else the last one with its iteration; never "Not Started" once built', () => {
  let s = run(iteration(0, ['a', 'b']));
  const row = (name: string) => artifactRow(s.artifacts.get(name)!, currentIteration(s));
  assert.equal(row('a').description, 'built');
  assert.equal(row('a').accessible, 'a, built in 100 milliseconds');
  s = run([ev.devLoop(1, 'In Progress'), ev.build('a', 'In Progress')], s);
  assert.equal(row('a').description, 'building');
  assert.equal(row('b').description, 'up to date · #0');
  assert.equal(row('b').accessible, 'b, up to date, built in iteration 0 in 100 milliseconds');
  s = run([ev.build('a', 'Failed', 'boom'), ev.devLoop(1, 'Failed')], s);
  assert.equal(row('a').description, 'failed');
  assert.equal(row('a').error?.message, 'boom');
  assert.equal(row('a').running?.iteration, 0, 'the build of #0 still runs');
  assert.match(row('a').accessible, /build failed; still running the build from iteration 0/);
  // The next iteration resets a to Not Started: it still reads as failed, from #1, with why.
  s = run([ev.devLoop(2, 'In Progress'), ev.build('b', 'In Progress')], s);
  assert.equal(row('a').description, 'failed · #1');
  assert.equal(row('a').error?.message, 'boom');
  const fresh = run([ev.devLoop(0, 'In Progress')]);
  assert.equal(artifactRow({ name: 'c', status: 'Not Started', iteration: 0 }, currentIteration(fresh)).description, 'not built');
});

test('resource rows: workloads keep their verdict across iterations; pods under a passed workload run', () => {
  let s = run(iteration(0, ['app']));
  const row = (name: string) => {
    const owner = groupResources(s.resources.values()).find((g) => g.children.some((c) => c.name === name))?.resource;
    return resourceRow(s.resources.get(name)!, s, owner);
  };
  assert.equal(row('deployment/app').description, 'ready');
  assert.equal(row('Pod/app-0abc-x1').label, '0abc-x1', 'a pod under its workload is named by what its name adds');
  assert.equal(resourceRow(s.resources.get('Pod/app-0abc-x1')!, s).label, 'app-0abc-x1', 'a pod on its own is named without its kind');
  assert.equal(row('Pod/app-0abc-x1').description, 'running', 'Skaffold never closes the pod: its workload passed');
  assert.equal(row('Pod/app-0abc-x1').accessible, 'Pod app-0abc-x1, running');
  // A build that fails: nothing is redeployed, the workload and its pod still run.
  s = run([ev.devLoop(1, 'In Progress'), ev.build('app', 'In Progress'), ev.build('app', 'Failed', 'boom'), ev.devLoop(1, 'Failed')], s);
  assert.equal(row('deployment/app').description, 'ready · #0');
  assert.equal(row('deployment/app').accessible, 'Deployment app, ready in iteration 0');
  assert.equal(row('Pod/app-0abc-x1').description, 'running · #0');
  assert.equal(phaseRow('deploy', s.deploy, currentIteration(s)).description, 'deployed · #0');
  assert.equal(phaseRow('statusCheck', s.statusCheck, currentIteration(s)).description, 'passed · #0');
  // While a new check has not spoken yet, a pod of this deploy is starting.
  s = run([ev.devLoop(2, 'In Progress'), ev.deploy('In Progress'), ev.statusCheck('Started'), ev.resource('Pod/app-2abc-x1', 'In Progress', 'creating container app')], s);
  assert.equal(row('Pod/app-2abc-x1').description, 'starting');
  assert.equal(s.resources.has('Pod/app-0abc-x1'), false, 'the rollout replaced the old pod');
  assert.equal(phaseRow('deploy', s.deploy, currentIteration(s)).description, 'deploying');
  assert.equal(phaseRow('statusCheck', s.statusCheck, currentIteration(s)).description, 'checking');
});

test('port rows: the local address first, where it leads, and the iteration that forwarded it when earlier', () => {
  let s = run(iteration(0, ['app']));
  const p = () => portRow(s.ports.get(47480)!, currentIteration(s));
  assert.equal(p().label, 'localhost:47480');
  assert.equal(p().description, 'app:8080');
  assert.equal(p().accessible, 'Port 47480 on localhost, forwarded to service app port 8080 in namespace default');
  s = run([ev.devLoop(1, 'In Progress'), ev.build('app', 'In Progress'), ev.build('app', 'Complete'), ev.devLoop(1, 'Succeeded')], s);
  assert.equal(p().description, 'app:8080 · #0');
  assert.match(p().accessible, /, since iteration 0$/);
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

test('session description: the session\'s name (else Skaffold\'s version, else its port), the iteration, the status when not live', () => {
  const s = run([ev.meta('v2.24.0'), ev.devLoop(3, 'In Progress')]);
  assert.equal(sessionDescription({ name: 'shop', address: '127.0.0.1:50051', status: 'connected', state: s }), 'shop · #3');
  assert.equal(sessionDescription({ address: '127.0.0.1:50051', status: 'connected', state: s }), 'Skaffold v2.24.0 · #3');
  assert.equal(sessionDescription({ address: '127.0.0.1:50051', status: 'ended', state: s }), 'Skaffold v2.24.0 · #3 · ended');
  assert.equal(sessionDescription({ address: '[::1]:50051', status: 'connecting', state: initialState() }), 'port 50051 · connecting');
});
