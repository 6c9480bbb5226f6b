/** Builders of LogEntries as Skaffold sends them, for reducer and session tests. */
import { after } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SkaffoldProcess } from '../../src/skaffold/launch/process';
import { Event, LogEntry } from '../../src/skaffold/wire/protocol';
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
