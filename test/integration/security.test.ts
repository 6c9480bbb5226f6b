/// <reference types="mocha" />
/**
 * The security review's points that need the real VS Code: the limited modes declared in
 * package.json, the warning for an address off this machine, consent before running a
 * workspace's skaffold.executable, and forwarded ports that are not on loopback never opened.
 * What the extension would show the user is read by stubbing the vscode.window call it makes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, EXTENSION_ID } from './helpers';

type Shown = { message: string; options?: vscode.MessageOptions; items: string[] };

/** Replaces a vscode.window message function while `body` runs; records what would be shown. */
async function capture<T>(name: 'showWarningMessage' | 'showErrorMessage', answer: (shown: Shown) => string | undefined, body: (shown: Shown[]) => Promise<T>): Promise<T> {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window[name];
  const shown: Shown[] = [];
  window[name] = (message: string, ...rest: unknown[]) => {
    const options = typeof rest[0] === 'object' && rest[0] !== null ? rest.shift() as vscode.MessageOptions : undefined;
    const entry = { message, options, items: rest.map(String) };
    shown.push(entry);
    return Promise.resolve(answer(entry));
  };
  try {
    return await body(shown);
  } finally {
    window[name] = original;
  }
}

describe('Security review', () => {
  let ext: SkaffoldExtensionApi;
  let fake: FakeSkaffold;
  const config = () => vscode.workspace.getConfiguration();

  before(async () => {
    ext = await api();
    fake = await FakeSkaffold.start({ stepMs: 5 });
    await fake.runDevLoop();
  });

  after(async () => {
    await config().update('skaffold.autoConnect', undefined, vscode.ConfigurationTarget.Global);
    await fake.stop();
  });

  it('declares the limited modes: untrusted (no launching, workspace executable ignored), no virtual workspaces, workspace side', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepStrictEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['skaffold.executable', 'skaffold.launch.args']);
    assert.strictEqual(pkg.capabilities.virtualWorkspaces, false);
    assert.deepStrictEqual(pkg.extensionKind, ['workspace']);
    assert.strictEqual(pkg.contributes.configuration.properties['skaffold.executable'].scope, 'machine-overridable');
  });

  it('an address off this machine warns once that the API is unauthenticated plaintext; loopback never does', async () => {
    const before = ext.session.address;
    // Never let the session reach for that address: auto-connect off, disconnected first.
    await config().update('skaffold.autoConnect', false, vscode.ConfigurationTarget.Global);
    ext.session.disconnect();
    assert.strictEqual(ext.session.status, 'disconnected');
    try {
      await capture('showWarningMessage', () => undefined, async (shown) => {
        await config().update('skaffold.address', '192.0.2.10:50051', vscode.ConfigurationTarget.Global);
        await eventually('the warning', () => shown.length === 1);
        assert.match(shown[0].message, /192\.0\.2\.10:50051 is not on this machine/);
        assert.match(shown[0].message, /no authentication and no encryption/);
        assert.strictEqual(ext.session.status, 'disconnected', 'nothing was sent there');
        await config().update('skaffold.address', '127.0.0.1:50999', vscode.ConfigurationTarget.Global);
        await config().update('skaffold.address', '192.0.2.10:50051', vscode.ConfigurationTarget.Global);
        await config().update('skaffold.address', '[::1]:50051', vscode.ConfigurationTarget.Global);
        // Each address is judged (and warned about) as the session takes it: the last one taken, all were.
        await eventually('the session at the last address', () => ext.session.address.includes('::1'));
        assert.strictEqual(shown.length, 1, 'once for that address; none for loopback');
      });
    } finally {
      await config().update('skaffold.address', before === '127.0.0.1:50051' ? undefined : before, vscode.ConfigurationTarget.Global);
      await config().update('skaffold.autoConnect', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  describe('a workspace that sets skaffold.executable', () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const vscodeDir = path.join(folder, '.vscode');
    const hadVscodeDir = fs.existsSync(vscodeDir);
    const standin = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fakes', 'bin', 'skaffold');
    const request = { file: path.join(folder, 'skaffold.yaml'), profiles: [], modules: [] };
    let launched: SkaffoldSession | undefined;

    before(async () => {
      // The user's own setting points nowhere; the workspace's at the stand-in.
      await config().update('skaffold.executable', path.join(folder, 'no-such-skaffold'), vscode.ConfigurationTarget.Global);
      await config().update('skaffold.executable', standin, vscode.ConfigurationTarget.Workspace);
    });

    after(async () => {
      if (launched) {
        await ext.launcher.stop(launched);
        ext.manager.remove(launched);
      }
      await config().update('skaffold.executable', undefined, vscode.ConfigurationTarget.Workspace);
      await config().update('skaffold.executable', undefined, vscode.ConfigurationTarget.Global);
      if (!hadVscodeDir) {
        fs.rmSync(vscodeDir, { recursive: true, force: true });
      }
      for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Skaffold '))) {
        t.dispose();
      }
    });

    it('is not run without the user\'s consent: a modal asks, and cancelling starts nothing', async () => {
      const sessions = ext.manager.sessions.length;
      const result = await capture('showWarningMessage', () => undefined, async (shown) => {
        const r = await vscode.commands.executeCommand('skaffold.dev', request);
        assert.strictEqual(shown.length, 1, 'asked once');
        assert.strictEqual(shown[0].options?.modal, true);
        assert.match(shown[0].message, /This workspace's settings set skaffold\.executable to ".*skaffold"\. Run that program/);
        assert.deepStrictEqual(shown[0].items, ['Allow and Start', `Use "${path.join(folder, 'no-such-skaffold')}"`]);
        return r;
      });
      assert.strictEqual(result, undefined);
      assert.strictEqual(ext.manager.sessions.length, sessions, 'no session');
    });

    it('runs it once allowed, and does not ask again for the same value', async () => {
      launched = await capture('showWarningMessage', (s) => (s.options?.modal ? 'Allow and Start' : undefined), async (shown) => {
        const s = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.dev', request);
        assert.strictEqual(shown.filter((x) => x.options?.modal).length, 1);
        return s;
      });
      assert.ok(launched, 'started');
      const s = launched;
      await eventually('the stand-in to connect', () => s.status === 'connected' && s.state.artifacts.size > 0);
      await ext.launcher.stop(s);
      ext.manager.remove(s);
      launched = undefined;
      const again = await capture('showWarningMessage', () => undefined, async (shown) => {
        const r = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.dev', request);
        assert.strictEqual(shown.length, 0, 'remembered for this workspace and value');
        return r;
      });
      assert.ok(again, 'started without asking');
      launched = again;
    });
  });

  it('a forwarded port bound off loopback is never opened or copied; a loopback one is', async () => {
    const session = (await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', fake.address))!;
    try {
      await eventually('the first dev loop', () => session.status === 'connected' && session.state.ports.size === 1);
      fake.emit({
        timestamp: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 },
        event: { event_type: 'portEvent', portEvent: { localPort: 47999, remotePort: 80, address: '10.1.2.3', resourceType: 'service', resourceName: 'evil', namespace: 'default' } },
        entry: '',
      });
      await eventually('the port', () => session.state.ports.has(47999));
      const env = vscode.env as unknown as Record<string, unknown>;
      const openExternal = env.openExternal;
      const opened: string[] = [];
      env.openExternal = (uri: vscode.Uri) => {
        opened.push(uri.toString());
        return Promise.resolve(true);
      };
      try {
        await vscode.env.clipboard.writeText('before');
        await capture('showErrorMessage', () => undefined, async (shown) => {
          await vscode.commands.executeCommand('skaffold.openPort', { sessionId: session.id, localPort: 47999 });
          await vscode.commands.executeCommand('skaffold.copyPortUrl', { sessionId: session.id, localPort: 47999 });
          await eventually('two errors', () => shown.length === 2);
          assert.match(shown[0].message, /bound to 10\.1\.2\.3, not to this machine's loopback: not opened/);
        });
        assert.deepStrictEqual(opened, [], 'nothing opened');
        assert.strictEqual(await vscode.env.clipboard.readText(), 'before', 'nothing copied');
        const loopback = [...session.state.ports.keys()].find((p) => p !== 47999)!;
        await vscode.commands.executeCommand('skaffold.openPort', { sessionId: session.id, localPort: loopback });
        assert.strictEqual(opened.length, 1);
        // Through asExternalUri: in a remote window (as here) VS Code's forwarded address.
        const external = await vscode.env.asExternalUri(vscode.Uri.parse(`http://localhost:${loopback}`));
        assert.strictEqual(opened[0], external.toString());
      } finally {
        env.openExternal = openExternal;
      }
    } finally {
      ext.manager.remove(session);
    }
  });
});
