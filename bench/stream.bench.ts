/**
 * `npm run bench`: events/s of the whole core (client + reducer + event log + coalesced
 * change events) against the ceiling, a bare grpc-js consumer of the same stream from the
 * same server, measured in the same run; and peak RSS growth over 1,000,000 events.
 * The server runs in a child process so it does not share the consumer's event loop.
 */
import { fork, ChildProcess } from 'child_process';
import * as path from 'path';
import * as v8 from 'v8';
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition } from '../src/skaffold/protocol';
import { SkaffoldSession } from '../src/skaffold/session';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const RSS_EVENTS = Number(process.env.BENCH_RSS_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function startServer(count: number): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(path.join(__dirname, 'streamServer.js'), [String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(String(m).split(' ')[1])));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, child };
}

/** The ceiling: grpc-js with the same proto and decoding options, counting messages. */
function bare(port: number): Promise<number> {
  const Ctor = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService;
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 4 * 1024 * 1024 }) as unknown as grpc.Client & { Events(req: object): grpc.ClientReadableStream<object> };
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let n = 0;
    const call = client.Events({});
    call.on('data', () => { n++; });
    call.on('error', reject);
    call.on('status', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      client.close();
      if (n === 0) {
        reject(new Error('no events'));
      }
      resolve(ms);
    });
  });
}

/** Ours: a session consuming the same stream until it ends, with the last change delivered. */
function ours(port: number, expected: number): Promise<{ ms: number; changes: number; logged: number }> {
  return new Promise((resolve, reject) => {
    const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, reconnect: false, eventLogSize: 1000 });
    let changes = 0;
    let logged = 0;
    let endedAt: bigint | undefined;
    const start = process.hrtime.bigint();
    session.onDidLog(() => { logged++; });
    session.onDidChangeState(() => {
      changes++;
    });
    session.onDidChangeStatus((e) => {
      if (e.status === 'ended' && !endedAt) {
        endedAt = process.hrtime.bigint();
        const ms = Number(endedAt - start) / 1e6;
        // Let the coalesced tail flush, then check every event arrived.
        setTimeout(() => {
          session.dispose();
          if (logged !== expected) {
            reject(new Error(`logged ${logged} of ${expected}`));
          } else {
            resolve({ ms, changes, logged });
          }
        }, 150);
      } else if (e.status === 'failed') {
        reject(e.error);
      }
    });
    session.connect();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

interface MemoryResult {
  peak: number;
  retained: number;
  newSpace: number;
}

/**
 * Runs one consumer over `count` events in this (fresh) process and measures: the peak RSS
 * growth while streaming, the JS heap still in use after a full GC (what the code keeps),
 * and V8's young generation size at the end (V8 grows it under a high allocation rate).
 */
async function measureMemory(which: 'bare' | 'ours', count: number): Promise<MemoryResult> {
  const server = await startServer(count);
  try {
    const gc = (global as { gc?: () => void }).gc;
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const before = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
    if (which === 'bare') {
      await bare(server.port);
    } else {
      await ours(server.port, count);
    }
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const newSpace = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
    return { peak: peak - before, retained: process.memoryUsage().heapUsed - heapBefore, newSpace };
  } finally {
    server.child.disconnect();
  }
}

/** Each memory run gets a fresh process, so neither consumer inherits the other's heap. */
function memoryInChild(which: 'bare' | 'ours', count: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--memory', which, String(count)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as MemoryResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory run exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  console.log(`Streaming ${EVENTS} events per round, ${ROUNDS} rounds each, alternating (node ${process.version}).`);
  const server = await startServer(EVENTS);
  const bareRates: number[] = [];
  const ourRates: number[] = [];
  try {
    await bare(server.port);
    await ours(server.port, EVENTS);
    for (let r = 0; r < ROUNDS; r++) {
      const b = await bare(server.port);
      const o = await ours(server.port, EVENTS);
      bareRates.push(EVENTS / (b / 1000));
      ourRates.push(EVENTS / (o.ms / 1000));
      console.log(`  round ${r + 1}: bare ${(EVENTS / (b / 1000)).toFixed(0)} ev/s, ours ${(EVENTS / (o.ms / 1000)).toFixed(0)} ev/s (${o.changes} change events)`);
    }
  } finally {
    server.child.disconnect();
  }
  const ratio = median(ourRates) / median(bareRates);
  console.log(`throughput: ours ${median(ourRates).toFixed(0)} ev/s vs ceiling (bare grpc-js) ${median(bareRates).toFixed(0)} ev/s: ratio ${ratio.toFixed(3)} (target >= 0.9) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}`);

  const bareMem = await memoryInChild('bare', RSS_EVENTS);
  const ourMem = await memoryInChild('ours', RSS_EVENTS);
  const ok = ourMem.peak < 30 * 1024 * 1024;
  console.log(`memory over ${RSS_EVENTS} events: peak RSS growth ours ${mb(ourMem.peak)} (target < 30 MB) ${ok ? 'OK' : 'ABOVE TARGET'}; ceiling (bare grpc-js) ${mb(bareMem.peak)}`);
  console.log(`  heap kept after a full GC: ours ${mb(ourMem.retained)}, bare ${mb(bareMem.retained)}; V8 young generation at the end: ours ${mb(ourMem.newSpace)}, bare ${mb(bareMem.newSpace)}`);
}

const memoryMode = process.argv.indexOf('--memory');
if (memoryMode >= 0) {
  measureMemory(process.argv[memoryMode + 1] as 'bare' | 'ours', Number(process.argv[memoryMode + 2])).then(
    (r) => process.send!(r, () => process.exit(0)),
    (err) => { console.error(err); process.exit(1); },
  );
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
