/**
 * Wiring only: build the logger, settings, sessions, launcher, views, status bar, tasks and
 * commands in dependency order and hand each to `context.subscriptions`. No network work
 * happens before activate returns: the configured session connects in the background.
 */
import * as vscode from 'vscode';
import type { SkaffoldExtensionExports } from '../api/vscode-skaffold.d';
import { ExtensionApi } from './api';
import { registerCommands } from './commands/index';
import { warnIfNotLoopback } from './commands/addressWarning';
import { userExecutable } from './commands/executableConsent';
import { CommandId, TASK_TYPE, ViewId } from './common/ids';
import { channelLogger } from './common/logger';
import { onDidChangeSettings, readSettings } from './common/settings';
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
  /** activate()'s own time, and from its start to the first state shown (ms). */
  readonly timings: { activateMs: number; firstStateMs?: number };
}

let teardown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): SkaffoldExtensionApi {
  const started = performance.now();
  const timings: { activateMs: number; firstStateMs?: number } = { activateMs: 0 };
  const subs = context.subscriptions;
  const log = vscode.window.createOutputChannel('Skaffold', { log: true });
  subs.push(log);
  const logger = channelLogger(log);
  let settings = readSettings();
  warnIfNotLoopback(context.globalState, settings.address);

  const manager = new SessionManager({ address: settings.address, logger, eventLogSize: settings.eventLogMaxEntries });
  subs.push(manager);
  const session = manager.configured;
  const launcher = new Launcher({
    manager,
    logger,
    isTrusted: () => vscode.workspace.isTrusted,
    executable: userExecutable,
    launchArgs: () => settings.launchArgs,
    stopTimeoutMs: () => settings.stopTimeoutSeconds * 1000,
  });
  subs.push(launcher);
  subs.push(new EventOutput(manager, log));

  const artifacts = new ArtifactsView(manager);
  const resources = new ResourcesView(manager);
  const ports = new PortsView(manager);
  const logs = new LogChannels(manager, logger, settings.logsMaxLines);
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
  const statusBar = new SkaffoldStatusBar(manager, settings.statusBarEnabled);
  subs.push(statusBar);
  const configOf = (s: SkaffoldSession) => launcher.configOf(s);
  const timeline = new TimelinePanel(manager, (s) => logs.causesOf(s));
  subs.push(timeline);
  // What nothing needs before the first connection is built one macrotask later, before that
  // connection starts (its timer is set below): activation returns sooner.
  let problems: ProblemsProvider | undefined;
  let autoAttach: DebugAutoAttach | undefined;
  setTimeout(() => {
    if (!teardown) {
      return; // deactivated already
    }
    const historyView = vscode.window.createTreeView(ViewId.History, { treeDataProvider: history, showCollapseAll: true });
    subs.push(historyView);
    info.addView(historyView);
    problems = new ProblemsProvider({ manager, logger, configOf, enabled: settings.problemsEnabled });
    subs.push(problems);
    autoAttach = new DebugAutoAttach(manager, settings.debugAutoAttach, (node) => vscode.commands.executeCommand(CommandId.AttachDebugger, node));
    subs.push(autoAttach);
    subs.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new SkaffoldTaskProvider(launcher, context.workspaceState)));
  }, 0);

  subs.push(...registerCommands({
    manager,
    launcher,
    log,
    memory: context.workspaceState,
    warnings: context.globalState,
    configuredAddress: () => settings.address,
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

  subs.push(onDidChangeSettings((next, changed) => {
    settings = next;
    if (changed.includes('address')) {
      log.info(`[settings] address -> ${next.address}`);
      warnIfNotLoopback(context.globalState, next.address);
      session.setAddress(next.address);
      if (next.autoConnect && session.status === 'disconnected') {
        session.connect();
      }
    }
    if (changed.includes('autoConnect') && next.autoConnect && session.status === 'disconnected') {
      session.connect();
    }
    if (changed.includes('statusBarEnabled')) {
      statusBar.setEnabled(next.statusBarEnabled);
    }
    if (changed.includes('eventLogMaxEntries')) {
      manager.setEventLogSize(next.eventLogMaxEntries);
    }
    if (changed.includes('problemsEnabled')) {
      problems?.setEnabled(next.problemsEnabled);
    }
    if (changed.includes('logsMaxLines')) {
      logs.setMaxLines(next.logsMaxLines);
    }
    if (changed.includes('debugAutoAttach')) {
      autoAttach?.setEnabled(next.debugAutoAttach);
    }
  }));

  const api = new ExtensionApi(manager);
  subs.push(api);

  if (settings.autoConnect) {
    // In the background: activation returns first.
    setTimeout(() => session.connect(), 0);
  }
  const firstState = session.onDidChangeState(() => {
    if (session.state.artifacts.size > 0) {
      timings.firstStateMs = performance.now() - started;
      firstState.dispose();
    }
  });
  subs.push(firstState);
  teardown = async () => {
    logs.dispose();
    launcher.dispose();
    manager.dispose();
  };
  timings.activateMs = performance.now() - started;
  return { ...api.exports(), session, manager, launcher, views: { artifacts, resources, ports, history }, statusBar, logs, timeline, timings };
}

export function deactivate(): Promise<void> | undefined {
  const t = teardown;
  teardown = undefined;
  return t?.();
}
