/**
 * SkaffoldOutputStore on its own, and on what a real Skaffold v2.7 sent: lines joined from
 * partial SkaffoldLogEvents, kept per task and per artifact, the newest build of an artifact,
 * levels as Skaffold's terminal shows them, bounds, and the files that triggered an iteration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { SkaffoldOutputStore } from '../../src/skaffold/streams/skaffoldOutput';
import { V2Event } from '../../src/skaffold/wire/protocolV2';
import { canonical, findRepoRoot, fixturesLayout, loadProto } from './conformance/protoTools';

const T0 = Date.UTC(2026, 10, 24, 13, 40, 0);
let clock = T0;

function at(ms = 1): V2Event['timestamp'] {
  clock += ms;
  return { seconds: String(Math.floor(clock / 1000)), nanos: (clock % 1000) * 1e6 };
}
/** A SkaffoldLogEvent; level null: left out, as Skaffold sends DEBUG (0). */
const out = (task_id: string, subtask_id: string, message: string, level: string | null = 'STANDARD'): V2Event =>
  ({ timestamp: at(), skaffoldLogEvent: { task_id, subtask_id, message, ...(level !== null ? { level } : {}) }, event_type: 'skaffoldLogEvent' });
const task = (id: string, status: string, message?: string): V2Event => {
  const [name, n] = id.split('-');
  return { timestamp: at(), taskEvent: { id, task: name, iteration: Number(n), status, ...(message ? { actionableErr: { errCode: 'BUILD_UNKNOWN', message } } : {}) }, event_type: 'taskEvent' };
};

test('a line split over several events is one line; until its newline it shows as it is so far', () => {
  const store = new SkaffoldOutputStore();
  const appended: [string, string, string[]][] = [];
  store.onDidAppend((t, s, lines) => appended.push([t, s, lines]));
  store.apply(out('Build-1', 'example/app', ' - example/app -> '));
  assert.deepEqual(store.outputLines('Build-1').map((l) => [l.text, l.complete]), [[' - example/app -> ', false]]);
  store.apply(out('Build-1', 'example/worker', ' - example/worker -> '));
  store.apply(out('Build-1', 'example/app', 'example/app:latest\n'));
  store.apply(out('Build-1', 'example/worker', 'example/worker:latest\nChecking'));
  store.apply(out('Build-1', 'example/worker', ' cache...\r\n'));
  assert.deepEqual(store.output('Build-1'), [' - example/app -> example/app:latest', ' - example/worker -> example/worker:latest', 'Checking cache...'],
    'in the order the lines began, each subtask\'s fragments joined');
  assert.deepEqual(appended, [
    ['Build-1', 'example/app', [' - example/app -> example/app:latest']],
    ['Build-1', 'example/worker', [' - example/worker -> example/worker:latest']],
    ['Build-1', 'example/worker', ['Checking cache...']],
  ], 'an append event for each completed line, none for a fragment');
});

test('per artifact: one subtask\'s lines, and the newest build that has lines for it', () => {
  const store = new SkaffoldOutputStore();
  store.apply(task('Build-1', 'InProgress'));
  store.apply(out('Build-1', '-1', 'Starting build...\n'));
  store.apply(out('Build-1', 'example/app', 'Building [example/app]...\n'));
  store.apply(out('Build-1', 'example/worker', 'Building [example/worker]...\n'));
  store.apply(out('Build-1', 'example/app', 'Build [example/app] succeeded\n'));
  store.apply(task('Build-1', 'Succeeded'));
  store.apply(out('Deploy-1', '0', 'Waiting for deployments to stabilize...\n'));
  store.apply(task('Build-2', 'InProgress'));
  store.apply(out('Build-2', 'example/app', 'Building [example/app]...\n'));
  store.apply(out('Build-2', 'example/app', 'step 3/5: go build: undefined: foo\n'));
  store.apply(task('Build-2', 'Failed', 'build [example/app] failed'));
  store.apply(task('Build-3', 'InProgress')); // started, no output yet

  assert.deepEqual(store.output('Build-1', 'example/app'), ['Building [example/app]...', 'Build [example/app] succeeded']);
  assert.deepEqual(store.output('Build-1', '-1'), ['Starting build...']);
  assert.equal(store.latestTask('Build', 'example/app'), 'Build-2');
  assert.equal(store.latestTask('Build', 'example/worker'), 'Build-1', 'the worker was not rebuilt in Build-2');
  assert.equal(store.latestTask('Build'), 'Build-2', 'Build-3 has no lines yet');
  assert.equal(store.latestTask('Deploy'), 'Deploy-1');
  assert.equal(store.latestTask('StatusCheck'), undefined);
  assert.equal(store.latestTask('Build', 'example/other'), undefined);
  const build2 = store.tasks().find((t) => t.id === 'Build-2');
  assert.deepEqual(build2 && { task: build2.task, iteration: build2.iteration, status: build2.status, error: build2.error, lineCount: build2.lineCount, subtasks: build2.subtasks },
    { task: 'Build', iteration: 2, status: 'Failed', error: 'build [example/app] failed', lineCount: 2, subtasks: ['example/app'] });
  assert.deepEqual(store.tasks().map((t) => t.id), ['Build-1', 'Deploy-1', 'Build-2', 'Build-3']);
});

test('DEBUG (sent without level) and TRACE lines are hidden as in Skaffold\'s terminal, unless asked for', () => {
  const store = new SkaffoldOutputStore();
  store.apply(out('DevLoop-0', '-1', 'config version out of date\n', null));
  store.apply(out('DevLoop-0', '-1', 'starting gRPC server on port 50051\n', 'INFO'));
  store.apply(out('DevLoop-0', '-1', 'trace detail\n', 'TRACE'));
  store.apply(out('DevLoop-0', '-1', 'Listing files to watch...\n'));
  store.apply(out('DevLoop-0', '-1', 'a level from a newer Skaffold\n', 42 as unknown as string));
  assert.deepEqual(store.output('DevLoop-0'), ['starting gRPC server on port 50051', 'Listing files to watch...', 'a level from a newer Skaffold']);
  assert.deepEqual(store.outputLines('DevLoop-0', undefined, { all: true }).map((l) => l.level), ['DEBUG', 'INFO', 'TRACE', 'STANDARD', 42]);
  store.apply(out('DevLoop-1', '-1', 'only debug\n', null));
  assert.equal(store.latestTask('DevLoop'), 'DevLoop-0', 'a task with only hidden lines has no lines to show');
  assert.equal(store.latestTask('DevLoop', undefined, { all: true }), 'DevLoop-1');
});

test('bounded: lines per task, number of tasks (the oldest go), line length', () => {
  const store = new SkaffoldOutputStore({ maxLinesPerTask: 3, maxTasks: 2, maxLineLength: 50 });
  for (let i = 0; i < 10; i++) {
    store.apply(out('Build-1', 'example/app', `line ${i}\n`));
  }
  assert.deepEqual(store.output('Build-1'), ['line 7', 'line 8', 'line 9']);
  store.apply(out('Deploy-1', '-1', 'deploy\n'));
  store.apply(out('StatusCheck-1', '-1', 'check\n'));
  assert.deepEqual(store.tasks().map((t) => t.id), ['Deploy-1', 'StatusCheck-1']);
  assert.deepEqual(store.output('Build-1'), []);
  assert.equal(store.latestTask('Build', 'example/app'), undefined);
  // A line that never ends stays bounded however many fragments come.
  for (let i = 0; i < 1000; i++) {
    store.apply(out('Deploy-1', '0', 'x'.repeat(1000)));
  }
  const [long] = store.output('Deploy-1', '0');
  assert.ok(long.length < 100, `${long.length} characters`);
  assert.match(long, /line cut at 50 characters/);

  const byLines = new SkaffoldOutputStore({ maxLinesPerTask: 5, maxTotalLines: 7 });
  for (let i = 0; i < 5; i++) {
    byLines.apply(out('Build-1', '-1', `b${i}\n`));
  }
  for (let i = 0; i < 4; i++) {
    byLines.apply(out('Deploy-1', '-1', `d${i}\n`));
  }
  assert.deepEqual([byLines.output('Build-1'), byLines.output('Deploy-1')], [['b2', 'b3', 'b4'], ['d0', 'd1', 'd2', 'd3']], 'at most 7 lines in all, the oldest task\'s go first');
});

test('"files modified: [a b]" lines: the trigger of the next iteration', () => {
  const store = new SkaffoldOutputStore();
  store.apply(task('DevLoop-1', 'InProgress'));
  store.apply(task('DevLoop-1', 'Succeeded'));
  store.apply(out('DevLoop-1', '-1', 'files modified: [src/a.txt src/b.txt]\n', 'INFO'));
  store.apply(out('DevLoop-1', '-1', 'files added: [src/new.go]\n', 'INFO'));
  store.apply(task('DevLoop-2', 'InProgress'));
  store.apply(out('DevLoop-2', '-1', 'files deleted: [old.txt]\n', 'INFO'));
  store.apply(out('DevLoop-2', '-1', 'the files modified: [not a trigger]\n', 'INFO'));
  assert.deepEqual(store.triggers().map(({ taskId, kind, files, iteration }) => ({ taskId, kind, files, iteration })), [
    { taskId: 'DevLoop-1', kind: 'modified', files: ['src/a.txt', 'src/b.txt'], iteration: 2 },
    { taskId: 'DevLoop-1', kind: 'added', files: ['src/new.go'], iteration: 2 },
    { taskId: 'DevLoop-2', kind: 'deleted', files: ['old.txt'], iteration: undefined },
  ]);
  assert.ok(store.triggers().every((t) => typeof t.at === 'number'));
  const bounded = new SkaffoldOutputStore({ maxTriggers: 2 });
  for (let i = 0; i < 5; i++) {
    bounded.apply(out('DevLoop-1', '-1', `files modified: [f${i}]\n`, 'INFO'));
  }
  assert.deepEqual(bounded.triggers().map((t) => t.files), [['f3'], ['f4']]);
});

test('reset() forgets everything; bad input is ignored without a throw', () => {
  const store = new SkaffoldOutputStore();
  let resets = 0;
  store.onDidReset(() => resets++);
  store.apply(out('Build-1', '-1', 'x\n'));
  store.apply(out('Build-1', '-1', 'files modified: [a]\n'));
  store.reset();
  assert.deepEqual([store.tasks(), store.triggers(), resets], [[], [], 1]);
  const bad = [null, {}, { skaffoldLogEvent: 'x' }, { skaffoldLogEvent: { message: 7 } }, { taskEvent: { id: 12 } }, { taskEvent: null },
    { skaffoldLogEvent: { task_id: '\u001b[31mBuild-1\u001b[0m', message: 'colour\n' } }] as unknown as V2Event[];
  for (const e of bad) {
    assert.doesNotThrow(() => store.apply(e));
  }
  assert.deepEqual(store.tasks().map((t) => t.id), ['Build-1'], 'the id is cleaned');
});

// ---------------------------------------------------------------- on what a real Skaffold sent

const repoRoot = findRepoRoot(__dirname);
const fixtures = fixturesLayout(repoRoot);

/** A recorded event log (protojson, one per line, test/fixtures/recorded) in the form the client receives it. */
function recorded(scenario: string): V2Event[] {
  const file = path.join(fixtures.recorded, scenario, 'events.json.v2');
  const root = loadProto(path.join(repoRoot, 'proto', 'v2', 'skaffold.proto'), [path.join(repoRoot, 'proto')]);
  const type = root.lookupType('proto.v2.Event');
  const problems: string[] = [];
  const events = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => canonical(JSON.parse(l), type, `${scenario}:${i + 1}`, problems));
  assert.deepEqual(problems, []);
  return events as V2Event[];
}

test('recorded: a build that failed and the one that fixed it, as Skaffold v2.7 reported them', () => {
  const events = recorded('build-fail-rebuild');
  const store = new SkaffoldOutputStore();
  events.forEach((e) => store.apply(e));
  assert.equal(store.latestTask('Build', 'example/app'), 'Build-3');
  assert.equal(store.latestTask('Build', 'example/worker'), 'Build-1');
  assert.deepEqual(store.output('Build-2', 'example/app'), [
    ' - example/app -> example/app:latest',
    ' - example/app: Not found. Building',
    'Building [example/app]...',
    'building example/app:latest',
    'build failed on purpose for example/app:latest',
    'building custom artifact: exit status 1',
  ]);
  const build2 = store.tasks().find((x) => x.id === 'Build-2');
  assert.equal(build2?.status, 'Failed');
  assert.match(build2?.error ?? '', /build \[example\/app\] failed: building custom artifact: exit status 1/);
  assert.deepEqual(store.output('Deploy-1', '0').slice(0, 2), [' - deployment.apps/app created', ' - service/app created']);
  assert.deepEqual(store.triggers().map((x) => [x.taskId, x.files, x.iteration]), [['DevLoop-1', ['src/a.txt'], 2], ['DevLoop-2', ['src/a.txt'], 3]]);
});
