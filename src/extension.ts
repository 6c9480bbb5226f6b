/**
 * Wiring only: build the logger, settings, sessions, launcher, views, status bar, tasks and
 * commands in dependency order and hand each to `context.subscriptions`. Each component reads
 * and follows its own settings. No network work happens before activate returns: the
 * configured session connects in the background. deactivate() waits (a few seconds at most)
 * for the Skaffolds started from this window to stop and clean up.
 */
import * as vscode from 'vscode';
import type { SkaffoldExtensionExports } from '../api/vscode-skaffold.d';
import { ExtensionApi } from './api';
import { registerCommands } from './commands/index';
import { userExecutable } from './commands/executableConsent';
import { CommandId, TASK_TYPE, ViewId } from './common/ids';
import { channelLogger } from './common/logger';
import { LiveSettings } from './common/settings';
import { followSessionSettings } from './sessionSettings';
import { Launcher } from './skaffold/launch/launcher';
import { SkaffoldSession } from './skaffold/session/session';
import { SessionManager } from './skaffold/session/sessionManager';
import { SkaffoldTaskProvider } from './tasks/skaffoldTasks';
import { ArtifactsView } from './views/trees/artifactsView';
import { EventOutput } from './views/output/eventOutput';
import { PortsView } from './views/trees/portsView';
import { ResourcesView } from './views/trees/resourcesView';
import { SessionInfo } from './views/sessionInfo';
import { SkaffoldStatusBar } from './views/statusBar';
import { DebugAutoAttach } from './views/debug/debugAutoAttach';
import { HistoryView } from './views/trees/historyView';
import { LogChannels } from './views/output/logChannels';
import { ProblemsProvider } from './views/problems/problemsProvider';
import { TimelinePanel } from './views/webview/timelinePanel';

/** What activate() returns: the public API (`getApi`), and internals this extension's own tests read. */
export interface SkaffoldExtensionApi extends SkaffoldExtensionExports {
  /** The session at `skaffold.address`. */
  readonly session: SkaffoldSession;
  readonly manager: SessionManager;
  readonly launcher: Launcher;
  /** The tree data providers behind the views, read by the extension-host tests. */
  readonly views: { artifacts: ArtifactsView; resources: ResourcesView; ports: PortsView; history: HistoryView };
  readonly logs: LogChannels;
  readonly timeline: TimelinePanel;
  readonly statusBar: SkaffoldStatusBar;
}

/** How long closing the window waits for the Skaffolds it started to clean up and exit. */
const STOP_ON_CLOSE_MS = 4000;

let teardown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): SkaffoldExtensionApi {
  const subs = context.subscriptions;
  const log = vscode.window.createOutputChannel('Skaffold', { log: true });
  subs.push(log);
  const logger = channelLogger(log);
  const settings = new LiveSettings();
  subs.push(settings);

  const manager = new SessionManager({ address: settings.value.address, logger, eventLogSize: settings.value.eventLogMaxEntries });
  subs.push(manager);
  subs.push(followSessionSettings(manager, settings, context.globalState, logger));
  const session = manager.configured;
  const launcher = new Launcher({
    manager,
    logger,
    isTrusted: () => vscode.workspace.isTrusted,
    executable: userExecutable,
    launchArgs: () => settings.value.launchArgs,
    stopTimeoutMs: () => settings.value.stopTimeoutSeconds * 1000,
  });
  subs.push(launcher);
  subs.push(new EventOutput(manager, log));

  const artifacts = new ArtifactsView(manager);
  const resources = new ResourcesView(manager);
  const ports = new PortsView(manager);
  const logs = new LogChannels(manager, logger, settings);
  subs.push(logs);
  const history = new HistoryView(manager, (s, r) => logs.causeOf(s, r));
  subs.push(artifacts, resources, ports, history);
  const views = [
    vscode.window.createTreeView(ViewId.Artifacts, { treeDataProvider: artifacts, showCollapseAll: true }),
    vscode.window.createTreeView(ViewId.Resources, { treeDataProvider: resources, showCollapseAll: true }),
    vscode.window.createTreeView(ViewId.Ports, { treeDataProvider: ports }),
  ];
  subs.push(...views);
  const info = new SessionInfo(manager, views as vscode.TreeView<unknown>[]);
  subs.push(info);
  const statusBar = new SkaffoldStatusBar(manager, settings);
  subs.push(statusBar);
  const configOf = (s: SkaffoldSession) => launcher.configOf(s);
  const timeline = new TimelinePanel(manager, (s) => logs.causesOf(s));
  subs.push(timeline);
  // What nothing needs before the first connection is built one macrotask later, before that
  // connection starts (its timer is set below): activation returns sooner.
  setTimeout(() => {
    if (!teardown) {
      return; // deactivated already
    }
    const historyView = vscode.window.createTreeView(ViewId.History, { treeDataProvider: history, showCollapseAll: true });
    subs.push(historyView);
    info.addView(historyView);
    subs.push(new ProblemsProvider({ manager, logger, configOf, settings }));
    subs.push(new DebugAutoAttach(manager, settings, (node) => vscode.commands.executeCommand(CommandId.AttachDebugger, node)));
    subs.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new SkaffoldTaskProvider(launcher, context.workspaceState)));
  }, 0);

  subs.push(...registerCommands({
    manager,
    launcher,
    log,
    memory: context.workspaceState,
    warnings: context.globalState,
    configuredAddress: () => settings.value.address,
    configOf,
    logs,
    timeline,
    refreshViews: () => {
      artifacts.refresh();
      resources.refresh();
      ports.refresh();
      history.refresh();
    },
  }));

  const api = new ExtensionApi(manager);
  subs.push(api);

  if (settings.value.autoConnect) {
    // In the background: activation returns first.
    setTimeout(() => session.connect(), 0);
  }
  teardown = async () => {
    logs.dispose();
    await launcher.stopAll(STOP_ON_CLOSE_MS);
    manager.dispose();
  };
  return { ...api.exports(), session, manager, launcher, views: { artifacts, resources, ports, history }, statusBar, logs, timeline };
}

export function deactivate(): Promise<void> | undefined {
  const t = teardown;
  teardown = undefined;
  return t?.();
}
