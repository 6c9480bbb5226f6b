/**
 * Closing the window (the extension's deactivate) waits for the Skaffolds started from it to
 * clean up, with the stand-in `skaffold` executable: `stopAll` resolves once they have exited
 * after SIGINT, and gives up waiting on one that ignores SIGINT after its bound, leaving it to
 * be killed at its stop timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Launcher } from '../../src/skaffold/launch/launcher';
import { SessionManager } from '../../src/skaffold/session/sessionManager';
import { untilSessions } from './helpers';

const root = path.resolve(__dirname, '..', '..', '..');
const STANDIN = path.join(root, 'test', 'fakes', 'bin', 'skaffold');
const workspace = path.join(root, 'test', 'integration', 'workspace');

function setup(env: NodeJS.ProcessEnv, stopTimeoutMs: number) {
  const manager = new SessionManager({ address: '127.0.0.1:1', sessionDefaults: { backoffInitialMs: 20, backoffMaxMs: 100, settleMs: 20, coalesceMs: 20 } });
  const launcher = new Launcher({
    manager,
    isTrusted: () => true,
    executable: () => STANDIN,
    launchArgs: () => [],
    stopTimeoutMs: () => stopTimeoutMs,
    env: { ...process.env, SKAFFOLD_STANDIN_STEP_MS: '2', ...env },
  });
  return { manager, launcher };
}

test('stopAll waits for every Skaffold started from the window to clean up and exit', async () => {
  const cleanup = path.join(os.tmpdir(), `skaffold-stopall-${process.pid}`);
  const { manager, launcher } = setup({ SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup }, 30_000);
  try {
    const started: ReturnType<Launcher['start']>[] = [];
    for (let i = 0; i < 2; i++) {
      started.push(launcher.start(await launcher.prepare({ command: 'dev', cwd: workspace })));
    }
    await untilSessions(manager, () => started.every(({ session }) => session.status === 'connected'), 'both to connect');
    await launcher.stopAll(20_000);
    for (const { session } of started) {
      assert.equal(session.process?.state, 'exited', `${session.label} exited before stopAll resolved`);
      assert.deepEqual([session.process?.exitCode, session.process?.signal], [0, null], 'it exited by itself after SIGINT, having cleaned up');
    }
    assert.equal(fs.readFileSync(cleanup, 'utf8'), 'cleaned up');
  } finally {
    launcher.dispose();
    manager.dispose();
    fs.rmSync(cleanup, { force: true });
  }
});

test('stopAll waits no longer than its bound for a Skaffold that ignores SIGINT; it is killed at its stop timeout', async () => {
  const { manager, launcher } = setup({ SKAFFOLD_STANDIN_IGNORE_SIGINT: '1' }, 1500);
  try {
    const { session, process: child } = launcher.start(await launcher.prepare({ command: 'dev', cwd: workspace }));
    await untilSessions(manager, () => session.status === 'connected', 'it to connect');
    await launcher.stopAll(100);
    assert.notEqual(session.process?.state, 'exited', 'still cleaning up (ignoring SIGINT) when stopAll gave up waiting');
    const exit = await child.stop(1500);
    assert.equal(exit.signal, 'SIGKILL', 'killed at its stop timeout');
  } finally {
    launcher.dispose();
    manager.dispose();
  }
});
