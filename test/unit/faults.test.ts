/**
 * Faults, over real loopback gRPC against the fake Skaffold: killed mid-stream and restarted on
 * the same port, restarted on another port, frozen without a FIN (a TCP-level freeze, like
 * SIGSTOP), never started, the port held by something that is not Skaffold (HTTP, a TCP server
 * that closes at once, one that never answers), Skaffold exiting during the replay, a burst of
 * 100,000 events, a replay of 50,000 events at connect, and the extension deactivated
 * mid-stream (SessionManager.dispose()).
 *
 * Each case runs inside `faultCase`, whose after-checks are the same for all:
 * (a) what the user reads: status, the status-bar summary and the session's error message;
 * (b) the state equals a fresh client's (or, with the server gone, the fake's history reduced);
 * (c) no unhandled rejection; (d) no timer or socket left once disposed (active resources back to
 * the count measured right before the case); (e) for the big cases, the heap back within a bound.
 */
import { test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'http';
import * as net from 'net';
import { isDeepStrictEqual } from 'util';
import * as v8 from 'v8';
import * as vm from 'vm';
import { SkaffoldClient } from '../../src/skaffold/wire/client';
import { emptyChange, initialState, SECTIONS, SessionState } from '../../src/skaffold/state/model';
import { sessionDescription, sessionSummary } from '../../src/skaffold/present/labels';
import { LogEntry, State } from '../../src/skaffold/wire/protocol';
import { applyBatch } from '../../src/skaffold/state/reducer';
import { stateFromServer } from '../../src/skaffold/state/fromProto';
import { reconcileStatuses } from '../../src/skaffold/state/reconcile';
import { SessionOptions, SessionStatus, SkaffoldSession, StatusChangeEvent } from '../../src/skaffold/session/session';
import { SessionManager } from '../../src/skaffold/session/sessionManager';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { guardUnhandledRejections, resourceEntry, sleep, until as untilShort, untilSessions } from './helpers';
import { findFreePort } from '../../src/skaffold/launch/process';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const unhandled = guardUnhandledRejections();

const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 100, idleBackoffMaxMs: 100, settleMs: 20, coalesceMs: 20 };
const MB = 1024 * 1024;
/** The heap may grow by this much over a big case, once everything is disposed and collected. */
const HEAP_BOUND_MB = 5;
/**
 * Safety nets, not assertions: the big cases take ~10 s on an idle 2-core machine and three
 * times that with both cores busy (the load check of issue 12).
 */
const CASE_TIMEOUT = { timeout: 120_000 };
/** How long a big transfer (a 50,000-event replay, a 100,000-event burst) may take under load. */
const TRANSFER_TIMEOUT_MS = 100_000;


// ---- after-checks ----

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) {
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return counts;
}

function fmtCounts(c: Map<string, number>): string {
  return [...c.entries()].sort().map(([k, v]) => `${k}×${v}`).join(' ') || 'none';
}

/** Resource kinds above their baseline count. */
function excess(baseline: Map<string, number>, now: Map<string, number>): string[] {
  return [...now.entries()].filter(([k, v]) => v > (baseline.get(k) ?? 0)).map(([k, v]) => `${k} ${baseline.get(k) ?? 0}->${v}`);
}

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10);
  }
  return process.memoryUsage().heapUsed;
}

interface Case {
  /** Runs at the end of the case, newest first, before the handles are counted. */
  defer(fn: () => unknown): void;
}

/**
 * The body, then its cleanups. A function of its own: a suspended async function keeps its
 * locals (the last cleanup run, closing over the body's fakes) alive until it returns.
 */
async function run(body: (c: Case) => Promise<void>): Promise<number> {
  const cleanups: (() => unknown)[] = [];
  const started = Date.now();
  try {
    await body({ defer: (fn) => cleanups.push(fn) });
  } finally {
    for (const fn of cleanups.reverse()) {
      await fn();
    }
  }
  return Date.now() - started;
}

/** Runs one fault with the common after-checks (c), (d) and (e); (a) and (b) are asserted in the body. */
async function faultCase(t: TestContext, opts: { heap?: boolean }, body: (c: Case) => Promise<void>): Promise<void> {
  await sleep(20); // what the previous case scheduled on its way out
  const unhandledBefore = unhandled.length;
  const baseline = resourceCounts();
  const heapBefore = opts.heap ? await heapAfterGc() : 0;
  const ranMs = await run(body);
  // (d) nothing left: poll up to 1 s for closes in flight to land.
  const deadline = Date.now() + 1000;
  let now = resourceCounts();
  while (excess(baseline, now).length > 0 && Date.now() < deadline) {
    await sleep(20);
    now = resourceCounts();
  }
  const settledMs = 1000 - Math.max(0, deadline - Date.now());
  assert.deepEqual(excess(baseline, now), [], `handles left after dispose (baseline ${fmtCounts(baseline)}, now ${fmtCounts(now)})`);
  let heapText = '';
  if (opts.heap) {
    const heapAfter = await heapAfterGc();
    const grew = (heapAfter - heapBefore) / MB;
    heapText = `; heap ${(heapBefore / MB).toFixed(1)} -> ${(heapAfter / MB).toFixed(1)} MB (${grew >= 0 ? '+' : ''}${grew.toFixed(2)} MB, bound +${HEAP_BOUND_MB})`;
    assert.ok(grew <= HEAP_BOUND_MB, `heap back within +${HEAP_BOUND_MB} MB of its level: grew ${grew.toFixed(2)} MB`);
  }
  await sleep(0);
  assert.deepEqual(unhandled.slice(unhandledBefore), [], 'no unhandled rejection');
  t.diagnostic(`ran ${ranMs} ms; handles ${fmtCounts(baseline)} -> ${fmtCounts(now)} (settled in ≤${settledMs} ms)${heapText}`);
}

// ---- what the user reads ----

/** The status, the status-bar summary, the view description and the reason, as the UI shows them. */
function shown(session: SkaffoldSession): { status: SessionStatus; summary: string; description: string; reason: string } {
  return {
    status: session.status,
    summary: sessionSummary(session).text,
    description: sessionDescription(session),
    reason: session.lastError?.message ?? '',
  };
}

function assertShown(session: SkaffoldSession, status: SessionStatus, summary: string, reason: RegExp | undefined): void {
  const s = shown(session);
  assert.equal(s.status, status, `status (${s.reason})`);
  assert.equal(s.summary, summary, 'the status bar summary');
  if (status !== 'connected') {
    assert.ok(s.description.endsWith(` · ${status}`) || s.description === `${session.address} · ${status}`, `view description says ${status}: ${s.description}`);
  }
  if (reason) {
    assert.match(s.reason, reason);
  } else {
    assert.equal(session.lastError, undefined, 'no error shown once connected');
  }
}

// ---- states ----

type Norm = Record<string, unknown>;

/** The state as plain data: Maps as arrays sorted by key, undefined fields dropped. */
function norm(s: SessionState): Norm {
  const sorted = <K, V>(m: ReadonlyMap<K, V>) => [...m.entries()].map(([k, v]) => [String(k), v] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.parse(JSON.stringify({
    artifacts: sorted(s.artifacts), resources: sorted(s.resources), ports: sorted(s.ports), debugContainers: sorted(s.debugContainers),
    deploy: s.deploy, statusCheck: s.statusCheck, fileSync: s.fileSync, test: s.test, devLoop: s.devLoop, autoTrigger: s.autoTrigger,
    skaffoldVersion: s.skaffoldVersion, metadata: s.metadata, termination: s.termination, unknownEvents: s.unknownEvents, buildRoundOpen: s.buildRoundOpen,
  })) as Norm;
}

/** What a client that saw GetState `snapshot` and then `entries` must show (the reducer, no session). */
function model(snapshot: State, entries: readonly LogEntry[]): Norm {
  return norm(applyBatch(stateFromServer(snapshot), entries, emptyChange()));
}

/** GetState as the session decodes it. */
async function getState(address: string): Promise<State> {
  const client = new SkaffoldClient(address);
  try {
    return await client.getState(5000);
  } finally {
    client.dispose();
  }
}

/** Counts the entries a session handled (every one, on a first connection: none is a replay). */
function counted(session: SkaffoldSession): { readonly n: number } {
  const c = { n: 0 };
  session.onDidLog(() => { c.n++; });
  return c;
}

/** helpers.ts's `until`, with the fault cases' longer default wait. */
function until(session: SkaffoldSession, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return untilShort(session, predicate, what, timeoutMs);
}

/** Lets the entries of the last socket read be applied (the session reduces them in an immediate). */
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Whether the session has shown a replay whole (a change naming every section). */
function replayShown(session: SkaffoldSession): { readonly seen: boolean } {
  const shown = { seen: false };
  session.onDidChangeState((change) => {
    shown.seen ||= change.all.size === SECTIONS.length;
  });
  return shown;
}

/** A fresh session's state at `address` once it has handled `entries` entries and shown its replay. */
async function freshState(address: string, entries: number): Promise<Norm> {
  const fresh = new SkaffoldSession({ address, ...FAST });
  try {
    const c = counted(fresh);
    const shown = replayShown(fresh);
    fresh.connect();
    await until(fresh, () => fresh.status === 'connected' && c.n >= entries && shown.seen, `a fresh client to receive ${entries} entries and show them`, TRANSFER_TIMEOUT_MS);
    await turn();
    assert.equal(fresh.status, 'connected');
    return norm(fresh.state);
  } finally {
    fresh.dispose();
  }
}

/**
 * Resolves once the session shows `expected` (polled, bounded), then asserts it: with the
 * diff when it never did.
 */
async function settlesTo(session: SkaffoldSession, expected: Norm, what: string): Promise<void> {
  await until(session, () => isDeepStrictEqual(norm(session.state), expected), what, 5000).catch(() => undefined);
  assert.deepEqual(norm(session.state), expected, what);
}

/** Counts the connection attempts a session logs. */
function attemptsLogged(): { logger: SessionOptions['logger']; readonly n: number } {
  const counter = {
    n: 0,
    logger: {
      trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined,
      debug: (message: string) => {
        if (/\(attempt \d+\)$/.test(message)) {
          counter.n++;
        }
      },
    },
  };
  return counter;
}

function recordStatuses(session: SkaffoldSession): StatusChangeEvent[] {
  const seen: StatusChangeEvent[] = [];
  session.onDidChangeStatus((e) => seen.push(e));
  return seen;
}

// ---- event sources ----


/**
 * Emits `total` events into the fake, `chunk` per turn of the event loop (a burst as Skaffold's
 * goroutines make it), until done or stopped. Resolves with how many were emitted.
 */
function stream(fake: FakeSkaffold, total: number, chunk = 500): { stop(): void; done: Promise<number> } {
  let stopped = false;
  let emitted = 0;
  const done = new Promise<number>((resolve) => {
    const next = () => {
      if (stopped || emitted >= total) {
        resolve(emitted);
        return;
      }
      for (let i = 0; i < chunk && emitted < total; i++) {
        fake.emit(resourceEntry(emitted++));
      }
      setImmediate(next);
    };
    setImmediate(next);
  });
  return { stop: () => { stopped = true; }, done };
}

/** A history of `count` resource events before anyone connects (timestamps in the past). */
function fillHistory(fake: FakeSkaffold, count: number): void {
  const base = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    fake.emit(resourceEntry(i, 500, base + Math.floor(i / 100)));
  }
}


/** Server-side sockets the fake holds (its connections from clients). */
function fakeSockets(fake: FakeSkaffold): number {
  return (fake as unknown as { sockets: Set<net.Socket> }).sockets.size;
}

/**
 * A frozen Skaffold as the kernel shows it (SIGSTOP): connections are accepted and what the
 * client sends is read, but nothing is forwarded either way and nothing is closed, no FIN.
 * Thawed, what was held flows on. Sits in front of the fake on 127.0.0.1.
 */
class FreezingProxy {
  port = 0;
  accepted = 0;
  mostOpen = 0;
  private frozen = false;
  private readonly links = new Set<{ client: net.Socket; upstream?: net.Socket; toUpstream: Buffer[]; toClient: Buffer[] }>();
  private readonly server: net.Server;

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(targetPort: number): Promise<FreezingProxy> {
    const proxy = new FreezingProxy(targetPort);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Client connections open at the proxy. */
  get open(): number {
    return this.links.size;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const link of this.links) {
      if (!link.upstream) {
        this.connectUpstream(link);
      }
      for (const d of link.toUpstream.splice(0)) {
        link.upstream!.write(d);
      }
      for (const d of link.toClient.splice(0)) {
        link.client.write(d);
      }
    }
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const link: { client: net.Socket; upstream?: net.Socket; toUpstream: Buffer[]; toClient: Buffer[] } = { client, toUpstream: [], toClient: [] };
    this.links.add(link);
    this.mostOpen = Math.max(this.mostOpen, this.links.size);
    client.on('error', () => undefined);
    client.on('data', (d: Buffer) => {
      if (this.frozen || !link.upstream) {
        link.toUpstream.push(d);
      } else {
        link.upstream.write(d);
      }
    });
    client.on('close', () => {
      this.links.delete(link);
      link.upstream?.destroy();
    });
    if (!this.frozen) {
      this.connectUpstream(link);
    }
  }

  private connectUpstream(link: { client: net.Socket; upstream?: net.Socket; toUpstream: Buffer[]; toClient: Buffer[] }): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    link.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('data', (d: Buffer) => {
      if (this.frozen) {
        link.toClient.push(d);
      } else {
        link.client.write(d);
      }
    });
    upstream.on('close', () => link.client.destroy());
    for (const d of link.toUpstream.splice(0)) {
      upstream.write(d);
    }
  }
}

// ---- the faults ----

test('killed mid-stream, restarted on the same port: ended with the reason, then live with a fresh client\'s state', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const fake = await FakeSkaffold.start({ stepMs: 2 });
  c.defer(() => fake.stop());
  await fake.runDevLoop();
  const snapshot = await getState(fake.address);
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  c.defer(() => session.dispose());
  const got = counted(session);
  const statuses = recordStatuses(session);
  session.connect();
  await until(session, () => got.n === fake.history.length && session.state.ports.size === 1, 'the first loop');
  assertShown(session, 'connected', 'ready', undefined);

  // Killed while a stream of events is flowing.
  const base = got.n;
  const events = stream(fake, 50_000);
  await until(session, () => got.n >= base + 3000, 'the stream under way');
  events.stop();
  await fake.stop();
  const emitted = await events.done;
  await until(session, () => session.status === 'ended', 'ended');
  const history = fake.history.slice();
  const ended = statuses.find((e) => e.status === 'ended');
  assert.equal(ended?.previous, 'connected');
  assert.equal(ended?.error?.kind, 'ended');
  assert.match(ended!.error!.message, /closed the connection: Skaffold exited or restarted/);
  // It goes on looking: the reason then says nothing answers, the status stays ended.
  assertShown(session, 'ended', 'ended', /closed the connection: Skaffold exited or restarted|Nothing answers at 127\.0\.0\.1:\d+/);
  assert.ok(got.n > base && got.n <= history.length, `received ${got.n - base} of ${emitted} streamed`);
  assert.deepEqual(norm(session.state), model(snapshot, history.slice(0, got.n)), 'the last state is exactly what was received, nothing lost or invented');

  // A new Skaffold on the same port.
  await fake.restart();
  await until(session, () => session.status === 'connected', 'reconnected');
  await fake.runDevLoop();
  await until(session, () => session.state.ports.size === 1 && session.state.devLoop.status === 'Succeeded' && session.state.resources.size === 4, 'the new loop');
  await settlesTo(session, await freshState(fake.address, fake.history.length), 'the state a fresh client\'s');
  assertShown(session, 'connected', 'ready', undefined);
  assert.ok(!session.state.resources.has('Pod/load-0'), 'nothing of the old process is left');
}));

test('restarted on another port: the old session shows ended with the reason; a session added for the new port gets a fresh client\'s state', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const first = await FakeSkaffold.start({ stepMs: 2 });
  c.defer(() => first.stop());
  await first.runDevLoop();
  const manager = new SessionManager({ address: first.address, sessionDefaults: FAST });
  c.defer(() => manager.dispose());
  const old = manager.configured;
  const oldStatuses = recordStatuses(old);
  old.connect();
  await untilSessions(manager, () => old.state.ports.size === 1, 'the first loop');
  const snapshot = await getState(first.address);
  const history = first.history.slice();
  await first.stop();
  await untilSessions(manager, () => old.status === 'ended', 'the old session ended');

  let second = await FakeSkaffold.start({ stepMs: 2, artifacts: ['shop/web'] });
  while (second.port === first.port) {
    await second.stop();
    second = await FakeSkaffold.start({ stepMs: 2, artifacts: ['shop/web'] });
  }
  const moved = second;
  c.defer(() => moved.stop());
  await moved.runDevLoop();
  const added = manager.add({ address: moved.address, origin: 'attached' });
  assert.notEqual(added, old);
  added.connect();
  await untilSessions(manager, () => added.state.ports.size === 1, 'the new port\'s loop');
  await settlesTo(added, await freshState(moved.address, moved.history.length), 'the state a fresh client\'s'); // the old one retries meanwhile
  assertShown(added, 'connected', 'ready', undefined);

  assert.equal(oldStatuses.find((e) => e.status === 'ended')?.error?.kind, 'ended');
  assertShown(old, 'ended', 'ended', new RegExp(`Nothing answers at ${first.address.replace(/\./g, '\\.')}|closed the connection`));
  assert.deepEqual(norm(old.state), model(snapshot, history), 'the old session keeps its last state');
  assert.deepEqual(manager.shown, [old, added], 'both shown: the ended one until dismissed');
}));

test('frozen without a FIN: reconnecting with the reason, no connection piling up, live again with a fresh client\'s state after the thaw', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const fake = await FakeSkaffold.start({ stepMs: 2 });
  c.defer(() => fake.stop());
  const proxy = await FreezingProxy.start(fake.port);
  c.defer(() => proxy.close());
  await fake.runDevLoop();
  const session = new SkaffoldSession({ address: proxy.address, ...FAST, livenessIntervalMs: 100, livenessTimeoutMs: 200, connectTimeoutMs: 300 });
  c.defer(() => session.dispose());
  const got = counted(session);
  session.connect();
  await until(session, () => got.n === fake.history.length && session.state.ports.size === 1, 'the first loop');
  await turn();
  const before = norm(session.state);

  proxy.freeze();
  const frozenAt = Date.now();
  await until(session, () => session.status === 'reconnecting', 'reconnecting');
  const noticedMs = Date.now() - frozenAt;
  assertShown(session, 'reconnecting', 'reconnecting', /did not answer GetState in time: is it frozen, paused in a debugger or overloaded\?/);
  assert.equal(session.lastError?.kind, 'timeout');
  assert.deepEqual(norm(session.state), before, 'the last state stays while reconnecting');
  // Skaffold goes on while frozen for us (a change queued behind the freeze).
  await fake.changeFile('example/app');
  const acceptedAtFreeze = proxy.accepted;
  proxy.mostOpen = proxy.open;
  await until(session, () => proxy.accepted >= acceptedAtFreeze + 3, 'reconnect attempts');
  assert.equal(session.status, 'reconnecting');
  assert.ok(proxy.mostOpen <= 2, `at most the attempt in flight stays open (and the frozen one): saw ${proxy.mostOpen}`);

  proxy.thaw();
  await until(session, () => session.status === 'connected' && session.state.devLoop.iteration === 1 && session.state.devLoop.status === 'Succeeded', 'live again');
  await settlesTo(session, await freshState(fake.address, fake.history.length), 'the state a fresh client\'s');
  assertShown(session, 'connected', 'ready', undefined);
  t.diagnostic(`freeze noticed in ${noticedMs} ms (liveness 100 + 200 ms); ${proxy.accepted - acceptedAtFreeze} attempts while frozen`);
}));

test('never started: connecting, saying how to start Skaffold, the state a fresh client\'s; picked up once it starts', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const port = await findFreePort();
  const attempts = attemptsLogged();
  const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, ...FAST, logger: attempts.logger });
  c.defer(() => session.dispose());
  session.connect();
  await until(session, () => session.lastError !== undefined && attempts.n >= 4, 'several retries');
  assertShown(session, 'connecting', 'connecting', new RegExp(`^Nothing answers at 127\\.0\\.0\\.1:${port}: start Skaffold with \`skaffold dev --rpc-port ${port}\``));
  assert.equal(session.lastError?.kind, 'unreachable');
  assert.deepEqual(norm(session.state), norm(initialState()), 'nothing shown: a fresh client shows nothing either');

  const fake = await FakeSkaffold.start({ stepMs: 2, port });
  c.defer(() => fake.stop());
  await fake.runDevLoop();
  await until(session, () => session.status === 'connected' && session.state.ports.size === 1, 'picked up');
  await settlesTo(session, await freshState(fake.address, fake.history.length), 'the state a fresh client\'s');
  assertShown(session, 'connected', 'ready', undefined);
}));

test('an HTTP server on the port: failed, "not Skaffold", not retried', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  let requests = 0;
  let connections = 0;
  const server = http.createServer((_req, res) => { requests++; res.end('<html>not skaffold</html>'); });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  c.defer(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const session = new SkaffoldSession({ address, ...FAST });
  c.defer(() => session.dispose());
  session.connect();
  await until(session, () => session.status === 'failed', 'failed');
  assertShown(session, 'failed', 'not connected', new RegExp(`^Something answers at ${address.replace(/\./g, '\\.')} but it does not speak gRPC like Skaffold does`));
  assert.equal(session.lastError?.kind, 'notSkaffold');
  const seen = connections;
  await sleep(800);
  // The session does not retry. grpc-js itself makes one more connection ~100 ms after the
  // failed client is disposed (its subchannel's backoff timer outlives the closed channel).
  assert.ok(connections <= seen + 1, `no retry: ${connections - seen} connection(s) after failing`);
  assert.equal(session.status, 'failed');
  t.diagnostic(`${seen} connection(s) until failed, ${connections - seen} after (grpc-js, after dispose), ${requests} HTTP request(s)`);
  assert.deepEqual(norm(session.state), norm(initialState()));
}));

test('a TCP server that closes each connection at once: connecting, retried, no socket left on either side', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  let accepted = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
    socket.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  c.defer(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as net.AddressInfo).port;
  const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, ...FAST });
  c.defer(() => session.dispose());
  session.connect();
  await until(session, () => accepted >= 5, 'retries');
  // What grpc-js reports for a connection closed before HTTP/2 settings: "Failed to connect".
  assertShown(session, 'connecting', 'connecting', new RegExp(`^Nothing answers at 127\\.0\\.0\\.1:${port}: .*\\(Failed to connect\\)`));
  assert.equal(session.lastError?.kind, 'unreachable');
  assert.ok(open.size <= 1, `the server sees the client close each connection: ${open.size} open`);
  assert.deepEqual(norm(session.state), norm(initialState()));
}));

test('a TCP server that accepts and never answers: connecting with a timeout, one attempt open at a time', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const open = new Set<net.Socket>();
  let accepted = 0;
  let mostOpen = 0;
  const server = net.createServer((socket) => {
    accepted++;
    open.add(socket);
    mostOpen = Math.max(mostOpen, open.size);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  c.defer(() => new Promise<void>((r) => server.close(() => r())));
  c.defer(async () => {
    const deadline = Date.now() + 1000;
    while (open.size > 0 && Date.now() < deadline) {
      await sleep(10);
    }
    assert.equal(open.size, 0, 'dispose closed the last connection: the server saw it go');
  });
  const port = (server.address() as net.AddressInfo).port;
  const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, ...FAST, connectTimeoutMs: 150 });
  c.defer(() => session.dispose());
  session.connect();
  await until(session, () => accepted >= 4 && session.lastError !== undefined, 'several attempts');
  assertShown(session, 'connecting', 'connecting', new RegExp(`^Skaffold at 127\\.0\\.0\\.1:${port} did not answer GetState in time`));
  assert.ok(mostOpen <= 2, `one attempt (and the one closing) at a time: saw ${mostOpen}`);
}));

/** A fake whose history is its first loop, `count` resource events, then a second loop (so GetState differs from any prefix). */
async function bigHistory(count: number): Promise<FakeSkaffold> {
  const fake = await FakeSkaffold.start({ stepMs: 1 });
  await fake.runDevLoop();
  fillHistory(fake, count);
  await fake.changeFile('example/app');
  return fake;
}

test('Skaffold exits during a 50,000-event replay: ended with the reason; what was received is shown with Skaffold\'s current statuses', CASE_TIMEOUT, (t) => faultCase(t, { heap: true }, async (c) => {
  const fake = await bigHistory(50_000);
  c.defer(() => fake.stop());
  const snapshot = await getState(fake.address);
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  c.defer(() => session.dispose());
  const statuses = recordStatuses(session);
  let published = 0;
  session.onDidChangeState(() => { published++; });
  let got = 0;
  let publishedBeforeExit = -1;
  session.onDidLog(() => {
    if (++got === 15_000) {
      publishedBeforeExit = published;
      void fake.stop(); // the process is gone: sockets closed now, mid-replay
    }
  });
  const total = fake.history.length;
  session.connect();
  // The loss applies what arrived and ends the replay before the status changes: nothing to wait for.
  await until(session, () => session.status === 'ended', 'ended');
  const ended = statuses.find((e) => e.status === 'ended');
  assert.deepEqual(statuses.map((e) => e.status).slice(0, 3), ['connecting', 'connected', 'ended']);
  assert.equal(ended?.error?.kind, 'ended');
  assert.match(ended!.error!.message, /closed the connection: Skaffold exited or restarted/);
  assertShown(session, 'ended', 'ended', /closed the connection: Skaffold exited or restarted|Nothing answers at/);
  assert.ok(got >= 15_000 && got < total, `cut mid-replay: ${got} of ${total}`);
  // A replay cut short stops somewhere in Skaffold's history: what is shown under "ended" is
  // what was received, with its statuses aligned to GetState (the newest word from Skaffold).
  const shownState = norm(session.state);
  const received = applyBatch(stateFromServer(snapshot), fake.history.slice(0, got), emptyChange());
  assert.deepEqual(shownState, norm(reconcileStatuses(received, snapshot).state));
  assert.deepEqual(Object.fromEntries([...session.state.artifacts.values()].map((a) => [a.name, a.status])), snapshot.buildState?.artifacts,
    'the statuses shown under "ended" are those Skaffold last answered');
  assert.notDeepEqual(shownState, model(snapshot, fake.history.slice(0, got)), 'not the statuses of the moment the replay was cut at');
  t.diagnostic(`cut after ${got}/${total} entries; state events while "connected" before the exit: ${publishedBeforeExit} (each a partial replay, shown with Skaffold's current statuses)`);
  t.diagnostic(`shown under "ended": devLoop #${session.state.devLoop.iteration} ${session.state.devLoop.status}, artifacts ${[...session.state.artifacts.values()].map((a) => `${a.name}=${a.status}`).join(', ')}; Skaffold's GetState said ${JSON.stringify(snapshot.buildState?.artifacts)}`);
}));

test('a 50,000-event replay at connect: connected, the state a fresh client\'s and the reducer\'s, the heap back after', CASE_TIMEOUT, (t) => faultCase(t, { heap: true }, async (c) => {
  const fake = await bigHistory(50_000);
  c.defer(() => fake.stop());
  const snapshot = await getState(fake.address);
  const total = fake.history.length;
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  c.defer(() => session.dispose());
  const got = counted(session);
  // States published before the whole history arrived (after a quiet spell or the 2 s cap):
  // their statuses must be Skaffold's now (GetState), never those of an older iteration.
  const partial: number[] = [];
  const stale: string[] = [];
  session.onDidChangeState(() => {
    if (got.n < total) {
      partial.push(got.n);
      const shownStatuses = Object.fromEntries([...session.state.artifacts.values()].map((a) => [a.name, a.status]));
      if (JSON.stringify(shownStatuses) !== JSON.stringify(snapshot.buildState?.artifacts) || session.state.deploy.status !== snapshot.deployState?.status) {
        stale.push(`after ${got.n}: ${JSON.stringify(shownStatuses)} deploy ${session.state.deploy.status}`);
      }
    }
  });
  const started = Date.now();
  session.connect();
  await until(session, () => got.n === total, 'the whole replay', TRANSFER_TIMEOUT_MS);
  const receivedMs = Date.now() - started;
  const expected = model(snapshot, fake.history);
  await settlesTo(session, expected, 'the reducer over GetState and the whole history');
  assertShown(session, 'connected', 'ready', undefined);
  assert.equal(session.state.devLoop.iteration, 1, 'the last iteration of the history');
  assert.equal(session.state.resources.size, 4, 'the 500 pods of the middle of the history were reset by the last iteration');
  assert.deepEqual(norm(session.state), await freshState(fake.address, total));
  assert.deepEqual(stale.slice(0, 3), [], 'a state shown while the replay is still arriving has Skaffold\'s current statuses');
  t.diagnostic(`replay of ${total} received in ${receivedMs} ms; states published before it was complete: ${partial.length}${partial.length ? ` (first after ${partial[0]} entries)` : ''}`);
}));

test('a burst of 100,000 events: connected, coalesced, the state a fresh client\'s, the heap back after', { timeout: 240_000 }, (t) => faultCase(t, { heap: true }, async (c) => {
  const fake = await FakeSkaffold.start({ stepMs: 1 });
  c.defer(() => fake.stop());
  await fake.runDevLoop();
  const snapshot = await getState(fake.address);
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  c.defer(() => session.dispose());
  const got = counted(session);
  session.connect();
  await until(session, () => got.n === fake.history.length && session.state.ports.size === 1, 'the first loop');
  await turn();
  let changes = 0;
  session.onDidChangeState(() => { changes++; });
  const started = Date.now();
  const burst = stream(fake, 100_000, 5000);
  assert.equal(await burst.done, 100_000);
  await until(session, () => got.n === fake.history.length, 'the whole burst', TRANSFER_TIMEOUT_MS);
  const burstMs = Date.now() - started;
  await settlesTo(session, model(snapshot, fake.history), 'the reducer over GetState and everything received');
  assertShown(session, 'connected', 'ready', undefined);
  // At most one per window (schedule.test.ts and session.test.ts check the window on a fake clock).
  assert.ok(changes <= burstMs / 20 + 5, `coalesced: ${changes} change events over ${burstMs} ms (window 20 ms)`);
  assert.deepEqual(norm(session.state), await freshState(fake.address, fake.history.length));
  t.diagnostic(`100,000 live events handled in ${burstMs} ms, ${changes} change events`);
}));

test('deactivated mid-stream: SessionManager.dispose() during a burst closes every stream and socket, silently', CASE_TIMEOUT, (t) => faultCase(t, { heap: true }, async (c) => {
  const shop = await FakeSkaffold.start({ stepMs: 1 });
  const billing = await FakeSkaffold.start({ stepMs: 1, artifacts: ['billing/api'] });
  c.defer(() => shop.stop());
  c.defer(() => billing.stop());
  await Promise.all([shop.runDevLoop(), billing.runDevLoop()]);
  const manager = new SessionManager({ address: shop.address, sessionDefaults: FAST });
  c.defer(() => manager.dispose());
  const other = manager.add({ address: billing.address, origin: 'attached' });
  manager.configured.connect();
  other.connect();
  await untilSessions(manager, () => manager.sessions.every((s) => s.state.ports.size === 1), 'both first loops');
  assert.equal(shop.subscriberCount, 1);
  assert.equal(billing.subscriberCount, 1);
  assert.ok(fakeSockets(shop) >= 1 && fakeSockets(billing) >= 1);
  const sessions = [...manager.sessions];
  const gotShop = counted(sessions[0]);
  const gotBilling = counted(sessions[1]);
  const heard: string[] = [];
  manager.onDidChangeState(() => heard.push('state'));
  manager.onDidChangeStatus(() => heard.push('status'));
  manager.onDidChangeSessions(() => heard.push('sessions'));
  const streams = [stream(shop, 1_000_000, 200), stream(billing, 1_000_000, 200)];
  c.defer(() => streams.forEach((s) => s.stop()));
  await untilSessions(manager, () => gotShop.n > 2000 && gotBilling.n > 2000, 'both streams under way');

  heard.length = 0;
  manager.dispose();
  const disposedAt = Date.now();
  // The fakes go on emitting: their side must see the streams cancelled and the sockets closed.
  const deadline = Date.now() + 2000;
  while ((shop.subscriberCount + billing.subscriberCount + fakeSockets(shop) + fakeSockets(billing) > 0) && Date.now() < deadline) {
    await sleep(10);
  }
  const closedMs = Date.now() - disposedAt;
  assert.deepEqual([shop.subscriberCount, billing.subscriberCount], [0, 0], 'no subscriber left');
  assert.deepEqual([fakeSockets(shop), fakeSockets(billing)], [0, 0], 'no connection left at the servers');
  const handled = [gotShop.n, gotBilling.n];
  const states = sessions.map((s) => s.state);
  const emitted = shop.history.length + billing.history.length;
  const until2 = Date.now() + 2000;
  while (shop.history.length + billing.history.length <= emitted + 1000 && Date.now() < until2) {
    await sleep(10);
  }
  assert.ok(shop.history.length + billing.history.length > emitted + 1000, 'the fakes were still emitting');
  assert.ok(sessions.every((s, i) => s.state === states[i]), 'no entry applied after dispose');
  assert.deepEqual(heard, [], 'nothing announced after dispose');
  assert.equal(manager.sessions.length, 0);
  t.diagnostic(`streams and sockets closed ${closedMs} ms after dispose, with ${handled.join(' + ')} entries handled`);
}));

test('the address changed to a Skaffold started earlier: its state shown, as a fresh client\'s', CASE_TIMEOUT, (t) => faultCase(t, {}, async (c) => {
  const older = await FakeSkaffold.start({ stepMs: 1, artifacts: ['older/app'] });
  c.defer(() => older.stop());
  await older.runDevLoop();
  await sleep(20); // not a wait for anything: the newer one's history is stamped later than the older one's
  const newer = await FakeSkaffold.start({ stepMs: 1 });
  c.defer(() => newer.stop());
  await newer.runDevLoop();
  const session = new SkaffoldSession({ address: newer.address, ...FAST });
  c.defer(() => session.dispose());
  const got = counted(session);
  session.connect();
  await until(session, () => got.n === newer.history.length && session.state.ports.size === 1, 'the newer one shown');
  const before = got.n;
  session.setAddress(older.address);
  await until(session, () => session.status === 'connected' && session.state.artifacts.has('older/app') && session.state.ports.size === 1, 'the older one shown');
  await settlesTo(session, await freshState(older.address, older.history.length), 'the state a fresh client\'s');
  assertShown(session, 'connected', 'ready', undefined);
  assert.ok(!session.state.artifacts.has('example/app'), 'nothing of the other Skaffold');
  const logged = got.n - before;
  assert.equal(logged, older.history.length, 'its history reaches the event log (Output › Skaffold), though older than what the previous address logged');
}));

test('the fault helpers report what they should (a leaked socket fails the handle check)', async () => {
  const baseline = resourceCounts();
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  assert.deepEqual(excess(baseline, resourceCounts()), [`TCPServerWrap ${baseline.get('TCPServerWrap') ?? 0}->${(baseline.get('TCPServerWrap') ?? 0) + 1}`]);
  await new Promise<void>((r) => server.close(() => r()));
  const deadline = Date.now() + 1000;
  while (excess(baseline, resourceCounts()).length > 0 && Date.now() < deadline) {
    await sleep(10);
  }
  assert.deepEqual(excess(baseline, resourceCounts()), []);
});
