/**
 * Wiring only: build the logger, settings, session, views, status bar and commands in
 * dependency order and hand each to `context.subscriptions`. No network work happens
 * before activate returns: the session connects in the background.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { ViewId } from './common/ids';
import { channelLogger } from './common/logger';
import { onDidChangeSettings, readSettings } from './common/settings';
import { SkaffoldSession } from './skaffold/session';
import { ArtifactsView } from './views/artifactsView';
import { EventOutput } from './views/eventOutput';
import { PortsView } from './views/portsView';
import { ResourcesView } from './views/resourcesView';
import { SessionInfo } from './views/sessionInfo';
import { SkaffoldStatusBar } from './views/statusBar';

export interface SkaffoldExtensionApi {
  /** The session the views show (for tests and other extensions). */
  readonly session: SkaffoldSession;
  /** The tree data providers behind the views, read by the extension-host tests. */
  readonly views: { artifacts: ArtifactsView; resources: ResourcesView; ports: PortsView };
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
  let settings = readSettings();

  const session = new SkaffoldSession({ address: settings.address, logger: channelLogger(log), eventLogSize: settings.eventLogMaxEntries });
  subs.push(session);
  subs.push(new EventOutput(session, log));

  const artifacts = new ArtifactsView(session);
  const resources = new ResourcesView(session);
  const ports = new PortsView(session);
  subs.push(artifacts, resources, ports);
  const views = [
    vscode.window.createTreeView(ViewId.Artifacts, { treeDataProvider: artifacts, showCollapseAll: true }),
    vscode.window.createTreeView(ViewId.Resources, { treeDataProvider: resources, showCollapseAll: true }),
    vscode.window.createTreeView(ViewId.Ports, { treeDataProvider: ports }),
  ];
  subs.push(...views);
  subs.push(new SessionInfo(session, views as vscode.TreeView<unknown>[]));
  const statusBar = new SkaffoldStatusBar(session, settings.statusBarEnabled);
  subs.push(statusBar);

  subs.push(...registerCommands({
    session,
    log,
    refreshViews: () => {
      artifacts.refresh();
      resources.refresh();
      ports.refresh();
    },
  }));

  subs.push(onDidChangeSettings((next, changed) => {
    settings = next;
    if (changed.includes('address')) {
      log.info(`[settings] address -> ${next.address}`);
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
      session.setEventLogSize(next.eventLogMaxEntries);
    }
  }));

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
  teardown = async () => session.dispose();
  timings.activateMs = performance.now() - started;
  return { session, views: { artifacts, resources, ports }, statusBar, timings };
}

export function deactivate(): Promise<void> | undefined {
  const t = teardown;
  teardown = undefined;
  return t?.();
}
