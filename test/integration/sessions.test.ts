/// <reference types="mocha" />
/**
 * Several Skaffold sessions in one window, inside a real VS Code extension host: two fake
 * Skaffolds attached side by side, one of them exiting, and Skaffold started by the extension
 * (command and task) with the stand-in `skaffold` executable (test/fakes/bin/skaffold).
 *
 * The configured session (skaffold.address) points at a port where nothing listens while these
 * tests run, so the views show only the sessions the tests open.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, EXTENSION_ID, plain, rows } from './helpers';

/** Where nothing listens: the configured session has nothing to show. */
const NOWHERE = '127.0.0.1:1';

/** The status bar item as the user sees it (the VS Code API cannot read the status bar back). */
function statusBar(ext: SkaffoldExtensionApi): { text: string; tooltip: string } {
  const item = (ext.statusBar as unknown as { item: vscode.StatusBarItem }).item;
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? plain(item.tooltip.value) : String(item.tooltip ?? '');
  return { text: item.text, tooltip };
}

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration().update(key, value, vscode.ConfigurationTarget.Global);
}

/** Forgets a session the test opened (stopping the Skaffold behind it first, if it is ours). */
async function forget(ext: SkaffoldExtensionApi, session: SkaffoldSession | undefined): Promise<void> {
  if (!session || !ext.manager.get(session.id)) {
    return;
  }
  if (ext.launcher.processOf(session)) {
    const stopped = ext.launcher.stop(session);
    const force = setTimeout(() => void ext.launcher.stop(session), 3000); // a second stop kills at once
    await stopped;
    clearTimeout(force);
  }
  ext.manager.remove(session);
}

const workspaceFolder = (): string => {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the example workspace is open');
  return folder.uri.fsPath;
};

/** The stand-in Skaffold of the repository (test/fakes/bin/skaffold). */
const standin = (): string => path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fakes', 'bin', 'skaffold');

describe('Several Skaffold sessions', () => {
  let ext: SkaffoldExtensionApi;

  before(async () => {
    ext = await api();
    await setting('skaffold.address', NOWHERE);
    await eventually('the configured session to have nothing to show', () => ext.session.address === NOWHERE && ext.session.status !== 'connected' && ext.session.state.artifacts.size === 0);
  });

  after(async () => {
    await setting('skaffold.address', undefined);
  });

  describe('two Skaffolds attached side by side', () => {
    let shop: FakeSkaffold;
    let billing: FakeSkaffold;
    let a: SkaffoldSession;
    let b: SkaffoldSession;

    beforeEach(async () => {
      shop = await FakeSkaffold.start({ stepMs: 10 });
      billing = await FakeSkaffold.start({ stepMs: 10, artifacts: ['billing/api'], firstLocalPort: 47490 });
      await Promise.all([shop.runDevLoop(), billing.runDevLoop()]);
      a = (await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', shop.address))!;
      b = (await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', billing.address))!;
      assert.ok(a && b && a !== b, 'skaffold.attach returned two sessions');
      await eventually('both first loops shown', () => a.state.ports.size === 1 && b.state.ports.size === 1);
    });

    afterEach(async () => {
      await forget(ext, a);
      await forget(ext, b);
      await shop.stop();
      await billing.stop();
    });

    it('each view shows one row per session, with that session\'s own rows under it', async () => {
      const roots = await rows(ext.views.artifacts);
      assert.deepStrictEqual(roots.map((r) => [r.label, r.description, r.icon]), [[shop.address, 'ready', 'check'], [billing.address, 'ready', 'check']]);
      assert.deepStrictEqual(roots.map((r) => r.accessible), [`Skaffold session ${shop.address}, ready`, `Skaffold session ${billing.address}, ready`]);
      for (const r of roots) {
        assert.match(r.contextValue ?? '', /^session;origin=attached;status=connected;detachable$/);
      }
      const artifactsOf = async (s: SkaffoldSession) => (await rows(ext.views.artifacts, ext.views.artifacts.sessionNode(s))).map((r) => `${r.label}: ${r.description}`);
      const shopArtifacts = await artifactsOf(a);
      assert.deepStrictEqual(shopArtifacts.map((r) => r.split(':')[0]), ['example/app', 'example/worker']);
      assert.ok(shopArtifacts.every((r) => /: built$/.test(r)), shopArtifacts.join('\n'));
      const billingArtifacts = await artifactsOf(b);
      assert.deepStrictEqual(billingArtifacts.map((r) => r.split(':')[0]), ['billing/api']);

      assert.deepStrictEqual((await rows(ext.views.resources)).map((r) => r.label), [shop.address, billing.address]);
      const resourcesOf = async (s: SkaffoldSession) => (await rows(ext.views.resources, ext.views.resources.sessionNode(s))).map((r) => r.label);
      assert.deepStrictEqual(await resourcesOf(a), ['Deploy', 'Status check', 'deployment/app', 'deployment/worker']);
      assert.deepStrictEqual(await resourcesOf(b), ['Deploy', 'Status check', 'deployment/api']);

      assert.deepStrictEqual((await rows(ext.views.ports)).map((r) => r.label), [shop.address, billing.address]);
      assert.deepStrictEqual((await rows(ext.views.ports, ext.views.ports.sessionNode(a))).map((r) => r.label), ['localhost:47480']);
      assert.deepStrictEqual((await rows(ext.views.ports, ext.views.ports.sessionNode(b))).map((r) => r.label), ['localhost:47490']);
    });

    it('the status bar counts both sessions and names the one that needs the user', async () => {
      await eventually('both ready in the status bar', () => statusBar(ext).text === '$(check) Skaffold (2)');
      const { tooltip } = statusBar(ext);
      assert.match(tooltip, new RegExp(`${reEscape(shop.address)} \\(${reEscape(shop.address)}\\): ready`));
      assert.match(tooltip, new RegExp(`${reEscape(billing.address)} \\(${reEscape(billing.address)}\\): ready`));

      billing.failNextBuild('billing/api', 'go build: undefined: invoice');
      await billing.changeFile('billing/api');
      await eventually('the failure named', () => statusBar(ext).text === `$(error) Skaffold (2): ${billing.address} billing/api failed`);
      assert.match(statusBar(ext).tooltip, new RegExp(`${reEscape(shop.address)} \\(${reEscape(shop.address)}\\): ready`), 'the other session is still ready');
      const billingRow = (await rows(ext.views.artifacts))[1];
      assert.deepStrictEqual([billingRow.label, billingRow.description, billingRow.icon], [billing.address, 'billing/api failed', 'error']);

      await billing.changeFile('billing/api');
      await eventually('both ready again', () => statusBar(ext).text === '$(check) Skaffold (2)');
    });

    it('one Skaffold exits: its row says ended and keeps its last rows; the other stays live', async () => {
      await billing.stop();
      await eventually('billing ended', () => b.status === 'ended');
      await eventually('its row shows it', async () => (await rows(ext.views.artifacts))[1]?.description === 'ended');
      const [shopRow, billingRow] = await rows(ext.views.artifacts);
      assert.deepStrictEqual([billingRow.label, billingRow.icon], [billing.address, 'debug-stop']);
      assert.match(billingRow.contextValue ?? '', /status=ended/);
      assert.match(billingRow.contextValue ?? '', /dismissable/);
      assert.strictEqual(shopRow.description, 'ready');
      const kept = await rows(ext.views.artifacts, ext.views.artifacts.sessionNode(b));
      assert.deepStrictEqual(kept.map((r) => r.label), ['billing/api'], 'the last state stays');
      assert.strictEqual(kept[0].description, 'built');
      assert.deepStrictEqual(await rows(ext.views.ports, ext.views.ports.sessionNode(b)), [], 'its forwards closed with it');
      assert.match(statusBar(ext).tooltip, new RegExp(`${reEscape(billing.address)} \\(${reEscape(billing.address)}\\): ended`));

      // The other one goes on: a saved file rebuilds one of its images, live.
      await shop.changeFile('example/app');
      await eventually('shop iteration 1 shown', async () => {
        const shown = await rows(ext.views.artifacts, ext.views.artifacts.sessionNode(a));
        return shown[0]?.description === 'built' && shown[1]?.description === 'up to date · #0'
          && a.state.devLoop.iteration === 1;
      });
      assert.strictEqual(b.status, 'ended', 'the ended session stays ended');
    });

    it('dismiss and disconnect remove the session rows; one session left: the views are ungrouped again', async () => {
      await billing.stop();
      await eventually('billing ended', () => b.status === 'ended');
      await vscode.commands.executeCommand('skaffold.dismiss', ext.views.artifacts.sessionNode(b));
      assert.strictEqual(ext.manager.get(b.id), undefined, 'dismissed');
      const artifacts = await rows(ext.views.artifacts);
      assert.deepStrictEqual(artifacts.map((r) => r.label), ['example/app', 'example/worker'], 'no session rows: the one session\'s rows are the roots');
      assert.deepStrictEqual((await rows(ext.views.ports)).map((r) => r.label), ['localhost:47480']);
      assert.strictEqual(statusBar(ext).text, '$(check) Skaffold', 'one session: no count');

      await vscode.commands.executeCommand('skaffold.disconnect', ext.views.artifacts.sessionNode(a));
      assert.strictEqual(ext.manager.get(a.id), undefined, 'detached');
      assert.deepStrictEqual(await rows(ext.views.artifacts), [], 'nothing else to show');
      await eventually('the stream closed', () => shop.subscriberCount === 0);
      // Detaching never stops Skaffold: it still answers, and attaching again shows it.
      a = (await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', shop.address))!;
      await eventually('attached again', async () => (await rows(ext.views.artifacts)).length === 2 && a.status === 'connected');
    });
  });

  describe('Skaffold started from VS Code (the stand-in executable)', () => {
    let dir: string;
    let session: SkaffoldSession | undefined;
    /** Where a shell running `touch pwned` would leave its file: the working folder of Skaffold. */
    const pwned = () => [path.join(workspaceFolder(), 'pwned'), path.join(dir, 'pwned')];
    const env: Record<string, string> = {};
    const setEnv = (name: string, value: string) => {
      env[name] = process.env[name] ?? '';
      process.env[name] = value;
    };

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-launch-'));
      // The extension host's environment is inherited by the Skaffold it starts.
      setEnv('SKAFFOLD_STANDIN_CLEANUP_FILE', path.join(dir, 'cleanup'));
      setEnv('SKAFFOLD_STANDIN_STEP_MS', '5');
      await setting('skaffold.executable', standin());
      session = undefined;
    });

    afterEach(async () => {
      await forget(ext, session);
      for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Skaffold '))) {
        t.dispose();
      }
      for (const [name, value] of Object.entries(env)) {
        if (value === '') {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
        delete env[name];
      }
      await setting('skaffold.executable', undefined);
      for (const f of pwned()) {
        fs.rmSync(f, { force: true }); // only there if a test failed: never leave it in the workspace
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('skaffold.dev runs it in a terminal, connects as soon as its port answers; Stop ends it gracefully', async () => {
      // Skaffold takes a while to open its port (it parses its config first): by then a
      // session polling at the idle pace (every 2 s) would be about a second late; ours looks
      // every 250 ms.
      await setting('skaffold.executable', wrappedStandin(dir, { delayMs: 1800 }));
      const launched = Date.now();
      session = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.dev', { file: path.join(workspaceFolder(), 'skaffold.yaml'), profiles: [], modules: [] });
      assert.ok(session, 'skaffold.dev returned the session');
      const s = session;
      assert.deepStrictEqual([s.origin, s.command, s.label], ['launched', 'dev', 'dev · workspace']);
      let connectedAt = 0;
      const sub = s.onDidChangeStatus((e) => {
        if (e.status === 'connected' && !connectedAt) {
          connectedAt = Date.now();
        }
      });
      let answeredAt = 0;
      try {
        const port = Number(s.address.split(':').pop());
        await eventually('the port to answer and the session to connect', async () => {
          if (!answeredAt && await answers(port)) {
            answeredAt = Date.now();
          }
          return answeredAt > 0 && connectedAt > 0;
        }, 15_000);
      } finally {
        sub.dispose();
      }
      assert.ok(answeredAt - launched >= 1800, 'the port opened late, as intended');
      // How soon (a launched session looks every 250 ms at most: its backoff is unit tested on a fake clock).
      console.log(`[skaffold-test]     (connected ${connectedAt - answeredAt} ms after the port answered)`);
      assert.strictEqual(s.process?.state, 'running');
      await eventually('its artifacts', async () => {
        const shown = await rows(ext.views.artifacts);
        return shown.length === 2 && shown.every((r) => r.description === 'built');
      });
      assert.deepStrictEqual((await rows(ext.views.artifacts)).map((r) => r.label), ['example/app', 'example/worker']);
      assert.ok(vscode.window.terminals.some((t) => t.name === 'Skaffold dev · workspace'), `a terminal "Skaffold dev · workspace" among ${vscode.window.terminals.map((t) => t.name).join(', ')}`);

      await vscode.commands.executeCommand('skaffold.stop', ext.views.artifacts.sessionNode(s));
      await eventually('the process exited', () => s.process?.state === 'exited' && s.status === 'ended');
      assert.deepStrictEqual([s.process?.exitCode, s.process?.signal], [0, null], 'SIGINT: Skaffold cleaned up and exited 0');
      assert.strictEqual(fs.readFileSync(path.join(dir, 'cleanup'), 'utf8'), 'cleaned up');
      assert.match(s.lastError?.message ?? '', /^Skaffold dev on port \d+ exited\.$/);
      assert.strictEqual(statusBar(ext).text, '$(debug-stop) Skaffold: exited (code 0)');
      assert.strictEqual((await rows(ext.views.artifacts)).length, 2, 'the last state stays');
      assert.strictEqual(ext.launcher.processOf(s), undefined);
    });

    it('a skaffold.executable that does not exist: skaffold.dev starts nothing', async () => {
      await setting('skaffold.executable', path.join(dir, 'no-such-folder', 'skaffold'));
      const sessions = ext.manager.sessions.length;
      const terminals = vscode.window.terminals.length;
      let settled = false;
      const result = Promise.resolve(vscode.commands.executeCommand('skaffold.dev', { file: path.join(workspaceFolder(), 'skaffold.yaml'), profiles: [], modules: [] }))
        .finally(() => { settled = true; });
      // The command waits for the user's answer to its error message (Set Path): close it.
      await eventually('the command to finish once its message is closed', async () => {
        await vscode.commands.executeCommand('notifications.clearAll');
        return settled;
      });
      assert.strictEqual(await result, undefined, 'no session');
      assert.strictEqual(ext.manager.sessions.length, sessions, 'no session added');
      assert.strictEqual(vscode.window.terminals.length, terminals, 'no terminal opened');
      assert.ok(!ext.manager.sessions.some((s) => s.origin === 'launched'), 'nothing launched');
    });

    it('the task provider offers dev, debug and run for the workspace\'s skaffold.yaml', async () => {
      const tasks = (await vscode.tasks.fetchTasks({ type: 'skaffold' })).filter((t) => t.source === 'skaffold');
      const provided = tasks.filter((t) => Object.keys(t.definition).sort().join() === 'command,type');
      assert.deepStrictEqual(provided.map((t) => t.name).sort(), ['debug', 'dev', 'run']);
      for (const t of provided) {
        assert.strictEqual(t.definition.command, t.name);
        assert.strictEqual((t.scope as vscode.WorkspaceFolder | undefined)?.uri.fsPath, workspaceFolder());
        assert.strictEqual(t.isBackground, t.name !== 'run', `${t.name}: background unless it is run`);
      }
    });

    it('running the dev task starts a session that connects; terminating the task stops Skaffold', async () => {
      const task = (await vscode.tasks.fetchTasks({ type: 'skaffold' })).find((t) => t.name === 'dev' && Object.keys(t.definition).length === 2);
      assert.ok(task, 'the dev task');
      const before = new Set(ext.manager.sessions);
      const execution = await vscode.tasks.executeTask(task);
      const ended = new Promise<void>((resolve) => {
        const sub = vscode.tasks.onDidEndTask((e) => {
          if (e.execution === execution || e.execution.task.name === task.name) {
            sub.dispose();
            resolve();
          }
        });
      });
      await eventually('a session for the task', () => {
        session = ext.manager.sessions.find((s) => !before.has(s) && s.origin === 'launched');
        return session?.status === 'connected';
      });
      const s = session!;
      assert.strictEqual(s.command, 'dev');
      await eventually('its artifacts', () => s.state.artifacts.size === 2 && [...s.state.artifacts.values()].every((a) => a.status === 'Complete'));

      execution.terminate();
      await ended;
      await eventually('Skaffold stopped', () => s.process?.state === 'exited' && s.status === 'ended');
      assert.strictEqual(s.process?.exitCode, 0, 'stopped gracefully');
      assert.strictEqual(fs.readFileSync(path.join(dir, 'cleanup'), 'utf8'), 'cleaned up');
    });

    it('a profile name with spaces and shell metacharacters reaches Skaffold as one literal argument', async () => {
      const profile = 'my profile;$(touch pwned)';
      const argvFile = path.join(dir, 'argv.json');
      const wrapper = wrappedStandin(dir, { argvFile });
      await setting('skaffold.executable', wrapper);

      session = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.dev', { file: path.join(workspaceFolder(), 'skaffold.yaml'), profiles: [profile], modules: [] });
      assert.ok(session, 'launched');
      const s = session;
      assert.strictEqual(s.label, `dev · workspace · profile ${profile}`);
      await eventually('connected', () => s.status === 'connected');
      const argv = JSON.parse(fs.readFileSync(argvFile, 'utf8')) as string[];
      assert.deepStrictEqual(argv, ['dev', '--rpc-port', s.address.split(':').pop(), '--profile', profile]);
      assert.ok(vscode.window.terminals.some((t) => t.name === `Skaffold dev · workspace · profile ${profile}`), 'its terminal');
      await ext.launcher.stop(s);
      assert.deepStrictEqual(pwned().filter((f) => fs.existsSync(f)), [], 'no shell ran the name');
    });
  });

  describe('an event log opened from a file', () => {
    const recorded = (scenario: string, file = 'events.json') => vscode.Uri.file(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'recorded', scenario, file));
    const opened: SkaffoldSession[] = [];

    afterEach(async () => {
      for (const s of opened.splice(0)) {
        await forget(ext, s);
      }
    });

    it('shows in every view, read only: its rows, its history, Skaffold\'s output, and no live command', async () => {
      const failing = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.openEventLog', recorded('build-fail-rebuild'));
      assert.ok(failing, 'the command returns the session');
      opened.push(failing);
      assert.strictEqual(failing.origin, 'file');
      assert.strictEqual(failing.status, 'ended');
      // Alone, its rows are the views' rows.
      const artifacts = await rows(ext.views.artifacts);
      assert.deepStrictEqual(artifacts.map((r) => `${r.label}: ${r.description}`).sort(), ['example/app: built', 'example/worker: up to date · #0']);
      assert.ok(artifacts.every((r) => !/buildable/.test(r.contextValue ?? '')), 'no Build Now on its artifacts');
      const resources = (await rows(ext.views.resources)).map((r) => r.label);
      assert.ok(resources.includes('deployment/app') && resources.includes('deployment/worker'), resources.join(', '));
      const ports = await rows(ext.views.ports);
      assert.deepStrictEqual(ports.map((r) => [r.label, r.contextValue]), [['localhost:47480', 'port']], 'listed, never opened');
      const history = await rows(ext.views.history);
      assert.strictEqual(history.length, 3, history.map((r) => r.label).join(', '));
      assert.ok(history.some((r) => /fail/i.test(`${r.description} ${r.tooltip}`)), 'the failed iteration is in the history');
      assert.ok(!statusBar(ext).text.includes('events.json'), 'the status bar watches live loops only');
      const appNode = (await ext.views.artifacts.getChildren())?.find((n) => (n as { name?: string }).name === 'example/app');
      const channel = await vscode.commands.executeCommand<vscode.OutputChannel | undefined>('skaffold.showOutput', appNode);
      assert.ok(channel, 'Skaffold\'s output of its last build, from the .v2 file');

      // With a second log open, each is a session row, with no control command on it.
      const ok = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.openEventLog', recorded('ok', 'events.json.v2'));
      assert.ok(ok);
      opened.push(ok);
      const roots = await rows(ext.views.artifacts);
      assert.deepStrictEqual(roots.map((r) => [r.label, r.description]), [['events.json', 'ready'], ['events.json', 'ready']]);
      for (const r of roots) {
        assert.strictEqual(r.contextValue, 'session;origin=file;status=ended;dismissable');
        assert.match(r.tooltip, /From: an event-log file \(read only\)/);
        assert.match(r.tooltip, /Read \d+ events from events\.json, and Skaffold's output from events\.json\.v2\./);
      }
    });

    it('a file that is not an event log is refused with a message, and nothing is opened', async () => {
      const before = ext.manager.sessions.length;
      const session = await vscode.commands.executeCommand<SkaffoldSession | undefined>('skaffold.openEventLog', recorded('ok', 'skaffold.yaml'));
      assert.strictEqual(session, undefined);
      assert.strictEqual(ext.manager.sessions.length, before);
    });
  });
});

/**
 * An executable in `dir` that runs the stand-in Skaffold, after writing down the arguments it
 * was given (`argvFile`, JSON) and after a delay (`delayMs`, as a Skaffold that is slow to
 * open its port). The stand-in itself has no such options.
 */
function wrappedStandin(dir: string, { argvFile, delayMs = 0 }: { argvFile?: string; delayMs?: number }): string {
  const wrapper = path.join(dir, 'skaffold');
  const standinModule = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'out', 'test', 'fakes', 'standinSkaffold.js');
  fs.writeFileSync(wrapper, [
    `#!${process.execPath}`,
    argvFile ? `require('fs').writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));` : '',
    `const start = () => require(${JSON.stringify(standinModule)}).main(process.argv);`,
    `setTimeout(start, ${Number(delayMs)});`,
    '',
  ].join('\n'), { mode: 0o755 
});
  return wrapper;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
