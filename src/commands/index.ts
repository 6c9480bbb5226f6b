import * as vscode from 'vscode';
import { CommandId, ViewId } from '../common/ids';
import { SkaffoldSession } from '../skaffold/session';
import { connect } from './connect';
import { execute } from './execute';
import { copyPortUrl, openPort } from './ports';
import { registerCommand } from './run';
import { toggleAuto } from './toggleAuto';

export interface CommandDeps {
  session: SkaffoldSession;
  log: vscode.LogOutputChannel;
  /** Refreshes every view at once, bypassing coalescing. */
  refreshViews(): void;
}

/** Every contributed command; commands go through the session, never to gRPC directly. */
export function registerCommands({ session, log, refreshViews }: CommandDeps): vscode.Disposable[] {
  const r = (id: CommandId, handler: (...args: unknown[]) => unknown) => registerCommand(id, log, handler);
  return [
    r(CommandId.Connect, () => connect(session)),
    r(CommandId.Disconnect, () => session.disconnect()),
    r(CommandId.Build, () => execute(session, { build: true })),
    r(CommandId.Sync, () => execute(session, { sync: true })),
    r(CommandId.Deploy, () => execute(session, { deploy: true })),
    r(CommandId.BuildAndDeploy, () => execute(session, { build: true, deploy: true })),
    r(CommandId.ToggleAutoBuild, () => toggleAuto(session, 'build')),
    r(CommandId.ToggleAutoSync, () => toggleAuto(session, 'sync')),
    r(CommandId.ToggleAutoDeploy, () => toggleAuto(session, 'deploy')),
    r(CommandId.ShowLog, () => log.show(true)),
    r(CommandId.OpenPort, (node) => openPort(session, node)),
    r(CommandId.CopyPortUrl, (node) => copyPortUrl(session, node)),
    r(CommandId.Refresh, async () => {
      if (session.status === 'connected') {
        await session.refresh();
      }
      refreshViews();
    }),
    r(CommandId.OpenSettings, () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:vscode-skaffold.vscode-skaffold')),
    r(CommandId.FocusView, () => vscode.commands.executeCommand(`workbench.view.extension.${ViewId.Container}`)),
  ];
}
