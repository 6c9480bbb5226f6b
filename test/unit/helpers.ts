/**
 * What the unit tests share: builders of LogEntries as Skaffold sends them, waiting for a
 * condition (polled, or on a session's or manager's change events), the unhandled-rejection
 * guard, and scratch folders and processes cleaned up after a file.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SkaffoldProcess } from '../../src/skaffold/launch/process';
import { Event, LogEntry } from '../../src/skaffold/wire/protocol';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { SessionManager } from '../../src/skaffold/session/sessionManager';

let clock = Date.UTC(2026, 10, 24, 13, 40, 0);

/** A LogEntry with a timestamp `stepMs` after the previous one. */
export function entry(event: Event, text = '', stepMs = 100): LogEntry {
  clock += stepMs;
  const kind = Object.keys(event)[0];
  return {
    timestamp: { seconds: String(Math.floor(clock / 1000)), nanos: (clock % 1000) * 1e6 },
    event: { ...event, event_type: kind },
    entry: text,
  };
}

export const ev = {
  meta: (version = 'v2.7.0') => entry({ metaEvent: { entry: `Starting Skaffold: &{Version:${version} ConfigVersion:skaffold/v4beta6 GitVersion: GitCommit:abc BuildDate:2023-08-01 GoVersion:go1.21 Compiler:gc Platform:linux/amd64 User:}` } }),
  devLoop: (iteration: number, status: string, err?: { errCode?: string; message?: string; suggestions?: { suggestionCode?: string; action?: string }[] }) =>
    entry({ devLoopEvent: { iteration, status, err } }, status === 'In Progress' ? 'Update initiated' : `Update ${status.toLowerCase()}`),
  build: (artifact: string, status: string, message?: string, errCode = 'BUILD_USER_ERROR') =>
    entry({ buildEvent: { artifact, status, ...(message ? { err: message, errCode, actionableErr: { errCode, message, suggestions: [{ suggestionCode: 'FIX_USER_BUILD_ERR', action: 'Fix the Dockerfile' }] } } : {}) } }, `Build ${status} for artifact ${artifact}`),
  deploy: (status: string, message?: string) =>
    entry({ deployEvent: { status, ...(message ? { err: message, actionableErr: { errCode: 'DEPLOY_KUBECTL_USER_ERR', message } } : {}) } }, `Deploy ${status}`),
  statusCheck: (status: string, message?: string) => entry({ statusCheckEvent: { status, ...(message ? { message } : {}) } }),
  resource: (resource: string, status: string, message = '', statusCode = 'STATUSCHECK_SUCCESS', failed = false) =>
    entry({ resourceStatusCheckEvent: { resource, status, message, statusCode, ...(failed || statusCode === 'STATUSCHECK_CONTAINER_CREATING' ? { actionableErr: { errCode: statusCode, message, suggestions: failed ? [{ action: 'Check the container logs' }] : [] } } : {}) } }),
  port: (localPort: number, resourceName = 'app', target = 8080) =>
    entry({ portEvent: { localPort, remotePort: target, namespace: 'default', resourceType: 'service', resourceName, address: '127.0.0.1', targetPort: { type: 0, intVal: target } } }),
  sync: (status: string, image = 'example/app', fileCount = 2) => entry({ fileSyncEvent: { status, image, fileCount } }),
  debug: (status: string, podName = 'app-1', containerName = 'app') =>
    entry({ debuggingContainerEvent: { status, podName, containerName, namespace: 'default', artifact: 'example/app', runtime: 'go', debugPorts: { dlv: 56268 } } }),
  test: (status: string) => entry({ TestEvent: { status } }),
  termination: (status: string) => entry({ terminationEvent: { status } }),
};

/** A whole successful iteration like Skaffold's, building the given artifacts. */
export function iteration(n: number, artifacts: string[], port = 47480): LogEntry[] {
  return [
    ev.devLoop(n, 'In Progress'),
    ...artifacts.flatMap((a) => [ev.build(a, 'In Progress'), ev.build(a, 'Complete')]),
    ev.deploy('In Progress'),
    ev.statusCheck('Started'),
    ev.resource(`Pod/app-${n}abc-x1`, 'In Progress', 'creating container app', 'STATUSCHECK_CONTAINER_CREATING'),
    ev.resource('deployment/app', 'Succeeded', 'Succeeded'),
    ev.statusCheck('Succeeded'),
    ev.deploy('Complete'),
    ev.port(port),
    ev.devLoop(n, 'Succeeded'),
  ];
}

let liveSeq = 0;

/**
 * A resource status LogEntry stamped `stamp` (default now: a live event), over `pods` pods named
 * Pod/load-N, cycling In Progress, In Progress, Succeeded; for bursts and long replays.
 */
export function resourceEntry(i: number, pods = 500, stamp = Date.now()): LogEntry {
  const pod = `Pod/load-${i % pods}`;
  const status = i % 3 === 2 ? 'Succeeded' : 'In Progress';
  return {
    timestamp: { seconds: String(Math.floor(stamp / 1000)), nanos: (stamp % 1000) * 1e6 + (liveSeq++ % 1e6) },
    event: { resourceStatusCheckEvent: { resource: pod, status, message: `poll ${i}`, statusCode: status === 'Succeeded' ? 'STATUSCHECK_SUCCESS' : 'STATUSCHECK_CONTAINER_CREATING' } },
    entry: `Resource ${pod} status updated to ${status}`,
  };
}

/**
 * Fails the file (in its `after`) if any promise rejection went unhandled while its tests ran.
 * Returns the list, for a test that checks its own stretch. Call once, at the top of the file.
 */
export function guardUnhandledRejections(): readonly unknown[] {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', listener);
  after(() => {
    process.off('unhandledRejection', listener);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
  return unhandled;
}

/**
 * Waits for `ms` of wall-clock time. Only for checking that nothing more happens over a quiet
 * period; to wait for something, await it or poll it (`eventually`, `until`).
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `predicate` holds, polled every `intervalMs`; rejects naming `what` after `timeoutMs`. */
export async function eventually(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves once `predicate` holds, checked on every state, status and log event of `session`
 * (and every 10 ms: entries arrive between state events, a replay publishes nothing until it
 * is caught up); rejects after `timeoutMs` with the session's status and last error.
 */
export function until(session: SkaffoldSession, predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (predicate()) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      clearInterval(poll);
      subs.forEach((s) => s.dispose());
    };
    const check = () => {
      if (predicate()) {
        stop();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what} (status ${session.status}, ${session.lastError?.message ?? 'no error'})`));
    }, timeoutMs);
    const poll = setInterval(check, 10);
    const subs = [session.onDidChangeState(check), session.onDidChangeStatus(check), session.onDidLog(check)];
  });
}

/** Resolves once `predicate` holds, checked on every change of the manager's sessions. */
export function untilSessions(manager: SessionManager, predicate: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  if (predicate()) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const subs = [manager.onDidChangeState(check), manager.onDidChangeStatus(check), manager.onDidChangeSessions(check)];
    const timer = setTimeout(() => {
      subs.forEach((s) => s.dispose());
      const now = manager.sessions.map((s) => `${s.label}=${s.status}/${s.process?.state ?? '-'} ${s.lastError?.message ?? ''}`).join(', ');
      reject(new Error(`timed out waiting for ${what}: ${now}`));
    }, timeoutMs);
    function check(): void {
      if (predicate()) {
        clearTimeout(timer);
        subs.forEach((s) => s.dispose());
        resolve();
      }
    }
  });
}

/**
 * What a test file makes and must not leave behind: temporary folders (removed) and Skaffold
 * processes (killed) when the file's tests are done. Call once, at the top of the file.
 */
export function scratch(prefix: string): { tempDir(): string; processes: SkaffoldProcess[] } {
  const dirs: string[] = [];
  const processes: SkaffoldProcess[] = [];
  after(async () => {
    for (const p of processes) {
      p.kill();
      await p.exited;
    }
    for (const dir of dirs) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return {
    processes,
    tempDir() {
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)));
      dirs.push(dir);
      return dir;
    },
  };
}
