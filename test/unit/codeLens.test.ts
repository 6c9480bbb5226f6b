/**
 * The CodeLens on a Skaffold project's files, as a user reads them: on the `image:` line of
 * the recorded sessions' skaffold.yaml after a build, while building, after a failed build
 * and its fix; on a manifest's workload `name:` after a rollout and in a crash loop. The
 * states are what the reducer makes of what a real Skaffold sent (test/fixtures/recorded);
 * `now` is passed, never read from the clock.
 */
import { test } from 'node:test';
import { codecFor } from '../../src/skaffold/wire/protoJson';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigIndex, indexSkaffoldProject } from '../../src/skaffold/project/configLocations';
import { codeLensesFor, FileLenses, Lens, LENS_COMMANDS, LensSession } from '../../src/skaffold/project/codeLens';
import { initialState, SessionState } from '../../src/skaffold/state/model';
import { reduce } from '../../src/skaffold/state/reducer';
import { Event, LogEntry } from '../../src/skaffold/wire/protocol';
import { CommandId } from '../../src/common/ids';
import { memoryFiles } from '../fixtures/problems/files';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const recorded = path.join(repoRoot, 'test', 'fixtures', 'recorded');

/** The project as the recordings ran it: their skaffold.yaml and the two manifests it lists. */
const project = path.join(path.sep, 'demo');
const CONFIG = path.join(project, 'skaffold.yaml');
const APP_MANIFEST = path.join(project, 'k8s', 'app.yaml');
const WORKER_MANIFEST = path.join(project, 'k8s', 'worker.yaml');
const OTHER_FILE = path.join(project, 'other.yaml');

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: ${name}
        image: example/${name}
`;

const FILES: Record<string, string> = {
  [CONFIG]: fs.readFileSync(path.join(recorded, 'ok', 'skaffold.yaml'), 'utf8'),
  [APP_MANIFEST]: `apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  ports:
  - port: 8080
---
${deployment('app')}`,
  [WORKER_MANIFEST]: deployment('worker'),
  [OTHER_FILE]: 'kind: ConfigMap\nmetadata:\n  name: app\n',
};

let indexed: Promise<ConfigIndex> | undefined;
function index(): Promise<ConfigIndex> {
  indexed ??= indexSkaffoldProject(CONFIG, memoryFiles(FILES));
  return indexed;
}

/** The 0-based line of a file whose text (trimmed) is `text`, the `nth` one. */
function lineOf(file: string, text: string, nth = 0): number {
  const lines = FILES[file].split('\n').map((l, i) => [l.trim(), i] as const).filter(([l]) => l === text);
  assert.ok(lines[nth], `${text} in ${file}`);
  return lines[nth][1];
}

/** An events.json line as the gRPC side gives the same event (src/skaffold/wire/protoJson.ts). */
function fromProtoJson(line: string): LogEntry {
  return codecFor('v1').fromJson(JSON.parse(line)) as unknown as LogEntry;
}

function recording(scenario: string): LogEntry[] {
  return fs.readFileSync(path.join(recorded, scenario, 'events.json'), 'utf8').split('\n').filter((l) => l.trim()).map(fromProtoJson);
}

function replay(events: LogEntry[], seed: SessionState = initialState()): SessionState {
  return events.reduce((s, e) => reduce(s, e).state, seed);
}

/** The events up to and including the first one `match` finds (after `from`). */
function until(events: LogEntry[], match: (e: LogEntry) => boolean, from = 0): LogEntry[] {
  const i = events.findIndex((e, n) => n >= from && match(e));
  assert.ok(i >= 0, 'the recording has that event');
  return events.slice(0, i + 1);
}

const buildOf = (artifact: string, status: string) => (e: LogEntry) => e.event?.buildEvent?.artifact === artifact && e.event.buildEvent.status === status;

/** An event of our own, `ms` after the time of `after` (the last event replayed). */
function later(after: LogEntry, ms: number, event: Event): LogEntry {
  const t = Number(after.timestamp!.seconds) * 1000 + Math.round((after.timestamp!.nanos ?? 0) / 1e6) + ms;
  return { timestamp: { seconds: String(Math.floor(t / 1000)), nanos: (t % 1000) * 1e6 }, event: { ...event, event_type: Object.keys(event)[0] } as Event, entry: '' };
}

function session(state: SessionState, over: Partial<LensSession> = {}): LensSession {
  return { id: 'launched-1', label: 'demo', state, connected: true, ...over };
}

/** The lenses on a line, in order. */
function at(result: FileLenses, line: number): Lens[] {
  return result.lenses.filter((l) => l.range.startLine === line);
}

const titles = (lenses: Lens[]) => lenses.map((l) => l.title);

/** Every lens covers what it says it is about (the extension drops one that no longer does, after an edit). */
function assertInPlace(file: string, result: FileLenses): void {
  for (const l of result.lenses) {
    assert.equal(l.range.endLine, l.range.startLine);
    assert.equal(FILES[file].split('\n')[l.range.startLine].slice(l.range.startCharacter, l.range.endCharacter), l.subject, l.title);
  }
}

test('the lenses run the commands the extension registers', () => {
  assert.equal(LENS_COMMANDS.build, CommandId.Build);
  assert.equal(LENS_COMMANDS.sync, CommandId.Sync);
  assert.equal(LENS_COMMANDS.showOutput, CommandId.ShowOutput);
  assert.equal(LENS_COMMANDS.showLogs, CommandId.ShowContainerLogs);
});

test('after a build: "built 12s ago in 1.0s" on its image: line, with Build Now, Show Output and Show Logs', async () => {
  const events = recording('ok');
  const state = replay(events);
  const app = state.artifacts.get('example/app')!;
  const builtAt = app.lastResult!.at!;
  const result = codeLensesFor(CONFIG, await index(), [session(state)], builtAt + 12_400);
  const line = lineOf(CONFIG, '- image: example/app');
  const lenses = at(result, line);
  assert.deepEqual(titles(lenses), ['$(pass) built 12s ago in 1.0s', 'Build Now', 'Show Output', 'Show Logs']);
  assert.equal(lenses[0].command, undefined, 'the state is text, not a button');
  assert.deepEqual(lenses[1].command, { id: LENS_COMMANDS.build, args: [{ sessionId: 'launched-1', kind: 'artifact', name: 'example/app' }] });
  assert.deepEqual(lenses[3].command, { id: LENS_COMMANDS.showLogs, args: [{ sessionId: 'launched-1', kind: 'artifact', name: 'example/app' }] });
  assert.equal(FILES[CONFIG].split('\n')[line].slice(lenses[0].range.startCharacter, lenses[0].range.endCharacter), 'example/app', 'on the image value');
  assertInPlace(CONFIG, result);
  // The worker was built in the first iteration, 13 s before the app's rebuild.
  const worker = at(result, lineOf(CONFIG, '- image: example/worker'));
  const workerAgo = Math.floor((builtAt + 12_400 - state.artifacts.get('example/worker')!.lastResult!.at!) / 1000);
  assert.equal(workerAgo, 25);
  assert.equal(worker[0].title, '$(pass) built 25s ago in 1.0s');
  // The earliest relative time to change: the app's, at 13 s.
  assert.equal(result.refreshAt, builtAt + 13_000);
  assert.equal(codeLensesFor(CONFIG, await index(), [session(state)], builtAt + 13_000).lenses[0].title, '$(pass) built 13s ago in 1.0s');
  assert.equal(codeLensesFor(CONFIG, await index(), [session(state)], builtAt + 2_000).lenses[0].title, '$(pass) built just now in 1.0s');
  assert.equal(codeLensesFor(CONFIG, await index(), [session(state)], builtAt + 3 * 60_000 + 1).lenses[0].title, '$(pass) built 3m ago in 1.0s');
});

test('while building: "building…", no Build Now, and no timer for it', async () => {
  const events = recording('ok');
  const firstDone = events.findIndex(buildOf('example/app', 'Complete'));
  const state = replay(until(events, buildOf('example/app', 'In Progress'), firstDone + 1));
  assert.equal(state.devLoop.iteration, 1, 'the rebuild of the second iteration');
  const result = codeLensesFor(CONFIG, await index(), [session(state)], Date.parse('2026-11-24T13:40:25Z'));
  const app = at(result, lineOf(CONFIG, '- image: example/app'));
  assert.deepEqual(titles(app), ['$(sync~spin) building…', 'Show Output', 'Show Logs']);
  const worker = at(result, lineOf(CONFIG, '- image: example/worker'));
  assert.deepEqual(titles(worker), ['$(pass) built 12s ago in 1.0s', 'Build Now', 'Show Output', 'Show Logs'], 'not rebuilt: its last build stands');

  const building = replay(until(events, buildOf('example/worker', 'In Progress')));
  const only = codeLensesFor(CONFIG, await index(), [session(building)], Date.parse('2026-11-24T13:40:25Z'));
  assert.deepEqual(titles(only.lenses), ['$(sync~spin) building…', 'Show Output'], 'the app not built yet has no lens; the worker nothing deployed to show logs of');
  assert.equal(only.refreshAt, undefined, 'no relative time shown: nothing to refresh');
});

test('a failed build: its message on the line, what still runs in the tooltip; then cleared by the fix', async () => {
  const events = recording('build-fail-rebuild');
  const failed = replay(until(events, buildOf('example/app', 'Failed')));
  const line = lineOf(CONFIG, '- image: example/app');
  const now = Date.parse('2026-11-24T13:41:00Z');
  const lenses = at(codeLensesFor(CONFIG, await index(), [session(failed)], now), line);
  assert.deepEqual(titles(lenses), ['$(error) build failed: building custom artifact: exit status 1', 'Build Now', 'Show Output', 'Show Logs']);
  assert.match(lenses[0].tooltip ?? '', /Still running the build from iteration 0/);

  // An iteration that rebuilds only the worker resets the app to Not Started: its failure still stands, from #1.
  const after = until(events, (e) => e.event?.devLoopEvent?.status === 'Failed');
  const reset = replay([
    ...after,
    later(after[after.length - 1], 5_000, { devLoopEvent: { iteration: 2, status: 'In Progress' } }),
    later(after[after.length - 1], 5_100, { buildEvent: { artifact: 'example/worker', status: 'In Progress' } }),
  ]);
  assert.equal(reset.artifacts.get('example/app')?.status, 'Not Started');
  assert.equal(at(codeLensesFor(CONFIG, await index(), [session(reset)], now), line)[0].title, '$(error) last build failed · #1: building custom artifact: exit status 1');

  const fixed = replay(events);
  const builtAt = fixed.artifacts.get('example/app')!.lastResult!.at!;
  assert.equal(at(codeLensesFor(CONFIG, await index(), [session(fixed)], builtAt + 1_000), line)[0].title, '$(pass) built just now in 1.0s');
});

test('Build Now only where Skaffold would build: not with auto build on, not when not connected', async () => {
  const state = replay(recording('manual'));
  const line = lineOf(CONFIG, '- image: example/app');
  const now = Date.parse('2026-11-24T13:42:00Z');
  const auto = { ...state, autoTrigger: { ...state.autoTrigger, build: true } };
  assert.ok(!titles(at(codeLensesFor(CONFIG, await index(), [session(auto)], now), line)).includes('Build Now'));
  assert.ok(!titles(at(codeLensesFor(CONFIG, await index(), [session(state, { connected: false })], now), line)).includes('Build Now'));
  assert.ok(titles(at(codeLensesFor(CONFIG, await index(), [session(state)], now), line)).includes('Build Now'));
});

test('a deployed workload: the check\'s verdict and its pods on its name, not on the Service of the same name', async () => {
  const events = recording('ok');
  const state = replay(events);
  const result = codeLensesFor(APP_MANIFEST, await index(), [session(state)], Date.parse('2026-11-24T13:41:00Z'));
  const deploymentName = lineOf(APP_MANIFEST, 'name: app', 1);
  assert.deepEqual(titles(result.lenses), ['$(pass) ready · 1/1 pod running', 'Show Logs']);
  assert.ok(result.lenses.every((l) => l.range.startLine === deploymentName), 'the Deployment\'s name, the second document');
  assert.deepEqual(result.lenses[1].command, { id: LENS_COMMANDS.showLogs, args: [{ sessionId: 'launched-1', kind: 'resource', name: 'deployment/app' }] });
  assert.equal(result.refreshAt, undefined);
  assertInPlace(APP_MANIFEST, result);
  const worker = codeLensesFor(WORKER_MANIFEST, await index(), [session(state)], 0);
  assert.deepEqual(titles(worker.lenses), ['$(pass) ready · 1/1 pod running', 'Show Logs'], 'checked again in the second iteration, its pod of the first still running');
  // A verdict of an earlier iteration says which.
  const next = replay([later(events[events.length - 1], 5_000, { devLoopEvent: { iteration: 2, status: 'In Progress' } })], state);
  assert.deepEqual(titles(codeLensesFor(WORKER_MANIFEST, await index(), [session(next)], 0).lenses), ['$(pass) ready · #1 · 1/1 pod running', 'Show Logs']);
});

test('a crash loop: the pod\'s reason on its workload while the rollout waits, then the failure', async () => {
  const base = recording('ok');
  const last = base[base.length - 1];
  const pod = 'Pod/app-5d9c7b6f4a-x2k4q';
  const crashing: LogEntry[] = [
    later(last, 1_000, { devLoopEvent: { iteration: 2, status: 'In Progress' } }),
    later(last, 1_100, { deployEvent: { status: 'In Progress' } }),
    later(last, 1_200, { statusCheckEvent: { status: 'Started' } }),
    later(last, 3_000, { resourceStatusCheckEvent: { resource: pod, status: 'In Progress', message: 'container app is backing off waiting to restart', statusCode: 'STATUSCHECK_CONTAINER_RESTARTING' } }),
    later(last, 3_100, { resourceStatusCheckEvent: { resource: 'deployment/app', status: 'In Progress', message: 'waiting for rollout to finish: 0 of 1 updated replicas are available...', statusCode: 'STATUSCHECK_DEPLOYMENT_ROLLOUT_PENDING' } }),
  ];
  const waiting = replay([...base, ...crashing]);
  const now = Date.parse('2026-11-24T13:41:00Z');
  const line = lineOf(APP_MANIFEST, 'name: app', 1);
  const rolling = at(codeLensesFor(APP_MANIFEST, await index(), [session(waiting)], now), line);
  assert.equal(rolling[0].title, '$(sync~spin) rolling out · 0/1 pod running · CrashLoopBackOff');
  assert.match(rolling[0].tooltip ?? '', /backing off waiting to restart/);

  const failed = replay([
    ...base, ...crashing,
    later(last, 60_000, { resourceStatusCheckEvent: { resource: 'deployment/app', status: 'Failed', message: 'deployment/app failed. Error: container app is backing off waiting to restart.', statusCode: 'STATUSCHECK_DEADLINE_EXCEEDED', actionableErr: { errCode: 'STATUSCHECK_DEADLINE_EXCEEDED', message: 'container app is backing off waiting to restart' } } }),
  ]);
  assert.equal(at(codeLensesFor(APP_MANIFEST, await index(), [session(failed)], now), line)[0].title, '$(error) failed · 0/1 pod running · CrashLoopBackOff');
});

test('server text is cleaned and bounded: escapes and invisible characters never reach a lens', async () => {
  const events = recording('build-fail-rebuild');
  const upTo = until(events, buildOf('example/app', 'In Progress'), 10);
  const nasty = `\u001b[31mboom\u001b[0m \u202eevil\u202c $(zap) ${'x'.repeat(500)}\nsecond line`;
  const state = replay([...upTo, later(upTo[upTo.length - 1], 1_000, { buildEvent: { artifact: 'example/app', status: 'Failed', err: nasty, errCode: 'BUILD_UNKNOWN', actionableErr: { errCode: 'BUILD_UNKNOWN', message: nasty } } })]);
  const [lens] = at(codeLensesFor(CONFIG, await index(), [session(state)], 0), lineOf(CONFIG, '- image: example/app'));
  assert.doesNotMatch(lens.title, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.doesNotMatch(lens.tooltip ?? '', /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'one line per part, no escapes');
  assert.ok(lens.title.startsWith('$(error) build failed: boom evil \\$(zap) xxx'), `${lens.title}: no icon of the server's making`);
  assert.ok(lens.title.length < 120, 'bounded');
});

test('several sessions on the same artifact: each lens says whose; one session does not', async () => {
  const state = replay(recording('ok'));
  const now = state.artifacts.get('example/app')!.lastResult!.at! + 12_000;
  const line = lineOf(CONFIG, '- image: example/app');
  const two = at(codeLensesFor(CONFIG, await index(), [session(state, { id: 'launched-1', label: 'dev' }), session(state, { id: 'attached-2', label: 'debug' })], now), line);
  assert.deepEqual(titles(two), ['$(pass) dev: built 12s ago in 1.0s', 'Build Now', 'Show Output', 'Show Logs', '$(pass) debug: built 12s ago in 1.0s', 'Build Now', 'Show Output', 'Show Logs']);
  assert.deepEqual((two[5].command?.args[0] as { sessionId: string }).sessionId, 'attached-2', 'each session\'s actions act on it');
  const one = at(codeLensesFor(CONFIG, await index(), [session(state, { label: 'dev' })], now), line);
  assert.equal(one[0].title, '$(pass) built 12s ago in 1.0s');
});

test('nothing on a file the project does not declare things in, nor without state', async () => {
  const state = replay(recording('ok'));
  assert.deepEqual(codeLensesFor(OTHER_FILE, await index(), [session(state)], 0).lenses, []);
  assert.deepEqual(codeLensesFor(CONFIG, await index(), [session(initialState())], 0).lenses, []);
  assert.deepEqual(codeLensesFor(CONFIG, await index(), [], 0), { lenses: [] });
});

test('changes not built yet (auto build off): counted on the artifact\'s lens, named in its tooltip; none, nothing said', async () => {
  const state = replay(recording('manual'));
  const app = state.artifacts.get('example/app')!;
  const now = app.lastResult!.at! + 5_000;
  const pending = (artifact: string) => (artifact === 'example/app'
    ? { build: { files: 3, since: now - 1000, sample: ['src/main.go', 'src/handler.go', 'go.mod'] }, sync: { files: 1, since: now - 500, sample: ['static/index.html'] } }
    : undefined);
  const result = codeLensesFor(CONFIG, await index(), [session(state, { pending })], now);
  const [lens] = at(result, lineOf(CONFIG, '- image: example/app'));
  assert.equal(lens.title, '$(pass) built 5s ago in 1.0s · 3 files changed · 1 file to sync');
  // The manual recording has every trigger off: Sync Now next to Build Now; with auto sync on, none.
  assert.deepEqual(titles(at(result, lineOf(CONFIG, '- image: example/app'))).slice(1, 3), ['Build Now', 'Sync Now']);
  const autoSync = { ...state, autoTrigger: { ...state.autoTrigger, sync: true } };
  const without = codeLensesFor(CONFIG, await index(), [session(autoSync, { pending })], now);
  assert.ok(!titles(at(without, lineOf(CONFIG, '- image: example/app'))).includes('Sync Now'));
  assert.match(lens.tooltip ?? '', /Changed since its last build: src\/main\.go, src\/handler\.go, go\.mod, static\/index\.html/);
  const [worker] = at(result, lineOf(CONFIG, '- image: example/worker'));
  assert.doesNotMatch(worker.title, /changed|to sync/);
});
