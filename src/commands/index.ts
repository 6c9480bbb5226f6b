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
import { CommandHandler, wrapCommand } from './run';
import { detach, dismiss, stop } from './sessions';
import { toggleAuto } from './toggleAuto';
import { attachDebugger } from './debug';
import { showContainerLogs, showOutput } from './logs';
import { openDocs } from './openDocs';
import { showTimeline } from './timeline';
import { exportSession, openEventLog } from './eventLog';
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
 * Every command's handler, wrapped (run.ts); the activation registers them (extension.ts).
 * Commands go through the sessions, never to gRPC directly. Commands run from a tree row get
 * the row (and so its session) as their first argument.
 */
export function commandHandlers({ manager, launcher, log, memory, warnings, configuredAddress, configOf, logs, timeline, refreshViews }: CommandDeps): Record<CommandId, CommandHandler> {
  const handlers: Record<CommandId, CommandHandler> = {
    [CommandId.Connect]: () => connect(manager.configured),
    [CommandId.Disconnect]: (node) => detach(manager, node),
    [CommandId.Build]: (node) => execute(manager, node, { build: true }),
    [CommandId.Sync]: (node) => execute(manager, node, { sync: true }),
    [CommandId.Deploy]: (node) => execute(manager, node, { deploy: true }),
    [CommandId.BuildAndDeploy]: (node) => execute(manager, node, { build: true, deploy: true }),
    [CommandId.ToggleAutoBuild]: (node) => toggleAuto(manager, node, 'build'),
    [CommandId.ToggleAutoSync]: (node) => toggleAuto(manager, node, 'sync'),
    [CommandId.ToggleAutoDeploy]: (node) => toggleAuto(manager, node, 'deploy'),
    [CommandId.ShowLog]: () => log.show(true),
    [CommandId.OpenPort]: (node) => openPort(manager, node),
    [CommandId.CopyPortUrl]: (node) => copyPortUrl(manager, node),
    [CommandId.Refresh]: async () => {
      await Promise.allSettled(manager.sessions.filter((s) => s.status === 'connected').map((s) => s.refresh()));
      refreshViews();
    },
    [CommandId.OpenSettings]: () => openSettings('@ext:vscode-skaffold.vscode-skaffold'),
    [CommandId.FocusView]: () => vscode.commands.executeCommand(`workbench.view.extension.${ViewId.Container}`),
    [CommandId.Dev]: (args) => launch(launcher, memory, 'dev', args),
    [CommandId.Debug]: (args) => launch(launcher, memory, 'debug', args),
    [CommandId.Run]: (args) => launch(launcher, memory, 'run', args),
    [CommandId.Stop]: (node) => stop(manager, launcher, node),
    [CommandId.Attach]: (arg) => attach(manager, configuredAddress(), arg, (address) => warnIfNotLoopback(warnings, address)),
    [CommandId.Dismiss]: (node) => dismiss(manager, launcher, node),
    [CommandId.ShowContainerLogs]: (node) => showContainerLogs(manager, logs, node),
    [CommandId.ShowOutput]: (node) => showOutput(manager, logs, node),
    [CommandId.AttachDebugger]: (node) => attachDebugger({ manager, configOf }, node),
    [CommandId.ShowTimeline]: (node) => showTimeline(manager, timeline, node),
    [CommandId.OpenEventLog]: (uri) => openEventLog(manager, logs, uri),
    [CommandId.ExportSession]: (node) => exportSession(manager, node),
    [CommandId.OpenDocs]: (url) => openDocs(url),
  };
  for (const id of Object.values(CommandId)) {
    handlers[id] = wrapCommand(id, log, handlers[id]);
  }
  return handlers;
}
