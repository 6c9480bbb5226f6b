/**
 * Starting Skaffold from the editor, with the stand-in `skaffold` executable: nothing starts
 * in an untrusted workspace or without the binary; a launched session connects as soon as
 * the port answers; Stop lets Skaffold clean up; an early exit says why; closing the
 * window stops what we started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LaunchError } from '../../src/skaffold/launch/process';
import { Launcher, LauncherOptions, launchLabel } from '../../src/skaffold/launch/launcher';
import { SessionOptions } from '../../src/skaffold/session/session';
import { SessionManager } from '../../src/skaffold/session/sessionManager';
import { guardUnhandledRejections, untilSessions } from './helpers';

guardUnhandledRejections();

const root = path.resolve(__dirname, '..', '..', '..');
const STANDIN = path.join(root, 'test', 'fakes', 'bin', 'skaffold');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 100, settleMs: 20, coalesceMs: 20 };

function setup(overrides: Partial<LauncherOptions> = {}, env: NodeJS.ProcessEnv = {}) {
  const manager = new SessionManager({ address: '127.0.0.1:1', sessionDefaults: FAST });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-launcher-'));
  const launcher = new Launcher({
    manager,
    isTrusted: () => true,
    executable: () => STANDIN,
    launchArgs: () => [],
    stopTimeoutMs: () => 5000,
    env: { ...process.env, SKAFFOLD_STANDIN_STEP_MS: '2', ...env },
    ...overrides,
  });
  return {
    manager,
    launcher,
    tmp,
    done() {
      launcher.dispose();
      manager.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('an untrusted workspace starts nothing, and says so', async () => {
  const t = setup({ isTrusted: () => false });
  try {
    await assert.rejects(t.launcher.prepare({ command: 'dev', cwd: workspace }), (err: unknown) =>
      err instanceof LaunchError && err.kind === 'untrusted' && /untrusted workspace/.test(err.message) && /attach/.test(err.message));
    assert.throws(() => t.launcher.assertTrusted(), LaunchError);
    assert.equal(t.manager.sessions.length, 1, 'no session was added');
  } finally {
    t.done();
  }
});

test('a missing Skaffold binary is named in the message, and nothing starts', async () => {
  const missing = path.join(os.tmpdir(), 'no-such-dir', 'skaffold');
  const t = setup({ executable: () => missing });
  try {
    await assert.rejects(t.launcher.prepare({ command: 'dev', cwd: workspace }), (err: unknown) =>
      err instanceof LaunchError && err.kind === 'notFound' && err.message.includes(missing) && /skaffold\.executable/.test(err.message));
    const onPath = setup({ executable: () => 'skaffold-that-is-not-installed' });
    await assert.rejects(onPath.launcher.prepare({ command: 'dev', cwd: workspace }), /not found on the PATH/);
    onPath.done();
    assert.equal(t.manager.sessions.length, 1);
  } finally {
    t.done();
  }
});

test('prepare picks a free port and builds the command line without a shell', async () => {
  const t = setup({ launchArgs: () => ['--port-forward', '--default-repo', 'localhost:5000'] });
  try {
    const p = await t.launcher.prepare({ command: 'dev', cwd: workspace, filename: 'skaffold dev.yaml', profiles: ['my profile;$(touch pwned)'] });
    assert.equal(p.address, `127.0.0.1:${p.rpcPort}`);
    assert.equal(await portAnswers(p.rpcPort), false, 'nothing listens there yet');
    assert.deepEqual(p.args, ['dev', '--rpc-port', String(p.rpcPort), '--filename', 'skaffold dev.yaml', '--profile', 'my profile;$(touch pwned)', '--port-forward', '--default-repo', 'localhost:5000']);
    assert.match(p.commandLine, /--filename 'skaffold dev\.yaml' --profile 'my profile;\$\(touch pwned\)'/, 'shown quoted as a shell would need');
    assert.equal(p.label, 'dev · workspace (skaffold dev.yaml) · profile my profile;$(touch pwned)');
    const fixed = await t.launcher.prepare({ command: 'run', cwd: workspace, rpcPort: 50999 });
    assert.equal(fixed.rpcPort, 50999, 'a port from tasks.json is kept');
    assert.equal(launchLabel({ command: 'debug', cwd: workspace, modules: ['api', 'web'] }), 'debug · workspace · module api,web');
  } finally {
    t.done();
  }
});

test('a launched Skaffold is connected as soon as its port answers, and Stop lets it clean up', async () => {
  const cleanup = path.join(os.tmpdir(), `skaffold-cleanup-${process.pid}-${Date.now()}`);
  const t = setup({}, { SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup });
  try {
    const prepared = await t.launcher.prepare({ command: 'dev', cwd: workspace });
    const { session, process } = t.launcher.start(prepared);
    let output = '';
    process.onOutput((text) => { output += text; });
    assert.equal(session.origin, 'launched');
    assert.equal(session.label, 'dev · workspace');
    assert.equal(session.process?.state, 'starting');
    assert.notEqual(session.status, 'connected', 'not connected before Skaffold is up');
    assert.ok(t.manager.shown.includes(session), 'shown while it starts');
    await untilSessions(t.manager, () => session.status === 'connected' && session.state.ports.size === 1, 'the launched session to connect and show its dev loop');
    assert.equal(session.process?.state, 'running');
    assert.deepEqual([...session.state.artifacts.keys()], ['example/app', 'example/worker']);
    assert.equal(t.launcher.processOf(session), process);

    const exit = await t.launcher.stop(session);
    assert.equal(exit?.code, 0, 'Skaffold exited by itself after SIGINT');
    assert.equal(fs.readFileSync(cleanup, 'utf8'), 'cleaned up');
    assert.match(output, /Cleaning up\.\.\./);
    await untilSessions(t.manager, () => session.status === 'ended', 'the session to end');
    assert.equal(session.process?.state, 'exited');
    assert.equal(session.process?.exitCode, 0);
    assert.match(session.lastError?.message ?? '', new RegExp(`Skaffold dev on port ${prepared.rpcPort} exited\\.`));
    assert.equal(session.state.artifacts.size, 2, 'the last state stays shown');
    assert.equal(await portAnswers(prepared.rpcPort), false, 'its API is closed');
    assert.equal(t.launcher.processOf(session), undefined);
    assert.ok(t.manager.shown.includes(session), 'an ended session stays until dismissed');
  } finally {
    t.done();
    fs.rmSync(cleanup, { force: true });
  }
});

test('Skaffold exiting at start (port taken) ends the session with its own words', async () => {
  const held = new Set<net.Socket>();
  const blocker = net.createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const t = setup();
  try {
    const prepared = await t.launcher.prepare({ command: 'dev', cwd: workspace, rpcPort: port });
    const { session } = t.launcher.start(prepared);
    await untilSessions(t.manager, () => session.status === 'ended', 'the session to end');
    assert.equal(session.process?.exitCode, 1);
    assert.match(session.lastError?.message ?? '', new RegExp(`exited with code 1: listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`));
  } finally {
    t.done();
    held.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('a Skaffold that ignores SIGINT is killed after the stop timeout; closing the window stops what we started', async () => {
  const t = setup({ stopTimeoutMs: () => 300 }, { SKAFFOLD_STANDIN_IGNORE_SIGINT: '1' });
  try {
    const { session, process } = t.launcher.start(await t.launcher.prepare({ command: 'dev', cwd: workspace }));
    await untilSessions(t.manager, () => session.status === 'connected', 'connected');
    const exit = await t.launcher.stop(session);
    assert.equal(exit?.signal, 'SIGKILL');
    assert.equal(process.running, false);
    await untilSessions(t.manager, () => session.status === 'ended', 'ended');
    assert.match(session.lastError?.message ?? '', /was stopped \(SIGKILL\)/);

    const cleanup = path.join(t.tmp, 'cleanup-on-close');
    const polite = new Launcher({
      manager: t.manager, isTrusted: () => true, executable: () => STANDIN, launchArgs: () => [],
      env: { ...globalThis.process.env, SKAFFOLD_STANDIN_STEP_MS: '2', SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup },
    });
    const second = polite.start(await polite.prepare({ command: 'dev', cwd: workspace }));
    await untilSessions(t.manager, () => second.session.status === 'connected', 'second connected');
    polite.dispose(); // the window closes
    const closed = await second.process.exited;
    assert.equal(closed.code, 0);
    assert.equal(fs.readFileSync(cleanup, 'utf8'), 'cleaned up', 'it was asked to stop gracefully');
  } finally {
    t.done();
  }
});
