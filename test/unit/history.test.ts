/**
 * The dev loop's history in the state (src/skaffold/state/history.ts through the reducer): iterations
 * cut by DevLoopEvents or inferred without them, phases timed from event timestamps only,
 * bounded, and the same however the events are replayed or batched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { emptyChange, initialState, IterationRecord, MAX_ITERATION_ARTIFACTS, MAX_ITERATIONS, SessionState } from '../../src/skaffold/state/model';
import { Event, LogEntry } from '../../src/skaffold/wire/protocol';
import { applyBatch, reduce } from '../../src/skaffold/state/reducer';
import { recordEvents } from '../../src/skaffold/state/history';
import { arb, DEFAULT_SEED } from './arbitraries';
import { ev, entry, iteration } from './helpers';

function run(entries: LogEntry[], from: SessionState = initialState()): SessionState {
  return entries.reduce((s, e) => reduce(s, e).state, from);
}

/** A LogEntry at a wall-clock time of the recording's day (`13:40:39.927`), as Skaffold stamps it. */
function at(time: string, event: Event, text = ''): LogEntry {
  const [h, m, s] = time.split(':');
  const ms = Date.UTC(2026, 10, 24, Number(h), Number(m)) + Math.round(Number(s) * 1000);
  return { timestamp: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 + 123_456 }, event: { ...event, event_type: Object.keys(event)[0] }, entry: text };
}

const devLoop = (iteration: number, status: string, err?: object) => ({ devLoopEvent: { iteration, status, ...(err ? { err } : {}) } });
const build = (artifact: string, status: string, err?: string) => ({ buildEvent: { artifact, status, ...(err ? { err, actionableErr: { errCode: 'BUILD_UNKNOWN', message: err } } : {}) } });
const deploy = (status: string) => ({ deployEvent: { status } });
const statusCheck = (status: string) => ({ statusCheckEvent: { status } });
const resource = (name: string, status: string) => ({ resourceStatusCheckEvent: { resource: name, status, statusCode: 'STATUSCHECK_SUCCESS', message: status } });

/** recorded/build-fail-rebuild, event for event with its timestamps (condensed.v1.txt). */
const BUILD_FAIL_REBUILD: LogEntry[] = [
  at('13:40:39.847', { metaEvent: { entry: 'Starting Skaffold: &{Version: ConfigVersion:skaffold/v4beta6}' } }),
  at('13:40:39.927', { devLoopEvent: { status: 'In Progress' } }, 'Update initiated'),
  at('13:40:39.930', build('example/app', 'In Progress')),
  at('13:40:40.938', build('example/app', 'Complete')),
  at('13:40:40.938', build('example/worker', 'In Progress')),
  at('13:40:41.946', build('example/worker', 'Complete')),
  at('13:40:41.950', deploy('In Progress')),
  at('13:40:42.613', statusCheck('Started')),
  at('13:40:43.892', resource('Pod/worker-3d77c01186-2c43f', 'In Progress')),
  at('13:40:44.837', resource('deployment/app', 'Succeeded')),
  at('13:40:44.845', resource('deployment/worker', 'Succeeded')),
  at('13:40:44.845', statusCheck('Succeeded')),
  at('13:40:44.846', deploy('Complete')),
  at('13:40:45.889', { portEvent: { localPort: 47480, resourceName: 'app' } }),
  at('13:40:45.890', { devLoopEvent: { status: 'Succeeded' } }, 'Update succeeded'),
  at('13:40:52.831', devLoop(1, 'In Progress')),
  at('13:40:52.834', build('example/app', 'In Progress')),
  at('13:40:53.840', build('example/app', 'Failed', 'building custom artifact: exit status 1')),
  at('13:40:53.840', devLoop(1, 'Failed', { errCode: 'BUILD_UNKNOWN', message: 'build [example/app] failed: building custom artifact: exit status 1', suggestions: [] })),
  at('13:41:00.861', devLoop(2, 'In Progress')),
  at('13:41:00.864', build('example/app', 'In Progress')),
  at('13:41:01.875', build('example/app', 'Complete')),
  at('13:41:01.878', deploy('In Progress')),
  at('13:41:02.274', statusCheck('Started')),
  at('13:41:03.538', resource('deployment/worker', 'Succeeded')),
  at('13:41:04.507', resource('deployment/app', 'Succeeded')),
  at('13:41:04.507', statusCheck('Succeeded')),
  at('13:41:04.507', deploy('Complete')),
  at('13:41:04.911', { portEvent: { localPort: 47480, resourceName: 'app' } }),
  at('13:41:04.911', devLoop(2, 'Succeeded')),
];

/** The parts of a record a person reads, for compact comparisons. */
function brief(r: IterationRecord) {
  return {
    iteration: r.iteration,
    trigger: r.trigger,
    outcome: r.outcome,
    durationMs: r.durationMs,
    build: r.phases.build?.durationMs,
    sync: r.phases.sync?.durationMs,
    deploy: r.phases.deploy?.durationMs,
    statusCheck: r.phases.statusCheck?.durationMs,
  };
}

/** Every record well-formed: times finite, durations consistent and never negative, bounds kept. */
function assertWellFormed(list: readonly IterationRecord[]): void {
  assert.ok(list.length <= MAX_ITERATIONS);
  const okTime = (t: unknown) => t === undefined || (typeof t === 'number' && Number.isFinite(t) && t > 0);
  const okDuration = (d: unknown, start: number | undefined, end: number | undefined) => {
    assert.ok(d === undefined || (typeof d === 'number' && Number.isFinite(d) && d >= 0), `duration ${String(d)}`);
    assert.equal(d, start !== undefined && end !== undefined && end >= start ? end - start : undefined, 'duration is end - start when both are known and in order');
  };
  list.forEach((r, i) => {
    assert.ok(Number.isInteger(r.iteration), `iteration ${r.iteration}`);
    assert.ok(['initial', 'rebuild', 'sync', 'redeploy', 'other'].includes(r.trigger));
    assert.equal(typeof r.outcome, 'string');
    assert.ok(okTime(r.startedAt) && okTime(r.endedAt));
    okDuration(r.durationMs, r.startedAt, r.endedAt);
    if (r.outcome === 'In Progress') {
      assert.equal(r.endedAt, undefined, 'a running iteration has no end');
    }
    if (i > 0) {
      assert.notEqual(r.trigger, 'initial', 'only the first record is the initial loop');
    }
    for (const p of Object.values(r.phases)) {
      if (p) {
        assert.ok(okTime(p.startedAt) && okTime(p.endedAt));
        okDuration(p.durationMs, p.startedAt, p.endedAt);
        assert.equal(typeof p.status, 'string');
        if (p.status === 'In Progress') {
          assert.equal(p.endedAt, undefined, 'a running phase has no end');
        }
      }
    }
    assert.ok(r.artifacts.length <= MAX_ITERATION_ARTIFACTS);
    for (const a of r.artifacts) {
      assert.ok(typeof a.name === 'string' && a.name.length > 0 && a.name.length <= 513);
      assert.ok(a.durationMs === undefined || (Number.isFinite(a.durationMs) && a.durationMs >= 0));
    }
    if (r.error) {
      assert.ok(r.error.message.length <= 2001 && r.error.suggestions.length <= 5);
    }
  });
}

test('a real dev loop (recorded build-fail-rebuild): each phase and iteration timed from its event timestamps', () => {
  const s = run(BUILD_FAIL_REBUILD);
  assert.deepEqual(s.iterations.map(brief), [
    // 39.927 -> 45.890; build 39.930 -> 41.946 (the last result); deploy 41.950 -> 44.846; status check 42.613 -> 44.845
    { iteration: 0, trigger: 'initial', outcome: 'Succeeded', durationMs: 5963, build: 2016, sync: undefined, deploy: 2896, statusCheck: 2232 },
    { iteration: 1, trigger: 'rebuild', outcome: 'Failed', durationMs: 1009, build: 1006, sync: undefined, deploy: undefined, statusCheck: undefined },
    { iteration: 2, trigger: 'rebuild', outcome: 'Succeeded', durationMs: 4050, build: 1011, sync: undefined, deploy: 2629, statusCheck: 2233 },
  ]);
  const [first, failed, fixed] = s.iterations;
  assert.deepEqual(first.artifacts.map((a) => [a.name, a.status, a.durationMs]), [['example/app', 'Complete', 1008], ['example/worker', 'Complete', 1008]]);
  assert.equal(first.inferred, false);
  assert.equal(first.phases.build?.status, 'Complete');
  assert.deepEqual(failed.error, { message: 'build [example/app] failed: building custom artifact: exit status 1', code: 'BUILD_UNKNOWN', suggestions: [] }, 'the dev loop\'s own error and code');
  assert.equal(failed.phases.build?.status, 'Failed');
  assert.deepEqual(failed.artifacts.map((a) => [a.name, a.status, a.durationMs]), [['example/app', 'Failed', 1006]]);
  assert.equal(fixed.error, undefined);
  assert.equal(fixed.startedAt, Date.UTC(2026, 10, 24, 13, 41, 0, 861));
  assert.equal(fixed.endedAt, Date.UTC(2026, 10, 24, 13, 41, 4, 911));
  assertWellFormed(s.iterations);
});

test('an iteration still running has no end; the change names the history section only when it changes', () => {
  const s = run(BUILD_FAIL_REBUILD.slice(0, 23)); // up to iteration 2's "Deploy started"
  const last = s.iterations[s.iterations.length - 1];
  assert.equal(last.iteration, 2);
  assert.equal(last.outcome, 'In Progress');
  assert.equal(last.endedAt, undefined);
  assert.equal(last.durationMs, undefined);
  assert.equal(last.phases.deploy?.status, 'In Progress');
  assert.equal(last.phases.deploy?.endedAt, undefined);
  assert.equal(last.phases.build?.durationMs, 1011);
  const r1 = reduce(s, at('13:41:02.274', statusCheck('Started')));
  assert.ok(r1.change.sections.has('history'));
  const r2 = reduce(r1.state, at('13:41:03.538', resource('deployment/worker', 'Succeeded')));
  assert.ok(!r2.change.sections.has('history'), 'a resource event does not touch the history');
  assert.equal(r2.state.iterations, r1.state.iterations, 'nor copy it');
  const r3 = reduce(r2.state, entry({ deployEvent: { status: 'Information', err: 'no changes' } }));
  assert.ok(!r3.change.sections.has('history'), 'nor does a deploy note');
});

test('a sync-only iteration, a redeploy, and one that did nothing the events tell', () => {
  const s = run([
    ...iteration(0, ['example/app']),
    ev.devLoop(1, 'In Progress'), ev.sync('In Progress'), ev.sync('Succeeded'), ev.devLoop(1, 'Succeeded'),
    ev.devLoop(2, 'In Progress'), ev.deploy('In Progress'), ev.statusCheck('Started'), ev.statusCheck('Succeeded'), ev.deploy('Complete'), ev.devLoop(2, 'Succeeded'),
    ev.devLoop(3, 'In Progress'), ev.devLoop(3, 'Succeeded'),
  ]);
  assert.deepEqual(s.iterations.map((r) => r.trigger), ['initial', 'sync', 'redeploy', 'other']);
  const syncOnly = s.iterations[1];
  assert.equal(syncOnly.phases.sync?.durationMs, 100, 'helpers stamp events 100 ms apart');
  assert.equal(syncOnly.phases.sync?.status, 'Succeeded');
  assert.equal(syncOnly.phases.build, undefined);
  assert.equal(syncOnly.durationMs, 300);
  assert.deepEqual(syncOnly.artifacts, []);
  assert.equal(s.iterations[2].phases.deploy?.durationMs, 300);
  assert.equal(s.iterations[2].phases.statusCheck?.durationMs, 100);
});

test('a failed iteration keeps its error; without one from the dev loop, the failing phase\'s; a failed sync and deploy too', () => {
  let s = run([...iteration(0, ['a']), ev.devLoop(1, 'In Progress'), ev.build('a', 'In Progress'), ev.build('a', 'Failed', 'exit status 2', 'BUILD_USER_ERROR'), ev.devLoop(1, 'Failed')]);
  const failed = s.iterations[1];
  assert.equal(failed.outcome, 'Failed');
  assert.equal(failed.error?.message, 'exit status 2');
  assert.equal(failed.error?.code, 'BUILD_USER_ERROR');
  s = run([ev.devLoop(2, 'In Progress'), ev.sync('In Progress'), entry({ fileSyncEvent: { status: 'Failed', err: 'copy failed' } }), ev.devLoop(2, 'Failed')], s);
  assert.equal(s.iterations[2].phases.sync?.status, 'Failed');
  assert.equal(s.iterations[2].error?.message, 'copy failed');
  s = run([ev.devLoop(3, 'In Progress'), ev.deploy('In Progress'), ev.deploy('Failed', 'kubectl apply: exit 1'), ev.devLoop(3, 'Failed', { errCode: 'DEPLOY_KUBECTL_USER_ERR', message: 'deploy failed' })], s);
  assert.equal(s.iterations[3].phases.deploy?.status, 'Failed');
  assert.equal(s.iterations[3].error?.message, 'deploy failed', 'the dev loop\'s error wins over the phase\'s');
  s = run(iteration(4, ['a']), s);
  assert.equal(s.iterations[4].error, undefined, 'a success carries no error');
  assert.equal(s.iterations[4].outcome, 'Succeeded');
  // A result string Skaffold may add later is kept as sent.
  s = run([ev.devLoop(5, 'In Progress'), ev.devLoop(5, 'Aborted')], s);
  assert.equal(s.iterations[5].outcome, 'Aborted');
  assert.ok(s.iterations[5].endedAt !== undefined);
  assertWellFormed(s.iterations);
});

test('artifacts built in parallel: the build phase runs from the first start to the last result', () => {
  const s = run([ev.devLoop(0, 'In Progress'), ev.build('a', 'In Progress'), ev.build('b', 'In Progress'), ev.build('a', 'Complete'), ev.build('b', 'Failed', 'boom')]);
  const r = s.iterations[0];
  assert.equal(r.phases.build?.durationMs, 300);
  assert.equal(r.phases.build?.status, 'Failed', 'one failure fails the phase');
  assert.deepEqual(r.artifacts.map((a) => [a.name, a.durationMs]), [['a', 200], ['b', 200]]);
  const midway = run([ev.devLoop(0, 'In Progress'), ev.build('a', 'In Progress'), ev.build('b', 'In Progress'), ev.build('a', 'Complete')]);
  assert.equal(midway.iterations[0].phases.build?.status, 'In Progress', 'still running while b builds');
  assert.equal(midway.iterations[0].phases.build?.endedAt, undefined);
});

test(`the history keeps the newest ${MAX_ITERATIONS} iterations`, () => {
  assert.equal(MAX_ITERATIONS, 200);
  const entries = Array.from({ length: 250 }, (_, n) => iteration(n, ['a'])).flat();
  const s = applyBatch(initialState(), entries, emptyChange());
  assert.equal(s.iterations.length, 200);
  assert.equal(s.iterations[0].iteration, 50);
  assert.equal(s.iterations[199].iteration, 249);
  assert.equal(s.iterations[0].trigger, 'rebuild', 'the initial loop has been dropped, the rest keep what they did');
  assert.deepEqual(run(entries).iterations, s.iterations, 'one by one or in one batch');
  // And the artifacts of one iteration are bounded too.
  const many = run([ev.devLoop(0, 'In Progress'), ...Array.from({ length: 80 }, (_, i) => [ev.build(`img-${i}`, 'In Progress'), ev.build(`img-${i}`, 'Complete')]).flat()]);
  assert.equal(many.iterations[0].artifacts.length, MAX_ITERATION_ARTIFACTS);
  assert.equal(many.iterations[0].phases.build?.status, 'Complete');
  assert.equal(many.iterations[0].phases.build?.durationMs, 159 * 100, 'the phase still spans every artifact');
});

test('a replay gives the same history: once, again into a fresh state, in batches cut anywhere', () => {
  const once = run(BUILD_FAIL_REBUILD).iterations;
  const again = run(BUILD_FAIL_REBUILD).iterations;
  assert.deepEqual(again, once);
  for (let cut = 0; cut <= BUILD_FAIL_REBUILD.length; cut++) {
    const first = applyBatch(initialState(), BUILD_FAIL_REBUILD.slice(0, cut), emptyChange());
    const both = applyBatch(first, BUILD_FAIL_REBUILD.slice(cut), emptyChange());
    assert.deepEqual(both.iterations, once, `cut at ${cut}`);
  }
  // What was shown before the reconnect is not touched by the rebuilt state.
  const before = structuredClone(once);
  run(BUILD_FAIL_REBUILD.slice(0, 20));
  run([ev.devLoop(3, 'In Progress')], run(BUILD_FAIL_REBUILD));
  assert.deepEqual(once, before);
});

test('missing or malformed timestamps leave durations undefined, never negative or NaN', () => {
  const noTime = (event: Event): LogEntry => ({ event: { ...event, event_type: Object.keys(event)[0] } });
  const badTime = (event: Event, seconds: string, nanos = 0): LogEntry => ({ timestamp: { seconds, nanos }, event: { ...event, event_type: Object.keys(event)[0] } });
  const s = run([
    noTime(devLoop(0, 'In Progress')),
    badTime(build('a', 'In Progress'), 'not a number'),
    at('13:40:01.000', build('a', 'Complete')),
    at('13:40:02.000', deploy('In Progress')),
    at('13:40:01.500', deploy('Complete')), // earlier than its start: a clock step
    badTime(statusCheck('Started'), '0'), // proto's zero Timestamp: unset
    badTime(statusCheck('Succeeded'), '1795527700', NaN),
    at('13:40:03.000', devLoop(0, 'Succeeded')),
  ]);
  const r = s.iterations[0];
  assert.equal(r.startedAt, undefined);
  assert.equal(r.durationMs, undefined, 'no start, no duration');
  assert.ok(r.endedAt !== undefined);
  assert.equal(r.phases.build?.durationMs, undefined);
  assert.equal(r.artifacts[0].durationMs, undefined);
  assert.equal(r.phases.deploy?.durationMs, undefined, 'an end before the start gives no duration');
  assert.equal(r.phases.statusCheck?.startedAt, undefined);
  assert.equal(r.phases.statusCheck?.durationMs, undefined);
  assert.equal(r.outcome, 'Succeeded');
  assertWellFormed(s.iterations);
});

test('Skaffold before v1.9 (no DevLoopEvent): iterations inferred from build rounds and the order of phases', () => {
  const s = run([
    ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.build('b', 'In Progress'), ev.build('b', 'Complete'),
    ev.deploy('In Progress'), ev.deploy('Complete'), ev.statusCheck('Started'), ev.statusCheck('Succeeded'),
    // a file change: rebuild a, deploy
    ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.deploy('In Progress'), ev.deploy('Complete'),
    // a sync
    ev.sync('In Progress'), ev.sync('Succeeded'),
    // a sync then a build in one iteration (Skaffold syncs first)
    ev.sync('In Progress'), ev.sync('Succeeded'), ev.build('b', 'In Progress'), ev.build('b', 'Failed', 'no space left'),
  ]);
  assert.equal(s.devLoop.iteration, -1);
  assert.deepEqual(s.iterations.map((r) => [r.iteration, r.trigger, r.outcome, r.inferred]), [
    [0, 'initial', 'Succeeded', true],
    [1, 'rebuild', 'Succeeded', true],
    [2, 'sync', 'Succeeded', true],
    [3, 'rebuild', 'Failed', true],
  ]);
  const [first, second, third, fourth] = s.iterations;
  assert.equal(first.phases.build?.durationMs, 300, 'both artifacts of the first round');
  assert.equal(first.durationMs, 700, 'from its first event to its last phase\'s end');
  assert.equal(second.phases.deploy?.durationMs, 100);
  assert.equal(third.durationMs, 100);
  assert.equal(fourth.error?.message, 'no space left');
  assert.deepEqual(fourth.artifacts.map((a) => a.name), ['b']);
  // While an inferred iteration has a phase running, it runs.
  const running = run([ev.build('a', 'In Progress')]);
  assert.equal(running.iterations[0].outcome, 'In Progress');
  assert.equal(running.iterations[0].endedAt, undefined);
  assertWellFormed(s.iterations);
});

test('events before the first DevLoopEvent belong to iteration 0, which the DevLoopEvent then adopts', () => {
  const s = run([ev.build('a', 'In Progress'), ev.build('a', 'Complete'), ev.devLoop(0, 'In Progress'), ev.deploy('In Progress'), ev.deploy('Complete'), ev.devLoop(0, 'Succeeded'), ...iteration(1, ['a'])]);
  assert.deepEqual(s.iterations.map((r) => [r.iteration, r.trigger, r.outcome, r.inferred]), [[0, 'initial', 'Succeeded', false], [1, 'rebuild', 'Succeeded', false]]);
  assert.equal(s.iterations[0].durationMs, 500, 'from the first build, which came before the DevLoopEvent');
  // Without an "In Progress", a result alone still makes a record (its start unknown).
  const lone = run([ev.devLoop(7, 'Failed', { message: 'x' })]);
  assert.deepEqual(lone.iterations.map((r) => [r.iteration, r.outcome, r.startedAt, r.durationMs]), [[7, 'Failed', undefined, undefined]]);
});

test('a huge error is kept shorter in the history than in the state', () => {
  const huge = 'x'.repeat(100_000);
  const s = run([ev.devLoop(0, 'In Progress'), ev.build('a', 'In Progress'), ev.build('a', 'Failed', huge), ev.devLoop(0, 'Failed', { message: huge, suggestions: Array.from({ length: 30 }, () => ({ action: huge })) })]);
  const e = s.iterations[0].error!;
  assert.ok(e.message.length <= 2001);
  assert.ok(e.suggestions.length <= 5 && e.suggestions.every((x) => x.action.length <= 501));
});

test('recordEvents is pure and gives what the reducer gives', () => {
  const base = run(iteration(0, ['a'])).iterations;
  const snapshot = structuredClone(base);
  const next = recordEvents(base, [{ kind: 'devLoop', iteration: 1, status: 'In Progress', at: 1_800_000_000_000 }, { kind: 'sync', status: 'In Progress', at: 1_800_000_000_010 }]);
  assert.deepEqual(base, snapshot);
  assert.equal(next.length, 2);
  assert.equal(next[1].trigger, 'sync');
  assert.equal(recordEvents(base, []), base, 'nothing to record: the same list');
});

// Recorded sessions: the project's fixtures (see recordings.test.ts).
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const recorded = path.join(repoRoot, 'test', 'fixtures', 'recorded');

function load(scenario: string): LogEntry[] {
  return fs.readFileSync(path.join(recorded, scenario, 'events.json'), 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const raw = JSON.parse(line) as { timestamp?: string; event?: Record<string, unknown>; entry?: string };
    const ms = raw.timestamp ? Date.parse(raw.timestamp) : NaN;
    const nanos = Number((/\.(\d+)Z$/.exec(raw.timestamp ?? '')?.[1] ?? '0').padEnd(9, '0').slice(0, 9));
    const event = raw.event ?? {};
    return { timestamp: Number.isFinite(ms) ? { seconds: String(Math.floor(ms / 1000)), nanos } : undefined, event: { ...event, event_type: Object.keys(event)[0] }, entry: raw.entry };
  });
}

test('recorded sessions: one record per dev-loop iteration Skaffold reported, each phase timed', () => {
  const expected: Record<string, [string, string][]> = {
    ok: [['initial', 'Succeeded'], ['rebuild', 'Succeeded']],
    'build-fail-rebuild': [['initial', 'Succeeded'], ['rebuild', 'Failed'], ['rebuild', 'Succeeded']],
    manual: [['initial', 'Succeeded'], ['rebuild', 'Succeeded']],
  };
  for (const [scenario, want] of Object.entries(expected)) {
    const entries = load(scenario);
    const s = applyBatch(initialState(), entries, emptyChange());
    assert.deepEqual(s.iterations.map((r) => [r.trigger, r.outcome]), want, scenario);
    for (const r of s.iterations) {
      assert.ok(r.durationMs !== undefined && r.durationMs > 0, `${scenario} #${r.iteration} has a duration`);
      assert.ok(r.phases.build?.durationMs !== undefined, `${scenario} #${r.iteration} built`);
    }
    assert.deepEqual(run(entries).iterations, s.iterations, `${scenario}: one by one as in one batch`);
    assertWellFormed(s.iterations);
  }
  const manual = applyBatch(initialState(), load('manual'), emptyChange()).iterations[1];
  assert.equal(manual.phases.deploy, undefined, 'the manual session\'s second iteration only built');
});

test('property: any events keep the history well-formed, and batching never changes it', () => {
  const arbitrary = fc.record({ entries: fc.array(arb.entry, { maxLength: 30 }), split: fc.nat() });
  fc.assert(fc.property(arbitrary, ({ entries, split }) => {
    const oneByOne = run(entries).iterations;
    const k = entries.length === 0 ? 0 : split % (entries.length + 1);
    const inTwo = applyBatch(applyBatch(initialState(), entries.slice(0, k), emptyChange()), entries.slice(k), emptyChange()).iterations;
    assert.deepEqual(inTwo, oneByOne);
    assertWellFormed(oneByOne);
  }), { seed: DEFAULT_SEED, numRuns: 2000 });
});

/** Dev-loop-shaped streams: the event kinds the history reads, known and odd statuses, clocks that step back or break. */
const loopEntryArb = fc.record({
  kind: fc.constantFrom('devLoop', 'build', 'deploy', 'statusCheck', 'sync', 'resource'),
  status: fc.oneof(fc.constantFrom('In Progress', 'Complete', 'Succeeded', 'Failed', 'Canceled', 'Started', 'Information', 'Not Started', ''), fc.string({ maxLength: 6 })),
  iteration: fc.integer({ min: -1, max: 6 }),
  artifact: fc.constantFrom('a', 'b', 'c'),
  stepMs: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -2000, max: 0 })),
  clock: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'missing', 'zero', 'garbage'),
  failed: fc.boolean(),
});

test('property: dev-loop-shaped streams give consistent durations, bounded records, and the same history however batched', () => {
  fc.assert(fc.property(fc.array(loopEntryArb, { maxLength: 60 }), fc.nat(), (specs, split) => {
    let clock = Date.UTC(2026, 10, 24, 13, 40);
    const entries: LogEntry[] = specs.map((x) => {
      clock += x.stepMs;
      const err = x.failed ? { errCode: 'BUILD_UNKNOWN', message: 'boom' } : undefined;
      const event: Event = x.kind === 'devLoop' ? { devLoopEvent: { iteration: x.iteration, status: x.status, err } }
        : x.kind === 'build' ? { buildEvent: { artifact: x.artifact, status: x.status, actionableErr: err } }
          : x.kind === 'deploy' ? { deployEvent: { status: x.status, actionableErr: err } }
            : x.kind === 'statusCheck' ? { statusCheckEvent: { status: x.status, actionableErr: err } }
              : x.kind === 'sync' ? { fileSyncEvent: { status: x.status, actionableErr: err } }
                : { resourceStatusCheckEvent: { resource: 'deployment/app', status: x.status } };
      const timestamp = x.clock === 'ok' ? { seconds: String(Math.floor(clock / 1000)), nanos: (clock % 1000) * 1e6 }
        : x.clock === 'zero' ? { seconds: '0', nanos: 0 } : x.clock === 'garbage' ? { seconds: 'x', nanos: 1 } : undefined;
      return { timestamp, event: { ...event, event_type: Object.keys(event)[0] } };
    });
    const oneByOne = run(entries).iterations;
    const k = entries.length === 0 ? 0 : split % (entries.length + 1);
    const inTwo = applyBatch(applyBatch(initialState(), entries.slice(0, k), emptyChange()), entries.slice(k), emptyChange()).iterations;
    assert.deepEqual(inTwo, oneByOne, 'batching never changes the history');
    assertWellFormed(oneByOne);
    // (An older record may still say In Progress: its end never came before the next began.
    // The timeline shows it as having no result, not as running.)
  }), { seed: DEFAULT_SEED, numRuns: 1500 });
});
