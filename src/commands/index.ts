import * as vscode from 'vscode';
import { CommandId, ViewId } from '../common/ids';
import { openSettings } from '../common/openSettings';
import { Launcher } from '../skaffold/launch/launcher';
import { SessionManager } from '../skaffold/session/sessionManager';
import { warnIfNotLoopback } from './addressWarning';
import { attach } from './attach';
import { connect } from './connect';
import { execute } from './execute';
import { launch } from './launch';
import { copyPortUrl, openPort } from './ports';
import { registerCommand } from './run';
import { detach, dismiss, stop } from './sessions';
import { toggleAuto } from './toggleAuto';
import { attachDebugger } from './debug';
import { showContainerLogs, showOutput } from './logs';
import { openDocs } from './openDocs';
import { showTimeline } from './timeline';
import { SkaffoldSession } from '../skaffold/session/session';
import { LogChannels } from '../views/output/logChannels';
import { TimelinePanel } from '../views/webview/timelinePanel';

export interface CommandDeps {
  manager: SessionManager;
  launcher: Launcher;
  log: vscode.LogOutputChannel;
  /** Remembers launch choices (profiles, modules) per skaffold.yaml, and consents, per workspace. */
  memory: vscode.Memento;
  /** Remembers, across windows, the addresses already warned about. */
  warnings: vscode.Memento;
  /** The skaffold.address setting now. */
  configuredAddress(): string;
  /** The skaffold.yaml a session started from VS Code runs. */
  configOf(session: SkaffoldSession): string | undefined;
  logs: LogChannels;
  timeline: TimelinePanel;
  /** Refreshes every view at once, bypassing coalescing. */
  refreshViews(): void;
}

/**
 * Every contributed command; commands go through the sessions, never to gRPC directly.
 * Commands run from a tree row get the row (and so its session) as their first argument.
 */
export function registerCommands({ manager, launcher, log, memory, warnings, configuredAddress, configOf, logs, timeline, refreshViews }: CommandDeps): vscode.Disposable[] {
  const r = (id: CommandId, handler: (...args: unknown[]) => unknown) => registerCommand(id, log, handler);
  return [
    r(CommandId.Connect, () => connect(manager.configured)),
    r(CommandId.Disconnect, (node) => detach(manager, node)),
    r(CommandId.Build, (node) => execute(manager, node, { build: true })),
    r(CommandId.Sync, (node) => execute(manager, node, { sync: true })),
    r(CommandId.Deploy, (node) => execute(manager, node, { deploy: true })),
    r(CommandId.BuildAndDeploy, (node) => execute(manager, node, { build: true, deploy: true })),
    r(CommandId.ToggleAutoBuild, (node) => toggleAuto(manager, node, 'build')),
    r(CommandId.ToggleAutoSync, (node) => toggleAuto(manager, node, 'sync')),
    r(CommandId.ToggleAutoDeploy, (node) => toggleAuto(manager, node, 'deploy')),
    r(CommandId.ShowLog, () => log.show(true)),
    r(CommandId.OpenPort, (node) => openPort(manager, node)),
    r(CommandId.CopyPortUrl, (node) => copyPortUrl(manager, node)),
    r(CommandId.Refresh, async () => {
      await Promise.allSettled(manager.sessions.filter((s) => s.status === 'connected').map((s) => s.refresh()));
      refreshViews();
    }),
    r(CommandId.OpenSettings, () => openSettings('@ext:vscode-skaffold.vscode-skaffold')),
    r(CommandId.FocusView, () => vscode.commands.executeCommand(`workbench.view.extension.${ViewId.Container}`)),
    r(CommandId.Dev, (args) => launch(launcher, memory, 'dev', args)),
    r(CommandId.Debug, (args) => launch(launcher, memory, 'debug', args)),
    r(CommandId.Run, (args) => launch(launcher, memory, 'run', args)),
    r(CommandId.Stop, (node) => stop(manager, launcher, node)),
    r(CommandId.Attach, (arg) => attach(manager, configuredAddress(), arg, (address) => warnIfNotLoopback(warnings, address))),
    r(CommandId.Dismiss, (node) => dismiss(manager, launcher, node)),
    r(CommandId.ShowContainerLogs, (node) => showContainerLogs(manager, logs, node)),
    r(CommandId.ShowOutput, (node) => showOutput(manager, logs, node)),
    r(CommandId.AttachDebugger, (node) => attachDebugger({ manager, configOf }, node)),
    r(CommandId.ShowTimeline, (node) => showTimeline(manager, timeline, node)),
    r(CommandId.OpenDocs, (url) => openDocs(url)),
  ];
}
