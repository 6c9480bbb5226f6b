/// <reference types="mocha" />
/**
 * The extension deactivated mid-stream, inside the real extension host: while two fake
 * Skaffolds stream a burst to two sessions (the configured one and an attached one), the
 * extension's own `deactivate()` (from the bundle the host loaded) must close every stream and
 * every connection, with no exception logged.
 *
 * The extension is dead afterwards, so this file must sort last among test/integration/*.test.ts
 * (mocha runs them in name order).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, EXTENSION_ID, resourceEntry, sleep } from './helpers';

/** Server-side connections the fake holds. */
function connections(fake: FakeSkaffold): number {
  return (fake as unknown as { sockets: Set<net.Socket> }).sockets.size;
}

/** The extension host's log files that would hold an exception: the host's and the extension's channel. */
function logFiles(): string[] {
  const socket = process.env.CODE_SERVER_SESSION_SOCKET;
  if (!socket) {
    return []; // not under code-server (test-electron): the logs are elsewhere
  }
  const walk = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [])
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(path.join(path.dirname(socket), 'logs')).filter((f) => /(remoteexthost|exthost|Skaffold)\.log$/.test(f));
}

describe('faults: the extension deactivated mid-stream (last: the extension is dead afterwards)', () => {
  it('deactivate() during a burst closes every stream and connection, and logs no exception', async () => {
    const ext = await api();
    const shop = await FakeSkaffold.start({ stepMs: 5 });
    const billing = await FakeSkaffold.start({ stepMs: 5, artifacts: ['billing/api'], firstLocalPort: 47490 });
    const timers: NodeJS.Timeout[] = [];
    const problems: string[] = [];
    const onRejection = (reason: unknown) => problems.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
    const onException = (err: Error) => problems.push(`uncaught exception: ${err.stack ?? err}`);
    const consoleError = console.error;
    try {
      await Promise.all([shop.runDevLoop(), billing.runDevLoop()]);
      await vscode.workspace.getConfiguration().update('skaffold.address', shop.address, vscode.ConfigurationTarget.Global);
      const attached = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', billing.address);
      assert.ok(attached);
      const sessions = [ext.session, attached];
      await eventually('both sessions live', () => sessions.every((s) => s.status === 'connected' && s.state.ports.size === 1));
      assert.deepStrictEqual([shop.subscriberCount, billing.subscriberCount], [1, 1]);
      assert.ok(connections(shop) >= 1 && connections(billing) >= 1);

      // A burst on both, still going when the extension goes away.
      let i = 0;
      for (const fake of [shop, billing]) {
        timers.push(setInterval(() => {
          for (let k = 0; k < 500; k++) {
            fake.emit(resourceEntry(i++, 100));
          }
        }, 2));
      }
      await eventually('the bursts reaching both sessions', () => sessions.every((s) => s.state.resources.has('Pod/load-99')));

      const logs = new Map(logFiles().map((f) => [f, fs.statSync(f).size]));
      process.on('unhandledRejection', onRejection);
      process.on('uncaughtException', onException);
      console.error = (...args: unknown[]) => {
        problems.push(`console.error: ${args.map(String).join(' ')}`);
        consoleError(...args);
      };

      const bundle = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'extension.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const extension = require(bundle) as { deactivate(): Promise<void> | undefined };
      const deactivatedAt = Date.now();
      await extension.deactivate();
      await eventually('every subscriber and connection gone at the servers', () =>
        shop.subscriberCount + billing.subscriberCount + connections(shop) + connections(billing) === 0, 3000);
      const closedMs = Date.now() - deactivatedAt;

      assert.strictEqual(ext.manager.sessions.length, 0, 'every session disposed');
      const states = sessions.map((s) => s.state);
      const emitted = shop.history.length + billing.history.length;
      await eventually('the fakes to stream on', () => shop.history.length + billing.history.length > emitted + 1000);
      // A quiet period: nothing is applied or reconnected while they stream on, and the host's log writer flushes (nothing to await).
      await sleep(500);
      assert.ok(sessions.every((s, n) => s.state === states[n]), 'nothing applied after deactivate');
      assert.deepStrictEqual([shop.subscriberCount, billing.subscriberCount, connections(shop), connections(billing)], [0, 0, 0, 0], 'and nothing reconnected');
      for (const [file, size] of logs) {
        const added = fs.readFileSync(file, 'utf8').slice(size);
        for (const line of added.split('\n').filter((l) => /\[error\]/i.test(l))) {
          problems.push(`${path.basename(file)}: ${line}`);
        }
      }
      assert.deepStrictEqual(problems, [], 'no exception logged');
      assert.strictEqual(extension.deactivate(), undefined, 'a second deactivate (VS Code\'s own, at shutdown) has nothing left to do');
      console.log(`[skaffold-test]     (streams and connections closed ${closedMs} ms after deactivate; ${logs.size} log files watched)`);
    } finally {
      timers.forEach(clearInterval);
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      console.error = consoleError;
      await vscode.workspace.getConfiguration().update('skaffold.address', undefined, vscode.ConfigurationTarget.Global);
      await shop.stop();
      await billing.stop();
    }
  });
});
