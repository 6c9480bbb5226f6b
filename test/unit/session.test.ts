/**
 * The client and the session against the fake Skaffold over real loopback gRPC: state,
 * stream, execute, auto triggers, ALREADY_EXISTS, reconnect after a restart, freeze
 * detection, replay without duplicates, coalescing, keepalive policy, and dispose.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SkaffoldClient } from '../../src/skaffold/wire/client';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import { LogEntry, loadSkaffoldPackageDefinition } from '../../src/skaffold/wire/protocol';
import { SessionOptions, SessionStatus, SkaffoldSession } from '../../src/skaffold/session/session';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import { FakeSkaffold, FakeOptions } from '../fakes/skaffoldFake';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejection'));

const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 200, settleMs: 20, coalesceMs: 20 };

async function setup(fakeOpts: FakeOptions = {}, sessionOpts: Partial<SessionOptions> = {}) {
  const fake = await FakeSkaffold.start({ stepMs: 2, ...fakeOpts });
  const session = new SkaffoldSession({ address: fake.address, ...FAST, ...sessionOpts });
  return {
    fake,
    session,
    async done() {
      session.dispose();
      await fake.stop();
    },
  };
}

function until(session: SkaffoldSession, predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (predicate()) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { subs.forEach((s) => s.dispose()); reject(new Error(`timed out waiting for ${what} (status ${session.status}, ${session.lastError?.message ?? 'no error'})`)); }, timeoutMs);
    const check = () => {
      if (predicate()) {
        clearTimeout(timer);
        subs.forEach((s) => s.dispose());
        resolve();
      }
    };
    const subs = [session.onDidChangeState(check), session.onDidChangeStatus(check)];
  });
}

const status = (session: SkaffoldSession, s: SessionStatus) => until(session, () => session.status === s, `status ${s}`);

test('connects, replays the history and shows the first dev loop as Skaffold reports it', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    assert.equal(t.session.status, 'connecting');
    await until(t.session, () => t.session.state.ports.size === 1, 'the forwarded port');
    const s = t.session.state;
    assert.equal(t.session.status, 'connected');
    assert.equal(s.skaffoldVersion, 'v2.7.0');
    assert.deepEqual([...s.artifacts.values()].map((a) => [a.name, a.status]), [['example/app', 'Complete'], ['example/worker', 'Complete']]);
    assert.equal(s.deploy.status, 'Complete');
    assert.equal(s.statusCheck.status, 'Succeeded');
    assert.equal(s.resources.get('deployment/app')?.status, 'Succeeded');
    assert.equal(s.ports.get(47480)?.resourceName, 'app');
    assert.equal(s.devLoop.iteration, 0);
    assert.deepEqual(s.autoTrigger, { build: true, sync: true, deploy: true }, 'auto triggers come from GetState');
    assert.equal(t.session.logRecords.length, t.fake.history.length);
  } finally {
    await t.done();
  }
});

test('live events stream in: a file change rebuilds one artifact, the other goes back to Not Started', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    const changed = new Set<string>();
    const sub = t.session.onDidChangeState((c) => c.artifacts.forEach((a) => changed.add(a)));
    await t.fake.changeFile('example/app');
    await until(t.session, () => t.session.state.devLoop.iteration === 1 && t.session.state.devLoop.status === 'Succeeded', 'iteration 1');
    sub.dispose();
    const s = t.session.state;
    assert.equal(s.artifacts.get('example/app')?.status, 'Complete');
    assert.equal(s.artifacts.get('example/app')?.lastResult?.iteration, 1);
    assert.equal(s.artifacts.get('example/worker')?.status, 'Not Started');
    assert.equal(s.artifacts.get('example/worker')?.lastResult?.iteration, 0, 'the last result and its iteration stay');
    assert.ok(changed.has('example/app'));
  } finally {
    await t.done();
  }
});

test('a failed build is shown with its error and suggestions, and the next change recovers', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    t.fake.failNextBuild('example/app');
    await t.fake.changeFile('example/app');
    await until(t.session, () => t.session.state.devLoop.status === 'Failed', 'the failure');
    const app = t.session.state.artifacts.get('example/app')!;
    assert.equal(app.status, 'Failed');
    assert.equal(app.error?.code, 'BUILD_UNKNOWN');
    assert.match(app.error?.suggestions[0]?.action ?? '', /skaffold build/);
    await t.fake.changeFile('example/app');
    await until(t.session, () => t.session.state.devLoop.status === 'Succeeded' && t.session.state.devLoop.iteration === 2, 'recovery');
    assert.equal(t.session.state.artifacts.get('example/app')?.error, undefined);
  } finally {
    await t.done();
  }
});

test('manual mode: Execute builds what changed, deploy deploys; with auto on Skaffold does nothing', async () => {
  const t = await setup({ autoBuild: false, autoDeploy: false, autoSync: false });
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    assert.deepEqual(t.session.state.autoTrigger, { build: false, sync: false, deploy: false });
    await t.fake.changeFile('example/app');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.session.state.devLoop.iteration, 0, 'auto build off: no build on a change');
    await t.session.execute({ build: true });
    assert.deepEqual(t.fake.calls.filter((c) => c.method === 'Execute').map((c) => c.request), [{ intent: { build: true } }]);
    await until(t.session, () => t.session.state.devLoop.iteration === 1 && t.session.state.devLoop.status === 'Succeeded', 'the manual build');
    assert.equal(t.session.state.artifacts.get('example/app')?.status, 'Complete');
    assert.equal(t.session.state.deploy.status, 'Not Started', 'build only: deploy was reset and waits');
    await t.session.execute({ deploy: true });
    await until(t.session, () => t.session.state.deploy.status === 'Complete', 'the manual deploy');
  } finally {
    await t.done();
  }
});

test('build and deploy in one intent are sent as two calls, build first', async () => {
  const t = await setup({ autoBuild: false, autoDeploy: false });
  try {
    t.session.connect();
    await status(t.session, 'connected');
    await t.session.execute({ deploy: true, build: true });
    assert.deepEqual(t.fake.calls.filter((c) => c.method === 'Execute').map((c) => c.request), [{ intent: { build: true } }, { intent: { deploy: true } }]);
  } finally {
    await t.done();
  }
});

test('auto triggers flip and are read back; setting the current value is not an error for the user', async () => {
  const t = await setup();
  try {
    t.session.connect();
    await until(t.session, () => t.session.state.autoTrigger.build === true, 'the state shown');
    assert.equal(await t.session.setAutoTrigger('build', false), false);
    assert.equal(t.session.state.autoTrigger.build, false);
    assert.equal((await t.fake.state).buildState?.autoTrigger, false);
    assert.equal(await t.session.setAutoTrigger('build', false), false, 'ALREADY_EXISTS means it already holds');
    assert.equal(await t.session.setAutoTrigger('deploy', false), false);
    assert.equal(await t.session.setAutoTrigger('sync', false), false);
    assert.equal(await t.session.setAutoTrigger('build', true), true);
    assert.deepEqual(t.fake.calls.filter((c) => c.method.startsWith('Auto')).map((c) => [c.method, c.code]), [
      ['AutoBuild', grpc.status.OK], ['AutoBuild', grpc.status.ALREADY_EXISTS], ['AutoDeploy', grpc.status.OK], ['AutoSync', grpc.status.OK], ['AutoBuild', grpc.status.OK],
    ]);
  } finally {
    await t.done();
  }
});

test('the client reports ALREADY_EXISTS and INVALID_ARGUMENT as rejected, with the gRPC code', async () => {
  const fake = await FakeSkaffold.start();
  const client = new SkaffoldClient(fake.address);
  try {
    const err = await client.setAutoTrigger('build', true).catch((e: unknown) => e);
    assert.ok(err instanceof SkaffoldError);
    assert.equal(err.kind, 'rejected');
    assert.equal(err.code, grpc.status.ALREADY_EXISTS);
    assert.match(err.message, /already has that setting/);
    const bad = await client.execute(undefined as never).catch((e: unknown) => e);
    assert.ok(bad instanceof SkaffoldError && bad.kind === 'rejected' && bad.code === grpc.status.INVALID_ARGUMENT);
    await assert.rejects(client.handle({ terminationEvent: { status: 'Completed' } }), /TerminationEvent/);
    await client.handle({ metaEvent: { entry: 'hello from a custom builder' } });
    assert.equal(fake.history.at(-1)?.event?.metaEvent?.entry, 'hello from a custom builder');
  } finally {
    client.dispose();
    await fake.stop();
  }
});

test('Skaffold exits: the session shows ended and keeps the state; a restarted Skaffold is picked up', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    await t.fake.stop();
    await status(t.session, 'ended');
    assert.equal(t.session.lastError?.kind, 'ended');
    assert.equal(t.session.state.artifacts.get('example/app')?.status, 'Complete', 'nothing shown is lost');
    const logged = t.session.logRecords.length;
    await t.fake.restart();
    const listening = Date.now();
    await status(t.session, 'connected');
    const pickedUpMs = Date.now() - listening;
    assert.ok(pickedUpMs < 1500, `picked up ${pickedUpMs} ms after listening (backoff capped at 200 ms here)`);
    await t.fake.runDevLoop();
    await until(t.session, () => t.session.state.ports.size === 1 && t.session.state.devLoop.status === 'Succeeded', 'the new loop');
    assert.equal(t.session.logRecords.length, logged + t.fake.history.length, 'the new process history is logged once, after the old');
  } finally {
    await t.done();
  }
});

test('a frozen Skaffold is noticed by the liveness check, and the session recovers when it thaws', async () => {
  const t = await setup({}, { livenessIntervalMs: 100, livenessTimeoutMs: 150 });
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    t.fake.freeze();
    await status(t.session, 'reconnecting');
    assert.equal(t.session.lastError?.kind, 'timeout');
    assert.match(t.session.lastError!.message, /did not answer .* in time/);
    assert.equal(t.session.state.artifacts.size, 2, 'state kept while reconnecting');
    t.fake.thaw();
    await status(t.session, 'connected');
    assert.equal(t.fake.pingStrikes, 0, 'liveness uses calls, not keepalive pings');
  } finally {
    await t.done();
  }
});

test('after a reconnect the state equals a fresh client\'s and no log entry is duplicated', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    await t.fake.changeFile('example/worker');
    t.session.connect();
    await until(t.session, () => t.session.state.devLoop.iteration === 1 && t.session.state.devLoop.status === 'Succeeded', 'two loops');
    const lines: string[] = [];
    const sub = t.session.onDidLog((r) => lines.push(describeEntry(r.entry)));
    t.session.reconnect();
    await status(t.session, 'connected');
    await new Promise((r) => setTimeout(r, 100));
    sub.dispose();
    assert.deepEqual(lines, [], 'the replay logged nothing twice');
    assert.equal(t.session.logRecords.length, t.fake.history.length);
    const fresh = new SkaffoldSession({ address: t.fake.address, ...FAST });
    fresh.connect();
    await until(fresh, () => fresh.state.devLoop.iteration === 1 && fresh.state.ports.size === 1, 'fresh client');
    const view = (s: SkaffoldSession) => JSON.stringify({
      a: [...s.state.artifacts.values()].map((a) => [a.name, a.status, a.lastResult?.iteration]),
      r: [...s.state.resources.entries()].map(([k, v]) => [k, v.status]),
      p: [...s.state.ports.keys()], d: s.state.deploy.status, l: s.state.devLoop,
    });
    assert.equal(view(t.session), view(fresh));
    fresh.dispose();
  } finally {
    await t.done();
  }
});

test('bursts are coalesced: one change event per window under load, at once when idle', async () => {
  const t = await setup({}, { coalesceMs: 100 });
  try {
    t.session.connect();
    await status(t.session, 'connected');
    await new Promise((r) => setTimeout(r, 150));
    let events = 0;
    const sub = t.session.onDidChangeState(() => { events++; });
    const before = Date.now();
    t.fake.emit({ timestamp: { seconds: String(Math.floor(Date.now() / 1000) + 1), nanos: 0 }, event: { buildEvent: { artifact: 'example/app', status: 'In Progress' } }, entry: '' });
    await until(t.session, () => events === 1, 'the first change');
    assert.ok(Date.now() - before < 100, 'idle: delivered without waiting for the window');
    for (let i = 0; i < 2000; i++) {
      t.fake.emit({ timestamp: { seconds: String(Math.floor(Date.now() / 1000) + 2), nanos: i }, event: { resourceStatusCheckEvent: { resource: `Pod/app-${i % 50}`, status: 'In Progress' } }, entry: '' });
    }
    await until(t.session, () => t.session.state.resources.size === 50, 'the burst');
    await new Promise((r) => setTimeout(r, 250));
    sub.dispose();
    assert.ok(events <= 6, `2001 events gave ${events} change events`);
  } finally {
    await t.done();
  }
});

test('unknown event kinds from a newer Skaffold are counted and logged, and the stream goes on', async () => {
  const t = await setup();
  try {
    t.session.connect();
    await status(t.session, 'connected');
    const now = { seconds: String(Math.floor(Date.now() / 1000) + 5), nanos: 0 };
    t.fake.emit({ timestamp: now, event: {}, entry: 'a newer kind of event' } as LogEntry);
    t.fake.emit({ timestamp: { ...now, nanos: 1 }, event: { buildEvent: { artifact: 'example/app', status: 'Queued' } }, entry: '' });
    await until(t.session, () => t.session.state.artifacts.get('example/app')?.status === 'Queued', 'the event after the unknown one');
    assert.equal(t.session.state.unknownEvents, 1);
    assert.match(describeEntry(t.session.logRecords.at(-2)!.entry), /unknown event .*a newer kind of event/);
  } finally {
    await t.done();
  }
});

test('the fake enforces grpc-go keepalive policy: a pinging client is cut off, ours is not', async () => {
  const fake = await FakeSkaffold.start({ keepaliveMinTimeMs: 1000 });
  const Ctor = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService;
  const pinger = new Ctor(fake.address, grpc.credentials.createInsecure(), { 'grpc.keepalive_time_ms': 100, 'grpc.keepalive_timeout_ms': 1000, 'grpc.keepalive_permit_without_calls': 1 }) as unknown as grpc.Client & { Events(r: object): grpc.ClientReadableStream<LogEntry> };
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  try {
    session.connect();
    const ended = await new Promise<grpc.ServiceError>((resolve) => {
      const call = pinger.Events({});
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    assert.ok([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL].includes(ended.code), `cut off with ${ended.code} ${ended.details}`);
    assert.ok(fake.goawaysSent >= 1, 'GOAWAY too_many_pings sent');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(session.status, 'connected', 'our client sends no pings and stays');
  } finally {
    pinger.close();
    session.dispose();
    await fake.stop();
  }
});

test('IPv6 loopback works: [::1]:port', async (t) => {
  let fake: FakeSkaffold;
  try {
    fake = await FakeSkaffold.start({ host: '::1' });
  } catch {
    t.skip('no IPv6 loopback on this machine');
    return;
  }
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  try {
    assert.match(fake.address, /^\[::1\]:\d+$/);
    session.connect();
    await status(session, 'connected');
    assert.equal(session.address, fake.address);
  } finally {
    session.dispose();
    await fake.stop();
  }
});

test('dispose cancels everything: no timer, socket or call keeps the process alive', async () => {
  const before = new Set(process.getActiveResourcesInfo().map((r, i) => `${r}#${i}`)).size;
  const t = await setup({}, { livenessIntervalMs: 50 });
  await t.fake.runDevLoop();
  t.session.connect();
  await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
  t.session.dispose();
  await t.fake.stop();
  await new Promise((r) => setTimeout(r, 100));
  const after = process.getActiveResourcesInfo();
  assert.ok(after.length <= before, `handles left: ${after.join(', ')}`);
  assert.equal(t.session.status, 'connected', 'dispose is silent: no status events after it');
});
