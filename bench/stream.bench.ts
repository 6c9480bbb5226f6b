/**
 * `npm run bench`: events/s of the whole core (client + reducer + event log + coalesced
 * change events) against the ceiling, a bare grpc-js consumer of the same stream from the
 * same server, measured in the same run; and peak RSS growth over 1,000,000 events.
 * The server runs in a child process so it does not share the consumer's event loop.
 */
import { fork, ChildProcess } from 'child_process';
import * as path from 'path';
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

async function peakRssGrowth(run: () => Promise<unknown>): Promise<number> {
  (global as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 100));
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  await run();
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - before;
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

  const big = await startServer(RSS_EVENTS);
  try {
    const bareGrowth = await peakRssGrowth(() => bare(big.port));
    const ourGrowth = await peakRssGrowth(() => ours(big.port, RSS_EVENTS));
    console.log(`memory over ${RSS_EVENTS} events: peak RSS growth ours ${mb(ourGrowth)} (target < 30 MB) ${ourGrowth < 30 * 1024 * 1024 ? 'OK' : 'ABOVE TARGET'}; bare grpc-js ${mb(bareGrowth)}`);
  } finally {
    big.child.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
