/**
 * The benchmark's extension-host part, run by `npm run bench` inside a real VS Code (same
 * contract as the test suite: `run()`): activation timings as a user's VS Code sees them
 * (a Skaffold already running), then tree refreshes under a burst, the idle latency from an
 * event to its tree change, and the provider's cost of refreshing a 5,000-row Resources view,
 * against a fake Skaffold in this process.
 *
 * Activation is measured when bench/hostBench.ts has loaded a copy of the built extension
 * whose only activation event never fires, and copies of bench/host/empty-extension
 * (publisher `skaffold-bench`, the same activation event): this run activates them itself,
 * as the host does on an activation event (`getExtension(id).activate()`: load the main
 * module, build the extension context, call activate()), empty and ours in turn. Run against
 * this repository instead, the host has activated the extension before run() starts, and
 * activation is not measured.
 */
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { FakeSkaffold } from '../../test/fakes/skaffoldFake';

const OURS = 'vscode-skaffold.vscode-skaffold';
/** The publisher of bench/host/empty-extension's copies. */
const EMPTY_PUBLISHER = 'skaffold-bench';
/** bench/host/minimal-extension's copy: views, a status bar item, an output channel, commands. */
const MINIMAL = `${EMPTY_PUBLISHER}.minimal-extension`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function statusEvent(resource: string, status: string, message: string, nanos = 0): LogEntry {
  const now = Date.now();
  return {
    timestamp: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 + (nanos % 1e6) },
    event: { resourceStatusCheckEvent: { resource, status, message } },
    entry: '',
  };
}

function resourceEvent(i: number, status: string): LogEntry {
  return statusEvent(`deployment/svc-${i % 50}`, status, `poll ${i}`, i);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// ---- activation ----

/** Where one activation's time went, as Node's module loader sees it (see timeModuleLoads). */
interface LoadTiming {
  /** require() of the main module: read, compile, run its top level. */
  requireMs?: number;
  /**
   * Of requireMs, its require('vscode'): the host makes the API object of an extension at its
   * first require of 'vscode' (an empty extension never asks for it).
   */
  vscodeApiMs?: number;
  /** The call of its activate() (its synchronous part: ours returns its API synchronously). */
  activateCallMs?: number;
  /**
   * From getExtension().activate()'s call to the require's start; from the require's end to
   * activate()'s call (the host waits for the extension context: its storage comes from the
   * workbench, a round trip asked for before the require); from activate()'s return to the
   * promise's resolution.
   */
  beforeRequireMs?: number;
  contextWaitMs?: number;
  afterActivateMs?: number;
  /** performance.now() at the require's start and at activate()'s return. */
  requireAt?: number;
  returnedAt?: number;
}

/**
 * Times, from outside the extensions, the require() of the given main modules (by resolved
 * path) and the call of the activate() they export. The host loads an extension's main with
 * Node's require (so through Module._extensions['.js']), then calls `activate` on what it
 * exported: the exports are replaced by an object of the same members whose activate() is
 * timed. Returns the function that removes the hook.
 */
function timeModuleLoads(mains: Map<string, LoadTiming>): () => void {
  type Loader = (this: unknown, m: { exports: unknown }, filename: string) => void;
  const loaders = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  const original = loaders['.js'];
  type Load = (this: unknown, request: string, ...rest: unknown[]) => unknown;
  const moduleLoad = Module as unknown as { _load: Load };
  const originalLoad = moduleLoad._load;
  let loading: LoadTiming | undefined;
  moduleLoad._load = function (this: unknown, request, ...rest) {
    if (request !== 'vscode' || !loading) {
      return originalLoad.call(this, request, ...rest);
    }
    const started = performance.now();
    try {
      return originalLoad.call(this, request, ...rest);
    } finally {
      loading.vscodeApiMs = (loading.vscodeApiMs ?? 0) + performance.now() - started;
    }
  };
  loaders['.js'] = function (this: unknown, m, filename) {
    const timing = mains.get(filename);
    if (!timing) {
      return original.call(this, m, filename);
    }
    const started = performance.now();
    timing.requireAt = started;
    loading = timing;
    try {
      original.call(this, m, filename);
    } finally {
      loading = undefined;
    }
    timing.requireMs = performance.now() - started;
    const exported = m.exports as { activate?: (...args: unknown[]) => unknown };
    const activate = exported.activate;
    if (typeof activate === 'function') {
      m.exports = {
        ...exported,
        activate(this: unknown, ...args: unknown[]) {
          const called = performance.now();
          try {
            return activate.apply(this, args);
          } finally {
            timing.returnedAt = performance.now();
            timing.activateCallMs = timing.returnedAt - called;
          }
        },
      };
    }
  };
  return () => {
    loaders['.js'] = original;
    moduleLoad._load = originalLoad;
  };
}

function mainOf(ext: vscode.Extension<unknown>): string {
  const main = path.join(ext.extensionPath, String((ext.packageJSON as { main?: string }).main ?? 'extension.js'));
  return fs.realpathSync(main.endsWith('.js') ? main : `${main}.js`);
}

/** `getExtension(id).activate()`, timed as its caller sees it. */
async function timedActivate<T>(ext: vscode.Extension<T>, timing: LoadTiming): Promise<{ ms: number; exports: T }> {
  const started = performance.now();
  const exports = await ext.activate();
  const ended = performance.now();
  if (timing.requireAt !== undefined && timing.returnedAt !== undefined) {
    timing.beforeRequireMs = timing.requireAt - started;
    timing.contextWaitMs = timing.returnedAt - (timing.activateCallMs ?? 0) - (timing.requireAt + (timing.requireMs ?? 0));
    timing.afterActivateMs = ended - timing.returnedAt;
    delete timing.requireAt;
    delete timing.returnedAt;
  }
  return { ms: ended - started, exports };
}

interface ActivationResult {
  oursMs: number;
  /** The measured empty extensions' activations: two just before ours, two after ours settled. */
  emptyMs: number[];
  /** The first empty extension's activation, not counted: it warms the host's activation path up. */
  warmupMs: number;
  ours: LoadTiming;
  empty: LoadTiming[];
  /** The minimal extension's activation (views, status bar, output channel, commands), last (after the empty ones that follow ours). */
  minimalMs?: number;
  /** Ours' second bundle (dist/core.js), required after activation returned: its require() alone. */
  core: LoadTiming;
}

/**
 * Activates ours, and when the benchmark's copies are what this host runs, times that
 * against empty extensions: a first empty one (warm-up), two empty ones, ours, and once ours
 * shows its first state and has settled, two more empty ones, then the minimal extension (last:
 * the workbench's work for its views and channel would weigh on the next activation timed).
 * `firstStateMs` runs from the
 * call that activates ours (or from run()'s start when the host activated it already) until
 * its first state (the artifacts of the fake Skaffold's first dev loop).
 */
async function activate(): Promise<{ api: SkaffoldExtensionApi; activation?: ActivationResult; firstStateMs: number }> {
  const ours = vscode.extensions.getExtension<SkaffoldExtensionApi>(OURS)!;
  const empties = vscode.extensions.all.filter((e) => e.id.startsWith(`${EMPTY_PUBLISHER}.empty-`)).sort((a, b) => a.id.localeCompare(b.id));
  const minimal = vscode.extensions.getExtension(MINIMAL);
  if (ours.isActive || empties.length < 5 || empties.some((e) => e.isActive)) {
    const started = performance.now();
    const api = await ours.activate();
    await until(() => api.session.state.artifacts.size > 0, 'the first state');
    return { api, firstStateMs: performance.now() - started };
  }
  const oursTiming: LoadTiming = {};
  const emptyTimings = empties.map((): LoadTiming => ({}));
  const minimalTiming: LoadTiming = {};
  const coreTiming: LoadTiming = {};
  const unhook = timeModuleLoads(new Map([
    [mainOf(ours), oursTiming],
    [path.join(path.dirname(mainOf(ours)), 'core.js'), coreTiming],
    ...empties.map((e, i): [string, LoadTiming] => [mainOf(e), emptyTimings[i]]),
    ...(minimal ? [[mainOf(minimal), minimalTiming] as [string, LoadTiming]] : []),
  ]));
  try {
    await sleep(1000); // the host's own startup activations settle
    const warmup = await timedActivate(empties[0], emptyTimings[0]);
    await sleep(200);
    const before = [await timedActivate(empties[1], emptyTimings[1])];
    await sleep(200);
    before.push(await timedActivate(empties[2], emptyTimings[2]));
    await sleep(200);
    const started = performance.now();
    const mine = await timedActivate(ours, oursTiming);
    const api = mine.exports;
    await until(() => api.session.state.artifacts.size > 0, 'the first state');
    const firstStateMs = performance.now() - started;
    await sleep(1000); // the first connection's work is over
    const after = [await timedActivate(empties[3], emptyTimings[3])];
    await sleep(200);
    after.push(await timedActivate(empties[4], emptyTimings[4]));
    // Last: its views, status bar item and output channel keep the workbench busy for a while
    // after its activation, which the next activation measured would pay for.
    await sleep(200);
    const minimalMs = minimal ? (await timedActivate(minimal, minimalTiming)).ms : undefined;
    return {
      api,
      firstStateMs,
      activation: { oursMs: mine.ms, emptyMs: [...before, ...after].map((a) => a.ms), warmupMs: warmup.ms, ours: oursTiming, core: coreTiming, empty: emptyTimings.slice(1), minimalMs },
    };
  } finally {
    unhook();
  }
}

// ---- a 5,000-row Resources view ----

type Provider = SkaffoldExtensionApi['views']['resources'];
type Row = ReturnType<Provider['getChildren']>[number];

/**
 * What the host asks of the provider to redraw a fully expanded tree: the root's children,
 * then getTreeItem() of every row and the children of every row that has any. Returns the
 * number of rows.
 */
function walkTree(provider: Provider): number {
  let rows = 0;
  const visit = (element: Row | undefined) => {
    for (const child of provider.getChildren(element)) {
      rows++;
      const item = provider.getTreeItem(child);
      if (item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        visit(child);
      }
    }
  };
  visit(undefined);
  return rows;
}

/** Of one walk of the whole tree: the time in getChildren() and in getTreeItem(), each call timed. */
function splitWalk(provider: Provider): { childrenMs: number; itemsMs: number } {
  const split = { childrenMs: 0, itemsMs: 0 };
  const visit = (element: Row | undefined) => {
    let t = performance.now();
    const children = provider.getChildren(element);
    split.childrenMs += performance.now() - t;
    for (const child of children) {
      t = performance.now();
      const item = provider.getTreeItem(child);
      split.itemsMs += performance.now() - t;
      if (item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        visit(child);
      }
    }
  };
  visit(undefined);
  return split;
}

/**
 * What the host asks again when the change event names rows: their items, and the children
 * (with their items) of those that have any. Returns the number of rows asked for.
 */
function walkRows(provider: Provider, rows: Row[]): number {
  let n = 0;
  for (const row of rows) {
    n++;
    const item = provider.getTreeItem(row);
    if (item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
      for (const child of provider.getChildren(row)) {
        n++;
        provider.getTreeItem(child);
      }
    }
  }
  return n;
}

interface Refresh5000 {
  /** A whole, fully expanded tree's redraw after each change event (coalesced per macrotask). */
  p50Ms: number;
  p95Ms: number;
  rows: number;
  changes: number;
  /** Change events: of the whole tree (`all`), or naming rows (`rows`). */
  fires: { all: number; rows: number };
  /** Only the rows the events named (and their children): what the host redraws for such events. */
  namedRowsP50Ms: number;
  namedRowsP95Ms: number;
  /** Of three more whole-tree walks, each call timed: where the time goes (medians). */
  childrenMs: number;
  itemsMs: number;
}

/**
 * With 1,000 deployments of 4 pods each reported, the time the provider takes to redraw the
 * whole Resources view after each change event, for 30 changes of a few resources' status.
 */
async function refresh5000(api: SkaffoldExtensionApi, fake: FakeSkaffold): Promise<Refresh5000> {
  const names: string[] = [];
  for (let d = 0; d < 1000; d++) {
    names.push(`deployment/svc-${d}`);
    for (let p = 0; p < 4; p++) {
      names.push(`Pod/svc-${d}-5d8c7b9f4-${(36 ** 4 + d * 4 + p).toString(36).slice(-5)}`);
    }
  }
  for (let i = 0; i < names.length; i++) {
    fake.emit(statusEvent(names[i], 'Succeeded', 'Succeeded', i));
    if (i % 500 === 499) {
      await sleep(5);
    }
  }
  const resources = () => api.session.state.resources;
  await until(() => names.every((n) => resources().has(n)), '5,000 resources', 60_000);
  await sleep(500);

  const provider = api.views.resources;
  let rows = walkTree(provider); // warm-up (also counts the rows)
  walkTree(provider);
  const times: number[] = [];
  const named: number[] = [];
  const fires = { all: 0, rows: 0 };
  let pending: NodeJS.Timeout | undefined;
  let pendingRows: Row[] | 'all' = [];
  // The host hears a change, then (a macrotask or more later) asks for the rows again.
  const sub = provider.onDidChangeTreeData((e) => {
    if (e === undefined) {
      fires.all++;
      pendingRows = 'all';
    } else {
      fires.rows++;
      if (pendingRows !== 'all') {
        pendingRows.push(...[e].flat());
      }
    }
    pending ??= setTimeout(() => {
      pending = undefined;
      let started = performance.now();
      rows = walkTree(provider);
      times.push(performance.now() - started);
      if (pendingRows !== 'all') {
        started = performance.now();
        walkRows(provider, [...new Set(pendingRows)]);
        named.push(performance.now() - started);
      }
      pendingRows = [];
    }, 0);
  });
  try {
    const changes = 30;
    for (let c = 0; c < changes; c++) {
      const done = times.length;
      for (let k = 0; k < 3; k++) {
        const name = names[(c * 997 + k * 1663) % names.length];
        fake.emit(statusEvent(name, c % 2 ? 'Succeeded' : 'In Progress', `change ${c}`, c * 3 + k));
      }
      await until(() => times.length > done, 'a Resources refresh');
      await sleep(100);
    }
    times.sort((a, b) => a - b);
    named.sort((a, b) => a - b);
    const splits = [splitWalk(provider), splitWalk(provider), splitWalk(provider)];
    const mid = (xs: number[]) => xs.sort((a, b) => a - b)[1];
    return {
      p50Ms: percentile(times, 0.5),
      p95Ms: percentile(times, 0.95),
      rows,
      changes,
      fires,
      namedRowsP50Ms: named.length ? percentile(named, 0.5) : NaN,
      namedRowsP95Ms: named.length ? percentile(named, 0.95) : NaN,
      childrenMs: mid(splits.map((x) => x.childrenMs)),
      itemsMs: mid(splits.map((x) => x.itemsMs)),
    };
  } finally {
    sub.dispose();
    clearTimeout(pending);
  }
}

export async function run(): Promise<void> {
  // Activation as the host does it, measured here (the extension keeps no timing of its own).
  const { api, activation, firstStateMs } = await activate();
  const result: Record<string, unknown> = { activateMs: activation?.oursMs, activation, firstStateMs };

  const fake = await FakeSkaffold.start({ stepMs: 1 });
  await fake.runDevLoop();
  await vscode.workspace.getConfiguration().update('skaffold.address', fake.address, vscode.ConfigurationTarget.Global);
  await until(() => api.session.status === 'connected' && api.session.state.ports.size === 1, 'the in-host fake');
  await new Promise((r) => setTimeout(r, 300));

  const fires: Record<string, number> = { artifacts: 0, resources: 0, ports: 0 };
  let lastResourceFire = 0;
  const subs = [
    api.views.artifacts.onDidChangeTreeData(() => { fires.artifacts++; }),
    api.views.resources.onDidChangeTreeData(() => { fires.resources++; lastResourceFire = performance.now(); }),
    api.views.ports.onDidChangeTreeData(() => { fires.ports++; }),
  ];

  // Idle latency: one event at a time, well apart.
  const latencies: number[] = [];
  for (let i = 0; i < 40; i++) {
    const before = lastResourceFire;
    const sent = performance.now();
    fake.emit(resourceEvent(i, i % 2 ? 'In Progress' : 'Succeeded'));
    await until(() => lastResourceFire !== before, 'a tree change');
    latencies.push(lastResourceFire - sent);
    await new Promise((r) => setTimeout(r, 150));
  }
  latencies.sort((a, b) => a - b);
  result.latencyP95Ms = latencies[Math.floor(latencies.length * 0.95)];

  // Burst: 10,000 events/s for 3 s (100 every 10 ms).
  for (const k of Object.keys(fires)) {
    fires[k] = 0;
  }
  const burstStart = performance.now();
  let sent = 0;
  while (performance.now() - burstStart < 3000) {
    for (let i = 0; i < 100; i++) {
      fake.emit(resourceEvent(sent++, sent % 3 ? 'In Progress' : 'Succeeded'));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - burstStart) / 1000;
  await new Promise((r) => setTimeout(r, 300));
  result.eventsPerSecond = sent / seconds;
  result.refreshesPerSecond = Object.fromEntries(Object.entries(fires).map(([k, v]) => [k, Math.round((v / seconds) * 10) / 10]));
  subs.forEach((s) => s.dispose());

  // Last, as it leaves 5,000 resources behind.
  result.refresh5000 = await refresh5000(api, fake);

  await vscode.workspace.getConfiguration().update('skaffold.address', undefined, vscode.ConfigurationTarget.Global);
  await fake.stop();
  const file = process.env.SKAFFOLD_TEST_RESULT_FILE;
  if (file) {
    fs.writeFileSync(file, JSON.stringify(result));
  }
  console.log(`[skaffold-test] ${JSON.stringify(result)}`);
}
