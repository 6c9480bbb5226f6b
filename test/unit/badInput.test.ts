/**
 * Bad input over real loopback sockets: nothing listening, an HTTP server, a TCP server that
 * sends garbage, a gRPC server that is not Skaffold, one that sends undecodable bytes, and a
 * message over the size limit. Each must give a typed SkaffoldError with a clear message and
 * never an unhandled rejection; a session must keep what it already showed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as http from 'http';
import * as net from 'net';
import { execFileSync } from 'child_process';
import { SkaffoldClient } from '../../src/skaffold/wire/client';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import { parseAddress } from '../../src/skaffold/wire/address';
import { loadSkaffoldPackageDefinition, LogEntry } from '../../src/skaffold/wire/protocol';
import { SkaffoldSession, SessionStatus } from '../../src/skaffold/session/session';
import { ev } from './helpers';
import { findFreePort } from '../../src/skaffold/launch/process';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejection'));


async function expectError(promise: Promise<unknown>, kind: SkaffoldError['kind'], message: RegExp): Promise<SkaffoldError> {
  const err = await promise.then(() => assert.fail('expected a failure'), (e: unknown) => e);
  assert.ok(err instanceof SkaffoldError, `a SkaffoldError, got ${String(err)}`);
  assert.equal(err.kind, kind, `kind of: ${err.message}`);
  assert.match(err.message, message);
  return err;
}

async function listen(server: net.Server | http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

function waitForStatus(session: SkaffoldSession, wanted: SessionStatus, timeoutMs = 5000): Promise<void> {
  if (session.status === wanted) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`status stayed ${session.status}, wanted ${wanted}`)); }, timeoutMs);
    const sub = session.onDidChangeStatus((e) => {
      if (e.status === wanted) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

test('addresses: host:port, [::1]:port, a bare port; nonsense is a clear error', () => {
  assert.equal(parseAddress('127.0.0.1:50051').target, '127.0.0.1:50051');
  assert.equal(parseAddress(' localhost:50051 ').target, 'localhost:50051');
  assert.deepEqual(parseAddress('[::1]:50052'), { host: '::1', port: 50052, target: '[::1]:50052' });
  assert.equal(parseAddress('50051').target, '127.0.0.1:50051');
  assert.equal(parseAddress('grpc://127.0.0.1:1234').port, 1234);
  for (const bad of ['', 'localhost', ':50051', '127.0.0.1:99999', 'http://a b:1', '::1:50051']) {
    assert.throws(() => parseAddress(bad), (e: unknown) => e instanceof SkaffoldError && e.kind === 'invalidAddress' && /address|range/.test(e.message), bad);
  }
});

test('nothing listening: unreachable, with how to start Skaffold', async () => {
  const port = await findFreePort();
  const client = new SkaffoldClient(`127.0.0.1:${port}`);
  try {
    const err = await expectError(client.getState(2000), 'unreachable', new RegExp(`Nothing answers at 127\\.0\\.0\\.1:${port}.*--rpc-port ${port}`));
    assert.ok(err.retryable);
  } finally {
    client.dispose();
  }
});

test('an HTTP/1.1 server on the port: not Skaffold, not retried by the session', async () => {
  const server = http.createServer((_req, res) => res.end('hello'));
  const port = await listen(server);
  const client = new SkaffoldClient(`127.0.0.1:${port}`);
  try {
    const err = await expectError(client.getState(2000), 'notSkaffold', new RegExp(`at 127\\.0\\.0\\.1:${port} but it does not speak gRPC`));
    assert.equal(err.retryable, false);
  } finally {
    client.dispose();
    server.closeAllConnections();
    server.close();
  }
});

test('a TCP server that answers with garbage: a typed error, no crash', async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write(Buffer.from('\x00\xff garbage \x13\x37 not http2 at all \r\n\r\n'.repeat(20), 'binary'));
  });
  const port = await listen(server);
  const client = new SkaffoldClient(`127.0.0.1:${port}`);
  try {
    await expectError(client.getState(2000), 'notSkaffold', new RegExp(`at 127\\.0\\.0\\.1:${port} but it does not speak gRPC like Skaffold does \\(Protocol error\\)`));
  } finally {
    client.dispose();
    for (const s of sockets) {
      s.destroy();
    }
    server.close();
  }
});

/** A gRPC server on loopback; returns its port and a stop function. */
async function grpcServer(setup: (server: grpc.Server) => void): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  setup(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, stop: () => server.forceShutdown() };
}

test('a port that accepts TCP but never answers (a frozen Skaffold): retrying leaves no connection open behind it', async () => {
  // grpc-js never gives up on such a connection by itself, nor closes it with the client.
  const open = new Set<net.Socket>();
  let accepted = 0;
  const silent = net.createServer((socket) => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.resume(); // read, so that the client's close is seen
  });
  const port = await listen(silent);
  const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, connectTimeoutMs: 150, backoffInitialMs: 20, backoffMaxMs: 50, idleBackoffMaxMs: 50 });
  try {
    session.connect();
    const deadline = Date.now() + 5000;
    let mostOpen = 0;
    while (accepted < 5 && Date.now() < deadline) {
      mostOpen = Math.max(mostOpen, open.size);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(accepted >= 5, `it kept retrying (${accepted} connections)`);
    assert.equal(session.status, 'connecting');
    assert.match(session.lastError?.message ?? '', /did not answer|timed out|deadline/i);
    assert.ok(mostOpen <= 2, `at most the attempt in flight is open, saw ${mostOpen}`);
  } finally {
    session.dispose();
  }
  const deadline = Date.now() + 2000;
  while (open.size > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(open.size, 0, 'dispose closed the last connection');
  await new Promise<void>((r) => silent.close(() => r()));
});

test('a gRPC server that is not Skaffold: notSkaffold, naming the port to check', async () => {
  const other = await grpcServer((server) => {
    server.addService({
      Check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, requestSerialize: (x: Buffer) => x, requestDeserialize: (x: Buffer) => x, responseSerialize: (x: Buffer) => x, responseDeserialize: (x: Buffer) => x },
    }, { Check: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)) });
  });
  const client = new SkaffoldClient(`127.0.0.1:${other.port}`);
  const session = new SkaffoldSession({ address: `127.0.0.1:${other.port}`, backoffInitialMs: 10 });
  try {
    const err = await expectError(client.getState(2000), 'notSkaffold', /does not serve Skaffold's API/);
    assert.equal(err.retryable, false);
    session.connect();
    await waitForStatus(session, 'failed');
    assert.equal(session.lastError?.kind, 'notSkaffold');
  } finally {
    client.dispose();
    session.dispose();
    other.stop();
  }
});

const definition = loadSkaffoldPackageDefinition();
const service = (grpc.loadPackageDefinition(definition) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService.service;

test('a server whose replies are not valid protobuf: notSkaffold', async () => {
  const garbled: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [name, method] of Object.entries(service)) {
    garbled[name] = { ...method, responseSerialize: () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a]) };
  }
  const srv = await grpcServer((server) => server.addService(garbled as grpc.ServiceDefinition, {
    GetState: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
    Events: (call: grpc.ServerWritableStream<object, object>) => { call.write({}); },
    EventLog: () => undefined, Execute: () => undefined, AutoBuild: () => undefined, AutoSync: () => undefined, AutoDeploy: () => undefined, Handle: () => undefined,
  }));
  const client = new SkaffoldClient(`127.0.0.1:${srv.port}`);
  try {
    await expectError(client.getState(2000), 'notSkaffold', /not a valid Skaffold message/);
  } finally {
    client.dispose();
    srv.stop();
  }
});

test('a message over the size limit: tooLarge; the session keeps what it showed and stops retrying', async () => {
  const history: LogEntry[] = [ev.meta(), ev.devLoop(0, 'In Progress'), ev.build('example/app', 'In Progress'), ev.build('example/app', 'Complete')];
  let live: grpc.ServerWritableStream<object, LogEntry> | undefined;
  const srv = await grpcServer((server) => server.addService(service, {
    // As Skaffold's: GetState agrees with the history it replays.
    GetState: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { buildState: { artifacts: { 'example/app': 'Complete' }, autoTrigger: true } }),
    Events: (call: grpc.ServerWritableStream<object, LogEntry>) => { history.forEach((e) => call.write(e)); live = call; },
    EventLog: () => undefined, Execute: () => undefined, AutoBuild: () => undefined, AutoSync: () => undefined, AutoDeploy: () => undefined, Handle: () => undefined,
  }));
  const session = new SkaffoldSession({ address: `127.0.0.1:${srv.port}`, maxReceiveMessageBytes: 64 * 1024, backoffInitialMs: 10, settleMs: 20 });
  try {
    session.connect();
    await waitForStatus(session, 'connected');
    await new Promise<void>((r) => { const s = session.onDidChangeState(() => { s.dispose(); r(); }); });
    assert.equal(session.state.artifacts.get('example/app')?.status, 'Complete');
    live!.write(ev.build('example/app', 'Failed', 'x'.repeat(200 * 1024)));
    await waitForStatus(session, 'failed');
    assert.equal(session.lastError?.kind, 'tooLarge');
    assert.match(session.lastError!.message, /larger than the limit/);
    assert.equal(session.state.artifacts.get('example/app')?.status, 'Complete', 'nothing already shown is lost');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(session.status, 'failed', 'a replay would hit the same message: no automatic retry');
  } finally {
    session.dispose();
    srv.stop();
  }
});

test('a session on an invalid address fails at once with the reason', () => {
  const session = new SkaffoldSession({ address: 'not an address' });
  session.connect();
  assert.equal(session.status, 'failed');
  assert.equal(session.lastError?.kind, 'invalidAddress');
  session.dispose();
});

test('calls while not connected are refused with a clear message, not sent', async () => {
  const session = new SkaffoldSession({ address: '127.0.0.1:1' });
  await assert.rejects(async () => session.execute({ build: true }), (e: unknown) => e instanceof SkaffoldError && /Not connected to Skaffold at 127\.0\.0\.1:1/.test(e.message));
  session.dispose();
});

test('loading the session loads neither grpc-js nor the proto: they wait for the first connection', () => {
  const probe = `
    require(${JSON.stringify(require.resolve('../../src/skaffold/session/session'))});
    const loaded = Object.keys(require.cache).filter((k) => /@grpc[\\\\/](grpc-js|proto-loader)|protobufjs/.test(k));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), []);
});
