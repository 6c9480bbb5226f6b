/**
 * Skaffold's event-log files (`--event-log-file`): read as the gRPC side gives the same events,
 * opened as a read-only session that shows what the live session of the same Skaffold showed,
 * and written back exactly as Skaffold writes them. The recordings are real Skaffold v2.7.0
 * sessions (test/fixtures/recorded): events.json is its v1 event log, events.json.v2 its v2 one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { codecFor } from '../../src/skaffold/wire/protoJson';
import { formatEventLog, readEventLog } from '../../src/skaffold/wire/eventLogFile';
import { LogEntry, loadSkaffoldPackageDefinition } from '../../src/skaffold/wire/protocol';
import { V2Event } from '../../src/skaffold/wire/protocolV2';
import { SessionManager } from '../../src/skaffold/session/sessionManager';
import { SkaffoldSession } from '../../src/skaffold/session/session';
import { exportSession, NotAnEventLogError, openEventLog } from '../../src/skaffold/session/eventLogFiles';
import { SessionState, skaffoldView } from '../../src/skaffold/state/model';
import { SkaffoldOutputStore } from '../../src/skaffold/streams/skaffoldOutput';
import { computeProblems } from '../../src/skaffold/project/problems';
import { indexSkaffoldProject, ProjectFiles } from '../../src/skaffold/project/configLocations';
import { guardUnhandledRejections, until } from './helpers';

guardUnhandledRejections();

const root = path.resolve(__dirname, '..', '..', '..');
const recorded = path.join(root, 'test', 'fixtures', 'recorded');
const SCENARIOS = ['ok', 'manual', 'build-fail-rebuild'];

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-eventlog-'));
}

/** Runs `body` with a session manager and a scratch folder, both gone afterwards. */
async function inScratch(body: (manager: SessionManager, dir: string) => Promise<void>, options: { eventLogSize?: number } = {}): Promise<void> {
  const dir = tempDir();
  const manager = new SessionManager({ address: '127.0.0.1:1', ...options });
  try {
    await body(manager, dir);
  } finally {
    manager.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('every line of the recorded event logs, v1 and v2, reads and writes back byte for byte', () => {
  for (const scenario of SCENARIOS) {
    for (const [file, format] of [['events.json', 'v1'], ['events.json.v2', 'v2']] as const) {
      const codec = codecFor(format);
      for (const line of lines(path.join(recorded, scenario, file))) {
        const message = codec.fromJson(JSON.parse(line));
        assert.ok(message, `${scenario}/${file}: read`);
        assert.equal(codec.toJson(message), line, `${scenario}/${file}: written as Skaffold wrote it`);
      }
    }
  }
});

test('a file\'s event reads as the same object the gRPC side decodes from Skaffold\'s stream', () => {
  // A real Skaffold's Events stream as @grpc/proto-loader decoded it with our options.
  const decoded = JSON.parse(fs.readFileSync(path.join(recorded, 'grpc', 'v1-Events.keepCase-true.json'), 'utf8')) as Record<string, unknown>[];
  const codec = codecFor('v1');
  assert.ok(decoded.length > 10);
  for (const entry of decoded) {
    const line = codec.toJson(entry);
    assert.deepEqual(codec.fromJson(JSON.parse(line)), entry, line.slice(0, 120));
  }
  const v2 = JSON.parse(fs.readFileSync(path.join(recorded, 'grpc', 'v2-Events.keepCase-true.json'), 'utf8')) as Record<string, unknown>[];
  for (const event of v2) {
    assert.deepEqual(codecFor('v2').fromJson(JSON.parse(codecFor('v2').toJson(event))), event);
  }
});

/** A server on our proto that serves a recorded session: its history on Events, its last GetState. */
async function serveRecording(scenario: string): Promise<{ address: string; stop(): void }> {
  const entries = lines(path.join(recorded, scenario, 'events.json')).map((l) => codecFor('v1').fromJson(JSON.parse(l))!);
  const state = codecFor('v1', 'proto.State').fromJson(JSON.parse(fs.readFileSync(path.join(recorded, scenario, 'v1-state.json'), 'utf8')));
  const service = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService.service;
  const server = new grpc.Server();
  server.addService(service, {
    GetState: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, state ?? {}),
    Events: (call: grpc.ServerWritableStream<object, object>) => {
      for (const e of entries) {
        call.write(e);
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

/** What the views show of a state: rows' statuses, what runs, the history's iterations. */
function shown(s: SessionState) {
  const now = skaffoldView(s);
  return {
    artifacts: [...s.artifacts.values()].map((a) => [a.name, a.status, a.lastResult?.status, a.lastBuilt?.durationMs, a.error?.message]).sort(),
    resources: [...s.resources.values()].map((r) => [r.name, r.status, r.message, r.error?.code]).sort(),
    running: now.resources.map((r) => r.name).sort(),
    ports: [...s.ports.values()].map((p) => [p.localPort, p.resourceName]),
    phases: [s.deploy.status, s.statusCheck.status, s.fileSync.status, s.devLoop.status, s.devLoop.iteration],
    history: (s.iterations ?? []).map((i) => JSON.stringify(i)),
    version: s.skaffoldVersion,
  };
}

const workspaceFiles: ProjectFiles = {
  read: async (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined),
  glob: async () => [],
};

for (const scenario of SCENARIOS) {
  test(`${scenario}: the event log opens as a session showing what the live session of that Skaffold showed (state, history, problems)`, async () => {
    const server = await serveRecording(scenario);
    const live = new SkaffoldSession({ address: server.address, reconnect: false, settleMs: 20, coalesceMs: 10 });
    const manager = new SessionManager({ address: '127.0.0.1:1' });
    try {
      live.connect();
      await until(live, () => live.status === 'connected' && live.state.devLoop.iteration >= 0 && live.state.artifacts.size > 0, 'the live session shows the replay');
      const output = new SkaffoldOutputStore();
      const opened = await openEventLog(manager, path.join(recorded, scenario, 'events.json'), { onOutput: (events) => events.forEach((e) => output.apply(e)) });
      const session = opened.session!;
      assert.equal(session.origin, 'file');
      assert.equal(session.label, 'events.json');
      assert.equal(session.status, 'ended', 'nothing live');
      assert.match(opened.message, new RegExp(`^Read ${lines(path.join(recorded, scenario, 'events.json')).length} events from events\\.json, and Skaffold's output from events\\.json\\.v2\\.$`));
      assert.deepEqual(shown(session.state), shown(live.state));
      const index = await indexSkaffoldProject(path.join(recorded, scenario, 'skaffold.yaml'), workspaceFiles);
      assert.deepEqual(computeProblems(session.state, index), computeProblems(live.state, index));
      assert.ok(output.latestTask('Build') !== undefined, 'Skaffold\'s output per task, from the v2 log');
      session.connect();
      assert.equal(session.status, 'ended', 'a file\'s session never connects');
    } finally {
      live.dispose();
      manager.dispose();
      server.stop();
    }
  });
}

test('build-fail-rebuild: the failed build is in the opened log\'s history; either file of the pair opens both', async () => {
  const manager = new SessionManager({ address: '127.0.0.1:1' });
  try {
    const { session } = await openEventLog(manager, path.join(recorded, 'build-fail-rebuild', 'events.json.v2'));
    const failed = (session!.state.iterations ?? []).filter((i) => JSON.stringify(i).includes('Failed'));
    assert.ok(failed.length >= 1, 'a failed iteration in the history');
    assert.equal(session!.label, 'events.json', 'the v2 file given: the pair is opened, named after the v1 file');
  } finally {
    manager.dispose();
  }
});

test('export then open gives back the same state; the file is what Skaffold wrote', () => inScratch(async (manager, dir) => {
  for (const scenario of SCENARIOS) {
    const { session } = await openEventLog(manager, path.join(recorded, scenario, 'events.json'));
    const out = path.join(dir, `${scenario}.json`);
    const exported = await exportSession(session!, out);
    assert.equal(exported.dropped, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(recorded, scenario, 'events.json'), 'utf8'), `${scenario}: byte for byte`);
    const again = await openEventLog(manager, out);
    assert.deepEqual(shown(again.session!.state), shown(session!.state));
  }
}));

test('an export of a session that kept only its newest events says how many it no longer had', () => inScratch(async (manager, dir) => {
  const { session } = await openEventLog(manager, path.join(recorded, 'ok', 'events.json'));
  const exported = await exportSession(session!, path.join(dir, 'x.json'));
  assert.equal(exported.events, 10);
  assert.equal(exported.dropped, lines(path.join(recorded, 'ok', 'events.json')).length - 10);
  assert.equal(lines(path.join(dir, 'x.json')).length, 10);
}, { eventLogSize: 10 }));

test('malformed, truncated and foreign lines are counted and skipped; the rest is read', () => inScratch(async (manager, dir) => {
  const good = lines(path.join(recorded, 'ok', 'events.json'));
  const file = path.join(dir, 'broken.json');
  const v2line = lines(path.join(recorded, 'ok', 'events.json.v2'))[0];
  // Line 3 is not JSON, line 5 a v2 event in a v1 file, line 7 JSON but no event; the last is cut short.
  const body = [good[0], good[1], '{"timestamp": oops', good[2], v2line, good[3], '[1,2,3]', ...good.slice(4), good[5].slice(0, 40)];
  fs.writeFileSync(file, body.join('\n'));
  const opened = await openEventLog(manager, file);
  assert.equal(opened.v1!.events, good.length);
  assert.equal(opened.v1!.malformed, 4);
  assert.deepEqual(opened.v1!.firstProblem, { line: 3, reason: 'not JSON' });
  assert.match(opened.message, /4 lines skipped \(line 3: not JSON\)\.$/);
  assert.equal(opened.session!.state.artifacts.size, 2, 'what could be read is shown');
}));

test('a file that is not an event log is refused with a clear message and opens nothing', () => inScratch(async (manager, dir) => {
  const file = path.join(dir, 'package.json');
  fs.writeFileSync(file, '{"name": "x", "version": "1.0.0"}\n');
  await assert.rejects(openEventLog(manager, file), (err: Error) => err instanceof NotAnEventLogError && /package\.json is not a Skaffold event log/.test(err.message));
  assert.deepEqual(manager.sessions.map((s) => s.origin), ['configured']);
}));

/** A v1 event log of `n` resource events, as Skaffold writes it. */
function bigLog(file: string, n: number, giantLineAt = -1): void {
  const codec = codecFor('v1');
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const entry = { timestamp: { seconds: String(1795526550 + i), nanos: 1000 }, event: { event_type: 'resourceStatusCheckEvent', resourceStatusCheckEvent: { resource: `deployment/app-${i % 50}`, status: 'In Progress', message: `waiting ${i}` } }, entry: 'Resource status updated' };
    chunk += `${codec.toJson(entry)}\n`;
    if (i === giantLineAt) {
      chunk += `{"entry":"${'x'.repeat(3 * 1024 * 1024)}"}\n`;
    }
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

test('a large file streams in: progress rises to the end, memory stays bounded by the event log, a line over the bound is skipped', () => inScratch(async (manager, dir) => {
  const file = path.join(dir, 'big.json');
  bigLog(file, 60_000, 30_000);
  const progress: number[] = [];
  const opened = await openEventLog(manager, file, { onProgress: (f) => progress.push(f), maxLineBytes: 1024 * 1024, chunkBytes: 256 * 1024 });
  assert.equal(opened.v1!.events, 60_000);
  assert.equal(opened.v1!.tooLong, 1);
  assert.deepEqual(opened.v1!.firstProblem, { line: 30_002, reason: 'longer than 1 MiB' });
  assert.ok(progress.length > 10, `progress reported per read (${progress.length})`);
  assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), 'never goes back');
  assert.equal(progress[progress.length - 1], 1);
  assert.equal(opened.session!.logRecords.length, 100, 'the event log keeps its bound');
  assert.equal(opened.session!.state.resources.size, 50);
  assert.equal(opened.session!.state.resources.get('deployment/app-49')?.message, 'waiting 59999');
}, { eventLogSize: 100 }));

test('opening can be cancelled: reading stops, and the half-read session is removed', () => inScratch(async (manager, dir) => {
  const file = path.join(dir, 'big.json');
  bigLog(file, 40_000);
  const abort = new AbortController();
  let reads = 0;
  const opened = await openEventLog(manager, file, { signal: abort.signal, chunkBytes: 64 * 1024, onProgress: () => ++reads === 3 && abort.abort() });
  assert.equal(opened.session, undefined);
  assert.ok(opened.v1!.cancelled);
  assert.ok(opened.v1!.bytes < fs.statSync(file).size / 4, 'stopped early');
  assert.match(opened.message, /cancelled/);
  assert.deepEqual(manager.sessions.map((s) => s.origin), ['configured']);
}));

test('the reader hands on every event of a file in batches, in order, whatever the read size', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'x.json.v2');
    const source = lines(path.join(recorded, 'manual', 'events.json.v2'));
    fs.writeFileSync(file, `${source.join('\n')}\n`);
    for (const chunkBytes of [4096, 5000, 1 << 20]) {
      const got: V2Event[] = [];
      const summary = await readEventLog(file, (events) => {
        got.push(...(events as V2Event[]));
      }, { chunkBytes, batchSize: 7 });
      assert.equal(summary.format, 'v2');
      assert.equal(summary.malformed, 0);
      assert.equal(formatEventLog(got as unknown as Record<string, unknown>[], 'v2'), `${source.join('\n')}\n`, `read size ${chunkBytes}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file\'s hostile strings stay data: unknown fields are skipped, nothing outside the proto is read', () => {
  const codec = codecFor('v1');
  const read = codec.fromJson({ timestamp: '2026-01-01T00:00:00Z', event: { buildEvent: { artifact: 'a', status: 'Complete', __proto__: { polluted: true }, newField: 1 } }, entry: 'x', constructor: 'y' }) as unknown as LogEntry;
  assert.deepEqual(read, { timestamp: { seconds: '1767225600' }, event: { buildEvent: { artifact: 'a', status: 'Complete' }, event_type: 'buildEvent' }, entry: 'x' });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(codec.toJson({ entry: '<script>&\u2028' }), '{"entry":"\\u003cscript\\u003e\\u0026\\u2028"}');
});
