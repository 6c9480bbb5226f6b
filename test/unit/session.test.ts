/**
 * The client and the session against the fake Skaffold over real loopback gRPC: state,
 * stream, execute, auto triggers, ALREADY_EXISTS, reconnect after a restart, freeze
 * detection, replay without duplicates, coalescing, keepalive policy, and dispose.
 *
 * What depends on time (the coalescing window, the backoff steps, the liveness check) runs on
 * a clock the test moves (ManualClock): the session's timers fire only when told, so the tests
 * assert what happens in which window, never how long anything took (that is `npm run bench`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SkaffoldClient } from '../../src/skaffold/wire/client';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { SessionOptions, SessionStatus, SkaffoldSession } from '../../src/skaffold/session/session';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import { Clock, TimerHandle } from '../../src/skaffold/base/schedule';
import { ReplayAssembler } from '../../src/skaffold/session/replay';
import { emptyChange, initialState, isEmptyChange, SECTIONS } from '../../src/skaffold/state/model';
import { eventually, ev, guardUnhandledRejections, iteration, until } from './helpers';
import { FakeSkaffold, FakeOptions } from '../fakes/skaffoldFake';

guardUnhandledRejections();

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


const status = (session: SkaffoldSession, s: SessionStatus) => until(session, () => session.status === s, `status ${s}`);


/** Lets queued microtasks and immediates run (a coalesced change is delivered in a microtask). */
const turn = () => new Promise<void>((r) => setImmediate(r));

interface ManualTimer {
  due: number;
  delay: number;
  callback: () => void;
}

/**
 * A clock that moves only when told: `advance(ms)` runs the timers that fall due, in order.
 * Every timer set is recorded with its delay (`delays`), so a test reads the backoff steps.
 */
class ManualClock implements Clock {
  private time = 1_000_000;
  private readonly timers = new Set<ManualTimer>();
  readonly delays: number[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { due: this.time + ms, delay: ms, callback };
    this.timers.add(timer);
    this.delays.push(ms);
    return timer;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** The delays of the timers now pending, soonest first. */
  get pending(): number[] {
    return [...this.timers].sort((a, b) => a.due - b.due).map((t) => t.delay);
  }

  /**
   * One turn of Node's timers: runs those pending now that fall due within `ms`, not the ones
   * they set (Node runs a timer set by a timer at a later turn, after polling for I/O).
   */
  turnTimers(ms: number): void {
    const until = this.time + ms;
    for (const timer of [...this.timers].filter((t) => t.due <= until).sort((a, b) => a.due - b.due)) {
      if (this.timers.delete(timer)) {
        this.time = timer.due;
        timer.callback();
      }
    }
    this.time = until;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.timers].filter((t) => t.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!next) {
        break;
      }
      this.timers.delete(next);
      this.time = next.due;
      next.callback();
    }
    this.time = until;
  }
}

test('connects, replays the history and shows the first dev loop as Skaffold reports it', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    assert.equal(t.session.status, 'connecting');
    // The replay may be shown before all of it arrived (a quiet spell at a cold start): wait
    // for the whole history, then for the read that brought it to be applied.
    await until(t.session, () => t.session.logRecords.length === t.fake.history.length && t.session.state.ports.size === 1, 'the history and the forwarded port');
    await turn();
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
    const sent = t.fake.history.length;
    await t.fake.changeFile('example/app');
    await t.fake.idle();
    assert.equal(t.fake.history.length, sent, 'auto build off: Skaffold builds nothing on a change');
    assert.equal(t.session.state.devLoop.iteration, 0);
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
    await status(t.session, 'connected');
    await t.fake.runDevLoop();
    await until(t.session, () => t.session.state.ports.size === 1 && t.session.state.devLoop.status === 'Succeeded', 'the new loop');
    assert.equal(t.session.logRecords.length, logged + t.fake.history.length, 'the new process history is logged once, after the old');
  } finally {
    await t.done();
  }
});

test('while events keep coming, the liveness check asks GetState only every fifth time (for the auto triggers); an interval after the last event, it asks', async () => {
  const clock = new ManualClock();
  const t = await setup({}, { clock, livenessIntervalMs: 2000, livenessTimeoutMs: 150, connectTimeoutMs: 150, settleMs: 20 });
  const getStates = () => t.fake.calls.filter((c) => c.method === 'GetState').length;
  const emit = async (note: string) => {
    const logged = t.session.logRecords.length;
    const now = Date.now();
    t.fake.emit({ timestamp: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 }, event: { deployEvent: { status: 'Information', err: note } }, entry: '' });
    await eventually('the event', () => t.session.logRecords.length === logged + 1);
  };
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await status(t.session, 'connected');
    await eventually('the history logged', () => t.session.logRecords.length === t.fake.history.length);
    clock.advance(20); // the replay settles
    clock.advance(2000 - 20);
    await eventually('the first check (the replay came before it was armed)', () => getStates() === 2);
    await eventually('the next check armed', () => clock.pending.includes(2000));
    const asked = getStates();
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(Math.min(...clock.pending) - 500);
      await emit(`note ${i}`); // 500 ms before the check
      clock.advance(500);
      await turn();
      await eventually('the next check armed', () => clock.pending.length > 0);
      counts.push(getStates() - asked);
      if (counts[i] === 0) {
        assert.deepEqual(clock.pending, [1500], 'the next check comes an interval after the last event');
      }
    }
    assert.deepEqual(counts, [0, 0, 0, 0, 1], 'four checks after events ask nothing; the fifth asks');
    await eventually('the next check armed', () => clock.pending.includes(2000));
    clock.advance(500);
    await emit('last'); // then the stream goes quiet
    clock.advance(1500); // the check: an event came since the last one, so it waits for an interval after it
    await turn();
    assert.equal(getStates(), asked + 1, 'nothing asked yet');
    clock.advance(500); // an interval after the last event
    await eventually('a GetState once the stream is quiet for an interval', () => getStates() === asked + 2);
    assert.equal(t.session.status, 'connected');
  } finally {
    await t.done();
  }
});

test('a frozen Skaffold is noticed by the liveness check, and the session recovers when it thaws', async () => {
  const clock = new ManualClock();
  const t = await setup({}, { clock, livenessIntervalMs: 2000, livenessTimeoutMs: 150, connectTimeoutMs: 150, settleMs: 20 });
  const getStates = () => t.fake.calls.filter((c) => c.method === 'GetState').length;
  try {
    await t.fake.runDevLoop();
    t.session.connect();
    await status(t.session, 'connected');
    clock.advance(20); // the replay settles
    await until(t.session, () => t.session.state.ports.size === 1, 'first loop');
    const asked = getStates();
    clock.advance(2000 - 20 - 1); // armed when it connected, 20 ms before the replay settled
    assert.ok(clock.pending.includes(2000), 'no check before the interval is over');
    clock.advance(1);
    assert.equal(clock.pending.includes(2000), false, 'the check is due');
    await eventually('a liveness GetState once the interval is over', () => getStates() === asked + 1);
    await eventually('the answer, and the next check armed', () => clock.pending.includes(2000));
    assert.equal(t.session.status, 'connected', 'Skaffold answered');

    t.fake.freeze();
    clock.advance(2000);
    await status(t.session, 'reconnecting');
    assert.equal(t.session.lastError?.kind, 'timeout');
    assert.match(t.session.lastError!.message, /did not answer .* in time/);
    assert.equal(t.session.state.artifacts.size, 2, 'state kept while reconnecting');
    t.fake.thaw();
    while (t.session.status !== 'connected') {
      await eventually('a retry', () => clock.pending.length > 0 || t.session.status === 'connected');
      if (t.session.status !== 'connected') {
        clock.advance(Math.min(...clock.pending));
        await turn();
      }
    }
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
    // A live event after the replay: once it is logged, the whole replay was received.
    t.fake.emit({ timestamp: { seconds: String(Math.floor(Date.now() / 1000) + 1), nanos: 0 }, event: { metaEvent: { entry: 'after the replay' } }, entry: '' });
    await eventually('the live event', () => lines.length > 0);
    sub.dispose();
    assert.deepEqual(lines, [describeEntry(t.fake.history.at(-1)!)], 'the replay logged nothing twice');
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

test('a quiet spell ends the replay only when no entry was waiting to be read as it ended (a busy host is not a quiet Skaffold)', async () => {
  const clock = new ManualClock();
  const t = await setup({}, { clock, settleMs: 20, coalesceMs: 20 });
  try {
    let shown = 0;
    t.session.onDidChangeState((c) => { shown += c.all.has('artifacts') ? 1 : 0; });
    await t.fake.runDevLoop();
    t.session.connect();
    await status(t.session, 'connected');
    await eventually('the history logged', () => t.session.logRecords.length === t.fake.history.length);
    await turn();
    clock.turnTimers(20); // no entry for the settle time: one more turn decides
    const before = Math.floor(Date.now() / 1000) - 60;
    t.fake.emit({ timestamp: { seconds: String(before), nanos: 0 }, event: { deployEvent: { status: 'Information', err: 'late history' } }, entry: '' });
    await eventually('the late history entry logged', () => t.session.logRecords.length === t.fake.history.length);
    clock.turnTimers(0); // that turn: an entry came, so the replay was still arriving
    await turn();
    clock.advance(19);
    await turn();
    assert.equal(shown, 0, 'the replay is not shown while its entries still come');
    clock.advance(1); // quiet for the settle time after the late entry, and nothing came in the next turn
    await until(t.session, () => shown === 1, 'the replay shown');
    assert.equal(t.session.state.devLoop.iteration, 0, 'the whole history, as Skaffold sent it');
  } finally {
    await t.done();
  }
});

/** A live resource event (stamped after any connection of the test began). */
function live(i: number, pods = 50): LogEntry {
  return { timestamp: { seconds: String(Math.floor(Date.now() / 1000) + 2), nanos: i }, event: { resourceStatusCheckEvent: { resource: `Pod/app-${i % pods}`, status: 'In Progress' } }, entry: '' };
}

test('bursts are coalesced: at once when idle, then one change event per window however many events came', async () => {
  const clock = new ManualClock();
  const t = await setup({}, { coalesceMs: 100, settleMs: 20, clock });
  try {
    let events = 0;
    let logged = 0;
    t.session.onDidChangeState(() => { events++; });
    t.session.onDidLog(() => { logged++; });
    t.session.connect();
    await status(t.session, 'connected');
    clock.advance(20); // the (empty) replay settles and is shown
    await until(t.session, () => events === 1, 'the replay shown');
    clock.advance(100); // a quiet window: idle again

    t.fake.emit(live(0));
    await until(t.session, () => events === 2, 'the first change');
    assert.equal(t.session.state.resources.size, 1, 'idle: delivered without waiting for the window (the clock did not move)');

    for (let i = 1; i <= 2000; i++) {
      t.fake.emit(live(i));
    }
    await eventually('the burst received', () => logged === t.fake.history.length);
    await turn();
    assert.equal(t.session.state.resources.size, 50, 'the state follows every event');
    assert.equal(events, 2, 'within the window: no change event, however many events');
    clock.advance(99);
    await turn();
    assert.equal(events, 2, 'not before the window ends');
    clock.advance(1);
    await turn();
    assert.equal(events, 3, 'one change event at the end of the window, for the whole burst');
    clock.advance(1000);
    await turn();
    assert.equal(events, 3, 'nothing more to announce');
  } finally {
    await t.done();
  }
});

test('reconnect backoff: doubles from the first delay, capped; the cap is low while Skaffold was seen recently', async () => {
  const clock = new ManualClock();
  const t = await setup({}, { clock, backoffInitialMs: 20, backoffMaxMs: 100, idleBackoffMaxMs: 400, idleAfterMs: 10_000, settleMs: 20, connectTimeoutMs: 2000 });
  const attempt = async () => {
    const retry = clock.pending.at(-1)!;
    clock.advance(retry);
    await eventually('the next retry', () => clock.pending.length > 0);
    return clock.pending.at(-1)!;
  };
  try {
    await t.fake.stop(); // nothing at the address yet: the idle cap
    t.session.connect();
    await eventually('the first retry', () => clock.pending.length === 1);
    const steps = [clock.pending[0]];
    for (let i = 0; i < 6; i++) {
      steps.push(await attempt());
    }
    assert.deepEqual(steps, [20, 40, 80, 160, 320, 400, 400], 'never seen: doubles up to the idle cap');
    assert.equal(t.session.status, 'connecting');

    await t.fake.restart();
    clock.advance(clock.pending[0]);
    await status(t.session, 'connected');
    clock.advance(20); // the replay settles
    await t.fake.stop();
    await status(t.session, 'ended');
    await eventually('the first retry after the loss', () => clock.pending.includes(20));
    const seen = [20];
    for (let i = 0; i < 5; i++) {
      seen.push(await attempt());
    }
    assert.deepEqual(seen, [20, 40, 80, 100, 100, 100], 'seen a moment ago: the low cap, so a restarted Skaffold is found fast');

    clock.advance(10_000); // no Skaffold for idleAfterMs: back to polling gently
    await eventually('the next retry', () => clock.pending.length > 0);
    const idle = [clock.pending.at(-1)!];
    for (let i = 0; i < 2; i++) {
      idle.push(await attempt());
    }
    assert.deepEqual(idle, [400, 400, 400], 'not seen for idleAfterMs: the idle cap again');

    await t.fake.restart();
    clock.advance(clock.pending[0]);
    await status(t.session, 'connected');
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
  // Closes in flight land within a moment: poll for it (bounded).
  const deadline = Date.now() + 2000;
  while (process.getActiveResourcesInfo().length > before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const after = process.getActiveResourcesInfo();
  assert.ok(after.length <= before, `handles left: ${after.join(', ')}`);
  assert.equal(t.session.status, 'connected', 'dispose is silent: no status events after it');
});

// ---- the replay assembler: pure, no session, no timer ----

/** GetState of a Skaffold whose last iteration built example/app only (so example/worker is Not Started). */
const afterRebuild = {
  buildState: { artifacts: { 'example/app': 'Complete', 'example/worker': 'Not Started' }, autoTrigger: true },
  deployState: { status: 'Complete', autoTrigger: true },
  statusCheckState: { status: 'Succeeded', resources: {} },
  fileSyncState: { status: 'Not Started', autoTrigger: true },
};

test('replay: history is rebuilt apart and shown whole at the first live event', () => {
  const history = [ev.meta(), ...iteration(0, ['example/app', 'example/worker'])];
  const liveEntry = ev.port(47481);
  const r = new ReplayAssembler();
  const shown = initialState();
  r.begin(afterRebuild, entryMs(liveEntry)); // the history is before, the live entry at
  const change = emptyChange();
  assert.equal(r.apply(shown, history, change), shown, 'history: nothing shown yet');
  assert.ok(isEmptyChange(change));
  assert.equal(r.replaying, true);
  const now = r.apply(shown, [liveEntry], change);
  assert.equal(r.replaying, false);
  assert.ok(now.ports.has(47481), 'the live event applied');
  assert.equal(now.artifacts.get('example/worker')?.status, 'Complete', 'the replayed history as it is, not aligned with GetState');
  assert.deepEqual([...change.sections].sort(), [...SECTIONS].sort(), 'the whole state announced');
});

/** A replay of iteration 0 shown after a quiet spell (no live event yet), and the live event to come. */
function settledReplay(): { r: ReplayAssembler; shown: ReturnType<typeof initialState>; live: LogEntry } {
  const history = [ev.meta(), ...iteration(0, ['example/app', 'example/worker'])];
  const live = ev.devLoop(1, 'In Progress');
  const r = new ReplayAssembler();
  r.begin(afterRebuild, entryMs(live));
  const shown = r.end(r.apply(initialState(), history, emptyChange()), emptyChange(), true);
  return { r, shown, live };
}

test('replay: shown before a live event (settled, or cut short), its statuses are GetState\'s until the first live event', () => {
  const replay = settledReplay();
  const { r, live } = replay;
  let shown = replay.shown;
  assert.equal(shown.artifacts.get('example/worker')?.status, 'Not Started', 'aligned with GetState, not the status of some moment in the history');
  assert.equal(shown.devLoop.iteration, 0);
  shown = r.apply(shown, [live], emptyChange());
  assert.equal(shown.devLoop.status, 'In Progress');
  assert.equal(shown.artifacts.get('example/worker')?.status, 'Complete', 'from the first live event on, the replayed state is the state');
});

test('replay: dropped when not published; GetState answers while replaying change nothing shown', () => {
  const r = new ReplayAssembler();
  const shown = initialState();
  r.begin(afterRebuild, Date.now() + 60_000);
  const change = emptyChange();
  assert.equal(r.serverState(shown, afterRebuild, 'triggers', change), shown);
  assert.equal(r.serverState(shown, afterRebuild, 'statuses', change), shown);
  assert.equal(r.end(shown, change, false), shown);
  assert.ok(isEmptyChange(change));
  assert.equal(r.replaying, false);
  const reconciled = r.serverState(shown, afterRebuild, 'statuses', change);
  assert.equal(reconciled.artifacts.get('example/app')?.status, 'Complete', 'once the replay is over GetState is applied');
  assert.ok(change.sections.has('artifacts'));
});

test('replay: an auto trigger changed after the replay was shown is kept when the first live event makes the history the state', () => {
  const replay = settledReplay();
  const { r, live } = replay;
  let shown = replay.shown;
  assert.equal(shown.autoTrigger.build, true);
  // The user turns auto build off; the session reads it back (GetState).
  const manual = { ...afterRebuild, buildState: { ...afterRebuild.buildState, autoTrigger: false } };
  shown = r.serverState(shown, manual, 'triggers', emptyChange());
  assert.equal(shown.autoTrigger.build, false);
  shown = r.apply(shown, [live], emptyChange());
  assert.equal(shown.devLoop.status, 'In Progress', 'the history is the state now');
  assert.equal(shown.autoTrigger.build, false, 'and auto build is still off');
});

function entryMs(e: LogEntry): number {
  return Number(e.timestamp!.seconds) * 1000 + Math.floor((e.timestamp!.nanos ?? 0) / 1e6);
}

test('a new address while disconnected is the address the session reports, before it connects there', async () => {
  const fake = await FakeSkaffold.start({ stepMs: 1 });
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  try {
    session.connect();
    await until(session, () => session.status === 'connected', 'connected');
    session.disconnect();
    session.setAddress('[::1]:50051');
    assert.equal(session.status, 'disconnected', 'nothing was sent there');
    assert.equal(session.address, '[::1]:50051', 'not the address it was connected to before');
  } finally {
    session.dispose();
    await fake.stop();
  }
});
