/**
 * `npm run bench`: every cost of the extension measured against its ceiling in one run, each
 * the median of several rounds, printed as one table and written to bench/results.json and
 * docs/performance.md. Servers run in child processes so they never share the consumer's
 * event loop; the ceiling is a bare grpc-js consumer of the same stream from the same server.
 */
import { ChildProcess, execFileSync, fork, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition } from '../src/skaffold/wire/protocol';
import { SessionStatus, SkaffoldSession } from '../src/skaffold/session/session';
import type { ServerOptions } from './streamServer';
import type { ConsumerOptions, ConsumerResult } from './consumer';
import { hostBench } from './hostBench';
import { BenchRow, codeLensBench, openLogBench } from './eventLogBench';
import { FakeSkaffold } from '../test/fakes/skaffoldFake';

const root = path.resolve(__dirname, '..', '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BURST_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const PACED_RATE = 1000;
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 60);
const SCALE_EVENTS = Number(process.env.BENCH_SCALE_EVENTS ?? 100_000);
const REPLAY_EVENTS = 50_000;

type Row = BenchRow;

const rows: Row[] = [];
/** The scale curves, each a small markdown table, written under the main table. */
const curveTables: string[] = [];
function report(row: Row): void {
  rows.push(row);
  console.log(`  ${row.ok ? 'ok  ' : 'MISS'} ${row.what}: ${row.value}${row.unit} (target ${row.target})${row.detail ? ` — ${row.detail}` : ''}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** Ratios are printed with three decimals, so that one just over its target does not read as on it. */
const round3 = (n: number) => Math.round(n * 1000) / 1000;

interface ServerHandle { port: number; child: ChildProcess; total: number; measureFrom: number; calls: ServerCall[] }
/** What the server reports of each Events call: its own CPU time for it, and how late a paced stream fell. */
interface ServerCall { sent: number; cpuMs: number; wallMs: number; lagMs: number }

async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const child = fork(path.join(__dirname, 'streamServer.js'), [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const calls: ServerCall[] = [];
  const ready = await new Promise<{ port: number; total: number; measureFrom: number }>((resolve, reject) => {
    child.on('message', (m: { port?: number; total: number; measureFrom: number; call?: ServerCall }) => {
      if (m.call) {
        calls.push(m.call);
      } else if (m.port !== undefined) {
        resolve({ port: m.port, total: m.total, measureFrom: m.measureFrom });
      }
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ...ready, child, calls };
}

function stopServer(s: { child: ChildProcess }): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) {
      resolve();
      return;
    }
    s.child.once('exit', () => resolve());
    s.child.disconnect();
  });
}

/** The ceiling: grpc-js with the same proto and decoding, counting messages until `expected`. */
function bare(port: number, expected: number): Promise<number> {
  const Ctor = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService;
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Events(req: object): grpc.ClientReadableStream<object> };
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let n = 0;
    const call = client.Events({});
    const done = () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      call.cancel();
      client.close();
      resolve(ms);
    };
    call.on('data', () => {
      if (++n === expected) {
        done();
      }
    });
    call.on('error', (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED ? undefined : reject(err)));
  });
}

/** One consumer in a fresh process against a fresh server: its figures and the server's. */
async function consumerRun(which: 'bare' | 'ours', server: ServerOptions, sessions = 1): Promise<Run> {
  return (await consumersTogether(server, [which], sessions))[0];
}

/** Ours at connect: from connect() to the replayed history shown as state. */
function oursReplay(port: number, expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, reconnect: false });
    const start = process.hrtime.bigint();
    session.onDidChangeState((c) => {
      if (c.all.has('artifacts')) {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const got = session.logRecords.length;
        session.dispose();
        if (session.state.devLoop.iteration < 0) {
          reject(new Error('replay not applied'));
        }
        resolve(got >= Math.min(expected, 1000) ? ms : NaN);
      }
    });
    session.onDidChangeStatus((e) => e.status === 'failed' && reject(e.error));
    session.connect();
  });
}

const MB = 1024 * 1024;

type Run = ConsumerResult & { server: ServerCall[]; events: number };

const perEventUs = (r: Run) => (r.measuredCpuMs * 1000) / r.events;
const mb = (bytes: number) => round2(bytes / MB);
const medianOf = (runs: Run[], f: (r: Run) => number) => median(runs.map(f));

/** How busy the server was during its calls (CPU time / wall time), at most; 1 = a full core. */
function serverBusy(runs: Run[]): number {
  return Math.max(...runs.flatMap((r) => r.server.map((c) => c.cpuMs / Math.max(1, c.wallMs))));
}

/**
 * V8's young generation fixed at this size (MB per semi-space, two of them) for both
 * consumers, for figures measured besides the targets'. A fresh process starts the young
 * generation at 8 MB and doubles it once the bytes that survived scavenges since the last
 * doubling (its own start-up's included: about 6.7 MB of the first 8 here) exceed its size,
 * so a few hundred KB more survivors can cost one consumer 8 or 16 MB more RSS than the
 * other. In an extension host the young generation is sized by every extension's work, not
 * by ours alone. Fixed (at the 16 MB that the session's burst reaches), the figures show what
 * the consumer itself holds.
 */
const FIXED_SEMI_SPACE_MB = 8;
/** A burst long enough for the bare consumer's young generation to grow too. */
const LONG_BURST_EVENTS = 600_000;

/** Consumers of one fresh server at once, each in a fresh process of its own. */
async function consumersTogether(server: ServerOptions, which: ('bare' | 'ours')[], sessions = 1, semiSpaceMb?: number): Promise<Run[]> {
  const s = await startServer(server);
  try {
    const results = await Promise.all(which.map((w) => new Promise<ConsumerResult>((resolve, reject) => {
      const opts: ConsumerOptions = { which: w, port: s.port, expected: s.total, sessions, measureFrom: s.measureFrom };
      const young = semiSpaceMb ? [`--min-semi-space-size=${semiSpaceMb}`, `--max-semi-space-size=${semiSpaceMb}`] : [];
      const child = fork(path.join(__dirname, 'consumer.js'), [JSON.stringify(opts)], { execArgv: ['--expose-gc', ...young], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.once('message', (m) => resolve(m as ConsumerResult));
      child.once('exit', (code) => code !== 0 && reject(new Error(`${w} consumer exited with ${code}`)));
    })));
    await new Promise((r) => setTimeout(r, 50)); // the server's report of the call
    return results.map((r) => ({ ...r, server: s.calls, events: s.total - s.measureFrom }));
  } finally {
    await stopServer(s);
  }
}

/** A burst: the consumer's CPU per event, peak and retained memory, against the bare consumer's. */
async function burst(): Promise<void> {
  console.log(`1. burst: ${BURST_EVENTS} events as fast as taken, 10 artifacts, 500 deployments and their pods; bare and ours interleaved, each in a fresh process, ${ROUNDS} rounds`);
  const server: ServerOptions = { count: BURST_EVENTS, mode: 'burst', resources: 500, artifacts: 10 };
  const b: Run[] = [];
  const o: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    b.push(await consumerRun('bare', server));
    o.push(await consumerRun('ours', server));
  }
  const cpu = medianOf(o, perEventUs) / medianOf(b, perEventUs);
  const rate = (runs: Run[]) => Math.round(medianOf(runs, (r) => r.events / r.wallMs * 1000));
  const busy = serverBusy([...b, ...o]);
  report({ what: 'burst: consumer CPU per event vs bare grpc-js', value: round3(cpu), unit: '×', target: '≤ 1.3', ok: cpu <= 1.3, detail: `${round2(medianOf(o, perEventUs))} µs vs ${round2(medianOf(b, perEventUs))} µs per event; ${rate(o)} vs ${rate(b)} events/s; ${medianOf(o, (r) => r.changes)} change events` });
  report({ what: 'burst: server busy at most (its CPU time / the call\'s wall time)', value: Math.round(busy * 100), unit: ' %', target: '< 90 % (not the bottleneck)', ok: busy < 0.9, detail: `serving bare ${Math.round(serverBusy(b) * 100)} %, serving ours ${Math.round(serverBusy(o) * 100)} %` });
  const peak = medianOf(o, (r) => r.peakRssGrowth) / medianOf(b, (r) => r.peakRssGrowth);
  report({ what: 'burst: peak RSS growth vs bare', value: round3(peak), unit: '×', target: '≤ 2', ok: peak <= 2, detail: `${mb(medianOf(o, (r) => r.peakRssGrowth))} MB vs ${mb(medianOf(b, (r) => r.peakRssGrowth))} MB; V8 young generation after ${mb(medianOf(o, (r) => r.newSpace))} MB vs ${mb(medianOf(b, (r) => r.newSpace))} MB` });
  const kept = medianOf(o, (r) => r.retainedRss) - medianOf(b, (r) => r.retainedRss);
  report({ what: 'burst: RSS retained after the stream closed, over bare', value: mb(kept), unit: ' MB', target: '≤ 5 MB', ok: kept <= 5 * MB, detail: `${mb(medianOf(o, (r) => r.retainedRss))} MB vs ${mb(medianOf(b, (r) => r.retainedRss))} MB (the ended session still shows its state); JS heap ${mb(medianOf(o, (r) => r.retainedHeap))} MB vs ${mb(medianOf(b, (r) => r.retainedHeap))} MB` });
  const fb: Run[] = [];
  const fo: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    fb.push((await consumersTogether(server, ['bare'], 1, FIXED_SEMI_SPACE_MB))[0]);
    fo.push((await consumersTogether(server, ['ours'], 1, FIXED_SEMI_SPACE_MB))[0]);
  }
  const fixedPeak = medianOf(fo, (r) => r.peakRssGrowth) / medianOf(fb, (r) => r.peakRssGrowth);
  const fixedKept = medianOf(fo, (r) => r.retainedRss) - medianOf(fb, (r) => r.retainedRss);
  report({ what: `burst, young generation fixed at ${2 * FIXED_SEMI_SPACE_MB} MB for both: peak RSS growth vs bare`, value: round3(fixedPeak), unit: '×', target: '(measured)', ok: true, detail: `${mb(medianOf(fo, (r) => r.peakRssGrowth))} MB vs ${mb(medianOf(fb, (r) => r.peakRssGrowth))} MB` });
  report({ what: `burst, young generation fixed at ${2 * FIXED_SEMI_SPACE_MB} MB for both: RSS retained after close, over bare`, value: mb(fixedKept), unit: ' MB', target: '(measured)', ok: true, detail: `${mb(medianOf(fo, (r) => r.retainedRss))} MB vs ${mb(medianOf(fb, (r) => r.retainedRss))} MB` });
  // V8 doubles its young generation once enough has survived its scavenges since it last grew:
  // a stream of any consumer crosses that line sooner or later. A longer burst shows where bare's does.
  const long: ServerOptions = { ...server, count: LONG_BURST_EVENTS };
  const [lb] = await consumersTogether(long, ['bare']);
  const [lo] = await consumersTogether(long, ['ours']);
  report({ what: `burst of ${LONG_BURST_EVENTS} events: peak RSS growth vs bare`, value: round3(lo.peakRssGrowth / lb.peakRssGrowth), unit: '×', target: '(measured)', ok: true, detail: `${mb(lo.peakRssGrowth)} MB vs ${mb(lb.peakRssGrowth)} MB; V8 young generation after ${mb(lo.newSpace)} MB vs ${mb(lb.newSpace)} MB; one round` });
}

/** A busy real Skaffold: 1,000 events/s for 60 s, both consumers on the same paced server at once. */
async function paced(): Promise<void> {
  const rounds = Number(process.env.BENCH_PACED_ROUNDS ?? 3);
  console.log(`2. paced: ${PACED_RATE} events/s for ${PACED_SECONDS} s, bare and ours side by side, ${rounds} rounds`);
  const b: Run[] = [];
  const o: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    const [x, y] = await consumersTogether({ count: PACED_RATE * PACED_SECONDS, mode: 'paced', rate: PACED_RATE, resources: 500, artifacts: 10 }, ['bare', 'ours']);
    b.push(x);
    o.push(y);
  }
  const cpu = medianOf(o, (r) => r.cpuMs) / medianOf(b, (r) => r.cpuMs);
  const lag = Math.max(...o.flatMap((r) => r.server.map((c) => c.lagMs)));
  report({ what: `paced ${PACED_RATE}/s for ${PACED_SECONDS} s: consumer CPU vs bare`, value: round3(cpu), unit: '×', target: '≤ 1.3', ok: cpu <= 1.3, detail: `${Math.round(medianOf(o, (r) => r.cpuMs))} ms vs ${Math.round(medianOf(b, (r) => r.cpuMs))} ms; the server fell behind its pace by at most ${Math.round(lag)} ms` });
  const peak = medianOf(o, (r) => r.peakRssGrowth) / medianOf(b, (r) => r.peakRssGrowth);
  report({ what: `paced ${PACED_RATE}/s for ${PACED_SECONDS} s: peak RSS growth vs bare`, value: round3(peak), unit: '×', target: '≤ 1.5', ok: peak <= 1.5, detail: `${mb(medianOf(o, (r) => r.peakRssGrowth))} MB vs ${mb(medianOf(b, (r) => r.peakRssGrowth))} MB; retained ${mb(medianOf(o, (r) => r.retainedRss))} vs ${mb(medianOf(b, (r) => r.retainedRss))} MB; young generation ${mb(medianOf(o, (r) => r.newSpace))} vs ${mb(medianOf(b, (r) => r.newSpace))} MB` });
  const [fb, fo] = await consumersTogether({ count: PACED_RATE * PACED_SECONDS, mode: 'paced', rate: PACED_RATE, resources: 500, artifacts: 10 }, ['bare', 'ours'], 1, FIXED_SEMI_SPACE_MB);
  report({ what: `paced ${PACED_RATE}/s for ${PACED_SECONDS} s, young generation fixed at ${2 * FIXED_SEMI_SPACE_MB} MB for both: peak RSS growth vs bare`, value: round3(fo.peakRssGrowth / fb.peakRssGrowth), unit: '×', target: '(measured)', ok: true, detail: `${mb(fo.peakRssGrowth)} MB vs ${mb(fb.peakRssGrowth)} MB; one round` });
}

interface Curve { what: string; points: { label: string; server: ServerOptions; sessions?: number }[] }

/** Per-event CPU as the state grows, with the same event mix at every size (streamServer's scale stream). */
async function scale(): Promise<void> {
  const rounds = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);
  const n = SCALE_EVENTS;
  const base: ServerOptions = { shape: 'scale', mode: 'burst', count: n, resources: 500, artifacts: 10, iterations: 10 };
  const curves: Curve[] = [
    { what: 'resources', points: [50, 500, 5000].map((x) => ({ label: String(x), server: { ...base, resources: x } })) },
    { what: 'artifacts', points: [10, 100].map((x) => ({ label: String(x), server: { ...base, artifacts: x } })) },
    { what: 'iterations of history', points: [10, 200].map((x) => ({ label: String(x), server: { ...base, iterations: x } })) },
    { what: 'sessions side by side', points: [1, 5, 10].map((x) => ({ label: String(x), server: { ...base, count: Math.round(n / 2) }, sessions: x })) },
  ];
  console.log(`3. scale curves: CPU per event of the last ${n} events (sessions: ${n / 2}) as the state grows, ours and bare, ${rounds} rounds`);
  for (const curve of curves) {
    const lines: string[] = [];
    const ours: number[] = [];
    const held: number[] = [];
    const table = [`| ${curve.what} | ours, CPU per event | bare grpc-js | ours − bare | JS heap held after |`, '|---|---|---|---|---|'];
    // Rounds interleave the points (50, 500, 5000, 50, ...), so that the machine's drift over
    // a curve's minutes weighs on every point alike rather than on one.
    const runs = curve.points.map(() => ({ b: [] as Run[], o: [] as Run[] }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, p] of curve.points.entries()) {
        if (!p.sessions) {
          runs[i].b.push(await consumerRun('bare', p.server));
        }
        runs[i].o.push(await consumerRun('ours', p.server, p.sessions));
      }
    }
    for (const [i, p] of curve.points.entries()) {
      const { b, o } = runs[i];
      const us = medianOf(o, perEventUs);
      ours.push(us);
      held.push(medianOf(o, (r) => r.heldHeap));
      const bareUs = b.length ? medianOf(b, perEventUs) : undefined;
      table.push(`| ${p.label} | ${round2(us)} µs | ${bareUs !== undefined ? `${round2(bareUs)} µs` : '–'} | ${bareUs !== undefined ? `${round2(us - bareUs)} µs` : '–'} | ${mb(medianOf(o, (r) => r.heldHeap))} MB |`);
      lines.push(`${p.label}: ${round2(us)} µs${b.length ? ` (bare ${round2(medianOf(b, perEventUs))} µs)` : ''}, heap held ${mb(medianOf(o, (r) => r.heldHeap))} MB`);
    }
    curveTables.push(table.join('\n'));
    if (curve.what === 'sessions side by side') {
      const x = ours[ours.length - 1] / ours[0];
      const perSession = (held[held.length - 1] - held[0]) / 9;
      report({ what: 'scale: 10 sessions\' CPU vs one session\'s (same stream each)', value: round3(x), unit: '×', target: '≤ 10.5', ok: x <= 10.5, detail: `${lines.join('; ')}; memory per session ${mb(perSession)} MB` });
    } else {
      const x = Math.max(...ours) / Math.min(...ours);
      const extra = curve.what === 'resources' ? `; memory per resource ${Math.round((held[2] - held[0]) / 4950)} bytes` : '';
      report({ what: `scale: CPU per event, largest / smallest, over ${curve.what}`, value: round3(x), unit: '×', target: '≤ 1.25', ok: x <= 1.25, detail: `${lines.join('; ')}${extra}` });
    }
  }
}
async function replay(): Promise<void> {
  console.log(`2. replay at connect: ${REPLAY_EVENTS} events of history`);
  const server = await startServer({ count: REPLAY_EVENTS, mode: 'history', resources: 20 });
  const b: number[] = [];
  const o: number[] = [];
  try {
    await bare(server.port, REPLAY_EVENTS);
    await oursReplay(server.port, REPLAY_EVENTS);
    for (let r = 0; r < ROUNDS; r++) {
      b.push(await bare(server.port, REPLAY_EVENTS));
      o.push(await oursReplay(server.port, REPLAY_EVENTS));
    }
  } finally {
    await stopServer(server);
  }
  const ratio = median(o) / median(b);
  report({ what: 'replay to state shown vs bare receiving it', value: round2(ratio), unit: '×', target: '≤ 1.2', ok: ratio <= 1.2, detail: `${Math.round(median(o))} ms vs ${Math.round(median(b))} ms` });
}

async function reconnect(): Promise<void> {
  console.log(`6. reconnect and freeze detection, ${ROUNDS} rounds`);
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let server = await startServer({ count: 100, mode: 'history', resources: 8 });
    const port = server.port;
    const session = new SkaffoldSession({ address: `127.0.0.1:${port}` });
    const status = (s: SessionStatus) => new Promise<void>((resolve) => {
      if (session.status === s) {
        resolve();
        return;
      }
      const sub = session.onDidChangeStatus((e) => {
        if (e.status === s) {
          sub.dispose();
          resolve();
        }
      });
    });
    session.connect();
    await status('connected');
    await new Promise((res) => setTimeout(res, 200));
    await stopServer(server);
    await Promise.race([status('ended'), status('reconnecting')]);
    await new Promise((res) => setTimeout(res, 300 + r * 97));
    const connected = status('connected');
    server = await startServer({ count: 100, mode: 'history', resources: 8, port });
    const listening = Date.now();
    await connected;
    times.push(Date.now() - listening);
    session.dispose();
    await stopServer(server);
  }
  report({ what: 'restarted Skaffold listening → stream open again', value: median(times), unit: ' ms', target: '≤ 300 ms', ok: median(times) <= 300, detail: `rounds: ${times.join(', ')} ms` });

  const fake = await FakeSkaffold.start({ stepMs: 1 });
  await fake.runDevLoop();
  const session = new SkaffoldSession({ address: fake.address });
  session.connect();
  await new Promise<void>((resolve) => { const s = session.onDidChangeState(() => { s.dispose(); resolve(); }); });
  await new Promise((r) => setTimeout(r, 500));
  const frozenAt = Date.now();
  fake.freeze();
  await new Promise<void>((resolve) => { const s = session.onDidChangeStatus((e) => { if (e.status === 'reconnecting') { s.dispose(); resolve(); } }); });
  const noticed = Date.now() - frozenAt;
  session.dispose();
  await fake.stop();
  report({ what: 'frozen Skaffold noticed (no keepalive pings)', value: round2(noticed / 1000), unit: ' s', target: '≤ 5 s', ok: noticed <= 5000, detail: `pings sent: ${fake.pingStrikes}` });
}

/** require() of bundles, one after the other, in fresh processes: median ms. */
function requireTime(...files: string[]): number {
  const script = "const M=require('module');const o=M._load;M._load=function(r,...a){return r==='vscode'?{}:o.call(this,r,...a)};const t=process.hrtime.bigint();for(const f of process.argv.slice(1))require(f);console.log(Number(process.hrtime.bigint()-t)/1e6)";
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    times.push(Number(execFileSync(process.execPath, ['-e', script, ...files], { encoding: 'utf8' }).trim()));
  }
  return median(times);
}

async function sizeAndLoad(): Promise<void> {
  console.log('5/7. bundle load time and sizes');
  execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: root, stdio: 'ignore' });
  const bundle = path.join(root, 'dist', 'extension.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-bench-'));
  const bareEntry = path.join(tmp, 'bare.js');
  fs.writeFileSync(bareEntry, "require('@grpc/grpc-js');\n");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ entryPoints: [bareEntry], bundle: true, platform: 'node', format: 'cjs', minify: true, outfile: path.join(tmp, 'bare.bundle.js'), nodePaths: [path.join(root, 'node_modules')], logLevel: 'silent' });
  const grpcBundle = path.join(root, 'dist', 'grpc.js');
  const coreBundle = path.join(root, 'dist', 'core.js');
  const ours = requireTime(bundle);
  const ceiling = requireTime(path.join(tmp, 'bare.bundle.js'));
  report({ what: 'activation bundle require time vs a bundle of bare grpc-js', value: round2(ours / ceiling), unit: '×', target: '≤ 1.3', ok: ours / ceiling <= 1.3, detail: `${round2(ours)} ms vs ${round2(ceiling)} ms (the core, grpc-js with the proto, and yaml are bundles of their own, loaded after activation or at first use)` });
  const firstConnection = requireTime(bundle, coreBundle, grpcBundle);
  report({ what: 'activation + core + first connection bundles (extension.js + core.js + grpc.js) vs bare grpc-js', value: round2(firstConnection / ceiling), unit: '×', target: '(measured)', ok: true, detail: `${round2(firstConnection)} ms vs ${round2(ceiling)} ms` });
  const kb = (name: string) => fs.statSync(path.join(root, 'dist', name)).size / 1024;
  const bundleKb = kb('extension.js');
  report({ what: 'activation bundle size (minified)', value: Math.round(bundleKb), unit: ' KB', target: '≤ 500 KB', ok: bundleKb <= 500 });
  const allKb = bundleKb + kb('core.js') + kb('grpc.js') + kb('yaml.js');
  report({ what: 'all bundles (extension + core + grpc + yaml, minified)', value: Math.round(allKb), unit: ' KB', target: '(measured)', ok: true, detail: `core.js ${Math.round(kb('core.js'))} KB, grpc.js ${Math.round(kb('grpc.js'))} KB, yaml.js ${Math.round(kb('yaml.js'))} KB` });
  const vsix = path.join(tmp, 'ext.vsix');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', vsix], { cwd: root, stdio: 'ignore', input: '' });
  if (r.status === 0) {
    const vsixKb = fs.statSync(vsix).size / 1024;
    report({ what: '.vsix size', value: Math.round(vsixKb), unit: ' KB', target: '≤ 250 KB', ok: vsixKb <= 250 });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Activation, UI refreshes and a 5,000-row refresh, measured inside a real VS Code extension host (bench/hostBench.ts). */
async function extensionHost(): Promise<void> {
  console.log('host. extension host (real VS Code, the production build as shipped): activation against an empty extension, UI refreshes, a 5,000-row Resources view; median of 3 runs');
  execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: root, stdio: 'ignore' });
  const host = await hostBench(root);
  if (!host) {
    console.log('  the extension-host benchmark failed');
    return;
  }
  const worst = Math.max(...Object.values(host.refreshesPerSecond));
  report({ what: `tree refreshes per second per view under a ${Math.round(host.eventsPerSecond)} events/s burst`, value: worst, unit: '/s', target: '≤ 10/s', ok: worst <= 10, detail: Object.entries(host.refreshesPerSecond).map(([k, v]) => `${k} ${v}`).join(', ') });
  report({ what: 'event → tree change latency when idle (p95)', value: round2(host.latencyP95Ms), unit: ' ms', target: '≤ 50 ms', ok: host.latencyP95Ms <= 50 });
  if (host.refresh5000) {
    const r = host.refresh5000;
    report({ what: `refresh of a fully expanded ${r.rows}-row Resources view (p95)`, value: round2(r.p95Ms), unit: ' ms', target: '≤ 50 ms', ok: r.p95Ms <= 50, detail: `p50 ${round2(r.p50Ms)} ms: getChildren and getTreeItem of every row, as VS Code does for a whole-tree change${r.namedRowsP95Ms !== undefined ? `; only the rows a change names: p95 ${round2(r.namedRowsP95Ms)} ms` : ''}` });
  }
  if (host.activate) {
    const a = host.activate;
    report({ what: 'activate() vs an empty extension\'s, in the same host', value: round2(a.ratio), unit: '×', target: '≤ 1.5', ok: a.ratio <= 1.5, detail: `${round2(a.oursMs)} ms vs ${round2(a.emptyMs)} ms${a.oursRequireMs !== undefined ? `; of ours: loading dist/extension.js ${round2(a.oursRequireMs)} ms${a.oursVscodeApiMs !== undefined ? ` (of which its require('vscode'), the host making the API object that an empty extension never asks for: ${round2(a.oursVscodeApiMs)} ms)` : ''}, the activate() call ${round2(a.oursActivateCallMs ?? NaN)} ms` : ''}${a.oursHostMs !== undefined && a.emptyHostMs !== undefined ? `; the host's own part (before the require, waiting for the extension context, after the call) ${round2(a.oursHostMs)} ms vs the empty one's ${round2(a.emptyHostMs)} ms` : ''}` });
    if (a.coreRequireMs !== undefined) {
      report({ what: 'after activation: loading the rest of ours (dist/core.js), one macrotask later', value: round2(a.coreRequireMs), unit: ' ms', target: '(measured)', ok: true, detail: 'what activation used to load; then the core is built and the first connection starts' });
    }
    if (a.minimalRatio !== undefined && a.minimalMs !== undefined) {
      report({ what: 'activate() vs a minimal extension\'s (three tree views, a status bar item, an output channel, ten commands; nothing else), in the same host', value: round2(a.minimalRatio), unit: '×', target: '(measured)', ok: true, detail: `${round2(a.oursMs)} ms vs ${round2(a.minimalMs)} ms` });
    }
  } else {
    console.log('  activate(): not measured');
  }
  report({ what: 'activation → first state shown', value: Math.round(host.firstStateMs), unit: ' ms', target: '(measured)', ok: true });
}

function writeResults(): void {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1024 ** 3)} GB, Node ${process.version}`;
  fs.writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`);
  const table = ['| What | Measured | Target | Met |', '|---|---|---|---|', ...rows.map((r) => `| ${r.what} | ${r.value}${r.unit}${r.detail ? `<br>${r.detail}` : ''} | ${r.target} | ${r.ok ? 'yes' : '**no**'} |`)].join('\n');
  const doc = path.join(root, 'docs', 'performance.md');
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '';
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const curves = curveTables.length ? `\n\nScale curves (CPU per event of the measured part; sessions: per event of one stream, all sessions together):\n\n${curveTables.join('\n\n')}` : '';
  const block = `${begin}\nLast run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}.\n\n${table}${curves}\n${end}`;
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block) : `${text}\n${block}\n`;
  fs.writeFileSync(doc, next);
  console.log('\nwritten: bench/results.json, docs/performance.md');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (s: string) => only.length === 0 || only.includes(s);
  console.log(`npm run bench (node ${process.version}, ${os.cpus().length} cores)`);
  if (want('burst')) {await burst();}
  if (want('paced')) {await paced();}
  if (want('scale')) {await scale();}
  if (want('replay')) {await replay();}
  if (want('host')) {await extensionHost();}
  if (want('reconnect')) {await reconnect();}
  if (want('size')) {await sizeAndLoad();}
  if (want('files')) {
    console.log('8. event-log files and CodeLens');
    for (const row of [...await openLogBench(ROUNDS), ...await codeLensBench(ROUNDS)]) {
      report(row);
    }
  }
  console.log('\n| What | Measured | Target | Met |');
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.value}${r.unit} | ${r.target} | ${r.ok ? 'yes' : 'NO'} |`);
  }
  if (only.length === 0) {
    writeResults();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
