import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import { emptyChange, initialState, MAX_NAMED_RESOURCES, SessionState, skaffoldView } from '../../src/skaffold/state/model';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { applyBatch, Ownership, reduce } from '../../src/skaffold/state/reducer';
import { parseVersion, stateFromServer } from '../../src/skaffold/state/fromProto';
import { reconcileStatuses, reconcileTriggers } from '../../src/skaffold/state/reconcile';
import { ev, entry, iteration } from './helpers';

function run(entries: LogEntry[], from: SessionState = initialState()): SessionState {
  return entries.reduce((s, e) => reduce(s, e).state, from);
}

test('a first dev loop builds every artifact, deploys, checks and forwards a port', () => {
  const s = run([ev.meta(), ...iteration(0, ['example/worker', 'example/app'])]);
  assert.equal(s.skaffoldVersion, 'v2.7.0');
  assert.deepEqual([...s.artifacts.keys()], ['example/worker', 'example/app']);
  for (const a of s.artifacts.values()) {
    assert.equal(a.status, 'Complete');
    assert.equal(a.iteration, 0);
    assert.equal(a.lastResult?.status, 'Complete');
    assert.equal(a.lastResult?.durationMs, 100, 'duration from In Progress to Complete event times');
  }
  assert.equal(s.deploy.status, 'Complete');
  assert.equal(s.statusCheck.status, 'Succeeded');
  assert.equal(s.resources.get('deployment/app')?.status, 'Succeeded');
  assert.equal(s.resources.get('Pod/app-0abc-x1')?.status, 'In Progress');
  assert.equal(s.resources.get('Pod/app-0abc-x1')?.error, undefined, 'a progress note is not an error');
  assert.equal(s.ports.get(47480)?.targetPort, 8080);
  assert.equal(s.ports.get(47480)?.resourceName, 'app');
  assert.deepEqual({ iteration: s.devLoop.iteration, status: s.devLoop.status }, { iteration: 0, status: 'Succeeded' });
});

test('every BuildEvent status from Skaffold is shown as sent, and the last result keeps its iteration', () => {
  for (const status of ['In Progress', 'Complete', 'Failed', 'Canceled']) {
    const s = run([ev.devLoop(3, 'In Progress'), ev.build('a', 'In Progress'), ...(status === 'In Progress' ? [] : [ev.build('a', status)])]);
    const a = s.artifacts.get('a')!;
    assert.equal(a.status, status);
    assert.equal(a.iteration, 3);
    if (status === 'In Progress') {
      assert.equal(a.lastResult, undefined);
      assert.ok(a.startedAt !== undefined);
    } else {
      assert.equal(a.lastResult?.status, status);
      assert.equal(a.lastResult?.iteration, 3);
    }
  }
});

test('an iteration that builds resets artifacts not rebuilt to Not Started but keeps their last result; what runs stays', () => {
  const s = run([...iteration(0, ['example/worker', 'example/app']), ev.devLoop(1, 'In Progress'), ev.build('example/app', 'In Progress')]);
  const worker = s.artifacts.get('example/worker')!;
  assert.equal(worker.status, 'Not Started');
  assert.equal(worker.lastResult?.status, 'Complete');
  assert.equal(worker.lastResult?.iteration, 0);
  assert.equal(s.artifacts.get('example/app')?.status, 'In Progress');
  assert.equal(worker.lastBuilt?.iteration, 0, 'its image from #0 is what runs');
  assert.equal(s.deploy.status, 'Not Started');
  assert.equal(s.deploy.last?.status, 'Complete', 'the last deploy is kept');
  assert.equal(s.deploy.last?.iteration, 0);
  assert.equal(s.statusCheck.status, 'Not Started');
  assert.equal(s.statusCheck.last?.status, 'Succeeded');
  assert.deepEqual([...s.resources.keys()].sort(), ['Pod/app-0abc-x1', 'deployment/app'], 'the previous deploy still runs');
  assert.deepEqual([...s.ports.keys()], [47480], 'its port-forward stays open until Skaffold redeploys');
  assert.deepEqual(skaffoldView(s), { resources: [], ports: [] }, "Skaffold's own State lists none of them");
});

test('several artifacts building in one iteration reset the state only once', () => {
  const s = run([ev.devLoop(0, 'In Progress'), ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.build('b', 'In Progress')]);
  assert.equal(s.artifacts.get('a')?.status, 'Complete');
  assert.equal(s.artifacts.get('b')?.status, 'In Progress');
});

test('Skaffold before v1.9 (no DevLoopEvent): a new build round after a deploy still resets', () => {
  const s = run([
    ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.build('b', 'In Progress'), ev.build('b', 'Complete'),
    ev.deploy('In Progress'), ev.deploy('Complete'),
    ev.build('a', 'In Progress'), ev.build('a', 'Complete'),
  ]);
  assert.equal(s.artifacts.get('b')?.status, 'Not Started');
  assert.equal(s.artifacts.get('a')?.status, 'Complete');
  assert.equal(s.devLoop.iteration, -1);
});

test('a failed build carries its error, code and suggestions; the dev loop failure too; recovery clears it', () => {
  let s = run([...iteration(0, ['a']), ev.devLoop(1, 'In Progress'), ev.build('a', 'In Progress'), ev.build('a', 'Failed', 'building custom artifact: exit status 1', 'BUILD_UNKNOWN'),
    ev.devLoop(1, 'Failed', { errCode: 'BUILD_UNKNOWN', message: 'build [a] failed', suggestions: [{ suggestionCode: 'NIL', action: 'retry' }] })]);
  const a = s.artifacts.get('a')!;
  assert.equal(a.status, 'Failed');
  assert.deepEqual(a.error, { message: 'building custom artifact: exit status 1', code: 'BUILD_UNKNOWN', suggestions: [{ action: 'Fix the Dockerfile', code: 'FIX_USER_BUILD_ERR' }] });
  assert.equal(a.lastResult?.status, 'Failed');
  assert.equal(s.devLoop.status, 'Failed');
  assert.equal(s.devLoop.error?.message, 'build [a] failed');
  assert.deepEqual(s.devLoop.error?.suggestions, [{ action: 'retry', code: undefined }]);
  s = run(iteration(2, ['a']), s);
  assert.equal(s.artifacts.get('a')?.status, 'Complete');
  assert.equal(s.artifacts.get('a')?.error, undefined);
  assert.equal(s.devLoop.error, undefined);
  assert.equal(s.devLoop.iteration, 2);
});

test('the old err field alone (Skaffold before v1.11) still gives the error message', () => {
  const s = run([entry({ buildEvent: { artifact: 'a', status: 'Failed', err: 'docker build failed' } })]);
  assert.equal(s.artifacts.get('a')?.error?.message, 'docker build failed');
  assert.equal(s.artifacts.get('a')?.error?.code, undefined);
});

test('DeployEvent statuses: In Progress resets the status check and stops ports and debug containers; resources keep their verdict; Information keeps the status', () => {
  let s = run([...iteration(0, ['a']), ev.debug('Started')]);
  assert.equal(s.debugContainers.size, 1);
  s = run([ev.deploy('In Progress')], s);
  assert.equal(s.deploy.status, 'In Progress');
  assert.equal(s.statusCheck.status, 'Not Started');
  assert.equal(s.resources.get('deployment/app')?.status, 'Succeeded', 'the workload keeps its verdict until the new check names it');
  assert.equal(s.ports.size, 0, 'Skaffold stops its port-forwards when it redeploys');
  assert.equal(s.debugContainers.size, 0);
  s = run([entry({ deployEvent: { status: 'Information', err: 'no manifests changed' } })], s);
  assert.equal(s.deploy.status, 'In Progress');
  assert.equal(s.deploy.message, 'no manifests changed');
  s = run([ev.deploy('Failed', 'kubectl apply: exit 1')], s);
  assert.equal(s.deploy.status, 'Failed');
  assert.equal(s.deploy.error?.message, 'kubectl apply: exit 1');
  assert.equal(s.deploy.error?.code, 'DEPLOY_KUBECTL_USER_ERR');
  s = run([ev.deploy('Complete')], s);
  assert.equal(s.deploy.status, 'Complete');
  assert.equal(s.deploy.error, undefined);
});

test('StatusCheckEvent and ResourceStatusCheckEvent: every status string, failures with suggestions', () => {
  for (const status of ['Started', 'In Progress', 'Succeeded', 'Failed']) {
    assert.equal(run([ev.statusCheck(status, 'waiting')]).statusCheck.status, status);
  }
  for (const status of ['In Progress', 'Succeeded', 'Failed']) {
    assert.equal(run([ev.resource('deployment/x', status)]).resources.get('deployment/x')?.status, status);
  }
  const s = run([ev.resource('deployment/app', 'Failed', 'container app is backing off waiting to restart', 'STATUSCHECK_CONTAINER_RESTARTING', true)]);
  const r = s.resources.get('deployment/app')!;
  assert.equal(r.code, 'STATUSCHECK_CONTAINER_RESTARTING');
  assert.equal(r.error?.message, 'container app is backing off waiting to restart');
  assert.deepEqual(r.error?.suggestions.map((x) => x.action), ['Check the container logs']);
});

test('FileSyncEvent statuses, counts and image', () => {
  for (const status of ['In Progress', 'Succeeded', 'Failed', 'Not Started']) {
    const s = run([ev.sync(status)]);
    assert.equal(s.fileSync.status, status);
    assert.equal(s.fileSync.fileCount, 2);
    assert.equal(s.fileSync.image, 'example/app');
  }
});

test('DevLoopEvent statuses and iterations (v1 counts from 0; a missing iteration is 0)', () => {
  for (const status of ['In Progress', 'Succeeded', 'Failed']) {
    const s = run([ev.devLoop(4, status)]);
    assert.equal(s.devLoop.status, status);
    assert.equal(s.devLoop.iteration, 4);
  }
  assert.equal(run([entry({ devLoopEvent: { status: 'In Progress' } })]).devLoop.iteration, 0);
});

test('PortEvent: target port from targetPort (int or named), else the deprecated remotePort; keyed by local port', () => {
  let s = run([ev.port(9000, 'app', 8080)]);
  assert.equal(s.ports.get(9000)?.targetPort, 8080);
  s = run([entry({ portEvent: { localPort: 9000, resourceType: 'pod', resourceName: 'web', targetPort: { type: 1, strVal: 'http' } } })], s);
  assert.equal(s.ports.size, 1, 'same local port replaces');
  assert.equal(s.ports.get(9000)?.targetPort, 'http');
  assert.equal(s.ports.get(9000)?.address, '127.0.0.1', 'address defaults to where Skaffold binds');
  s = run([entry({ portEvent: { localPort: 9001, remotePort: 5000, resourceName: 'old' } })], s);
  assert.equal(s.ports.get(9001)?.targetPort, 5000);
  s = run([entry({ portEvent: { localPort: 0 } }), entry({ portEvent: { localPort: 70000 } })], s);
  assert.equal(s.ports.size, 2, 'invalid local ports are not shown');
});

test('DebuggingContainerEvent Started adds, Terminated removes', () => {
  let s = run([ev.debug('Started', 'p1'), ev.debug('Started', 'p2')]);
  assert.equal(s.debugContainers.size, 2);
  assert.deepEqual(s.debugContainers.get('default/p1/app')?.debugPorts, { dlv: 56268 });
  s = run([ev.debug('Terminated', 'p1')], s);
  assert.deepEqual([...s.debugContainers.keys()], ['default/p2/app']);
});

test('TestEvent and TerminationEvent are recorded', () => {
  const s = run([ev.test('In Progress'), ev.test('Succeeded'), ev.termination('Completed')]);
  assert.equal(s.test.status, 'Succeeded');
  assert.equal(s.termination?.status, 'Completed');
});

test('MetaEvent: the version is read from the entry; a dev build without one leaves it unknown', () => {
  assert.equal(parseVersion('Starting Skaffold: &{Version:v1.39.2 ConfigVersion:skaffold/v2beta29}'), 'v1.39.2');
  assert.equal(parseVersion('Starting Skaffold: &{Version: ConfigVersion:skaffold/v4beta6 GitVersion:}'), undefined);
  const s = run([entry({ metaEvent: { entry: 'Starting Skaffold: &{Version:v2.24.0 ConfigVersion:x}' } })]);
  assert.equal(s.skaffoldVersion, 'v2.24.0');
  assert.match(s.skaffoldInfo ?? '', /v2\.24\.0/);
});

test('unknown event kinds and unknown status strings are kept, never thrown on', () => {
  let s = run([...iteration(0, ['a'])]);
  const before = s;
  s = run([{ timestamp: { seconds: '1', nanos: 0 }, event: {}, entry: 'something new' }], s);
  s = run([{ event: { event_type: 'skaffoldLogEvent' } as never }], s);
  assert.equal(s.unknownEvents, 2);
  assert.equal(s.artifacts, before.artifacts, 'nothing else touched');
  s = run([ev.build('a', 'Queued'), ev.deploy('Rolling'), ev.resource('deployment/app', 'Degraded')], s);
  assert.equal(s.artifacts.get('a')?.status, 'Queued');
  assert.equal(s.deploy.status, 'Rolling');
  assert.equal(s.resources.get('deployment/app')?.status, 'Degraded');
  // Unknown enum numbers (a StatusCode newer than our proto) arrive as numbers.
  s = run([entry({ buildEvent: { artifact: 'a', status: 'Failed', actionableErr: { errCode: 9999, message: 'new failure' } } })], s);
  assert.equal(s.artifacts.get('a')?.error?.code, '9999');
});

test('the reducer is pure: the input state is not modified', () => {
  const s0 = run(iteration(0, ['a', 'b']));
  const snapshot = JSON.stringify([...s0.artifacts.entries()]);
  reduce(s0, ev.devLoop(1, 'In Progress'));
  reduce(s0, ev.build('a', 'In Progress'));
  assert.equal(JSON.stringify([...s0.artifacts.entries()]), snapshot);
});

test('changes name the sections and keys touched; resets mark whole sections', () => {
  const s0 = run(iteration(0, ['a', 'b']));
  const r1 = reduce(s0, ev.resource('deployment/app', 'In Progress'));
  assert.deepEqual([...r1.change.sections], ['resources']);
  assert.deepEqual([...r1.change.resources], ['deployment/app']);
  const r2 = reduce(reduce(s0, ev.devLoop(1, 'In Progress')).state, ev.build('a', 'In Progress'));
  assert.ok(r2.change.all.has('artifacts') && r2.change.all.has('ports') && r2.change.all.has('resources'));
  assert.deepEqual([...r2.change.artifacts], ['a']);
  const r3 = reduce(s0, ev.port(47480));
  assert.deepEqual([...r3.change.ports], [47480]);
});

test('server text is bounded: a megabyte message does not end up whole in the state', () => {
  const huge = 'x'.repeat(1_000_000);
  const s = run([ev.build('a', 'Failed', huge), ev.resource(huge, 'Failed')]);
  assert.ok(s.artifacts.get('a')!.error!.message.length < 10_000);
  const [name] = s.resources.keys();
  assert.ok(name.length < 1000);
});

test('GetState seeds the state: artifacts, phases, resources, ports and auto triggers', () => {
  const s = stateFromServer({
    buildState: { artifacts: { 'example/app': 'Complete', 'example/worker': 'Not Started' }, autoTrigger: true, statusCode: 'OK' },
    deployState: { status: 'Complete', statusCode: 'DEPLOY_SUCCESS' },
    forwardedPorts: { 47480: { localPort: 47480, resourceType: 'service', resourceName: 'app', targetPort: { intVal: 8080 } } },
    statusCheckState: { status: 'Succeeded', resources: { 'deployment/app': 'Succeeded' } },
    fileSyncState: { status: 'Not Started', autoTrigger: true },
  });
  assert.equal(s.artifacts.get('example/app')?.status, 'Complete');
  assert.equal(s.artifacts.get('example/worker')?.status, 'Not Started');
  assert.deepEqual(s.autoTrigger, { build: true, sync: true, deploy: false }, 'proto3 leaves false off the wire');
  assert.equal(s.deploy.code, 'DEPLOY_SUCCESS');
  assert.equal(s.ports.get(47480)?.targetPort, 8080);
  assert.equal(s.resources.get('deployment/app')?.status, 'Succeeded');
  const empty = stateFromServer({});
  assert.equal(empty.artifacts.size, 0, 'GetState is empty until Skaffold parsed its config');
  assert.deepEqual(empty.autoTrigger, { build: undefined, sync: undefined, deploy: undefined });
});

test('reconcile: auto triggers and new artifacts come from GetState; statuses after an Execute', () => {
  const s0 = run(iteration(0, ['a']), stateFromServer({ buildState: { artifacts: { a: 'Not Started' }, autoTrigger: true } }));
  const r = reconcileTriggers(s0, { buildState: { artifacts: { a: 'Complete', b: 'Not Started' } } });
  assert.equal(r.state.autoTrigger.build, false);
  assert.ok(r.change.sections.has('autoTrigger'));
  assert.deepEqual([...r.change.artifacts], ['b']);
  assert.equal(r.state.artifacts.get('a')?.status, 'Complete', 'triggers-only reconcile leaves statuses to events');
  const r2 = reconcileStatuses(s0, { buildState: { artifacts: { a: 'Not Started' }, autoTrigger: true }, deployState: { status: 'Not Started' } });
  assert.equal(r2.state.artifacts.get('a')?.status, 'Not Started');
  assert.equal(r2.state.artifacts.get('a')?.lastResult?.status, 'Complete', 'the last result survives a reset');
  assert.equal(r2.state.deploy.status, 'Not Started');
  assert.equal(reconcileTriggers(r2.state, { buildState: { artifacts: { a: 'Not Started' }, autoTrigger: true }, deployState: {} }).change.sections.size, 0);
});

const arbitraryValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object());
const arbitraryEvent = fc.oneof(
  fc.record({ buildEvent: fc.record({ artifact: arbitraryValue, status: fc.oneof(fc.constantFrom('In Progress', 'Complete', 'Failed', 'Canceled'), fc.string()), err: arbitraryValue, actionableErr: fc.oneof(fc.constant(undefined), fc.record({ errCode: arbitraryValue, message: arbitraryValue, suggestions: fc.oneof(fc.array(fc.record({ action: arbitraryValue })), arbitraryValue) })) }, { requiredKeys: [] }) }),
  fc.record({ deployEvent: fc.record({ status: arbitraryValue, err: arbitraryValue }, { requiredKeys: [] }) }),
  fc.record({ portEvent: fc.record({ localPort: arbitraryValue, targetPort: arbitraryValue, resourceName: arbitraryValue }, { requiredKeys: [] }) }),
  fc.record({ resourceStatusCheckEvent: fc.record({ resource: arbitraryValue, status: arbitraryValue, statusCode: arbitraryValue }, { requiredKeys: [] }) }),
  fc.record({ devLoopEvent: fc.record({ iteration: arbitraryValue, status: arbitraryValue, err: arbitraryValue }, { requiredKeys: [] }) }),
  fc.record({ debuggingContainerEvent: fc.record({ status: arbitraryValue, podName: arbitraryValue, debugPorts: arbitraryValue }, { requiredKeys: [] }) }),
  fc.record({ metaEvent: fc.record({ entry: arbitraryValue }, { requiredKeys: [] }) }),
  fc.object(),
);

test('property: any sequence of malformed events never throws and keeps every map well-formed', () => {
  fc.assert(fc.property(fc.array(fc.record({ event: arbitraryEvent, entry: arbitraryValue, timestamp: fc.oneof(fc.constant(undefined), fc.record({ seconds: fc.oneof(fc.string(), fc.integer().map(String)), nanos: fc.integer() })) }, { requiredKeys: [] }), { maxLength: 30 }), (entries) => {
    const s = run(entries as unknown as LogEntry[]);
    for (const e of entries as unknown as LogEntry[]) {
      assert.equal(typeof describeEntry(e), 'string');
    }
    for (const [k, a] of s.artifacts) {
      assert.equal(typeof k, 'string');
      assert.equal(typeof a.status, 'string');
    }
    for (const [k] of s.ports) {
      assert.ok(Number.isInteger(k) && k > 0 && k < 65536);
    }
  }), { numRuns: 300 });
});

test('a rollout of many workloads whose pods came before them (first deploy): each new pod retires only its own workload\'s old pod, batched or not, in place or not', () => {
  const names = ['api', 'api-gateway', 'web', 'db'];
  const deploy = (round: number) => [
    ev.deploy('In Progress'),
    ev.statusCheck('Started'),
    // Pods first, then their workloads, as Skaffold often reports them.
    ...names.map((n) => ev.resource(`Pod/${n}-${round}f9c8d7b6-x${round}a1b`, 'In Progress', `creating container ${n}`, 'STATUSCHECK_CONTAINER_CREATING')),
    ...names.map((n) => ev.resource(`deployment/${n}`, 'Succeeded', 'Succeeded')),
    ev.statusCheck('Succeeded'),
    ev.deploy('Complete'),
  ];
  const entries = [...deploy(1), ...deploy(2)];
  const expected = names.flatMap((n) => [`Pod/${n}-2f9c8d7b6-x2a1b`, `deployment/${n}`]).sort();
  const oneByOne = run(entries);
  assert.deepEqual([...oneByOne.resources.keys()].sort(), expected, 'every workload keeps its new pod only (api-gateway\'s pods are not api\'s)');
  for (const inPlace of [false, true]) {
    for (const cut of [1, 5, 11, entries.length - 1]) {
      const own = new Ownership(inPlace);
      let s = applyBatch(initialState(), entries.slice(0, cut), emptyChange(), own);
      own.release();
      s = applyBatch(s, entries.slice(cut), emptyChange(), own);
      assert.deepEqual([...s.resources.keys()].sort(), expected, `cut at ${cut}${inPlace ? ', in place' : ''}`);
      assert.deepEqual(s.resources.get('Pod/api-2f9c8d7b6-x2a1b'), oneByOne.resources.get('Pod/api-2f9c8d7b6-x2a1b'));
    }
  }
});

test('a change naming more resources than MAX_NAMED_RESOURCES names them as a whole (the view redraws at once); up to it, by name', () => {
  const updates = (n: number) => [
    ev.deploy('In Progress'),
    ev.statusCheck('Started'),
    ...Array.from({ length: n }, (_, i) => ev.resource(`deployment/svc-${i}`, 'In Progress', 'waiting')),
  ];
  const at = applyBatch(initialState(), updates(MAX_NAMED_RESOURCES), emptyChange(), new Ownership(true));
  const upTo = emptyChange();
  applyBatch(at, Array.from({ length: MAX_NAMED_RESOURCES }, (_, i) => ev.resource(`deployment/svc-${i}`, 'Succeeded', 'ready')), upTo, new Ownership(true));
  assert.equal(upTo.resources.size, MAX_NAMED_RESOURCES);
  assert.ok(!upTo.all.has('resources'), 'each of them named');
  const past = emptyChange();
  const s = applyBatch(initialState(), updates(MAX_NAMED_RESOURCES + 1), past, new Ownership(true));
  assert.ok(past.all.has('resources'), 'the resources as a whole');
  assert.ok(past.resources.size <= MAX_NAMED_RESOURCES, 'names stop growing');
  assert.equal(s.resources.size, MAX_NAMED_RESOURCES + 1, 'the state has every one of them');
});
