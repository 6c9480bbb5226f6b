/**
 * The scheduler (src/skaffold/base/schedule.ts) on a fake clock: node:test's mock timers drive
 * the real clock (which looks the timer functions up at each call), so every assertion is about
 * which window a run falls in, never about how long anything took.
 */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, Clock, Delayer, realClock, Throttle } from '../../src/skaffold/base/schedule';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

/** Lets queued microtasks run (a leading Throttle runs in one). */
const microtasks = () => Promise.resolve().then(() => undefined);

test('backoffDelay doubles from the first delay at each attempt and stops at the cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, 50, 250)), [50, 100, 200, 250, 250, 250]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 200, 5000)), [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(backoffDelay(10_000, 50, 2000), 2000, 'a long outage neither overflows nor exceeds the cap');
  assert.equal(backoffDelay(-1, 50, 2000), 50);
});

test('Delayer runs its task once after the delay; triggering again replaces it (a debounce)', () => {
  const runs: string[] = [];
  const d = new Delayer(150);
  d.trigger(() => runs.push('a'));
  mock.timers.tick(100);
  d.trigger(() => runs.push('b'));
  mock.timers.tick(149);
  assert.deepEqual(runs, [], 'each trigger starts the delay again');
  assert.equal(d.isTriggered, true);
  mock.timers.tick(1);
  assert.deepEqual(runs, ['b'], 'only the last task runs');
  assert.equal(d.isTriggered, false);
  mock.timers.tick(1000);
  assert.deepEqual(runs, ['b']);
});

test('Delayer: a delay per trigger, flush runs now, cancel and dispose drop the task', () => {
  const runs: number[] = [];
  const d = new Delayer(1000);
  d.trigger(() => runs.push(1), 20);
  mock.timers.tick(20);
  d.trigger(() => runs.push(2));
  d.flush();
  assert.deepEqual(runs, [1, 2], 'flush does not wait');
  mock.timers.tick(1000);
  assert.deepEqual(runs, [1, 2], 'and the flushed task does not run again');
  d.flush();
  assert.deepEqual(runs, [1, 2], 'flush with nothing pending does nothing');
  d.trigger(() => runs.push(3));
  d.cancel();
  mock.timers.tick(1000);
  d.trigger(() => runs.push(4));
  d.dispose();
  d.trigger(() => runs.push(5));
  mock.timers.tick(1000);
  assert.deepEqual(runs, [1, 2]);
});

test('Throttle (trailing): a burst is one run at the end of the window; at most one run per window', () => {
  let runs = 0;
  const t = new Throttle(() => { runs++; }, 500);
  for (let i = 0; i < 100; i++) {
    t.schedule();
    mock.timers.tick(4);
  }
  // 100 requests over 400 ms: one run, 500 ms after the first.
  assert.equal(runs, 0);
  mock.timers.tick(99);
  assert.equal(runs, 0, 'not before the window ends');
  mock.timers.tick(1);
  assert.equal(runs, 1);
  t.schedule();
  mock.timers.tick(499);
  assert.equal(runs, 1, 'the next request waits a whole window too');
  mock.timers.tick(1);
  assert.equal(runs, 2);
  mock.timers.tick(5000);
  assert.equal(runs, 2, 'no request, no run');
});

test('Throttle: flush bypasses the window (a manual refresh) and drops the waiting run', () => {
  let runs = 0;
  const t = new Throttle(() => { runs++; }, 500);
  t.schedule();
  mock.timers.tick(100);
  t.flush();
  assert.equal(runs, 1, 'at once');
  assert.equal(t.isScheduled, false);
  mock.timers.tick(1000);
  assert.equal(runs, 1, 'the waiting run was served by the flush');
  t.schedule();
  t.dispose();
  mock.timers.tick(1000);
  t.flush();
  t.schedule();
  mock.timers.tick(1000);
  assert.equal(runs, 1, 'nothing runs once disposed');
});

test('Throttle (leading): at once when idle (requests of one tick are one run), then at most once per window', async () => {
  let runs = 0;
  const t = new Throttle(() => { runs++; }, 100, { leading: true });
  t.schedule();
  t.schedule();
  assert.equal(runs, 0, 'not synchronously: the requests of this tick join');
  await microtasks();
  assert.equal(runs, 1, 'idle: without waiting for the window (the clock did not move)');
  mock.timers.tick(30);
  t.schedule();
  t.schedule();
  await microtasks();
  assert.equal(runs, 1, 'within the window: waits');
  mock.timers.tick(69);
  assert.equal(runs, 1);
  mock.timers.tick(1);
  assert.equal(runs, 2, 'at the end of the window that began with the last run');
  mock.timers.tick(100);
  t.schedule();
  await microtasks();
  assert.equal(runs, 3, 'a whole window later: idle again, at once');
});

test('Throttle (leading): a run that had nothing to do (returns false) starts no window', async () => {
  let work = false;
  let runs = 0;
  const t = new Throttle(() => {
    runs++;
    return work;
  }, 100, { leading: true });
  t.schedule();
  await microtasks();
  work = true;
  t.schedule();
  await microtasks();
  assert.equal(runs, 2, 'the empty run did not hold the next one back');
  t.schedule();
  await microtasks();
  assert.equal(runs, 2, 'the real one did');
  mock.timers.tick(100);
  assert.equal(runs, 3);
  t.cancel();
});

test('an injected clock is the only time the scheduler reads', () => {
  const set: number[] = [];
  let now = 0;
  const callbacks: (() => void)[] = [];
  const clock: Clock = {
    now: () => now,
    setTimeout: (cb, ms) => { set.push(ms); callbacks.push(cb); return callbacks.length - 1; },
    clearTimeout: () => undefined,
  };
  let runs = 0;
  const t = new Throttle(() => { runs++; }, 120, { leading: true, clock });
  t.flush();
  now = 20;
  t.schedule();
  assert.deepEqual(set, [100], 'the rest of the window, by the injected clock');
  callbacks[0]();
  assert.equal(runs, 2);
  new Delayer(7, clock).trigger(() => undefined);
  assert.deepEqual(set, [100, 7]);
  mock.timers.tick(10_000);
  assert.equal(runs, 2, 'no real timer was set');
  assert.equal(typeof realClock.now(), 'number');
});
