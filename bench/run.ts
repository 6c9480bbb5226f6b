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
import * as v8 from 'v8';
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition } from '../src/skaffold/wire/protocol';
import { SessionStatus, SkaffoldSession } from '../src/skaffold/session/session';
import { StateChange } from '../src/skaffold/state/model';
import { groupResources, portLabel, statusLook } from '../src/skaffold/present/labels';
import { oneLine, Width } from '../src/skaffold/base/text';
import { artifactRow, currentIteration, resourceRow } from '../src/skaffold/present/rows';
import { FakeSkaffold } from '../test/fakes/skaffoldFake';

const root = path.resolve(__dirname, '..', '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PIPELINE_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const REPLAY_EVENTS = 50_000;
const RSS_EVENTS = Number(process.env.BENCH_RSS_EVENTS ?? 1_000_000);

interface Row {
  what: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
  detail?: string;
}

const rows: Row[] = [];
function report(row: Row): void {
  rows.push(row);
  console.log(`  ${row.ok ? 'ok  ' : 'MISS'} ${row.what}: ${row.value}${row.unit} (target ${row.target})${row.detail ? ` — ${row.detail}` : ''}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function startServer(count: number, mode: 'live' | 'history', resources = 8, port = 0): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(path.join(__dirname, 'streamServer.js'), [String(count), mode, String(resources), String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const bound = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(String(m).split(' ')[1])));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port: bound, child };
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

/**
 * What the views do per change, without the VS Code API: for each changed row (every row of
 * a section that changed as a whole) the label, description, icon and tooltip text.
 */
function buildItems(session: SkaffoldSession, change: StateChange): number {
  const s = session.state;
  let items = 0;
  const item = (label: string, description: string, status: string, tooltip: string) => {
    items += label.length + description.length + statusLook(status).icon.length + tooltip.length > 0 ? 1 : 0;
  };
  if (change.sections.has('artifacts')) {
    const names = change.all.has('artifacts') ? [...s.artifacts.keys()] : [...change.artifacts];
    for (const name of names) {
      const a = s.artifacts.get(name);
      if (a) {
        item(a.name, artifactRow(a, currentIteration(s)).description, a.status, `${oneLine(a.name, Width.name)} ${a.status} ${a.error?.message ?? ''}`);
      }
    }
  }
  if (change.sections.has('resources')) {
    const groups = groupResources(s.resources.values());
    const names = change.all.has('resources') ? groups.flatMap((g) => [g.resource.name, ...g.children.map((c) => c.name)]) : [...change.resources];
    for (const name of names) {
      const r = s.resources.get(name);
      if (r) {
        item(r.name, resourceRow(r, s).description, r.status, `${oneLine(r.name, Width.name)} ${r.code ?? ''}`);
      }
    }
  }
  if (change.sections.has('ports')) {
    for (const p of s.ports.values()) {
      item(portLabel(p), p.namespace ?? '', 'Complete', portLabel(p));
    }
  }
  return items;
}

/** Ours on a live stream: session + coalesced changes + item building, until the stream ends. */
function oursLive(port: number, expected: number): Promise<{ ms: number; changes: number }> {
  return new Promise((resolve, reject) => {
    const session = new SkaffoldSession({ address: `127.0.0.1:${port}`, reconnect: false });
    let changes = 0;
    let logged = 0;
    const start = process.hrtime.bigint();
    session.onDidLog(() => { logged++; });
    session.onDidChangeState((c) => { changes++; buildItems(session, c); });
    session.onDidChangeStatus((e) => {
      if (e.status === 'ended') {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        setTimeout(() => {
          session.dispose();
          if (logged !== expected) {
            reject(new Error(`logged ${logged} of ${expected}`));
          } else {
            resolve({ ms, changes });
          }
        }, 150);
      } else if (e.status === 'failed') {
        reject(e.error);
      }
    });
    session.connect();
  });
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

interface MemoryResult { peak: number; kept: number; newSpace: number }

async function measureMemory(which: 'bare' | 'ours', count: number): Promise<MemoryResult> {
  const server = await startServer(count, 'live');
  try {
    const gc = (global as { gc?: () => void }).gc;
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const before = process.memoryUsage();
    let peak = before.rss;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
    if (which === 'bare') {
      await bare(server.port, count);
    } else {
      await oursLive(server.port, count);
    }
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const newSpace = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
    return { peak: peak - before.rss, kept: process.memoryUsage().heapUsed - before.heapUsed, newSpace };
  } finally {
    await stopServer(server);
  }
}

function memoryInChild(which: 'bare' | 'ours', count: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--memory', which, String(count)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as MemoryResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory run exited with ${code}`)));
  });
}

const MB = 1024 * 1024;

async function pipeline(): Promise<void> {
  console.log(`1. event pipeline: ${PIPELINE_EVENTS} live events, 500 resources, ${ROUNDS} rounds`);
  const server = await startServer(PIPELINE_EVENTS, 'live', 500);
  const b: number[] = [];
  const o: number[] = [];
  let changes = 0;
  try {
    await bare(server.port, PIPELINE_EVENTS);
    await oursLive(server.port, PIPELINE_EVENTS);
    for (let r = 0; r < ROUNDS; r++) {
      b.push(PIPELINE_EVENTS / (await bare(server.port, PIPELINE_EVENTS)) * 1000);
      const res = await oursLive(server.port, PIPELINE_EVENTS);
      o.push(PIPELINE_EVENTS / res.ms * 1000);
      changes = res.changes;
    }
  } finally {
    await stopServer(server);
  }
  const ratio = median(o) / median(b);
  report({ what: 'event pipeline throughput vs bare grpc-js', value: round2(ratio), unit: '×', target: '≥ 0.9', ok: ratio >= 0.9, detail: `${Math.round(median(o))} vs ${Math.round(median(b))} events/s, ${changes} change events per round` });
}

async function replay(): Promise<void> {
  console.log(`2. replay at connect: ${REPLAY_EVENTS} events of history`);
  const server = await startServer(REPLAY_EVENTS, 'history', 20);
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

async function memory(): Promise<void> {
  console.log(`4. memory over ${RSS_EVENTS} events (fresh process each, median of 3)`);
  const bares: MemoryResult[] = [];
  const ourss: MemoryResult[] = [];
  for (let r = 0; r < 3; r++) {
    bares.push(await memoryInChild('bare', RSS_EVENTS));
    ourss.push(await memoryInChild('ours', RSS_EVENTS));
  }
  const mid = (xs: MemoryResult[]): MemoryResult => ({ peak: median(xs.map((x) => x.peak)), kept: median(xs.map((x) => x.kept)), newSpace: median(xs.map((x) => x.newSpace)) });
  const bareMem = mid(bares);
  const ourMem = mid(ourss);
  report({
    what: 'peak RSS growth over 1M events', value: round2(ourMem.peak / MB), unit: ' MB', target: '< 30 MB', ok: ourMem.peak < 30 * MB,
    detail: `bare grpc-js ${round2(bareMem.peak / MB)} MB; heap kept after GC ours ${round2(ourMem.kept / MB)} MB, bare ${round2(bareMem.kept / MB)} MB; V8 young generation ours ${round2(ourMem.newSpace / MB)} MB, bare ${round2(bareMem.newSpace / MB)} MB`,
  });
}

async function reconnect(): Promise<void> {
  console.log(`6. reconnect and freeze detection, ${ROUNDS} rounds`);
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let server = await startServer(100, 'history');
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
    server = await startServer(100, 'history', 8, port);
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
  const ours = requireTime(bundle);
  const ceiling = requireTime(path.join(tmp, 'bare.bundle.js'));
  report({ what: 'activation bundle require time vs a bundle of bare grpc-js', value: round2(ours / ceiling), unit: '×', target: '≤ 1.3', ok: ours / ceiling <= 1.3, detail: `${round2(ours)} ms vs ${round2(ceiling)} ms (grpc-js, the proto and yaml are bundles of their own, loaded at first use)` });
  const firstConnection = requireTime(bundle, grpcBundle);
  report({ what: 'activation + first connection bundles (extension.js + grpc.js) vs bare grpc-js', value: round2(firstConnection / ceiling), unit: '×', target: '(measured)', ok: true, detail: `${round2(firstConnection)} ms vs ${round2(ceiling)} ms` });
  const kb = (name: string) => fs.statSync(path.join(root, 'dist', name)).size / 1024;
  const bundleKb = kb('extension.js');
  report({ what: 'activation bundle size (minified)', value: Math.round(bundleKb), unit: ' KB', target: '≤ 500 KB', ok: bundleKb <= 500 });
  const allKb = bundleKb + kb('grpc.js') + kb('yaml.js');
  report({ what: 'all bundles (extension + grpc + yaml, minified)', value: Math.round(allKb), unit: ' KB', target: '(measured)', ok: true, detail: `grpc.js ${Math.round(kb('grpc.js'))} KB, yaml.js ${Math.round(kb('yaml.js'))} KB` });
  const vsix = path.join(tmp, 'ext.vsix');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', vsix], { cwd: root, stdio: 'ignore', input: '' });
  if (r.status === 0) {
    const vsixKb = fs.statSync(vsix).size / 1024;
    report({ what: '.vsix size', value: Math.round(vsixKb), unit: ' KB', target: '≤ 250 KB', ok: vsixKb <= 250 });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Activation and UI refreshes, measured inside a real VS Code extension host. */
interface HostResult { activateMs?: number; firstStateMs: number; refreshesPerSecond: Record<string, number>; latencyP95Ms: number; eventsPerSecond: number }

async function extensionHost(): Promise<void> {
  console.log('3/5. extension host: activation and UI refreshes (real VS Code), median of 3 runs');
  execFileSync(process.execPath, ['esbuild.js'], { cwd: root, stdio: 'ignore' });
  const runs: HostResult[] = [];
  for (let i = 0; i < 3; i++) {
    const resultFile = path.join(os.tmpdir(), `skaffold-bench-host-${process.pid}-${i}.json`);
    fs.rmSync(resultFile, { force: true });
    const r = spawnSync(process.execPath, ['scripts/vscode-host/run-integration.js', '--tests', 'out/bench/host/index.js', '--with-fake'], {
      cwd: root, stdio: 'ignore', env: { ...process.env, SKAFFOLD_TEST_RESULT_FILE: resultFile },
    });
    if (r.status !== 0 || !fs.existsSync(resultFile)) {
      console.log('  the extension-host benchmark failed');
      return;
    }
    runs.push(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as HostResult);
    fs.rmSync(resultFile, { force: true });
  }
  const views = Object.keys(runs[0].refreshesPerSecond);
  const host: HostResult = {
    activateMs: runs.every((x) => x.activateMs !== undefined) ? median(runs.map((x) => x.activateMs!)) : undefined,
    firstStateMs: median(runs.map((x) => x.firstStateMs)),
    latencyP95Ms: median(runs.map((x) => x.latencyP95Ms)),
    eventsPerSecond: median(runs.map((x) => x.eventsPerSecond)),
    refreshesPerSecond: Object.fromEntries(views.map((v) => [v, median(runs.map((x) => x.refreshesPerSecond[v]))])),
  };
  const worst = Math.max(...Object.values(host.refreshesPerSecond));
  report({ what: `tree refreshes per second per view under a ${Math.round(host.eventsPerSecond)} events/s burst`, value: worst, unit: '/s', target: '≤ 10/s', ok: worst <= 10, detail: Object.entries(host.refreshesPerSecond).map(([k, v]) => `${k} ${v}`).join(', ') });
  report({ what: 'event → tree change latency when idle (p95)', value: round2(host.latencyP95Ms), unit: ' ms', target: '≤ 50 ms', ok: host.latencyP95Ms <= 50 });
  if (host.activateMs !== undefined) {
    report({ what: 'activate() as the host sees it', value: round2(host.activateMs), unit: ' ms', target: '≤ 5 ms', ok: host.activateMs <= 5 });
  } else {
    console.log('  activate(): the host activated the extension before the benchmark could time it (not measured)');
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
  const block = `${begin}\nLast run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}.\n\n${table}\n${end}`;
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block) : `${text}\n${block}\n`;
  fs.writeFileSync(doc, next);
  console.log('\nwritten: bench/results.json, docs/performance.md');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (s: string) => only.length === 0 || only.includes(s);
  console.log(`npm run bench (node ${process.version}, ${os.cpus().length} cores)`);
  if (want('pipeline')) {await pipeline();}
  if (want('replay')) {await replay();}
  if (want('host')) {await extensionHost();}
  if (want('memory')) {await memory();}
  if (want('reconnect')) {await reconnect();}
  if (want('size')) {await sizeAndLoad();}
  console.log('\n| What | Measured | Target | Met |');
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.value}${r.unit} | ${r.target} | ${r.ok ? 'yes' : 'NO'} |`);
  }
  if (only.length === 0) {
    writeResults();
  }
}

const memoryMode = process.argv.indexOf('--memory');
if (memoryMode >= 0) {
  measureMemory(process.argv[memoryMode + 1] as 'bare' | 'ours', Number(process.argv[memoryMode + 2])).then(
    (r) => process.send!(r, () => process.exit(0)),
    (err) => { console.error(err); process.exit(1); },
  );
} else {
  main().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
