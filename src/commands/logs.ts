import * as vscode from 'vscode';
import { ContainerInfo } from '../skaffold/streams/containerLogs';
import { oneLine, Width } from '../skaffold/base/text';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { LogChannels } from '../views/output/logChannels';
import { pickSession, sessionOfNode } from './pickSession';

/** What the commands read of a tree row (or of a quick fix's argument). */
interface RowArg {
  kind?: unknown;
  name?: unknown;
  key?: unknown;
  phase?: unknown;
  iteration?: unknown;
}

/** The v2 task name of each phase the views and problems name. */
const TASK_OF_PHASE: Record<string, string> = {
  build: 'Build',
  sync: 'Sync',
  fileSync: 'Sync',
  deploy: 'Deploy',
  statusCheck: 'StatusCheck',
  test: 'Test',
  devLoop: 'DevLoop',
};

async function sessionFor(manager: SessionManager, node: unknown): Promise<SkaffoldSession | undefined> {
  return sessionOfNode(manager, node) ?? pickSession(manager, node, {
    filter: (s) => s.status === 'connected' || s.state.artifacts.size > 0,
    placeHolder: vscode.l10n.t('Session'),
    none: vscode.l10n.t('No Skaffold session: start or attach to one first.'),
  });
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** The containers a row stands for: a pod's, an owner's pods', an artifact's, a debugging container. */
export function containersOf(session: SkaffoldSession, all: ContainerInfo[], node: unknown): ContainerInfo[] {
  const arg = (node ?? {}) as RowArg;
  const name = typeof arg.name === 'string' ? arg.name : undefined;
  if (arg.kind === 'debug' && typeof arg.key === 'string') {
    const c = session.state.debugContainers.get(arg.key);
    return all.filter((x) => x.pod === c?.podName && (c.containerName === undefined || x.container === c.containerName));
  }
  if (arg.kind === 'resource' && name) {
    const short = shortName(name);
    if (/^(\w+:)?pods?\//i.test(name)) {
      return all.filter((x) => x.pod === short);
    }
    // An owner (deployment/app): the pods named after it.
    return all.filter((x) => x.pod === short || x.pod.startsWith(`${short}-`));
  }
  if (arg.kind === 'artifact' && name) {
    const debugged = [...session.state.debugContainers.values()].filter((c) => c.artifact === name || c.artifact?.startsWith(`${name}:`));
    const byDebug = all.filter((x) => debugged.some((c) => c.podName === x.pod && c.containerName === x.container));
    if (byDebug.length > 0) {
      return byDebug;
    }
    // Without `skaffold debug`'s word on it, the container named like the image (example/app → app).
    const byName = all.filter((x) => x.container === shortName(name));
    return byName.length > 0 ? byName : all;
  }
  return all;
}

/**
 * Shows a container's logs, as this extension kept them across dev-loop iterations (Skaffold
 * keeps only the current one's), then live: the row's container, or one the user picks.
 */
export async function showContainerLogs(manager: SessionManager, channels: LogChannels, node?: unknown): Promise<vscode.OutputChannel | undefined> {
  const session = await sessionFor(manager, node);
  if (!session) {
    return undefined;
  }
  if (session.origin === 'file') {
    void vscode.window.showInformationMessage(vscode.l10n.t('An event log holds no container logs: Skaffold\'s own output is under Show Skaffold Output.'));
    return undefined;
  }
  const logs = channels.of(session);
  const all = logs.logs.containers();
  if (logs.supported === false && all.length === 0) {
    void vscode.window.showWarningMessage(logs.unsupportedReason ?? vscode.l10n.t('This Skaffold does not send container logs.'));
    return undefined;
  }
  const candidates = containersOf(session, all, node);
  if (candidates.length === 0) {
    const name = typeof (node as RowArg | undefined)?.name === 'string' ? oneLine((node as RowArg).name as string, Width.name) : undefined;
    void vscode.window.showInformationMessage(name
      ? vscode.l10n.t('No logs from {0} yet: Skaffold sends them while its containers run.', name)
      : vscode.l10n.t('No container logs yet: Skaffold sends them once your application runs.'));
    return undefined;
  }
  let chosen = candidates[0];
  if (candidates.length > 1) {
    const picked = await vscode.window.showQuickPick(
      candidates.map((c) => ({ label: oneLine(c.container, Width.name), description: `${oneLine(c.pod, Width.name)} · ${vscode.l10n.t('{0} lines', c.lineCount)}`, c })),
      { placeHolder: vscode.l10n.t('Container whose logs to show') },
    );
    if (!picked) {
      return undefined;
    }
    chosen = picked.c;
  }
  return channels.showContainer(session, chosen.key);
}

/**
 * Shows Skaffold's own output (its v2 log events) for a row: an artifact's last build, a
 * phase's last run, an iteration's phases; from the palette, a task the user picks.
 */
export async function showOutput(manager: SessionManager, channels: LogChannels, node?: unknown): Promise<vscode.OutputChannel | undefined> {
  const session = await sessionFor(manager, node);
  if (!session) {
    return undefined;
  }
  const logs = channels.of(session);
  const store = logs.output;
  const arg = (node ?? {}) as RowArg;
  const name = typeof arg.name === 'string' ? arg.name : undefined;
  let tasks: string[] = [];
  let subtask: string | undefined;
  if (arg.kind === 'artifact' && name) {
    const task = store.latestTask('Build', name);
    tasks = task ? [task] : [];
    subtask = name;
  } else if ((arg.kind === 'phase' || arg.kind === 'iterationPhase') && typeof arg.phase === 'string' && TASK_OF_PHASE[arg.phase]) {
    const prefix = TASK_OF_PHASE[arg.phase];
    const task = typeof arg.iteration === 'number' ? `${prefix}-${arg.iteration + 1}` : store.latestTask(prefix);
    tasks = task && store.tasks().some((t) => t.id === task) ? [task] : [];
  } else if (arg.kind === 'iteration' && typeof arg.iteration === 'number') {
    // v2 counts iterations from 1, v1 (the history's numbers) from 0.
    const v2 = arg.iteration + 1;
    tasks = store.tasks().filter((t) => t.iteration === v2).sort((a, b) => (a.firstAt ?? 0) - (b.firstAt ?? 0)).map((t) => t.id);
  } else {
    const all = store.tasks().filter((t) => t.lineCount > 0).reverse();
    if (all.length > 0) {
      const picked = await vscode.window.showQuickPick(
        all.map((t) => ({ label: oneLine(t.id, Width.code), description: [t.status ? oneLine(t.status, Width.status) : undefined, vscode.l10n.t('{0} lines', t.lineCount)].filter(Boolean).join(' · '), detail: t.error ? oneLine(t.error, Width.line) : undefined, id: t.id })),
        { placeHolder: vscode.l10n.t('Skaffold task whose output to show') },
      );
      if (!picked) {
        return undefined;
      }
      tasks = [picked.id];
    }
  }
  if (tasks.length === 0) {
    void vscode.window.showInformationMessage(logs.outputSupported === false
      ? logs.unsupportedReason ?? vscode.l10n.t('This Skaffold does not send its output over its API (Skaffold v2 does).')
      : name
        ? vscode.l10n.t('Skaffold has not sent any output for {0} yet.', oneLine(name, Width.name))
        : vscode.l10n.t('Skaffold has not sent any output for this yet.'));
    return undefined;
  }
  return channels.showOutput(session, tasks, subtask);
}
