/// <reference types="mocha" />
/**
 * The public API (api/vscode-skaffold.d.ts) as another extension uses it: through the test-only
 * extension in test/integration/apiClient/ (vscode-skaffold-tests.skaffold-api-client), which
 * gets `getApi(1)` from our exports and records what the API fires. A fake Skaffold is attached.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { SkaffoldApiEvent, SkaffoldIntent, SkaffoldSessionSnapshot } from '../../api/vscode-skaffold.d';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { eventually, EXTENSION_ID } from './helpers';

const CLIENT_ID = 'vscode-skaffold-tests.skaffold-api-client';

/** What test/integration/apiClient/extension.js returns from activate(). */
interface ApiClient {
  sessions(): readonly SkaffoldSessionSnapshot[];
  getSession(id: string): SkaffoldSessionSnapshot | undefined;
  readonly stateEvents: SkaffoldSessionSnapshot[];
  readonly sessionsEvents: (readonly SkaffoldSessionSnapshot[])[];
  handle(id: string, event: SkaffoldApiEvent): Promise<void>;
  execute(id: string, intent: SkaffoldIntent): Promise<void>;
  getApi(version: number): unknown;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  clear(): void;
}

const artifactsOf = (s: SkaffoldSessionSnapshot | undefined) => (s?.artifacts ?? []).map((a) => `${a.name}: ${a.status}`);

describe('The public API, from another extension', () => {
  let ext: SkaffoldExtensionApi;
  let client: ApiClient;
  let fake: FakeSkaffold;
  let session: SkaffoldSession;

  before(async () => {
    ext = await vscode.extensions.getExtension<SkaffoldExtensionApi>(EXTENSION_ID)!.activate();
    fake = await FakeSkaffold.start({ stepMs: 10 });
    await fake.runDevLoop();
    session = (await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', fake.address))!;
    assert.ok(session, 'attached');
    await eventually('the first dev loop', () => session.status === 'connected' && session.state.ports.size === 1);
    const clientExt = vscode.extensions.getExtension<ApiClient>(CLIENT_ID);
    assert.ok(clientExt, `${CLIENT_ID} is loaded (scripts/vscode-host/run-integration.js installs it)`);
    client = await clientExt.activate();
  });

  beforeEach(() => client.clear());

  after(async () => {
    if (session && ext.manager.get(session.id)) {
      await vscode.commands.executeCommand('skaffold.disconnect', ext.views.artifacts.sessionNode(session));
    }
    await fake?.stop();
  });

  it('another extension gets version 1 from getApi(1); getApi(2) is undefined', () => {
    assert.strictEqual(vscode.extensions.getExtension(CLIENT_ID)?.isActive, true);
    const v1 = client.getApi(1) as { version?: number } | undefined;
    assert.strictEqual(v1?.version, 1);
    assert.strictEqual(client.getApi(2), undefined);
  });

  it('sessions lists the attached Skaffold: id, address, connected, its artifacts, as plain data', () => {
    const listed = client.sessions().find((s) => s.id === session.id);
    assert.ok(listed, `the attached session among ${client.sessions().map((s) => s.id).join(', ')}`);
    assert.strictEqual(listed.address, fake.address);
    assert.strictEqual(listed.status, 'connected');
    assert.strictEqual(listed.origin, 'attached');
    assert.strictEqual(listed.error, undefined);
    assert.strictEqual(listed.skaffoldVersion, 'v2.7.0');
    assert.deepStrictEqual(artifactsOf(listed), ['example/app: Complete', 'example/worker: Complete']);
    assert.deepStrictEqual(listed.ports.map((p) => [p.localPort, p.resourceName, p.url]), [[47480, 'app', 'http://localhost:47480']]);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(listed)), JSON.parse(JSON.stringify(client.getSession(session.id))), 'getSession says the same');
    assert.ok(client.sessions().some((s) => s.id === 'configured' && s.origin === 'configured'), 'the configured session is listed too');
    assert.strictEqual(client.getSession('no-such-session'), undefined);
  });

  it('a state event fires for that session when Skaffold rebuilds', async () => {
    await fake.changeFile('example/app');
    await client.waitFor(() => client.stateEvents.some((e) => e.id === session.id && e.iteration === 1 && artifactsOf(e)[0] === 'example/app: Complete'));
    const last = client.stateEvents.filter((e) => e.id === session.id).pop();
    assert.deepStrictEqual(artifactsOf(last), ['example/app: Complete', 'example/worker: Not Started'], 'the snapshot is the state after the rebuild');
  });

  it('handle() injects an event: it reaches Skaffold and comes back in the session\'s state', async () => {
    const handled = () => fake.calls.filter((c) => c.method === 'Handle');
    const before = handled().length;
    await client.handle(session.id, { buildEvent: { artifact: 'custom/builder', status: 'In Progress' } });
    const calls = handled();
    assert.strictEqual(calls.length, before + 1, 'one Handle call');
    assert.deepStrictEqual((calls[calls.length - 1].request as { buildEvent?: { artifact?: string; status?: string } }).buildEvent, { artifact: 'custom/builder', status: 'In Progress' });
    await client.waitFor(() => client.stateEvents.some((e) => e.id === session.id && artifactsOf(e).includes('custom/builder: In Progress')));
    assert.ok(artifactsOf(client.getSession(session.id)).includes('custom/builder: In Progress'));
  });

  it('handle() refuses a terminationEvent: nothing is sent to Skaffold', async () => {
    const before = fake.calls.filter((c) => c.method === 'Handle').length;
    await assert.rejects(client.handle(session.id, { terminationEvent: { status: 'Completed' } }), /TerminationEvent/);
    assert.strictEqual(fake.calls.filter((c) => c.method === 'Handle').length, before);
    assert.strictEqual(client.getSession(session.id)?.status, 'connected', 'the session goes on');
  });

  it('execute() reaches Skaffold; on an unknown session id it rejects', async () => {
    const executes = () => fake.calls.filter((c) => c.method === 'Execute').map((c) => JSON.stringify(c.request));
    const before = executes().length;
    await client.execute(session.id, { build: true });
    assert.deepStrictEqual(executes().slice(before), ['{"intent":{"build":true}}']);
    await assert.rejects(client.execute('no-such-session', { build: true }), /No Skaffold session "no-such-session"/);
    await assert.rejects(client.handle('no-such-session', { metaEvent: { entry: 'x' } }), /No Skaffold session/);
    assert.strictEqual(executes().length, before + 1, 'nothing more was sent');
  });

  it('onDidChangeSessions fires when a session is added and when it is removed', async () => {
    const other = await FakeSkaffold.start({ stepMs: 10, artifacts: ['other/app'] });
    let added: SkaffoldSession | undefined;
    try {
      added = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', other.address);
      assert.ok(added);
      const id = added.id;
      await client.waitFor(() => client.sessionsEvents.some((list) => list.some((s) => s.id === id && s.address === other.address)));
      await client.waitFor(() => client.sessionsEvents.some((list) => list.some((s) => s.id === id && s.status === 'connected')));
      await vscode.commands.executeCommand('skaffold.disconnect', ext.views.artifacts.sessionNode(added));
      await client.waitFor(() => {
        const last = client.sessionsEvents[client.sessionsEvents.length - 1];
        return !!last && !last.some((s) => s.id === id) && last.some((s) => s.id === session.id);
      });
      assert.strictEqual(client.getSession(id), undefined);
    } finally {
      if (added && ext.manager.get(added.id)) {
        ext.manager.remove(added);
      }
      await other.stop();
    }
  });
});
