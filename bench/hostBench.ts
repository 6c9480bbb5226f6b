/**
 * The benchmark's extension-host part, from outside: runs bench/host/index.ts in a real VS
 * Code (scripts/vscode-host/run-integration.js, with the fake Skaffold) three times and
 * returns the medians.
 *
 * So that each run can time activation as the host does it, the runs load not this
 * repository but temporary copies, each with one activation event that never fires (so that
 * nothing activates them before the benchmark does):
 * - the built extension: what the .vsix ships (.vscodeignore's allow-list: dist/, media/,
 *   proto/, package.json, package.nls.json...), same id, installed into the host;
 * - five copies of bench/host/empty-extension (skaffold-bench.empty-0..4), the baseline:
 *   empty-0 is the extension under development (the workbench takes one only, and the
 *   benchmark runs as its tests), activated first to warm the host's activation path up;
 *   empty-1..4 are installed like ours and measured, two before ours and two after.
 * A run's emptyMs is the median of its four empty activations; ratio is the median of the
 * runs' ours / empty.
 *
 * Builds nothing: run `npx tsc -p .` and `node esbuild.js` (or `--production`, as shipped)
 * first; the copy takes dist/ as it is. SKAFFOLD_BENCH_VERBOSE=1 prints each run's figures.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface HostBenchResult {
  /** getExtension(id).activate() of ours against an empty extension's in the same host (medians of the runs). */
  activate?: {
    oursMs: number;
    emptyMs: number;
    /** The median of the runs' ours / empty. */
    ratio: number;
    /** Of ours' activation: require() of dist/extension.js, and the call of activate(). */
    oursRequireMs?: number;
    oursActivateCallMs?: number;
    /** Of oursRequireMs, its require('vscode'): the host making the API object for it. */
    oursVscodeApiMs?: number;
    /** bench/host/minimal-extension's activation, and the median of the runs' ours / minimal. */
    minimalMs?: number;
    minimalRatio?: number;
    /** require() of dist/core.js, the rest of ours, one macrotask after activation returned. */
    coreRequireMs?: number;
    /**
     * The host's own part of ours' activation and of the empty ones' (medians): before the
     * require, waiting for the extension context (a round trip to the workbench), after.
     */
    oursHostMs?: number;
    emptyHostMs?: number;
  };
  /** The provider's cost of redrawing a fully expanded 5,000-resource Resources view, per change. */
  refresh5000?: {
    p50Ms: number;
    p95Ms: number;
    rows: number;
    /** Redrawing only the rows the change events named (and their children), as the host does for such events. */
    namedRowsP95Ms?: number;
  };
  /** From the call that activates ours to its first state shown (the fake's first dev loop). */
  firstStateMs: number;
  latencyP95Ms: number;
  eventsPerSecond: number;
  refreshesPerSecond: Record<string, number>;
}

/** Where one activation's time went (bench/host/index.ts, LoadTiming). */
interface LoadParts {
  requireMs?: number;
  activateCallMs?: number;
  vscodeApiMs?: number;
  beforeRequireMs?: number;
  contextWaitMs?: number;
  afterActivateMs?: number;
}

/** The host's own part of an activation: before the require, waiting for the context, after activate() returned. */
function hostPart(t: LoadParts): number | undefined {
  return t.beforeRequireMs === undefined || t.contextWaitMs === undefined || t.afterActivateMs === undefined
    ? undefined
    : t.beforeRequireMs + t.contextWaitMs + t.afterActivateMs;
}

/** What one run of bench/host/index.ts writes. */
interface RunResult {
  activation?: {
    oursMs: number;
    emptyMs: number[];
    warmupMs: number;
    ours: LoadParts;
    core?: { requireMs?: number };
    empty: LoadParts[];
    minimalMs?: number;
  };
  refresh5000?: { p50Ms: number; p95Ms: number; rows: number; namedRowsP95Ms?: number | null };
  firstStateMs: number;
  latencyP95Ms: number;
  eventsPerSecond: number;
  refreshesPerSecond: Record<string, number>;
}

const RUNS = 3;
/** The activation event of the copies: a command nobody runs. */
const NEVER = 'onCommand:skaffoldBench.never';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * The files the .vsix ships, by .vscodeignore's allow-list (`**` then `!pattern` lines):
 * what the extension can load at run time.
 */
function shippedFiles(root: string): string[] {
  const patterns = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split(/\r?\n/)
    .map((l) => l.trim()).filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/^\//, ''));
  const allowed = patterns.map(globToRegExp);
  const tops = new Set(patterns.map((p) => p.split('/')[0]));
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (rel || tops.has(entry.name)) {
          walk(child);
        }
      } else if (allowed.some((re) => re.test(child))) {
        files.push(child);
      }
    }
  };
  walk('');
  return files;
}

/** A copy of the built extension that only an explicit activate() activates. */
function copyExtension(root: string, dir: string): void {
  for (const file of shippedFiles(root)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(dir, file));
  }
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  pkg.activationEvents = [NEVER];
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** A copy of bench/host/<fixture> (named `name` when given) that only an explicit activate() activates. */
function copyBaseline(root: string, fixture: string, dir: string, name?: string): void {
  fs.cpSync(path.join(root, 'bench', 'host', fixture), dir, { recursive: true });
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  if (name) {
    pkg.name = name;
  }
  pkg.activationEvents = [NEVER];
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** One host run; resolves to its result, or undefined (and says why) if it failed. */
function hostRun(root: string, developed: string, installed: string[], resultFile: string): Promise<RunResult | undefined> {
  const args = ['scripts/vscode-host/run-integration.js', '--tests', 'out/bench/host/index.js', '--with-fake',
    '--extension-development-path', developed, ...installed.flatMap((e) => ['--install-extension', e])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKAFFOLD_TEST_RESULT_FILE: resultFile } });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => {
      let result: RunResult | undefined;
      try {
        result = code === 0 ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) as RunResult : undefined;
      } catch {
        result = undefined;
      }
      if (!result) {
        console.log(`  the extension-host benchmark failed (exit ${code}):\n${output.trimEnd().split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}`);
      }
      resolve(result);
    });
  });
}

export async function hostBench(root: string): Promise<HostBenchResult | undefined> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-bench-host-'));
  try {
    const ours = path.join(tmp, 'ours');
    copyExtension(root, ours);
    const empties = [0, 1, 2, 3, 4].map((i) => path.join(tmp, `empty-${i}`));
    empties.forEach((dir, i) => copyBaseline(root, 'empty-extension', dir, `empty-${i}`));
    const minimal = path.join(tmp, 'minimal');
    copyBaseline(root, 'minimal-extension', minimal);
    const runs: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await hostRun(root, empties[0], [ours, minimal, ...empties.slice(1)], path.join(tmp, `result-${i}.json`));
      if (!r) {
        return undefined;
      }
      if (process.env.SKAFFOLD_BENCH_VERBOSE) {
        console.log(`  host run ${i + 1}: ${JSON.stringify(r)}`);
      }
      runs.push(r);
    }
    const views = Object.keys(runs[0].refreshesPerSecond);
    const result: HostBenchResult = {
      firstStateMs: median(runs.map((x) => x.firstStateMs)),
      latencyP95Ms: median(runs.map((x) => x.latencyP95Ms)),
      eventsPerSecond: median(runs.map((x) => x.eventsPerSecond)),
      refreshesPerSecond: Object.fromEntries(views.map((v) => [v, median(runs.map((x) => x.refreshesPerSecond[v]))])),
    };
    if (runs.every((x) => x.activation)) {
      const acts = runs.map((x) => x.activation!);
      const optional = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined);
      result.activate = {
        oursMs: median(acts.map((a) => a.oursMs)),
        emptyMs: median(acts.map((a) => median(a.emptyMs))),
        ratio: median(acts.map((a) => a.oursMs / median(a.emptyMs))),
        oursRequireMs: optional(acts.map((a) => a.ours.requireMs)),
        oursActivateCallMs: optional(acts.map((a) => a.ours.activateCallMs)),
        oursVscodeApiMs: optional(acts.map((a) => a.ours.vscodeApiMs)),
        minimalMs: optional(acts.map((a) => a.minimalMs)),
        minimalRatio: optional(acts.map((a) => (a.minimalMs ? a.oursMs / a.minimalMs : undefined))),
        coreRequireMs: optional(acts.map((a) => a.core?.requireMs)),
        oursHostMs: optional(acts.map((a) => hostPart(a.ours))),
        emptyHostMs: optional(acts.map((a) => optional(a.empty.map(hostPart)))),
      };
    }
    if (runs.every((x) => x.refresh5000)) {
      result.refresh5000 = {
        p50Ms: median(runs.map((x) => x.refresh5000!.p50Ms)),
        p95Ms: median(runs.map((x) => x.refresh5000!.p95Ms)),
        rows: runs[0].refresh5000!.rows,
      };
      const named = runs.map((x) => x.refresh5000!.namedRowsP95Ms);
      if (named.every((x) => typeof x === 'number')) {
        result.refresh5000.namedRowsP95Ms = median(named as number[]);
      }
    }
    return result;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
