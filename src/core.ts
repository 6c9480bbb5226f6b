/**
 * Wiring only, of everything activation does not need at once: the logger, settings,
 * sessions, launcher, the views' providers, status bar, tasks, problems and the commands'
 * handlers, in dependency order, each handed to `context.subscriptions`. A bundle of its own
 * (dist/core.js), loaded one macrotask after activation, or before that when VS Code first
 * asks a view for rows or runs a command (extension.ts). No network work happens before the
 * configured session connects, at the end.
 */
import * as vscode from 'vscode';
import type { SkaffoldExtensionExports } from '../api/vscode-skaffold.d';
import { ExtensionApi } from './api';
import { commandHandlers } from './commands/index';
import { CommandHandler } from './commands/run';
import { userExecutable } from './commands/executableConsent';
import { CommandId, TASK_TYPE } from './common/ids';
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
import { ProjectIndexes } from './views/project/projectIndexes';
import { SkaffoldCodeLens } from './views/project/codeLensProvider';
import { PendingWatcher } from './views/project/pendingWatcher';
import { EventLogFinder } from './views/project/eventLogFinder';
import { TimelinePanel } from './views/webview/timelinePanel';

/** The extension's internals that its own tests and benchmarks read (through activate()'s result). */
export interface SkaffoldInternals extends SkaffoldExtensionExports {
  /** The session at `skaffold.address`. */
  readonly session: SkaffoldSession;
  readonly manager: SessionManager;
  readonly launcher: Launcher;
  /** The tree data providers behind the views, read by the extension-host tests. */
  readonly views: { artifacts: ArtifactsView; resources: ResourcesView; ports: PortsView; history: HistoryView };
  readonly logs: LogChannels;
  readonly timeline: TimelinePanel;
  readonly statusBar: SkaffoldStatusBar;
  /** Changes not built yet, per session and artifact (auto build or sync off). */
  readonly pending: PendingWatcher;
}

/** The tree views activation made, by view, and where their real providers go. */
export interface ShellViews {
  readonly artifacts: ShellView;
  readonly resources: ShellView;
  readonly ports: ShellView;
  readonly history: ShellView;
}

export interface ShellView {
  readonly view: vscode.TreeView<unknown>;
  attach(provider: vscode.TreeDataProvider<unknown>): void;
}

export interface Core {
  readonly internals: SkaffoldInternals;
  /** Every command's handler, by id. */
  readonly commands: Readonly<Record<CommandId, CommandHandler>>;
  /** Stops the Skaffolds started from this window (waiting `stopMs` at most) and disposes the sessions. */
  teardown(stopMs: number): Promise<void>;
}

export function startCore(context: vscode.ExtensionContext, shell: ShellViews): Core {
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

  const configOf = (s: SkaffoldSession) => launcher.configOf(s);
  const indexes = new ProjectIndexes({ configOf });
  subs.push(indexes);
  // Files changed and not built yet while auto build (or sync) is off: one watcher, only then.
  const pending = new PendingWatcher({
    manager,
    logger,
    indexFor: async (s) => {
      const root = await indexes.rootConfig(s);
      return root ? indexes.index(root) : undefined;
    },
    onDidChangeIndexes: indexes.onDidChange,
  });
  subs.push(pending);

  const artifacts = new ArtifactsView(manager, pending);
  const resources = new ResourcesView(manager);
  const ports = new PortsView(manager);
  const logs = new LogChannels(manager, logger, settings);
  subs.push(logs);
  const history = new HistoryView(manager, (s, r) => logs.causeOf(s, r));
  subs.push(artifacts, resources, ports, history);
  shell.artifacts.attach(artifacts);
  shell.resources.attach(resources);
  shell.ports.attach(ports);
  shell.history.attach(history);
  subs.push(new SessionInfo(manager, [shell.artifacts.view, shell.resources.view, shell.ports.view, shell.history.view]));
  const statusBar = new SkaffoldStatusBar(manager, settings, pending);
  subs.push(statusBar);
  const timeline = new TimelinePanel(manager, (s) => logs.causesOf(s));
  subs.push(timeline);
  subs.push(new ProblemsProvider({ manager, logger, settings, indexes }));
  subs.push(new SkaffoldCodeLens({ manager, indexes, logger, settings, pending }));
  // The Explorer offers Open Skaffold Event Log… on the workspace's event logs only.
  subs.push(new EventLogFinder(logger));
  subs.push(new DebugAutoAttach(manager, settings, (node) => vscode.commands.executeCommand(CommandId.AttachDebugger, node)));
  subs.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new SkaffoldTaskProvider(launcher, context.workspaceState)));

  const commands = commandHandlers({
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
  });

  const api = new ExtensionApi(manager);
  subs.push(api);

  if (settings.value.autoConnect) {
    session.connect();
  }
  return {
    internals: { ...api.exports(), session, manager, launcher, views: { artifacts, resources, ports, history }, statusBar, logs, timeline, pending },
    commands,
    teardown: async (stopMs) => {
      logs.dispose();
      await launcher.stopAll(stopMs);
      manager.dispose();
    },
  };
}
