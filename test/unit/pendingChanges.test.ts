/**
 * Pending changes while Skaffold waits to be told (auto-build or auto-sync off): which files
 * are an artifact's sources by Skaffold's rules (the `manual` recording's custom builders,
 * hand-written docker and custom configs with .dockerignore, dependencies and ignore, sync
 * rules), and what clears a mark (a build or a sync that started after the change; not a
 * change made while it ran). Every time is given: nothing reads the wall clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { indexSkaffoldProject, INDEX_LIMITS } from '../../src/skaffold/project/configLocations';
import { globMatch, loadArtifactSources, PendingChangeEvent, PendingChanges, PendingOptions } from '../../src/skaffold/project/pendingChanges';
import { initialState, SessionState } from '../../src/skaffold/state/model';
import { reduce } from '../../src/skaffold/state/reducer';
import { stateFromServer } from '../../src/skaffold/state/fromProto';
import { Event, LogEntry, State } from '../../src/skaffold/wire/protocol';
import { Clock } from '../../src/skaffold/base/schedule';
import { memoryFiles } from '../fixtures/problems/files';

const recorded = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'recorded', 'manual');

/** An event at a given time (ms since the epoch), as the reducer gets it. */
function at(ms: number, event: Event): LogEntry {
  return { timestamp: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }, event: { ...event, event_type: Object.keys(event)[0] }, entry: '' };
}
const build = (ms: number, artifact: string, status: string) => at(ms, { buildEvent: { artifact, status } });
const sync = (ms: number, status: string, image: string) => at(ms, { fileSyncEvent: { status, image, fileCount: 1 } });

function replay(events: LogEntry[], seed: SessionState): SessionState {
  return events.reduce((s, e) => reduce(s, e).state, seed);
}

/** A session that built `artifacts` once (at 1000 ms) with the given auto triggers. */
function session(artifacts: string[], autoTrigger: SessionState['autoTrigger']): SessionState {
  const seed = { ...initialState(), autoTrigger };
  return replay([
    at(900, { devLoopEvent: { iteration: 0, status: 'In Progress' } }),
    ...artifacts.flatMap((a) => [build(1000, a, 'In Progress'), build(1500, a, 'Complete')]),
    at(1600, { devLoopEvent: { iteration: 0, status: 'Succeeded' } }),
  ], seed);
}

const MANUAL = { build: false, sync: false, deploy: false };

/** The manual recording: its skaffold.yaml indexed where it is, its events replayed onto its GetState. */
async function manualRecording(options?: PendingOptions) {
  const root = path.join(recorded, 'skaffold.yaml');
  const index = await indexSkaffoldProject(root, memoryFiles({ [root]: fs.readFileSync(root, 'utf8') }));
  const loaded = await loadArtifactSources(index, async () => undefined);
  const events = fs.readFileSync(path.join(recorded, 'events.json'), 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const raw = JSON.parse(line) as { timestamp: string; event: Event };
    return at(Date.parse(raw.timestamp), raw.event);
  });
  const server = JSON.parse(fs.readFileSync(path.join(recorded, 'v1-state.json'), 'utf8')) as State;
  const state = replay(events, stateFromServer(server));
  const tracker = new PendingChanges(loaded.artifacts, options);
  tracker.applyState(state);
  const lastEvent = Date.parse('2026-11-24T13:41:21.932Z');
  return { tracker, state, dir: recorded, lastEvent };
}

/** A hand-written project in memory, at an abstract root. */
async function project(yaml: string, extra: Record<string, string> = {}, options?: PendingOptions) {
  const dir = path.resolve(path.sep, 'proj');
  const files: Record<string, string> = { [path.join(dir, 'skaffold.yaml')]: yaml };
  for (const [name, text] of Object.entries(extra)) {
    files[path.join(dir, name)] = text;
  }
  const index = await indexSkaffoldProject(path.join(dir, 'skaffold.yaml'), memoryFiles(files));
  const loaded = await loadArtifactSources(index, async (f) => files[path.normalize(f)]);
  const tracker = new PendingChanges(loaded.artifacts, options);
  const file = (rel: string) => path.join(dir, ...rel.split('/'));
  return { tracker, index, loaded, file };
}

test('manual recording: auto-build is off, a change under src/ marks example/app only, with the right count', async () => {
  const { tracker, state, dir, lastEvent } = await manualRecording();
  assert.equal(state.autoTrigger.build, false, 'the recording ran with auto-build off');
  assert.equal(tracker.pending('example/app'), undefined, 'nothing is pending right after a build');
  tracker.noteFileChange(path.join(dir, 'src', 'main.go'), lastEvent + 1000);
  tracker.noteFileChange(path.join(dir, 'src', 'lib', 'util.go'), lastEvent + 2000);
  tracker.noteFileChange(path.join(dir, 'src', 'main.go'), lastEvent + 3000); // the same file again
  tracker.noteFileChange(path.join(dir, 'src', 'api.go'), lastEvent + 4000);
  const app = tracker.pending('example/app');
  assert.deepEqual(app, { build: { files: 3, since: lastEvent + 2000, sample: ['src/api.go', 'src/main.go', 'src/lib/util.go'] } });
  assert.equal(tracker.pending('example/worker'), undefined, 'worker/** is its sources, not src/');

  // Not sources of either: the manifests, the config, a file beside them.
  tracker.noteFileChange(path.join(dir, 'k8s', 'app.yaml'), lastEvent + 5000);
  tracker.noteFileChange(path.join(dir, 'skaffold.yaml'), lastEvent + 5000);
  tracker.noteFileChange(path.join(dir, 'build.sh'), lastEvent + 5000);
  assert.equal(tracker.pending('example/app')?.build?.files, 3);
  assert.equal(tracker.pending('example/worker'), undefined);
  tracker.noteFileChange(path.join(dir, 'worker', 'main.go'), lastEvent + 6000);
  assert.equal(tracker.pending('example/worker')?.build?.files, 1);
});

test('manual recording: a build clears what changed before it started; a change during the build stays pending after it', async () => {
  const { tracker, state, dir, lastEvent } = await manualRecording();
  const t = lastEvent + 10_000;
  tracker.noteFileChange(path.join(dir, 'src', 'a.go'), t);
  tracker.noteFileChange(path.join(dir, 'src', 'b.go'), t + 100);
  tracker.noteFileChange(path.join(dir, 'worker', 'w.go'), t + 100);
  // The user presses Build Now: Skaffold rebuilds example/app, starting after both changes.
  let s = replay([at(t + 1000, { devLoopEvent: { iteration: 2, status: 'In Progress' } }), build(t + 1000, 'example/app', 'In Progress')], state);
  tracker.applyState(s);
  assert.equal(tracker.pending('example/app'), undefined, 'the running build took both changes');
  tracker.noteFileChange(path.join(dir, 'src', 'c.go'), t + 1500); // saved while it builds
  assert.deepEqual(tracker.pending('example/app')?.build?.sample, ['src/c.go']);
  s = replay([build(t + 2000, 'example/app', 'Complete'), at(t + 2100, { devLoopEvent: { iteration: 2, status: 'Succeeded' } })], s);
  tracker.applyState(s);
  assert.deepEqual(tracker.pending('example/app'), { build: { files: 1, since: t + 1500, sample: ['src/c.go'] } }, 'c.go was saved after the build started');
  assert.equal(tracker.pending('example/worker')?.build?.files, 1, 'a build of app does not clear worker');
});

test('a build that fails gives back the changes it had taken; a canceled one too', async () => {
  const { tracker, state, dir, lastEvent } = await manualRecording();
  const t = lastEvent + 10_000;
  tracker.noteFileChange(path.join(dir, 'src', 'a.go'), t);
  let s = replay([build(t + 1000, 'example/app', 'In Progress')], state);
  tracker.applyState(s);
  assert.equal(tracker.pending('example/app'), undefined);
  s = replay([build(t + 2000, 'example/app', 'Failed')], s);
  tracker.applyState(s);
  assert.equal(tracker.pending('example/app')?.build?.files, 1, 'the running image does not have a.go');
  s = replay([build(t + 3000, 'example/app', 'In Progress'), build(t + 3500, 'example/app', 'Canceled')], s);
  tracker.applyState(s);
  assert.equal(tracker.pending('example/app')?.build?.files, 1);
  // A build that completes, seen only once it is over (the state was coalesced).
  s = replay([build(t + 4000, 'example/app', 'In Progress'), build(t + 5000, 'example/app', 'Complete')], s);
  tracker.applyState(s);
  assert.equal(tracker.pending('example/app'), undefined);
});

test('a finished build and the next one, seen together: the first still clears what it took when the second fails', async () => {
  const { tracker, state, dir, lastEvent } = await manualRecording();
  const t = lastEvent + 10_000;
  tracker.noteFileChange(path.join(dir, 'src', 'a.go'), t);
  // One coalesced delivery: a build that completed, and the next one of the same artifact started.
  let s = replay([
    build(t + 1000, 'example/app', 'In Progress'), build(t + 2000, 'example/app', 'Complete'),
    at(t + 2100, { devLoopEvent: { iteration: 2, status: 'Succeeded' } }),
    at(t + 3000, { devLoopEvent: { iteration: 3, status: 'In Progress' } }), build(t + 3000, 'example/app', 'In Progress'),
  ], state);
  tracker.applyState(s);
  tracker.noteFileChange(path.join(dir, 'src', 'b.go'), t + 2500);
  s = replay([build(t + 4000, 'example/app', 'Failed')], s);
  tracker.applyState(s);
  assert.deepEqual(tracker.pending('example/app')?.build?.sample, ['src/b.go'], 'a.go was built by the build that completed');
});

test('reconnecting (the state starts again empty, then the history is replayed) keeps the marks', async () => {
  const { tracker, state, dir, lastEvent } = await manualRecording();
  tracker.noteFileChange(path.join(dir, 'src', 'a.go'), lastEvent + 1000);
  tracker.applyState(initialState());
  tracker.applyState({ ...initialState(), autoTrigger: MANUAL });
  tracker.applyState(state);
  assert.equal(tracker.pending('example/app')?.build?.files, 1);
});

test('a change while auto-build is on is not pending, and turning auto-build on drops the marks', async () => {
  const yaml = 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n    context: web\n';
  const { tracker, file } = await project(yaml);
  tracker.applyState(session(['web'], { build: true, sync: true, deploy: true }));
  tracker.noteFileChange(file('web/index.js'), 2000);
  assert.equal(tracker.pending('web'), undefined, 'Skaffold builds it on its own');
  assert.equal(tracker.watching, false, 'nothing to watch while every trigger is on');

  tracker.applyState(session(['web'], MANUAL));
  assert.equal(tracker.watching, true);
  tracker.noteFileChange(file('web/index.js'), 3000);
  assert.equal(tracker.pending('web')?.build?.files, 1);
  tracker.applyState(session(['web'], { build: true, sync: true, deploy: true }));
  assert.equal(tracker.pending('web'), undefined);
});

test('docker builder: the whole context except what .dockerignore excludes; the Dockerfile always', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: web', '    context: web', '    docker:', '      dockerfile: docker/Dockerfile.dev',
    '  - image: api', '    context: api',
  ].join('\n');
  const { tracker, file, loaded } = await project(yaml, {
    'web/.dockerignore': '# build output\nnode_modules\n*.md\n!KEEP.md\ndocker/**\n**/*.log\n',
    'api/Dockerfile.dockerignore': 'secret.txt\n',
    'api/.dockerignore': 'ignored-by-docker-only-when-alone\n',
  });
  assert.ok(loaded.ignoreFiles.includes(file('web/.dockerignore')));
  tracker.applyState(session(['web', 'api'], MANUAL));
  const changed = (rel: string) => {
    const before = tracker.pending('web')?.build?.files ?? 0;
    tracker.noteFileChange(file(rel), 2000);
    return (tracker.pending('web')?.build?.files ?? 0) > before;
  };
  assert.equal(changed('web/src/app.js'), true);
  assert.equal(changed('web/node_modules/x/index.js'), false, 'an ignored folder');
  assert.equal(changed('web/README.md'), false);
  assert.equal(changed('web/KEEP.md'), true, '`!` re-includes');
  assert.equal(changed('web/logs/a/b.log'), false, '`**` crosses folders');
  assert.equal(changed('web/docker/Dockerfile.dev'), true, 'the Dockerfile is a source though docker/** is ignored');
  assert.equal(changed('web/docker/other'), false);
  assert.equal(changed('webby/x.js'), false, 'a sibling folder whose name starts the same');
  assert.equal(tracker.pending('api'), undefined);
  assert.equal(changed('api/main.go'), false, 'another artifact\'s context');
  assert.deepEqual(tracker.pending('api')?.build?.sample, ['main.go']);

  tracker.noteFileChange(file('api/secret.txt'), 2000);
  assert.equal(tracker.pending('api')?.build?.files, 1, '<Dockerfile>.dockerignore is read first');
  tracker.noteFileChange(file('api/ignored-by-docker-only-when-alone'), 2000);
  assert.equal(tracker.pending('api')?.build?.files, 2, 'the context\'s .dockerignore is not read when the Dockerfile has its own');
});

test('custom builder: dependencies.paths as Skaffold globs them, dependencies.ignore drops files and whole folders', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: svc', '    context: svc', '    custom:', '      buildCommand: ./build.sh', '      dependencies:',
    '        paths: ["src", "*.go", "../libs/**"]', '        ignore: ["src/gen", "*_test.go"]',
    '  - image: nodeps', '    context: nodeps', '    custom:', '      buildCommand: ./build.sh',
  ].join('\n');
  const { tracker, file, index } = await project(yaml);
  assert.deepEqual(index.artifacts.map((a) => [a.image, a.builder, a.dependencies ?? null]), [
    ['svc', 'custom', { paths: ['src', '*.go', '../libs/**'], ignore: ['src/gen', '*_test.go'] }],
    ['nodeps', 'custom', null],
  ]);
  tracker.applyState(session(['svc', 'nodeps'], MANUAL));
  const marks = (rel: string) => {
    const before = tracker.pending('svc')?.build?.files ?? 0;
    tracker.noteFileChange(file(rel), 2000);
    return (tracker.pending('svc')?.build?.files ?? 0) - before;
  };
  assert.equal(marks('svc/src/a/b.go'), 1, 'a folder in paths means all under it');
  assert.equal(marks('svc/src/gen/types.go'), 0, 'an ignored folder is skipped whole');
  assert.equal(marks('svc/main.go'), 1);
  assert.equal(marks('svc/main_test.go'), 0);
  assert.equal(marks('svc/src/b_test.go'), 1, 'Go globs do not cross folders: Skaffold watches it');
  assert.equal(marks('svc/README.md'), 0, 'not in paths');
  assert.equal(marks('svc/cmd/x.go'), 0, '*.go is the context\'s top level only');
  assert.equal(marks('libs/lib/x.go'), 1, 'paths may leave the context');
  tracker.noteFileChange(file('nodeps/anything.go'), 2000);
  assert.equal(tracker.pending('nodeps'), undefined, 'a custom builder with no dependencies has no sources');
});

test('buildpacks without dependencies: every file of its context, none outside; ko: Go files and go.mod', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: bp', '    context: bp', '    buildpacks: {builder: gcr.io/buildpacks/builder:v1}',
    '  - image: ko', '    context: ko', '    ko: {}',
  ].join('\n');
  const { tracker, file } = await project(yaml);
  tracker.applyState(session(['bp', 'ko'], MANUAL));
  tracker.noteFileChanges(['bp/package.json', 'bp/src/a/b.js', 'other/x.js', 'bpx/y.js', 'ko/cmd/main.go', 'ko/go.mod', 'ko/README.md'].map((f) => ({ file: file(f), at: 2000 })));
  assert.deepEqual(tracker.pending('bp')?.build?.sample, ['src/a/b.js', 'package.json']);
  assert.deepEqual(tracker.pending('ko')?.build?.sample, ['go.mod', 'cmd/main.go']);
});

test('sync rules: files to sync and files to build are told apart; a sync clears its marks, not the build ones', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: example/web', '    context: web', '    sync:', '      manual:',
    '      - src: "static/**/*.css"', '        dest: /app', '        strip: static', '      infer: ["*.html"]',
  ].join('\n');
  const { tracker, file, index } = await project(yaml);
  assert.deepEqual(index.artifacts[0].sync, { manual: [{ src: 'static/**/*.css', dest: '/app', strip: 'static' }], infer: ['*.html'], auto: false });
  let state = session(['example/web'], MANUAL);
  tracker.applyState(state);
  tracker.noteFileChange(file('web/static/a/b.css'), 2000);
  tracker.noteFileChange(file('web/static/top.css'), 2100);
  tracker.noteFileChange(file('web/index.html'), 2200);
  tracker.noteFileChange(file('web/main.go'), 2300);
  assert.deepEqual(tracker.pending('example/web'), {
    build: { files: 1, since: 2300, sample: ['main.go'] },
    sync: { files: 3, since: 2000, sample: ['index.html', 'static/top.css', 'static/a/b.css'] },
  });
  state = replay([sync(3000, 'In Progress', 'example/web:v1'), sync(3500, 'Succeeded', 'example/web:v1')], state);
  tracker.applyState(state);
  tracker.noteFileChange(file('web/static/late.css'), 3200); // delivered late, saved during the sync
  assert.deepEqual(tracker.pending('example/web'), {
    build: { files: 1, since: 2300, sample: ['main.go'] },
    sync: { files: 1, since: 3200, sample: ['static/late.css'] },
  });
  // A build takes the files to sync too: the new image has them.
  state = replay([build(4000, 'example/web', 'In Progress'), build(4500, 'example/web', 'Complete')], state);
  tracker.applyState(state);
  assert.equal(tracker.pending('example/web'), undefined);

  // Auto-sync on, auto-build off: Skaffold syncs on its own; only the file to build is pending.
  tracker.applyState(replay([], { ...state, autoTrigger: { build: false, sync: true, deploy: false } }));
  tracker.noteFileChange(file('web/static/x.css'), 5000);
  tracker.noteFileChange(file('web/main.go'), 5000);
  assert.deepEqual(tracker.pending('example/web'), { build: { files: 1, since: 5000, sample: ['main.go'] } });
});

test('sync.auto (jib): changes count as build changes, and a sync of that image clears them; a sync of another image does not', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: example/jib', '    context: jib', '    jib: {}', '    sync: {auto: true}',
    '  - image: example/other', '    context: other',
  ].join('\n');
  const { tracker, file } = await project(yaml);
  let state = session(['example/jib', 'example/other'], MANUAL);
  tracker.applyState(state);
  tracker.noteFileChange(file('jib/src/main/resources/app.properties'), 2000);
  tracker.noteFileChange(file('other/x.js'), 2000);
  assert.deepEqual(tracker.pending('example/jib'), { build: { files: 1, since: 2000, sample: ['src/main/resources/app.properties'] } });
  state = replay([sync(3000, 'In Progress', 'example/jib:abc'), sync(3200, 'Succeeded', 'example/jib:abc')], state);
  tracker.applyState(state);
  assert.equal(tracker.pending('example/jib'), undefined);
  assert.equal(tracker.pending('example/other')?.build?.files, 1, 'neither a sync of example/jib nor a sync at all clears a build mark');
});

test('bounds: past maxPaths the changes are counted, not remembered; the sample stays small; a build clears them all', async () => {
  const yaml = 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n';
  const { tracker, file } = await project(yaml, {}, { maxPaths: 3 });
  let state = session(['web'], MANUAL);
  tracker.applyState(state);
  tracker.noteFileChanges(Array.from({ length: 10 }, (_, i) => ({ file: file(`src/f${i}.js`), at: 2000 + i })));
  const pending = tracker.pending('web')!.build!;
  assert.equal(pending.files, 10, 'three remembered and seven counted');
  assert.deepEqual(pending.sample, ['src/f2.js', 'src/f1.js', 'src/f0.js']);
  state = replay([build(3000, 'web', 'In Progress'), build(3500, 'web', 'Complete')], state);
  tracker.applyState(state);
  assert.equal(tracker.pending('web'), undefined);

  const many = await project(yaml);
  many.tracker.applyState(session(['web'], MANUAL));
  many.tracker.noteFileChanges(Array.from({ length: 50 }, (_, i) => ({ file: many.file(`f${i}`), at: 2000 + i })));
  assert.equal(many.tracker.pending('web')!.build!.sample.length, 5);
  assert.equal(many.tracker.pending('web')!.build!.sample[0], 'f49', 'the newest first');
});

test('onDidChange names the artifacts that were marked or cleared, and is silent for other files', async () => {
  const yaml = 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n    context: web\n  - image: api\n    context: api\n';
  const { tracker, file } = await project(yaml);
  const events: string[][] = [];
  tracker.onDidChange((e: PendingChangeEvent) => events.push([...e.artifacts]));
  let state = session(['web', 'api'], MANUAL);
  tracker.applyState(state);
  tracker.noteFileChange(file('docs/x.md'), 2000);
  assert.deepEqual(events, []);
  tracker.noteFileChange(file('web/x.js'), 2000);
  assert.deepEqual(events, [['web']]);
  state = replay([build(3000, 'web', 'In Progress')], state);
  tracker.applyState(state);
  assert.deepEqual(events, [['web'], ['web']]);
});

test('only artifacts the session builds are marked; a profile patch that only renames an image adds no sources', async () => {
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:', '  - image: web', '    context: web',
    'profiles:', '- name: p', '  patches:', '  - op: replace', '    path: /build/artifacts/0/image', '    value: web-renamed',
  ].join('\n');
  const { tracker, file, loaded } = await project(yaml);
  assert.deepEqual(loaded.artifacts.map((a) => a.image), ['web']);
  tracker.applyState(session(['other'], MANUAL));
  tracker.noteFileChange(file('web/x.js'), 2000);
  assert.equal(tracker.pending('web'), undefined, 'this session does not build web');
});

test('a change with no time is noted at the clock\'s now', async () => {
  const yaml = 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n';
  let now = 7000;
  const clock: Clock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined };
  const { tracker, file } = await project(yaml, {}, { clock });
  tracker.applyState(session(['web'], MANUAL));
  tracker.noteFileChange(file('a.js'));
  now = 9000;
  tracker.noteFileChange(file('b.js'));
  assert.deepEqual(tracker.pending('web')?.build, { files: 2, since: 7000, sample: ['b.js', 'a.js'] });
});

test('glob rules: Go globs keep `*` inside a folder; doublestar crosses folders and knows braces', () => {
  assert.equal(globMatch('*.go', 'a/b.go', 'go'), false);
  assert.equal(globMatch('**/*.go', 'a/b/c.go', 'go'), false, 'in Go `**` is `*`');
  assert.equal(globMatch('**/*.go', 'a/b/c.go', 'doublestar'), true);
  assert.equal(globMatch('**/*.go', 'c.go', 'doublestar'), true, '`**` takes no folder too');
  assert.equal(globMatch('static/*.{css,js}', 'static/a.js', 'doublestar'), true);
  assert.equal(globMatch('[a-c]?.txt', 'bx.txt', 'go'), true);
  assert.equal(globMatch('[^a-c]?.txt', 'bx.txt', 'go'), false);
  assert.equal(globMatch('a\\*b', 'a*b', 'go'), true);
  assert.equal(globMatch('a\\*b', 'axb', 'go'), false);
  assert.equal(globMatch('[abc', '[abc', 'go'), false, 'a malformed pattern matches nothing');
  // Bounded: many stars and braces cost little.
  assert.equal(globMatch(`${'*a'.repeat(50)}b`, 'a'.repeat(3000), 'go'), false);
  assert.equal(globMatch(`${'{a,b}'.repeat(40)}`, 'a'.repeat(40), 'doublestar'), true);
});

test('configLocations: each artifact\'s builder, Dockerfile, dependencies and sync rules, bounded', async () => {
  const many = Array.from({ length: INDEX_LIMITS.maxPatterns + 5 }, (_, i) => `"p${i}"`).join(', ');
  const yaml = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    '  - image: d', '  - image: k', '    kaniko: {dockerfile: build/Dockerfile}',
    '  - image: b', '    buildpacks: {builder: x, dependencies: {ignore: [vendor]}}',
    '  - image: c', '    custom:', '      dependencies:', '        dockerfile: {path: Dockerfile.custom}',
    '  - image: j', '    jib: {}', '    sync: {auto: true}',
    '  - image: many', '    custom:', `      dependencies: {paths: [${many}]}`,
  ].join('\n');
  const { index, loaded } = await project(yaml);
  assert.deepEqual(index.artifacts.map((a) => [a.image, a.builder, a.dockerfile ?? null, a.dependencies ?? null, a.sync ?? null]), [
    ['d', 'docker', 'Dockerfile', null, null],
    ['k', 'kaniko', 'build/Dockerfile', null, null],
    ['b', 'buildpacks', null, { ignore: ['vendor'] }, null],
    ['c', 'custom', 'Dockerfile.custom', {}, null],
    ['j', 'jib', null, null, { manual: [], infer: [], auto: true }],
    ['many', 'custom', null, { paths: Array.from({ length: INDEX_LIMITS.maxPatterns }, (_, i) => `p${i}`) }, null],
  ]);
  assert.ok(index.notes.some((n) => n.message === `More than ${INDEX_LIMITS.maxPatterns} dependency paths: the rest are not watched.`));
  assert.deepEqual(loaded.artifacts.map((a) => [a.image, a.rule.kind]), [
    ['d', 'context'], ['k', 'context'], ['b', 'paths'], ['c', 'context'], ['j', 'context'], ['many', 'paths'],
  ]);
});
