/**
 * ContainerLogStore on its own: lines per container and per pod, kept across dev-loop
 * iterations with a marker between them, bounded (lines, containers, line length), the replay
 * after a resubscribe recognised, server text cleaned of ANSI and control characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerLogStore, iterationMarker } from '../../src/skaffold/streams/containerLogs';
import { V2Event } from '../../src/skaffold/wire/protocolV2';

const T0 = Date.UTC(2026, 10, 24, 13, 40, 0);

/** An ApplicationLogs event as proto-loader decodes it, `ms` after T0. */
function log(pod: string, container: string, message: string, ms: number): V2Event {
  const at = T0 + ms;
  return {
    timestamp: { seconds: String(Math.floor(at / 1000)), nanos: (at % 1000) * 1e6 + 17 },
    applicationLogEvent: { containerName: container, podName: pod, prefix: `[${container}]`, message },
    event_type: 'applicationLogEvent',
  };
}

function collect(store: ContainerLogStore): [string, string[]][] {
  const got: [string, string[]][] = [];
  store.onDidAppend((key, lines) => got.push([key, lines]));
  return got;
}

test('lines go to their container; a pod shows its containers\' lines in order, each after its name', () => {
  const store = new ContainerLogStore();
  const appended = collect(store);
  store.append(log('app-1', 'app', 'listening on :8080\n', 10));
  store.append(log('app-1', 'sidecar', 'proxy ready\n', 20));
  store.append(log('worker-1', 'worker', 'hello from worker\n', 30));
  store.append(log('app-1', 'app', 'GET / 200\n', 40));

  assert.deepEqual(store.lines('app-1/app'), ['listening on :8080', 'GET / 200']);
  assert.deepEqual(store.lines('app-1/sidecar'), ['proxy ready']);
  assert.deepEqual(store.lines('worker-1/worker'), ['hello from worker']);
  assert.deepEqual(store.lines('nope/none'), []);
  assert.deepEqual(store.podLines('app-1'), ['[app] listening on :8080', '[sidecar] proxy ready', '[app] GET / 200']);
  assert.deepEqual(store.podLines('worker-1'), ['hello from worker'], 'a pod of one container: its lines as they are');
  assert.deepEqual(store.containers().map((c) => [c.key, c.pod, c.container, c.lineCount, c.lastAt]), [
    ['app-1/app', 'app-1', 'app', 2, T0 + 40],
    ['worker-1/worker', 'worker-1', 'worker', 1, T0 + 30],
    ['app-1/sidecar', 'app-1', 'sidecar', 1, T0 + 20],
  ], 'most recently written first');
  assert.deepEqual(appended, [
    ['app-1/app', ['listening on :8080']], ['app-1/sidecar', ['proxy ready']], ['worker-1/worker', ['hello from worker']], ['app-1/app', ['GET / 200']],
  ]);
});

test('a message without its newline is a line; one with several lines, or CRLF, is split', () => {
  const store = new ContainerLogStore();
  store.append(log('p', 'c', 'no newline', 1));
  store.append(log('p', 'c', 'one\ntwo\r\nthree\n', 2));
  store.append(log('p', 'c', '', 3));
  store.append(log('p', 'c', 'blank line follows\n\n', 4));
  assert.deepEqual(store.lines('p/c'), ['no newline', 'one', 'two', 'three', '', 'blank line follows', '']);
});

test('logs are kept across iterations, with a marker where a container\'s next iteration begins', () => {
  const store = new ContainerLogStore();
  store.beginIteration(1, T0);
  store.append(log('app-1', 'app', 'first run\n', 100));
  store.append(log('worker-1', 'worker', 'worker first run\n', 110));
  // Skaffold starts iteration 2 (and clears its own buffer); the Events stream says so.
  store.beginIteration(2, T0 + 1000);
  store.append(log('app-2', 'app', 'second run\n', 1100));
  store.append(log('worker-1', 'worker', 'worker second run\n', 1200));
  // The Events stream replays history on a resubscribe: an old start changes nothing.
  store.beginIteration(1, T0);
  store.append(log('worker-1', 'worker', 'still second run\n', 1300));

  assert.deepEqual(store.lines('app-1/app'), ['first run']);
  assert.deepEqual(store.lines('app-2/app'), ['second run'], 'a new pod starts without a marker');
  assert.deepEqual(store.lines('worker-1/worker'), ['worker first run', iterationMarker(2), 'worker second run', 'still second run']);
  assert.equal(iterationMarker(2), '── iteration #1 ──', 'numbered as the views number iterations (from 0)');
  assert.equal(store.iteration, 2);
});

test('the marker follows Skaffold\'s clock, whichever stream is first: lines that arrived before their iteration was known get none', () => {
  const store = new ContainerLogStore();
  // ApplicationLogs delivered the buffer of iteration 3 before Events told of its start.
  store.append(log('app-3', 'app', 'a\n', 3000));
  store.beginIteration(1, T0);
  store.beginIteration(2, T0 + 1000);
  store.beginIteration(3, T0 + 2000);
  store.append(log('app-3', 'app', 'b\n', 3100));
  store.beginIteration(4, T0 + 4000);
  store.append(log('app-3', 'app', 'c\n', 4100));
  assert.deepEqual(store.lines('app-3/app'), ['a', 'b', iterationMarker(4), 'c']);
});

test('lines of a new iteration that arrive before the news of its start get their marker put before them', () => {
  const store = new ContainerLogStore();
  const rewritten: string[] = [];
  store.onDidRewrite((key) => rewritten.push(key));
  store.beginIteration(1, T0);
  store.append(log('worker-1', 'worker', 'first\n', 100));
  store.append(log('worker-1', 'worker', 'second run\n', 1100)); // ApplicationLogs was quicker than Events
  store.append(log('worker-1', 'worker', 'second run, more\n', 1200));
  store.append(log('app-2', 'app', 'new pod\n', 1150));
  store.beginIteration(2, T0 + 1000);
  store.append(log('worker-1', 'worker', 'and more\n', 1300));
  assert.deepEqual(store.lines('worker-1/worker'), ['first', iterationMarker(2), 'second run', 'second run, more', 'and more']);
  assert.deepEqual(store.lines('app-2/app'), ['new pod'], 'a container with nothing before its iteration gets no marker');
  assert.deepEqual(rewritten, ['worker-1/worker']);
  assert.deepEqual(store.podLines('worker-1'), store.lines('worker-1/worker'), 'the pod view has the marker in its place');
});

test('a restarted Skaffold counts iterations from 1 again: its lines still come after a marker', () => {
  const store = new ContainerLogStore();
  store.beginIteration(1, T0);
  store.beginIteration(2, T0 + 1000);
  store.append(log('app-1', 'app', 'old process\n', 1500));
  store.beginIteration(1, T0 + 5000);
  store.append(log('app-1', 'app', 'new process\n', 5100));
  assert.deepEqual(store.lines('app-1/app'), ['old process', iterationMarker(1), 'new process']);
});

test('the replay after a resubscribe adds nothing; what is new after it is added once', () => {
  const store = new ContainerLogStore();
  const appended = collect(store);
  store.beginIteration(1, T0);
  const buffer = [log('app-1', 'app', 'one\n', 10), log('app-1', 'app', 'two\n', 20), log('worker-1', 'worker', 'w\n', 30)];
  store.beginSubscription();
  buffer.forEach((e) => store.append(e));
  // The stream drops; a new subscription gets Skaffold's buffer again, then a live line.
  store.beginSubscription();
  buffer.forEach((e) => assert.deepEqual(store.append(e), [], 'a replayed line is not added'));
  store.append(log('app-1', 'app', 'three\n', 40));
  assert.deepEqual(store.lines('app-1/app'), ['one', 'two', 'three']);
  assert.deepEqual(store.lines('worker-1/worker'), ['w']);
  assert.equal(appended.length, 4, 'no append event for the replay');

  // A new iteration: Skaffold's buffer now has only what came after its start.
  store.beginIteration(2, T0 + 1000);
  const second = [log('app-2', 'app', 'again\n', 1100)];
  second.forEach((e) => store.append(e));
  store.beginSubscription();
  second.forEach((e) => store.append(e));
  assert.deepEqual(store.lines('app-2/app'), ['again']);
});

test('the same text twice at the same time is two lines (the replay index counts, it does not just remember)', () => {
  const store = new ContainerLogStore();
  const same = log('app-1', 'app', 'tick\n', 10);
  store.beginSubscription();
  store.append(same);
  store.append({ ...same });
  store.beginSubscription();
  store.append(same);
  store.append({ ...same });
  store.append({ ...same });
  assert.deepEqual(store.lines('app-1/app'), ['tick', 'tick', 'tick'], 'two from the first subscription, the third is new');
});

test('ANSI sequences and control characters are removed, tab is kept', () => {
  const store = new ContainerLogStore();
  store.append(log('p', 'c', '\u001b[1;31mERROR\u001b[0m\tdisk \u001b]0;pwned\u0007full\u0007 \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ \u202eevil\u202c\rok\n', 1));
  store.append(log('p\u001b[2J', 'c\u0000', 'x\n', 2));
  assert.deepEqual(store.lines('p/c'), ['ERROR\tdisk full link evilok', 'x'], 'pod and container names are cleaned too');
  assert.deepEqual(store.containers().map((c) => c.key), ['p/c']);
});

test('a huge line is cut, and the number of lines per container is bounded', () => {
  const store = new ContainerLogStore({ maxLines: 5, maxLineLength: 100 });
  store.append(log('p', 'c', `${'x'.repeat(3_000_000)}\n`, 1));
  const [huge] = store.lines('p/c');
  assert.ok(huge.length < 150, `the line was cut (${huge.length} characters)`);
  assert.match(huge, /^x{100}… \[line cut at 100 characters\]$/);
  for (let i = 0; i < 12; i++) {
    store.append(log('p', 'c', `line ${i}\n`, 10 + i));
  }
  assert.deepEqual(store.lines('p/c'), ['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
  assert.equal(store.containers()[0].lineCount, 5);
  // One event of many lines keeps only the last maxLines of them.
  store.append(log('q', 'c', Array.from({ length: 50_000 }, (_, i) => `l${i}`).join('\n'), 100));
  assert.deepEqual(store.lines('q/c'), ['l49995', 'l49996', 'l49997', 'l49998', 'l49999']);
});

test('the number of containers is bounded: the least recently written one goes', () => {
  const store = new ContainerLogStore({ maxContainers: 3 });
  let changes = 0;
  store.onDidChangeContainers(() => changes++);
  store.append(log('a', 'c', '1\n', 1));
  store.append(log('b', 'c', '1\n', 2));
  store.append(log('c', 'c', '1\n', 3));
  store.append(log('a', 'c', '2\n', 4)); // a is now the most recently written
  store.append(log('d', 'c', '1\n', 5));
  assert.deepEqual(store.containers().map((c) => c.key), ['d/c', 'a/c', 'c/c'], 'b (least recently written) was dropped');
  assert.deepEqual(store.lines('a/c'), ['1', '2']);
  assert.deepEqual(store.lines('b/c'), []);
  assert.equal(changes, 4, 'a container appeared (a, b, c), then d appeared and b went (one event)');
});

test('all containers together stay within the size bound: the oldest lines go first', () => {
  const store = new ContainerLogStore({ maxLineLength: 100, maxTotalChars: 1000 });
  for (let i = 0; i < 20; i++) {
    store.append(log('old', 'c', `${String(i).padStart(3, '0')}${'o'.repeat(97)}\n`, i));
  }
  for (let i = 0; i < 5; i++) {
    store.append(log('new', 'c', `${String(i).padStart(3, '0')}${'n'.repeat(97)}\n`, 100 + i));
  }
  const total = store.containers().reduce((n, c) => n + store.lines(c.key).join('').length, 0);
  assert.ok(total <= 1000, `${total} characters kept`);
  assert.equal(store.lines('new/c').length, 5, 'the container being written keeps its lines');
  assert.deepEqual(store.lines('old/c').map((l) => l.slice(0, 3)), ['015', '016', '017', '018', '019'], 'the oldest lines of the other went');

  const byLines = new ContainerLogStore({ maxLines: 5, maxTotalLines: 8 });
  for (let i = 0; i < 5; i++) {
    byLines.append(log('a', 'c', `a${i}\n`, i));
  }
  for (let i = 0; i < 5; i++) {
    byLines.append(log('b', 'c', `b${i}\n`, 10 + i));
  }
  assert.deepEqual([byLines.lines('a/c'), byLines.lines('b/c')], [['a2', 'a3', 'a4'], ['b0', 'b1', 'b2', 'b3', 'b4']], 'at most 8 lines in all');
});

test('bad input (the stream is where v2 events come in unchecked): no log, wrong types, missing names give placeholders for names', () => {
  const store = new ContainerLogStore();
  const bad = [
    {}, { applicationLogEvent: undefined }, { applicationLogEvent: 'x' }, { timestamp: { seconds: 'NaN' }, applicationLogEvent: { message: 42 } },
    { applicationLogEvent: { podName: 7, containerName: null, message: 'orphan\n' } }, null,
  ] as unknown as V2Event[];
  for (const e of bad) {
    store.append(e);
  }
  store.beginIteration(Number.NaN, 5);
  store.beginIteration(2, undefined);
  assert.deepEqual(store.lines('(unknown pod)/(unknown container)'), ['', 'orphan']);
});
