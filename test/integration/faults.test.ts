/// <reference types="mocha" />
/**
 * Faults where the UI matters, inside a real VS Code extension host, against the fake Skaffold
 * on loopback: killed mid-stream and restarted on the same port, restarted on another port,
 * frozen, an HTTP server on the port, TCP servers that close at once or never answer,
 * Skaffold exiting during the replay, a 50,000-event replay at connect and a 100,000-event
 * burst (never started: extension.test.ts; deactivated: teardown.test.ts). What is checked is what the user sees: the status
 * bar item (text and tooltip, read back from the item), the `skaffold.status` context key that
 * picks the views' welcome content (recorded as the extension sets it), and the rows of the
 * views. `skaffold.address` is restored after each case.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, EXTENSION_ID, plain, resourceEntry, rows, sleep } from './helpers';

async function setAddress(address: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration().update('skaffold.address', address, vscode.ConfigurationTarget.Global);
}

/** The status bar item as the user sees it (the VS Code API cannot read the status bar back). */
function statusBar(ext: SkaffoldExtensionApi): { text: string; tooltip: string } {
  const item = (ext.statusBar as unknown as { item: vscode.StatusBarItem }).item;
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? plain(item.tooltip.value) : String(item.tooltip ?? '');
  return { text: item.text, tooltip };
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The context keys the extension sets, recorded as it sets them (the API cannot read them back).
 * The extension and its tests share one `vscode` API object, so wrapping executeCommand sees
 * its setContext calls.
 */
class ContextKeys {
  readonly values = new Map<string, unknown>();
  private readonly commands = vscode.commands as unknown as { executeCommand: (...args: unknown[]) => Thenable<unknown> };
  private readonly original = this.commands.executeCommand;

  constructor() {
    const { values, original } = this;
    this.commands.executeCommand = function (this: unknown, ...args: unknown[]) {
      if (args[0] === 'setContext') {
        values.set(String(args[1]), args[2]);
      }
      return original.apply(this, args);
    };
  }

  dispose(): void {
    this.commands.executeCommand = this.original;
  }
}

/** The Artifacts view's welcome text VS Code shows for a `skaffold.status` value (package.json + package.nls.json). */
function welcomeFor(status: string): string {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { viewsWelcome: { view: string; contents: string; when: string }[] } };
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const entry = pkg.contributes.viewsWelcome.find((w) => w.view === 'skaffold.artifacts' && w.when === `skaffold.status == ${status}`);
  assert.ok(entry, `a welcome for ${status}`);
  return nls[entry.contents.replace(/^%|%$/g, '')] ?? entry.contents;
}

/** Every resource row, pods under their owners included: name -> status (from the contextValue). */
async function resourceRows(ext: SkaffoldExtensionApi): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (parent?: Parameters<typeof ext.views.resources.getChildren>[0]) => {
    for (const node of (await ext.views.resources.getChildren(parent)) ?? []) {
      const item = await ext.views.resources.getTreeItem(node);
      const m = /^resource\.(.*)$/.exec(item.contextValue ?? '');
      if (m && node.kind === 'resource') {
        out.set(node.name, m[1]);
        await visit(node);
      }
    }
  };
  await visit();
  return out;
}

/** The word a row shows for each status Skaffold's State gives at the end of a dev loop. */
const WORD: Record<string, Record<string, string>> = {
  artifact: { Complete: 'built', 'In Progress': 'building', Failed: 'failed' },
  Deploy: { Complete: 'deployed', 'In Progress': 'deploying', Failed: 'failed' },
  'Status check': { Succeeded: 'passed', 'In Progress': 'checking', Started: 'checking', Failed: 'failed' },
};

/** What the fake's own state says each view must show, at the end of a dev loop (nothing from before it). */
function expectedRows(fake: FakeSkaffold): { artifacts: string[]; resources: Map<string, string>; phases: string[]; ports: string[] } {
  const s = fake.state;
  const phase = (label: string, status = '') => `${label}: ${WORD[label][status] ?? status}`;
  return {
    artifacts: Object.entries(s.buildState?.artifacts ?? {}).map(([name, status]) => `${name}: ${WORD.artifact[status] ?? status}`),
    resources: new Map(Object.entries(s.statusCheckState?.resources ?? {}).map(([name, status]) => [name, String(status).replace(/\s+/g, '')])),
    phases: [phase('Deploy', s.deployState?.status), phase('Status check', s.statusCheckState?.status)],
    ports: Object.values(s.forwardedPorts ?? {}).map((p) => `localhost:${p.localPort}`),
  };
}

async function shownRows(ext: SkaffoldExtensionApi): Promise<{ artifacts: string[]; resources: Map<string, string>; phases: string[]; ports: string[] }> {
  const artifacts = (await rows(ext.views.artifacts)).map((r) => `${r.label}: ${(r.description ?? '').split(' · ')[0]}`);
  const top = await rows(ext.views.resources);
  return {
    artifacts,
    resources: await resourceRows(ext),
    phases: top.filter((r) => r.contextValue?.startsWith('phase.')).map((r) => `${r.label}: ${(r.description ?? '').split(' · ')[0]}`),
    ports: (await rows(ext.views.ports)).map((r) => r.label),
  };
}

async function sameRows(ext: SkaffoldExtensionApi, fake: FakeSkaffold): Promise<boolean> {
  const a = await shownRows(ext);
  const b = expectedRows(fake);
  return JSON.stringify({ ...a, resources: [...a.resources].sort() }) === JSON.stringify({ ...b, resources: [...b.resources].sort() });
}

describe('faults in a real VS Code', () => {
  let ext: SkaffoldExtensionApi;
  let keys: ContextKeys;
  const stops: (() => unknown)[] = [];

  before(async () => {
    ext = await api();
    keys = new ContextKeys();
  });

  afterEach(async () => {
    await setAddress(undefined);
    for (const stop of stops.splice(0).reverse()) {
      await stop();
    }
  });

  after(() => keys.dispose());

  async function follow(fake: FakeSkaffold): Promise<void> {
    await setAddress(fake.address);
    await eventually('connected to the fake, its first loop shown', () => ext.session.address === fake.address && ext.session.status === 'connected' && ext.session.state.ports.size === 1);
    await eventually('the status bar says ready', () => statusBar(ext).text === '$(check) Skaffold');
  }

  it('killed mid-stream and restarted on the same port: the status bar says ended with the reason, then live again with Skaffold\'s rows', async () => {
    const fake = await FakeSkaffold.start({ stepMs: 10 });
    stops.push(() => fake.stop());
    await fake.runDevLoop();
    await follow(fake);
    assert.strictEqual(keys.values.get('skaffold.status'), 'connected');

    let i = 0;
    const streaming = setInterval(() => {
      for (let k = 0; k < 200; k++) {
        fake.emit(resourceEntry(i++, 50));
      }
    }, 5);
    stops.push(() => clearInterval(streaming));
    await eventually('the stream reaching the views', async () => (await resourceRows(ext)).has('Pod/load-49'));
    await fake.stop(); // while the stream is still being written
    clearInterval(streaming);

    await eventually('ended', () => ext.session.status === 'ended');
    await eventually('the status bar says ended', () => statusBar(ext).text === '$(debug-stop) Skaffold: ended');
    const { tooltip } = statusBar(ext);
    assert.match(tooltip, new RegExp(`^Skaffold at ${reEscape(fake.address)}: ended`));
    assert.match(tooltip, /closed the connection: Skaffold exited or restarted|Nothing answers at/);
    assert.strictEqual(keys.values.get('skaffold.status'), 'ended', 'the views\' welcome and message follow "ended"');
    const kept = await rows(ext.views.artifacts);
    assert.deepStrictEqual(kept.map((r) => r.label), ['example/app', 'example/worker'], 'the last state stays');
    assert.ok((await resourceRows(ext)).has('Pod/load-49'), 'including what the stream brought before the kill');

    await fake.restart();
    await eventually('connected again', () => ext.session.status === 'connected');
    await fake.runDevLoop();
    await eventually('the new Skaffold\'s rows, nothing of the old one', () => sameRows(ext, fake));
    await eventually('the status bar says ready', () => statusBar(ext).text === '$(check) Skaffold');
    assert.strictEqual(keys.values.get('skaffold.status'), 'connected');
    assert.strictEqual(ext.session.lastError, undefined);
  });

  it('frozen: the status bar says reconnecting with the reason, and live again after the thaw', async () => {
    const fake = await FakeSkaffold.start({ stepMs: 10 });
    stops.push(() => fake.stop());
    await fake.runDevLoop();
    await follow(fake);
    fake.freeze();
    stops.push(() => fake.thaw());
    const frozenAt = Date.now();
    await eventually('reconnecting (the liveness check: every 2 s, 2 s deadline)', () => ext.session.status === 'reconnecting', 15_000);
    const noticedMs = Date.now() - frozenAt;
    await eventually('the status bar says reconnecting', () => statusBar(ext).text === '$(loading~spin) Skaffold: reconnecting');
    assert.match(statusBar(ext).tooltip, new RegExp(`did not answer GetState in time: is it frozen, paused in a debugger or overloaded\\?`));
    assert.strictEqual(keys.values.get('skaffold.status'), 'reconnecting');
    assert.match(welcomeFor('reconnecting'), /Skaffold stopped answering/);
    assert.strictEqual((await rows(ext.views.artifacts)).length, 2, 'the last state stays while reconnecting');
    console.log(`[skaffold-test]     (a frozen Skaffold noticed in ${noticedMs} ms; the liveness check's timing is unit tested on a fake clock)`);

    fake.thaw();
    await eventually('connected again', () => ext.session.status === 'connected', 15_000);
    await eventually('the status bar says ready', () => statusBar(ext).text === '$(check) Skaffold');
    assert.strictEqual(keys.values.get('skaffold.status'), 'connected');
    assert.ok(await sameRows(ext, fake), 'the rows are Skaffold\'s');
  });

  it('an HTTP server on the port: failed, the status bar and the welcome say it is not Skaffold', async () => {
    const server = http.createServer((_req, res) => res.end('<html>not skaffold</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await setAddress(address);
    await eventually('failed', () => ext.session.address === address && ext.session.status === 'failed');
    assert.strictEqual(ext.session.lastError?.kind, 'notSkaffold');
    await eventually('the status bar says not connected', () => statusBar(ext).text === '$(warning) Skaffold: not connected');
    const { tooltip } = statusBar(ext);
    assert.match(tooltip, new RegExp(`Something answers at ${reEscape(address)} but it does not speak gRPC like Skaffold does`));
    assert.strictEqual(keys.values.get('skaffold.status'), 'failed');
    assert.match(welcomeFor('failed'), /the address answers, but not as Skaffold's gRPC API/);
    assert.strictEqual((await rows(ext.views.artifacts)).length, 0, 'the welcome shows: no rows');
    // A quiet period: there is nothing to await when nothing happens; a retry would change the status.
    await sleep(500);
    assert.strictEqual(ext.session.status, 'failed', 'not retried');
  });

  it('a 50,000-event replay at connect shows the same rows as the fake\'s state', async () => {
    const fake = await FakeSkaffold.start({ stepMs: 5 });
    stops.push(() => fake.stop());
    await fake.runDevLoop();
    // 50,000 status updates of 200 more pods, each "In Progress" until the last round, which
    // is the only one that matches the end state; the fake's state is kept their truth.
    // Stamped now: the event log takes an entry older than the newest it logged from the
    // previous address for a replayed one (see the report), and this case is about the views.
    const pods = 200;
    const count = 50_000;
    const resources = fake.state.statusCheckState!.resources!;
    for (let i = 0; i < count; i++) {
      const entry = resourceEntry(i, pods, Date.now(), i < count - pods ? 'In Progress' : 'Succeeded');
      fake.emit(entry);
      resources[entry.event!.resourceStatusCheckEvent!.resource!] = entry.event!.resourceStatusCheckEvent!.status!;
    }
    assert.strictEqual(Object.keys(resources).length, 4 + pods);
    const total = fake.history.length;
    let received = 0;
    const partial: number[] = [];
    const subs = [
      ext.manager.onDidLog(({ session }) => { if (session === ext.session) { received++; } }),
      ext.manager.onDidChangeState(({ session }) => { if (session === ext.session && received > 0 && received < total) { partial.push(received); } }),
    ];
    stops.push(() => subs.forEach((d) => d.dispose()));
    const started = Date.now();
    await setAddress(fake.address);
    await eventually('the whole replay shown', () => sameRows(ext, fake), 25_000);
    const shownMs = Date.now() - started;
    assert.strictEqual(received, total, 'every entry once');
    assert.strictEqual(ext.session.status, 'connected');
    assert.strictEqual(ext.session.state.resources.size, 4 + pods);
    await eventually('the status bar says ready', () => statusBar(ext).text === '$(check) Skaffold');
    console.log(`[skaffold-test]     (replay of ${total} entries shown in ${shownMs} ms; states published while "connected" before it was complete: ${partial.length}${partial.length ? `, the first after ${partial[0]} entries` : ''})`);
  });
  it('restarted on another port: the old session stays ended with the reason; attached, the new one shows beside it', async () => {
    const old = await FakeSkaffold.start({ stepMs: 5 });
    stops.push(() => old.stop());
    await old.runDevLoop();
    await follow(old);
    await old.stop();
    await eventually('ended', () => ext.session.status === 'ended');
    const moved = await FakeSkaffold.start({ stepMs: 5, artifacts: ['example/moved'] });
    stops.push(() => moved.stop());
    await moved.runDevLoop();
    const session = (await vscode.commands.executeCommand<import('../../src/skaffold/session/session').SkaffoldSession>('skaffold.attach', moved.address))!;
    stops.push(() => ext.manager.remove(session));
    await eventually('the new one connected', () => session.status === 'connected' && session.state.ports.size === 1);
    await eventually('grouped by session', async () => (await rows(ext.views.artifacts)).length === 2);
    const groups = await rows(ext.views.artifacts);
    assert.deepStrictEqual(groups.map((r) => `${r.label}: ${r.description}`), [`${old.address}: ended`, `${moved.address}: ready`]);
    const nodes = (await ext.views.artifacts.getChildren()) ?? [];
    assert.deepStrictEqual((await rows(ext.views.artifacts, nodes[0])).map((r) => r.label), ['example/app', 'example/worker'], 'the old one keeps its last state');
    assert.deepStrictEqual((await rows(ext.views.artifacts, nodes[1])).map((r) => r.label), ['example/moved']);
    await eventually('the status bar counts both', () => statusBar(ext).text === '$(check) Skaffold (2)');
    assert.match(statusBar(ext).tooltip, new RegExp(`${reEscape(old.address)} \\(${reEscape(old.address)}\\): ended`));
  });

  it('a TCP server that closes every connection: connecting, with the reason in the status bar, retried quietly', async () => {
    let accepted = 0;
    const server = net.createServer((socket) => { accepted++; socket.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise<void>((r) => server.close(() => r())));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await setAddress(address);
    await eventually('a reason', () => ext.session.address === address && ext.session.lastError !== undefined);
    assert.strictEqual(ext.session.status, 'connecting');
    await eventually('the status bar says connecting', () => statusBar(ext).text === '$(loading~spin) Skaffold: connecting');
    assert.match(statusBar(ext).tooltip, new RegExp(`Nothing answers at ${reEscape(address)}`));
    assert.strictEqual(keys.values.get('skaffold.status'), 'connecting');
    const before = accepted;
    await eventually('retried', () => accepted > before, 5000);
  });

  it('a TCP server that accepts and never answers: connecting, the reason says it did not answer', async () => {
    const held = new Set<net.Socket>();
    const server = net.createServer((socket) => { held.add(socket); socket.on('close', () => held.delete(socket)); socket.resume(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise<void>((r) => { held.forEach((s) => s.destroy()); server.close(() => r()); }));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await setAddress(address);
    await eventually('the connect deadline (3 s) passed', () => ext.session.address === address && ext.session.lastError?.kind === 'timeout', 10_000);
    assert.strictEqual(ext.session.status, 'connecting');
    await eventually('the status bar says connecting', () => statusBar(ext).text === '$(loading~spin) Skaffold: connecting');
    assert.match(statusBar(ext).tooltip, /did not answer GetState in time/);
    assert.ok(held.size <= 2, `one attempt open at a time (${held.size})`);
  });

  it('Skaffold exits during the replay: ended with the reason; the rows have its current statuses', async () => {
    const fake = await FakeSkaffold.start({ stepMs: 5 });
    stops.push(() => fake.stop());
    await fake.runDevLoop();
    await fake.changeFile('example/app'); // the history now has two iterations
    // A long history of an earlier moment: example/worker building again and again.
    const at = Date.now() - 60_000;
    for (let i = 0; i < 30_000; i++) {
      fake.history.splice(5, 0, {
        timestamp: { seconds: String(Math.floor(at / 1000)), nanos: i },
        event: { event_type: 'buildEvent', buildEvent: { artifact: 'example/worker', status: i % 2 ? 'In Progress' : 'Failed', err: 'an old failure' } },
        entry: '',
      });
    }
    let received = 0;
    const sub = ext.manager.onDidLog(({ session }) => {
      if (session === ext.session && ++received === 10_000) {
        void fake.stop();
      }
    });
    stops.push(() => sub.dispose());
    await setAddress(fake.address);
    await eventually('ended', () => ext.session.address === fake.address && ext.session.status === 'ended', 20_000);
    await eventually('the status bar says ended', () => statusBar(ext).text === '$(debug-stop) Skaffold: ended');
    assert.ok(received < fake.history.length, `cut mid-replay (${received} of ${fake.history.length})`);
    // What this iteration did to each artifact is Skaffold's last word: built, or not touched
    // (then the row reads its last known result, never as built or building now).
    const shown = (await rows(ext.views.artifacts)).map((r) => `${r.label}: ${(r.description ?? '').split(' · ')[0]}`);
    const truth = Object.entries(fake.state.buildState?.artifacts ?? {}).map(([name, status]) => `${name}: ${status}`);
    assert.deepStrictEqual(truth, ['example/app: Complete', 'example/worker: Not Started']);
    assert.strictEqual(shown[0], 'example/app: built', 'Skaffold\'s last status, not that of the moment the replay was cut at');
    assert.match(shown[1], /^example\/worker: (up to date|not built|failed)$/, 'not rebuilt in this iteration: not shown as built or building now');
  });

  it('a burst of 100,000 events: the views end with Skaffold\'s state, the status bar ready', async () => {
    const fake = await FakeSkaffold.start({ stepMs: 5 });
    stops.push(() => fake.stop());
    await fake.runDevLoop();
    await follow(fake);
    const pods = 100;
    const resources = fake.state.statusCheckState!.resources!;
    const count = 100_000;
    for (let sent = 0; sent < count;) {
      for (let k = 0; k < 2000; k++, sent++) {
        const entry = resourceEntry(sent, pods, Date.now(), sent < count - pods ? 'In Progress' : 'Succeeded');
        fake.emit(entry);
        resources[entry.event!.resourceStatusCheckEvent!.resource!] = entry.event!.resourceStatusCheckEvent!.status!;
      }
      await new Promise((r) => setImmediate(r));
    }
    await eventually('the rows are Skaffold\'s', () => sameRows(ext, fake), 30_000);
    assert.strictEqual(ext.session.status, 'connected');
    await eventually('the status bar says ready', () => statusBar(ext).text === '$(check) Skaffold');
  });
});
