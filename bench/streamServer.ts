/**
 * Benchmark server, run as a child process so it never shares a core's event loop with the
 * consumer it feeds: a gRPC server on our proto (HTTP/2 written directly, many messages per
 * write), writing messages encoded once at start (only the timestamp, which must say "now", is
 * encoded per message), so that it is never what limits the consumer.
 *
 *   node streamServer.js JSON-OPTIONS
 *
 * Options (all optional): see ServerOptions. Tells the parent `{ port }` over IPC when it
 * listens, then `{ call: { sent, cpuMs, wallMs, lagMs } }` when each Events call ends (the
 * server's own CPU time for it: how busy the server was), and stops on 'disconnect'.
 */
import * as http2 from 'http2';
import type { AddressInfo } from 'net';
import type * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition, LogEntry } from '../src/skaffold/wire/protocol';

export interface ServerOptions {
  /** Events per call (default 200,000). */
  count?: number;
  /**
   * burst: as fast as the client takes them (back-pressure honoured), then the call ends;
   * paced: `rate` events per second, then the call ends; history: stamped an hour ago,
   * replayed at once, then the call stays open as Skaffold's does.
   */
  mode?: 'burst' | 'paced' | 'history';
  rate?: number;
  /** What the stream is made of: `loop` whole dev-loop iterations; `scale` see scaleStream. */
  shape?: 'loop' | 'scale';
  resources?: number;
  artifacts?: number;
  /** `scale` only: completed iterations before the measured part. */
  iterations?: number;
  port?: number;
}

const opts: ServerOptions = JSON.parse(process.argv[2] ?? '{}');
const count = opts.count ?? 200_000;
const mode = opts.mode ?? 'burst';
const resources = opts.resources ?? 500;
const artifacts = Array.from({ length: opts.artifacts ?? 10 }, (_, i) => `example/service-${i}`);

type Body = Omit<LogEntry, 'timestamp'>;

/** One dev-loop iteration's worth of events, like Skaffold's, cycled to make the stream. */
function iterationEvents(iteration: number, out: Body[]): void {
  const e = (event: object, entry: string) => out.push({ event: event as LogEntry['event'], entry });
  e({ devLoopEvent: { iteration, status: 'In Progress' } }, 'Update initiated');
  for (const a of artifacts.slice(0, 1 + (iteration % artifacts.length))) {
    e({ buildEvent: { artifact: a, status: 'In Progress', hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`);
    e({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`);
  }
  e({ deployEvent: { status: 'In Progress' } }, 'Deploy started');
  e({ statusCheckEvent: { status: 'Started' } }, 'Status check started');
  for (let r = 0; r < resources; r++) {
    resourceEvents(r, iteration, out);
  }
  e({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded');
  e({ deployEvent: { status: 'Complete' } }, 'Deploy completed');
  e({ portEvent: { localPort: 47480, remotePort: 8080, namespace: 'default', resourceType: 'service', resourceName: 'service-0', address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 } } }, 'Forwarding container service-0 to local port 47480');
  e({ devLoopEvent: { iteration, status: 'Succeeded' } }, 'Update succeeded');
}

/** A pod starting and its deployment ready: resources `2 * r` and `2 * r + 1`. */
function resourceEvents(r: number, iteration: number, out: Body[]): void {
  const pod = `Pod/service-${r}-5d8c7b9f4-x${iteration % 97}`;
  out.push({ event: { resourceStatusCheckEvent: { resource: pod, status: 'In Progress', message: `creating container service-${r}`, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message: `creating container service-${r}` } } } as LogEntry['event'], entry: `Resource ${pod} status updated to In Progress` });
  out.push({ event: { resourceStatusCheckEvent: { resource: `deployment/service-${r}`, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } } as LogEntry['event'], entry: `Resource deployment/service-${r} status completed successfully` });
}

/**
 * A stream whose event mix does not depend on the state's size, for the scale curves: first
 * `iterations` short completed iterations (the history), then one iteration that builds every
 * artifact and deploys every resource (the state's size: `resources` resources, half of them
 * pods), then, inside that iteration's status check, cycles of 100 events (2 builds, 96
 * resource updates round-robin over all resources, a port, a deploy note), the same for every
 * size: WARMUP of them (so that every size is measured with the code equally warm), then the
 * measured part. `measureFrom` is where that part begins.
 */
const WARMUP = 20_000;

function scaleStream(out: Body[]): number {
  const e = (event: object, entry: string) => out.push({ event: event as LogEntry['event'], entry });
  const iterations = opts.iterations ?? 10;
  for (let it = 0; it < iterations; it++) {
    e({ devLoopEvent: { iteration: it, status: 'In Progress' } }, 'Update initiated');
    e({ buildEvent: { artifact: artifacts[it % artifacts.length], status: 'In Progress' } }, 'Build started');
    e({ buildEvent: { artifact: artifacts[it % artifacts.length], status: 'Complete' } }, 'Build completed');
    e({ deployEvent: { status: 'In Progress' } }, 'Deploy started');
    e({ deployEvent: { status: 'Complete' } }, 'Deploy completed');
    e({ devLoopEvent: { iteration: it, status: 'Succeeded' } }, 'Update succeeded');
  }
  e({ devLoopEvent: { iteration: iterations, status: 'In Progress' } }, 'Update initiated');
  for (const a of artifacts) {
    e({ buildEvent: { artifact: a, status: 'In Progress' } }, `Build started for artifact ${a}`);
    e({ buildEvent: { artifact: a, status: 'Complete' } }, `Build completed for artifact ${a}`);
  }
  e({ deployEvent: { status: 'In Progress' } }, 'Deploy started');
  e({ statusCheckEvent: { status: 'Started' } }, 'Status check started');
  const pairs = Math.max(1, Math.floor(resources / 2));
  for (let r = 0; r < pairs; r++) {
    resourceEvents(r, iterations, out);
  }
  const measureFrom = out.length + WARMUP;
  for (let c = 0; out.length < measureFrom + count; c++) {
    for (const a of [artifacts[(2 * c) % artifacts.length], artifacts[(2 * c + 1) % artifacts.length]]) {
      e({ buildEvent: { artifact: a, status: 'Complete' } }, `Build completed for artifact ${a}`);
    }
    for (let k = 0; k < 48; k++) {
      resourceEvents((c * 48 + k) % pairs, iterations, out);
    }
    e({ portEvent: { localPort: 47480 + (c % 10), remotePort: 8080, namespace: 'default', resourceType: 'service', resourceName: `service-${c % 10}`, address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 } } }, 'Forwarding');
    e({ deployEvent: { status: 'Information', err: `note ${c}` } }, '');
  }
  return measureFrom;
}

function makeStream(): { bodies: Body[]; measureFrom: number } {
  const out: Body[] = [{ event: { metaEvent: { entry: 'Starting Skaffold: &{Version:v2.7.0 ConfigVersion:skaffold/v4beta6}' } } as LogEntry['event'], entry: '' }];
  if (opts.shape === 'scale') {
    const measureFrom = scaleStream(out);
    return { bodies: out, measureFrom };
  }
  for (let it = 0; out.length < count; it++) {
    iterationEvents(it, out);
  }
  return { bodies: out.slice(0, count), measureFrom: 0 };
}

/** Protobuf base-128 varint. */
function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** LogEntry field 1 (google.protobuf.Timestamp {seconds = 1, nanos = 2}), encoded. */
function timestampField(ms: number): Buffer {
  const inner: number[] = [0x08];
  varint(Math.floor(ms / 1000), inner);
  const nanos = (ms % 1000) * 1e6;
  if (nanos > 0) {
    inner.push(0x10);
    varint(nanos, inner);
  }
  return Buffer.from([0x0a, inner.length, ...inner]);
}

const definition = loadSkaffoldPackageDefinition();
const methods = definition['proto.SkaffoldService'] as unknown as grpc.ServiceDefinition;
const { bodies, measureFrom } = makeStream();
// Fields may come in any order and encoded messages concatenate: timestamp bytes + body bytes
// is the LogEntry with both.
const encoded = bodies.map((b) => methods.Events.responseSerialize(b));
const HISTORY_START = Date.now() - 3_600_000;
const stateBytes = methods.GetState.responseSerialize({ buildState: { artifacts: Object.fromEntries(artifacts.map((a) => [a, 'Not Started'])), autoTrigger: true } });

/**
 * gRPC over HTTP/2 written directly (node:http2), so that one write carries many messages:
 * grpc-js writes each message on its own, and at 100,000 messages a second that made the
 * server as busy as the consumer. On the wire it is what grpc-js and grpc-go send: a
 * response's headers, messages each with its 5-byte prefix (not compressed, length), then
 * the trailers with grpc-status.
 */
const CHUNK = 64 * 1024;

/** The messages `from` to `to` (exclusive), framed, stamped `stampOf(k)`, in one buffer. */
function frames(from: number, to: number, stampOf: (k: number) => Buffer): Buffer {
  let size = 0;
  const stamps: Buffer[] = [];
  for (let k = from; k < to; k++) {
    stamps.push(stampOf(k));
    size += 5 + stamps[k - from].length + encoded[k].length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let k = from; k < to; k++) {
    const stamp = stamps[k - from];
    const length = stamp.length + encoded[k].length;
    out[at] = 0;
    out.writeUInt32BE(length, at + 1);
    stamp.copy(out, at + 5);
    encoded[k].copy(out, at + 5 + stamp.length);
    at += 5 + length;
  }
  return out;
}

/** How many messages from `from` fit in one write. */
function chunkEnd(from: number, limit: number): number {
  let size = 0;
  let k = from;
  while (k < limit && (k === from || size + encoded[k].length + 20 <= CHUNK)) {
    size += encoded[k].length + 20;
    k++;
  }
  return k;
}

function respond(stream: http2.ServerHttp2Stream): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
}

function events(stream: http2.ServerHttp2Stream): void {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let i = 0;
  let done = false;
  let lagMs = 0;
  let stampMs = -1;
  let stamp: Buffer = Buffer.alloc(0);
  const now = (): Buffer => {
    const ms = Date.now();
    if (ms !== stampMs) {
      stampMs = ms;
      stamp = timestampField(ms);
    }
    return stamp;
  };
  const stampOf = mode === 'history' ? (k: number) => timestampField(HISTORY_START + k) : () => now();
  const finish = () => {
    if (done) {
      return;
    }
    done = true;
    const cpu = process.cpuUsage(cpu0);
    if (process.connected) {
      process.send?.({ call: { sent: i, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wall0, lagMs } });
    }
  };
  stream.on('close', finish);
  stream.on('error', finish);
  respond(stream);
  let waiting = false;
  /** Writes messages up to `limit`; false when the client must take what it has first. */
  const writeUpTo = (limit: number): boolean => {
    while (i < limit && !done) {
      const end = chunkEnd(i, limit);
      const ok = stream.write(frames(i, end, stampOf));
      i = end;
      if (!ok) {
        waiting = true;
        stream.once('drain', () => {
          waiting = false;
          resume();
        });
        return false;
      }
    }
    return true;
  };
  let resume = () => undefined as void;
  if (mode === 'paced') {
    const rate = opts.rate ?? 1000;
    const tick = () => {
      if (done) {
        return;
      }
      const due = Math.min(encoded.length, Math.floor(((performance.now() - wall0) * rate) / 1000));
      lagMs = Math.max(lagMs, ((due - i) / rate) * 1000);
      if (!waiting) {
        writeUpTo(due);
      }
      if (i >= encoded.length) {
        stream.end();
        finish();
        return;
      }
      setTimeout(tick, 10);
    };
    tick();
    return;
  }
  resume = () => {
    if (writeUpTo(encoded.length) && mode !== 'history' && !done) {
      stream.end();
      finish();
    }
  };
  resume();
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.resume(); // the request message: nothing to read in it
  const path = headers[':path'];
  if (path === '/proto.SkaffoldService/Events') {
    events(stream);
  } else if (path === '/proto.SkaffoldService/GetState') {
    respond(stream);
    const out = Buffer.allocUnsafe(5 + stateBytes.length);
    out[0] = 0;
    out.writeUInt32BE(stateBytes.length, 1);
    stateBytes.copy(out, 5);
    stream.end(out);
  } else {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'not in the benchmark' }, { endStream: true });
  }
});
server.on('sessionError', () => undefined);
server.listen(opts.port ?? 0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port, total: encoded.length, measureFrom });
});
process.on('error', () => undefined); // a report sent as the parent goes: nobody to tell
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
