/**
 * Benchmark server, run as a child process so it never shares a core's event loop with the
 * consumer it feeds: a real gRPC server on our proto, writing messages encoded once at start
 * (only the timestamp, which must say "now", is encoded per message), so that it is never what
 * limits the consumer.
 *
 *   node streamServer.js JSON-OPTIONS
 *
 * Options (all optional): see ServerOptions. Tells the parent `{ port }` over IPC when it
 * listens, then `{ call: { sent, cpuMs, wallMs, lagMs } }` when each Events call ends (the
 * server's own CPU time for it: how busy the server was), and stops on 'disconnect'.
 */
import * as grpc from '@grpc/grpc-js';
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
const historyStamps = encoded.map((_, i) => timestampField(HISTORY_START + i));

const service: grpc.ServiceDefinition = { ...methods, Events: { ...methods.Events, responseSerialize: (b: Buffer) => b } };
const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
const notUsed = (_call: unknown, cb: grpc.sendUnaryData<object>) => cb({ code: grpc.status.UNIMPLEMENTED });

function events(call: grpc.ServerWritableStream<object, Buffer>): void {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let i = 0;
  let done = false;
  let lagMs = 0;
  let stampMs = -1;
  let stamp: Buffer = Buffer.alloc(0);
  const message = (k: number): Buffer => {
    if (mode === 'history') {
      return Buffer.concat([historyStamps[k], encoded[k]]);
    }
    const now = Date.now();
    if (now !== stampMs) {
      stampMs = now;
      stamp = timestampField(now);
    }
    return Buffer.concat([stamp, encoded[k]]);
  };
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
  call.on('cancelled', finish);
  if (mode === 'paced') {
    const rate = opts.rate ?? 1000;
    const tickMs = 10;
    let waiting = false;
    const tick = () => {
      if (done) {
        return;
      }
      const due = Math.min(encoded.length, Math.floor(((performance.now() - wall0) * rate) / 1000));
      lagMs = Math.max(lagMs, ((due - i) / rate) * 1000);
      while (i < due && !waiting) {
        if (!call.write(message(i++))) {
          waiting = true;
          call.once('drain', () => { waiting = false; });
        }
      }
      if (i >= encoded.length) {
        call.end();
        finish();
        return;
      }
      setTimeout(tick, tickMs);
    };
    tick();
    return;
  }
  const pump = () => {
    while (i < encoded.length && !done) {
      if (!call.write(message(i++))) {
        call.once('drain', pump);
        return;
      }
    }
    if (mode !== 'history' && !done) {
      call.end();
      finish();
    }
  };
  pump();
}

server.addService(service, {
  GetState: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { buildState: { artifacts: Object.fromEntries(artifacts.map((a) => [a, 'Not Started'])), autoTrigger: true } }),
  Events: events,
  EventLog: () => undefined, Execute: notUsed, AutoBuild: notUsed, AutoSync: notUsed, AutoDeploy: notUsed, Handle: notUsed,
});
server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.send?.({ port: bound, total: encoded.length, measureFrom });
});
process.on('error', () => undefined); // a report sent as the parent goes: nobody to tell
process.on('disconnect', () => {
  server.forceShutdown();
  process.exit(0);
});
