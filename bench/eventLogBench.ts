/**
 * Benchmarks of the after-the-fact features (issue 14), each against its ceiling in the same
 * process and run:
 * - opening a 200,000-event `--event-log-file` as a session (read, convert, reduce, keep the
 *   bounded event log) against reading and JSON-parsing the same file line by line and
 *   keeping nothing (the least any reader must do);
 * - the CodeLens of a skaffold.yaml and a manifest for a session of 10 artifacts and 500
 *   resources, per refresh, against building the Artifacts and Resources views' rows for the
 *   same state (what a refresh of the views costs anyway).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codecFor } from '../src/skaffold/wire/protoJson';
import { SessionManager } from '../src/skaffold/session/sessionManager';
import { openEventLog } from '../src/skaffold/session/eventLogFiles';
import { applyBatch } from '../src/skaffold/state/reducer';
import { emptyChange, initialState, SessionState } from '../src/skaffold/state/model';
import { LogEntry } from '../src/skaffold/wire/protocol';
import { codeLensesFor } from '../src/skaffold/project/codeLens';
import { indexSkaffoldProject, ProjectFiles } from '../src/skaffold/project/configLocations';
import { artifactRow, currentIteration, resourceRow } from '../src/skaffold/present/rows';

/** One row of the bench's table (bench/run.ts). */
export interface BenchRow {
  what: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
  detail?: string;
}

const ARTIFACTS = Array.from({ length: 10 }, (_, i) => `example/service-${i}`);
const WORKLOADS = 250;

/** A dev loop's events like the stream benchmark's: iterations that build, deploy and check 250 workloads and their pods. */
function* loopEntries(count: number): Generator<LogEntry> {
  let n = 0;
  let t = Date.UTC(2026, 11, 1, 9, 0, 0);
  const at = () => {
    t += 3;
    return { seconds: String(Math.floor(t / 1000)), nanos: (t % 1000) * 1e6 + 17 };
  };
  const e = (event: Record<string, unknown>, entry: string): LogEntry => ({ timestamp: at(), event: { ...event, event_type: Object.keys(event)[0] } as LogEntry['event'], entry });
  for (let it = 0; ; it++) {
    const batch: LogEntry[] = [e({ devLoopEvent: { iteration: it, status: 'In Progress' } }, 'Update initiated')];
    for (const a of ARTIFACTS.slice(0, 1 + (it % ARTIFACTS.length))) {
      batch.push(e({ buildEvent: { artifact: a, status: 'In Progress', hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`));
      batch.push(e({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`));
    }
    batch.push(e({ deployEvent: { status: 'In Progress' } }, 'Deploy started'), e({ statusCheckEvent: { status: 'Started' } }, 'Status check started'));
    for (let r = 0; r < WORKLOADS; r++) {
      const pod = `Pod/service-${r}-5d8c7b9f4-x${it % 97}`;
      batch.push(e({ resourceStatusCheckEvent: { resource: pod, status: 'In Progress', message: `creating container service-${r}`, statusCode: 'STATUSCHECK_CONTAINER_CREATING' } }, `Resource ${pod} status updated to In Progress`));
      batch.push(e({ resourceStatusCheckEvent: { resource: `deployment/service-${r}`, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }, `Resource deployment/service-${r} status completed successfully`));
    }
    batch.push(e({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded'), e({ deployEvent: { status: 'Complete' } }, 'Deploy completed'));
    batch.push(e({ devLoopEvent: { iteration: it, status: 'Succeeded' } }, 'Update succeeded'));
    for (const entry of batch) {
      yield entry;
      if (++n === count) {
        return;
      }
    }
  }
}

function writeLog(file: string, count: number): void {
  const codec = codecFor('v1');
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  for (const entry of loopEntries(count)) {
    chunk += `${codec.toJson(entry as unknown as Record<string, unknown>)}\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

/** The ceiling: read the file in 1 MiB reads, split it into lines, JSON.parse each; keep nothing. */
async function bareJsonLines(file: string): Promise<number> {
  const handle = await fs.promises.open(file, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let rest = '';
  let n = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        break;
      }
      const text = rest + buf.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line !== '') {
          JSON.parse(line);
          n++;
        }
      }
    }
    if (rest !== '') {
      JSON.parse(rest);
      n++;
    }
  } finally {
    await handle.close();
  }
  return n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export async function openLogBench(rounds: number, events = 200_000): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-bench-log-'));
  try {
    const file = path.join(dir, 'events.json');
    writeLog(file, events);
    const size = fs.statSync(file).size;
    const bare: number[] = [];
    const ours: number[] = [];
    let shown = '';
    for (let r = -1; r < rounds; r++) { // round -1 warms both up
      let t = nowMs();
      const n = await bareJsonLines(file);
      const b = nowMs() - t;
      if (n !== events) {
        throw new Error(`bare read ${n} lines of ${events}`);
      }
      const manager = new SessionManager({ address: '127.0.0.1:1' });
      t = nowMs();
      const opened = await openEventLog(manager, file);
      const o = nowMs() - t;
      if (opened.v1?.events !== events || (opened.session?.state.resources.size ?? 0) < WORKLOADS) {
        throw new Error(`opened ${opened.v1?.events} events: ${opened.message}`);
      }
      shown = opened.message;
      manager.dispose();
      if (r >= 0) {
        bare.push(b);
        ours.push(o);
      }
    }
    const ratio = median(ours) / median(bare);
    return [{
      what: `opening a ${events.toLocaleString('en-US')}-event log (${Math.round(size / 1024 / 1024)} MB) vs a bare JSON-lines loop`,
      value: round3(ratio), unit: '×', target: '(measured)', ok: true,
      detail: `${Math.round(median(ours))} ms vs ${Math.round(median(bare))} ms (${round2((median(ours) * 1000) / events)} µs per event); ${shown}`,
    }];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A project of 10 artifacts and 250 Deployments (each with a Service) in one manifest, in memory. */
function project(): { files: ProjectFiles; root: string; manifest: string } {
  const root = path.join(path.sep, 'bench', 'skaffold.yaml');
  const manifest = path.join(path.sep, 'bench', 'k8s', 'services.yaml');
  const config = [
    'apiVersion: skaffold/v4beta6', 'kind: Config', 'build:', '  artifacts:',
    ...ARTIFACTS.flatMap((a, i) => [`    - image: ${a}`, `      context: service-${i}`]),
    'manifests:', '  rawYaml:', '    - k8s/*.yaml', '',
  ].join('\n');
  const docs = Array.from({ length: WORKLOADS }, (_, r) => [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: service-${r}`, 'spec:', '  template:', '    spec:', '      containers:',
    `        - name: service-${r}`, `          image: ${ARTIFACTS[r % ARTIFACTS.length]}`, '---',
    'apiVersion: v1', 'kind: Service', 'metadata:', `  name: service-${r}`, 'spec:', '  ports:', '    - port: 8080',
  ].join('\n')).join('\n---\n');
  const all = new Map([[root, config], [manifest, docs]]);
  return {
    root,
    manifest,
    files: {
      read: async (p) => all.get(p),
      glob: async (base, pattern) => (pattern === 'k8s/*.yaml' && base === path.dirname(root) ? [manifest] : []),
    },
  };
}

export async function codeLensBench(rounds: number): Promise<BenchRow[]> {
  let state: SessionState = initialState();
  const change = emptyChange();
  const entries = [...loopEntries(40_000)];
  state = applyBatch(state, entries, change);
  const { files, root, manifest } = project();
  const index = await indexSkaffoldProject(root, files);
  const sessions = [{ id: 's', label: 'dev', state, connected: true }];
  const now = Date.UTC(2026, 11, 1, 10, 0, 0);
  const iteration = currentIteration(state);
  const lensOnce = () => codeLensesFor(root, index, sessions, now).lenses.length + codeLensesFor(manifest, index, sessions, now).lenses.length;
  const rowsOnce = () => {
    let n = 0;
    for (const a of state.artifacts.values()) {
      n += artifactRow(a, iteration).label.length;
    }
    for (const r of state.resources.values()) {
      n += resourceRow(r, state).label.length;
    }
    return n;
  };
  const time = (f: () => number, reps: number) => {
    const t = nowMs();
    let sink = 0;
    for (let i = 0; i < reps; i++) {
      sink += f();
    }
    if (sink < 0) {
      throw new Error('unreachable');
    }
    return (nowMs() - t) / reps;
  };
  const lenses = lensOnce();
  time(lensOnce, 20);
  time(rowsOnce, 20);
  const l: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < Math.max(5, rounds); r++) {
    l.push(time(lensOnce, 20));
    v.push(time(rowsOnce, 20));
  }
  return [{
    what: 'CodeLens per refresh (skaffold.yaml + a 500-object manifest, 10 artifacts, 500 resources) vs the views\' rows for the same state',
    value: round3(median(l) / median(v)), unit: '×', target: '(measured)', ok: true,
    detail: `${round2(median(l))} ms vs ${round2(median(v))} ms; ${lenses} lenses`,
  }];
}
