import * as path from 'path';
import * as vscode from 'vscode';
import { buildDebugConfiguration, debugExtensionFor, resolveDebugTarget, runtimeLabel } from '../skaffold/debug/debugConfig';
import { DebugContainerState } from '../skaffold/state/model';
import { oneLine, Width } from '../skaffold/base/text';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';
import { sessionOfNode } from './pickSession';

interface DebugArg {
  kind?: unknown;
  key?: unknown;
}

export interface DebugDeps {
  manager: SessionManager;
  /** The skaffold.yaml a session started from VS Code runs: sources are mapped from its folder. */
  configOf(session: SkaffoldSession): string | undefined;
}

/** The container of a tree row, else the one the user picks among the debuggable ones. */
async function pickContainer(manager: SessionManager, node: unknown): Promise<{ session: SkaffoldSession; container: DebugContainerState } | undefined> {
  const arg = node as DebugArg | undefined;
  const fromNode = sessionOfNode(manager, node);
  if (fromNode && arg?.kind === 'debug' && typeof arg.key === 'string') {
    const container = fromNode.state.debugContainers.get(arg.key);
    return container ? { session: fromNode, container } : undefined;
  }
  const sessions = fromNode ? [fromNode] : manager.shown;
  const all = sessions.flatMap((session) => [...session.state.debugContainers.values()]
    .filter((c) => c.status !== 'Terminated')
    .map((container) => ({ session, container })));
  if (all.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No container is set up for debugging. Start Skaffold with skaffold debug to debug your containers.'));
    return undefined;
  }
  if (all.length === 1) {
    return all[0];
  }
  const picked = await vscode.window.showQuickPick(
    all.map((entry) => ({
      label: oneLine(entry.container.containerName ?? entry.container.key, Width.name),
      description: [runtimeLabel(entry.container.runtime), oneLine(entry.container.podName, Width.name), manager.shown.length > 1 ? oneLine(entry.session.label, Width.label) : undefined].filter(Boolean).join(' · '),
      entry,
    })),
    { placeHolder: vscode.l10n.t('Container to debug') },
  );
  return picked?.entry;
}

/** Where the sources are on this side: the folder of the session's skaffold.yaml, else the workspace folder. */
function localRootOf(deps: DebugDeps, session: SkaffoldSession): { localRoot: string; folder?: vscode.WorkspaceFolder } {
  const config = deps.configOf(session);
  if (config) {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(config));
    return { localRoot: path.dirname(config), folder };
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return { localRoot: folder?.uri.fsPath ?? process.cwd(), folder };
}

/**
 * Starts a debug session attached to a container `skaffold debug` prepared, through the
 * local end of its forwarded debug port, with the sources mapped to its working directory.
 */
export async function attachDebugger(deps: DebugDeps, node?: unknown): Promise<boolean> {
  const picked = await pickContainer(deps.manager, node);
  if (!picked) {
    return false;
  }
  const { session, container } = picked;
  const target = resolveDebugTarget(container, session.state.ports.values());
  if (!target.ok) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Cannot attach to {0}: {1}', oneLine(container.containerName ?? container.key, Width.name), target.reason));
    return false;
  }
  const extension = debugExtensionFor(target.runtime);
  if (extension.extensionId && !vscode.extensions.getExtension(extension.extensionId)) {
    const install = vscode.l10n.t('Show Extension');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Debugging {0} needs the {1} extension.', runtimeLabel(target.runtime), extension.displayName),
      install,
    );
    if (answer === install) {
      await vscode.commands.executeCommand('workbench.extensions.search', extension.extensionId);
    }
    return false;
  }
  const { localRoot, folder } = localRootOf(deps, session);
  const configuration = buildDebugConfiguration(container, target, { localRoot });
  const started = await vscode.debug.startDebugging(folder, configuration as vscode.DebugConfiguration);
  if (!started) {
    void vscode.window.showWarningMessage(vscode.l10n.t('VS Code did not start the debugger for {0} (localhost:{1}).', oneLine(container.containerName ?? container.key, Width.name), target.localPort));
  }
  return started;
}
