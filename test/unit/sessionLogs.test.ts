/**
 * SessionLogs against the fake Skaffold over real loopback gRPC (v1 session + v2 streams on the
 * same port): container logs kept across dev-loop iterations though Skaffold clears its buffer,
 * no duplicates after a reconnect or a restart, a Skaffold without v2, a stream failing while
 * the session stays connected, a failed build's output, an address change, and nothing left
 * open once disposed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iterationMarker } from '../../src/skaffold/streams/containerLogs';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import { V2Event } from '../../src/skaffold/wire/protocolV2';
import { SessionOptions, SkaffoldSession } from '../../src/skaffold/session/session';
import { SessionLogs, SessionLogsOptions, SupportChangeEvent, V2ClientLike } from '../../src/skaffold/streams/v2Streams';
import { SkaffoldV2Client } from '../../src/skaffold/wire/v2Client';
import { FakeOptions, FakeSkaffold } from '../fakes/skaffoldFake';
import { eventually, guardUnhandledRejections, sleep } from './helpers';

guardUnhandledRejections();

const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 100, idleBackoffMaxMs: 100, settleMs: 20, coalesceMs: 20 };


async function setup(fakeOpts: FakeOptions = {}, logsOpts: Partial<SessionLogsOptions> = {}) {
  const fake = await FakeSkaffold.start({ stepMs: 2, ...fakeOpts });
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  const logs = new SessionLogs({ session, retryInitialMs: 20, retryMaxMs: 100, ...logsOpts });
  return {
    fake,
    session,
    logs,
    async done() {
      logs.dispose();
      session.dispose();
      await fake.stop();
    },
  };
}

/** What a new subscriber gets from ApplicationLogs right now (Skaffold's buffer). */
async function skaffoldBuffer(address: string, expected: number): Promise<string[]> {
  const client = new SkaffoldV2Client(address);
  const got: V2Event[] = [];
  const sub = client.subscribeApplicationLogs({ onEvent: (e) => got.push(e), onEnd: () => undefined });
  try {
    await eventually(`${expected} buffered logs`, () => got.length >= expected, 2000).catch(() => undefined);
    await sleep(50); // a quiet spell: anything Skaffold holds beyond `expected` comes now
    return got.map((e) => e.applicationLogEvent?.message ?? '');
  } finally {
    sub.cancel();
    client.dispose();
  }
}

test('logs of two containers across two dev-loop iterations are kept, though Skaffold cleared its buffer when the second began', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.fake.appLog('app-7f6e2', 'app', 'listening on :8080\n');
    t.fake.appLog('worker-2c43f', 'worker', 'hello from worker\n');
    t.session.connect();
    await eventually('the first iteration\'s logs', () => t.logs.logs.lines('app-7f6e2/app').length === 1 && t.logs.logs.lines('worker-2c43f/worker').length === 1);
    assert.equal(t.logs.supported, true);

    await t.fake.changeFile('example/app'); // iteration 2: Skaffold clears its buffer
    t.fake.appLog('app-9c1d0', 'app', 'listening on :8080 again\n');
    t.fake.appLog('worker-2c43f', 'worker', 'worker still here\n');
    await eventually('the second iteration\'s logs', () => t.logs.logs.lines('worker-2c43f/worker').length === 3);

    assert.deepEqual(t.logs.logs.lines('app-7f6e2/app'), ['listening on :8080'], 'the old pod\'s logs are still there');
    assert.deepEqual(t.logs.logs.lines('app-9c1d0/app'), ['listening on :8080 again']);
    assert.deepEqual(t.logs.logs.lines('worker-2c43f/worker'), ['hello from worker', iterationMarker(2), 'worker still here']);
    assert.deepEqual(t.logs.logs.containers().map((c) => c.key).sort(), ['app-7f6e2/app', 'app-9c1d0/app', 'worker-2c43f/worker']);
    // What Skaffold itself still has: only the second iteration's.
    assert.deepEqual(await skaffoldBuffer(t.fake.address, 2), ['listening on :8080 again\n', 'worker still here\n']);
  } finally {
    await t.done();
  }
});

test('a reconnect replays Skaffold\'s buffer without duplicating; after a restart the old logs stay and the new ones come once', async () => {
  const t = await setup();
  try {
    await t.fake.runDevLoop();
    t.fake.appLog('app-1', 'app', 'one\n');
    t.fake.appLog('app-1', 'app', 'two\n');
    t.session.connect();
    await eventually('two lines', () => t.logs.logs.lines('app-1/app').length === 2);

    t.session.reconnect();
    await eventually('a second ApplicationLogs subscription', () => t.fake.v2Calls.filter((c) => c.method === 'ApplicationLogs').length === 2 && t.fake.appLogSubscriberCount === 1);
    t.fake.appLog('app-1', 'app', 'three\n');
    // The stream replays Skaffold's buffer before the live line: once that is here, so is the replay.
    await eventually('the live line', () => t.logs.logs.lines('app-1/app').includes('three'));
    assert.deepEqual(t.logs.logs.lines('app-1/app'), ['one', 'two', 'three'], 'the replayed lines were not added again');

    await t.fake.restart(); // a new Skaffold process: empty buffer, iterations from 1
    await eventually('connected to the new Skaffold', () => t.session.status === 'connected' && t.fake.appLogSubscriberCount === 1);
    await t.fake.runDevLoop();
    t.fake.appLog('app-1', 'app', 'after the restart\n');
    await eventually('the new process\'s line', () => t.logs.logs.lines('app-1/app').includes('after the restart'));
    t.session.reconnect();
    await eventually('a subscription after the reconnect', () => t.session.status === 'connected' && t.fake.appLogSubscriberCount === 1);
    t.fake.appLog('app-1', 'app', 'after the replay\n');
    await eventually('the line after the replay', () => t.logs.logs.lines('app-1/app').includes('after the replay'));
    assert.deepEqual(t.logs.logs.lines('app-1/app'), ['one', 'two', 'three', iterationMarker(1), 'after the restart', 'after the replay']);
  } finally {
    await t.done();
  }
});

test('a Skaffold without v2 (v1.x): supported is false with a clear reason, v1 keeps working, nothing is asked again until the next connection', async () => {
  let subscribes = 0;
  const t = await setup({ serveV2: false }, {
    clientFactory: (address, options) => {
      const real = new SkaffoldV2Client(address, options);
      return {
        subscribeApplicationLogs: (h) => { subscribes++; return real.subscribeApplicationLogs(h); },
        subscribeEvents: (h) => { subscribes++; return real.subscribeEvents(h); },
        dispose: () => real.dispose(),
      };
    },
  });
  try {
    const changes: SupportChangeEvent[] = [];
    t.logs.onDidChangeSupport((e) => changes.push(e));
    await t.fake.runDevLoop();
    t.session.connect();
    await eventually('supported = false', () => t.logs.supported === false && t.logs.outputSupported === false);
    assert.match(t.logs.unsupportedReason ?? '', /^The Skaffold at 127\.0\.0\.1:\d+ does not serve container logs: that needs Skaffold v2 or newer/);
    assert.equal(changes.at(-1)?.reason, t.logs.unsupportedReason);
    assert.equal(t.session.status, 'connected');
    await eventually('the v1 state', () => t.session.state.artifacts.get('example/app')?.status === 'Complete');
    await sleep(300); // a quiet spell: nothing announces a retry that does not happen
    assert.equal(subscribes, 2, 'each stream asked once');
    assert.equal(t.logs.lastError, undefined, 'not an error to retry');

    t.session.reconnect();
    await eventually('asked again at the next connection', () => subscribes === 4);
    await sleep(100); // a quiet spell: the answers (UNIMPLEMENTED again) leave it as it was
    assert.equal(t.logs.supported, false);
  } finally {
    await t.done();
  }
});

test('a v2 stream that fails while the session stays connected is opened again, and its replay adds nothing', async () => {
  let logSubscribes = 0;
  const t = await setup({}, {
    clientFactory: (address, options): V2ClientLike => {
      const real = new SkaffoldV2Client(address, options);
      return {
        subscribeEvents: (h) => real.subscribeEvents(h),
        subscribeApplicationLogs: (h) => {
          logSubscribes++;
          const sub = real.subscribeApplicationLogs(h);
          if (logSubscribes === 1) {
            // A proxy resets the stream once it delivered the buffer.
            setTimeout(() => { sub.cancel(); h.onEnd(new SkaffoldError('unknown', 'stream reset by a proxy', 2)); }, 150);
          }
          return sub;
        },
        dispose: () => real.dispose(),
      };
    },
  });
  try {
    await t.fake.runDevLoop();
    t.fake.appLog('app-1', 'app', 'before the reset\n');
    t.session.connect();
    await eventually('the stream failed', () => t.logs.lastError?.message === 'stream reset by a proxy');
    await eventually('opened again', () => logSubscribes === 2 && t.fake.appLogSubscriberCount === 1);
    t.fake.appLog('app-1', 'app', 'after the reset\n');
    // The replayed buffer comes before the live line: once that is here, so is the replay.
    await eventually('the live line', () => t.logs.logs.lines('app-1/app').includes('after the reset'));
    assert.deepEqual(t.logs.logs.lines('app-1/app'), ['before the reset', 'after the reset']);
    assert.equal(t.logs.lastError, undefined, 'cleared once the stream delivered again');
    assert.equal(t.session.status, 'connected');
  } finally {
    await t.done();
  }
});

test('a failed build\'s output: output.latestTask(\'Build\', artifact) has it, then the build that fixed it', async () => {
  const t = await setup();
  try {
    const suggestions = [{ suggestionCode: 'FIX_USER_BUILD_ERR', action: 'Fix the Go code in ./cmd/app' }];
    t.fake.failNextBuild('example/app', { message: 'step 3/5: go build: ./main.go:9:2: undefined: handler', errCode: 'BUILD_USER_ERROR', suggestions });
    await t.fake.runDevLoop();
    t.session.connect();
    await eventually('the failed build\'s output', () => t.logs.output.tasks().find((x) => x.id === 'Build-1')?.status === 'Failed');
    assert.equal(t.logs.output.latestTask('Build', 'example/app'), 'Build-1');
    assert.deepEqual(t.logs.output.output('Build-1', 'example/app'), [
      ' - example/app -> example/app:latest',
      ' - example/app: Not found. Building',
      'Building [example/app]...',
      'building example/app:latest',
      'step 3/5: go build: ./main.go:9:2: undefined: handler',
    ]);
    assert.equal(t.logs.output.tasks().find((x) => x.id === 'Build-1')?.error, 'build [example/app] failed: step 3/5: go build: ./main.go:9:2: undefined: handler');
    assert.equal(t.logs.output.latestTask('Deploy'), undefined, 'nothing was deployed');
    // The v1 side shows the failure with the suggestions Skaffold sent.
    await eventually('the v1 state', () => t.session.state.artifacts.get('example/app')?.status === 'Failed');
    assert.deepEqual(t.session.state.artifacts.get('example/app')?.error?.suggestions.map((s) => s.action), ['Fix the Go code in ./cmd/app']);

    await t.fake.changeFile('example/app', ['cmd/app/main.go']);
    await eventually('the next build', () => t.logs.output.latestTask('Build', 'example/app') === 'Build-2' && t.logs.output.latestTask('Deploy') === 'Deploy-2');
    assert.ok(t.logs.output.output('Build-2', 'example/app').includes('Build [example/app] succeeded'));
    assert.deepEqual(t.logs.output.triggers().map((x) => [x.taskId, x.files, x.iteration]), [['DevLoop-1', ['cmd/app/main.go'], 2]]);
  } finally {
    await t.done();
  }
});

test('another address: the old Skaffold\'s logs go, the new one\'s come', async () => {
  const t = await setup();
  const other = await FakeSkaffold.start({ stepMs: 2 });
  try {
    await t.fake.runDevLoop();
    t.fake.appLog('app-1', 'app', 'from the first\n');
    t.session.connect();
    await eventually('the first\'s line', () => t.logs.logs.lines('app-1/app').length === 1);
    await other.runDevLoop();
    other.appLog('app-2', 'app', 'from the second\n');
    t.session.setAddress(other.address);
    await eventually('the second\'s line', () => t.logs.logs.lines('app-2/app').length === 1);
    assert.deepEqual(t.logs.logs.containers().map((c) => c.key), ['app-2/app']);
    await eventually('the first one\'s streams closed', () => t.fake.appLogSubscriberCount === 0 && t.fake.v2SubscriberCount === 0);
  } finally {
    await t.done();
    await other.stop();
  }
});

// ---- handles ----

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) {
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return counts;
}

function excess(baseline: Map<string, number>, now: Map<string, number>): string[] {
  return [...now.entries()].filter(([k, v]) => v > (baseline.get(k) ?? 0)).map(([k, v]) => `${k} ${baseline.get(k) ?? 0}->${v}`);
}

test('dispose() closes the v2 streams at once (the v1 session stays), and leaves no timer or socket', async () => {
  await sleep(20); // what the previous test scheduled on its way out, before the baseline
  const baseline = resourceCounts();
  const t = await setup();
  await t.fake.runDevLoop();
  t.fake.appLog('app-1', 'app', 'hello\n');
  t.session.connect();
  await eventually('streaming', () => t.logs.logs.lines('app-1/app').length === 1 && t.fake.v2SubscriberCount === 1 && t.fake.appLogSubscriberCount === 1);
  t.logs.dispose();
  assert.equal(t.logs.active, false);
  await eventually('the server saw both streams end', () => t.fake.v2SubscriberCount === 0 && t.fake.appLogSubscriberCount === 0);
  assert.equal(t.session.status, 'connected');
  const calls = t.fake.v2Calls.length;
  t.fake.appLog('app-1', 'app', 'after dispose\n');
  t.session.reconnect();
  await eventually('reconnected', () => t.session.status === 'connected');
  await sleep(100); // a quiet spell: nothing announces a stream that is not opened
  assert.equal(t.fake.v2Calls.length, calls, 'a disposed SessionLogs opens nothing at the next connection');
  // Disposed before its deferred start: nothing opened at all.
  const early = new SessionLogs({ session: t.session });
  early.dispose();
  await sleep(50); // likewise (its start would have been one macrotask later, its call a moment after)
  assert.equal(t.fake.v2Calls.length, calls);
  t.session.dispose();
  await t.fake.stop();
  const deadline = Date.now() + 1000;
  let now = resourceCounts();
  while (excess(baseline, now).length > 0 && Date.now() < deadline) {
    await sleep(20);
    now = resourceCounts();
  }
  assert.deepEqual(excess(baseline, now), [], 'handles left after dispose');
});
