/**
 * One consumer of the benchmark server's stream, run in a fresh process (with --expose-gc) so
 * that its CPU time and memory are its own:
 *
 *   node --expose-gc consumer.js JSON-OPTIONS
 *
 * `bare`: a bare @grpc/grpc-js client of the same proto, with the same decoding options, that
 * counts messages (the ceiling). `ours`: SkaffoldSession (client, reducer, event log, history,
 * coalesced change events, liveness checks) with a listener on every event-log record, as the
 * extension's output channel has, and one on every change that reads the rows it names. Both
 * load grpc-js and the proto before the baseline is taken.
 *
 * Reports over IPC: CPU time (user + system) from the first event to the last, and from the
 * event `measureFrom` on; peak RSS growth over the baseline (sampled every 25 ms); RSS and heap
 * still held after the stream ended, the consumer was disposed and GC ran; V8's young
 * generation size then.
 */
import * as v8 from 'v8';
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition } from '../src/skaffold/wire/protocol';
import { SkaffoldSession } from '../src/skaffold/session/session';
import { StateChange } from '../src/skaffold/state/model';
import '../src/skaffold/wire/client';

export interface ConsumerOptions {
  which: 'bare' | 'ours';
  port: number;
  /** Events each consumer expects (the stream's length). */
  expected: number;
  /** Sessions (or bare calls) side by side in this process (default 1). */
  sessions?: number;
  /** CPU is also measured from this event on (default 0). */
  measureFrom?: number;
}

export interface ConsumerResult {
  cpuMs: number;
  /** CPU time from event `measureFrom` to the end. */
  measuredCpuMs: number;
  wallMs: number;
  peakRssGrowth: number;
  retainedRss: number;
  retainedHeap: number;
  /** JS heap in use after the stream ended and GC ran, the sessions still showing their state. */
  heldHeap: number;
  newSpace: number;
  changes: number;
}

/**
 * What every listener of a change does first: read the state (which hands it out: later
 * events copy what they change) and the rows the change names. Building the tree items is
 * the views' work, measured in the extension host (bench/hostBench.ts).
 */
function readChanged(session: SkaffoldSession, change: StateChange): number {
  const s = session.state;
  let n = 0;
  for (const name of change.artifacts) {
    n += s.artifacts.get(name) ? 1 : 0;
  }
  for (const name of change.resources) {
    n += s.resources.get(name) ? 1 : 0;
  }
  return n;
}

const gc = (global as { gc?: () => void }).gc ?? (() => undefined);
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts `expected` events on each of `n` streams; calls `mark` at the `measureFrom`-th event of the first. */
function consume(opts: ConsumerOptions, mark: () => void): Promise<{ changes: number; dispose: () => void }> {
  const n = opts.sessions ?? 1;
  const measureFrom = opts.measureFrom ?? 0;
  let changes = 0;
  const streams: Promise<void>[] = [];
  const disposers: (() => void)[] = [];
  for (let k = 0; k < n; k++) {
    const counted = (count: number) => {
      if (k === 0 && count === measureFrom) {
        mark();
      }
    };
    if (opts.which === 'bare') {
      const Ctor = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService;
      const client = new Ctor(`127.0.0.1:${opts.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Events(req: object): grpc.ClientReadableStream<object> };
      disposers.push(() => client.close());
      streams.push(new Promise((resolve, reject) => {
        let seen = 0;
        const call = client.Events({});
        call.on('data', () => { counted(++seen); });
        call.on('end', () => (seen === opts.expected ? resolve() : reject(new Error(`bare: ${seen} of ${opts.expected}`))));
        call.on('error', reject);
      }));
    } else {
      const session = new SkaffoldSession({ address: `127.0.0.1:${opts.port}`, reconnect: false });
      disposers.push(() => session.dispose());
      streams.push(new Promise((resolve, reject) => {
        let seen = 0;
        session.onDidLog(() => { counted(++seen); });
        session.onDidChangeState((c) => { changes++; readChanged(session, c); });
        session.onDidChangeStatus((e) => {
          if (e.status === 'ended') {
            if (seen === opts.expected) {
              resolve();
            } else {
              reject(new Error(`ours: ${seen} of ${opts.expected}`));
            }
          } else if (e.status === 'failed') {
            reject(e.error);
          }
        });
        session.connect();
      }));
    }
  }
  return Promise.all(streams).then(() => ({ changes, dispose: () => disposers.forEach((d) => d()) }));
}

export async function runConsumer(opts: ConsumerOptions): Promise<ConsumerResult> {
  loadSkaffoldPackageDefinition();
  await settle();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 25);
  const cpu0 = cpuNow();
  const wall0 = performance.now();
  let markCpu = opts.measureFrom ? NaN : cpu0;
  const { changes, dispose } = await consume(opts, () => { markCpu = cpuNow(); });
  const cpu1 = cpuNow();
  const wallMs = performance.now() - wall0;
  peak = Math.max(peak, process.memoryUsage.rss());
  clearInterval(sampler);
  await settle();
  const heldHeap = process.memoryUsage().heapUsed - before.heapUsed;
  dispose();
  await settle();
  const after = process.memoryUsage();
  const newSpace = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  return {
    cpuMs: cpu1 - cpu0,
    measuredCpuMs: cpu1 - markCpu,
    wallMs,
    peakRssGrowth: peak - before.rss,
    retainedRss: after.rss - before.rss,
    retainedHeap: after.heapUsed - before.heapUsed,
    heldHeap,
    newSpace,
    changes,
  };
}

if (require.main === module) {
  runConsumer(JSON.parse(process.argv[2]) as ConsumerOptions).then(
    (r) => process.send!(r, () => process.exit(0)),
    (err) => { console.error(err); process.exit(1); },
  );
}
