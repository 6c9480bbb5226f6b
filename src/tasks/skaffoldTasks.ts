import * as path from 'path';
import * as vscode from 'vscode';
import { TASK_TYPE } from '../common/ids';
import { LaunchCommand, LaunchError } from '../skaffold/launch/process';
import { Launcher } from '../skaffold/launch/launcher';
import { SkaffoldSession } from '../skaffold/session/session';
import { LaunchTerminal } from '../views/output/launchTerminal';
import { chooseExecutable } from '../commands/executableConsent';

/** A `tasks.json` entry: `{ "type": "skaffold", "command": "dev", "profiles": ["local"] }`. */
export interface SkaffoldTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  command: LaunchCommand;
  /** The skaffold.yaml, relative to the workspace folder (default skaffold.yaml). */
  file?: string;
  profiles?: string[];
  modules?: string[];
  /** A fixed --rpc-port (default: a free port). */
  rpcPort?: number;
  /** Arguments after ours (default: skaffold.launch.args). */
  args?: string[];
}

const COMMANDS: LaunchCommand[] = ['dev', 'debug', 'run'];

/**
 * Tasks of type `skaffold`: dev / debug / run for each skaffold.yaml, and any written in
 * tasks.json. Each runs Skaffold with an RPC port and is followed as a session; ending the
 * task stops Skaffold gracefully.
 */
export class SkaffoldTaskProvider implements vscode.TaskProvider {
  constructor(private readonly launcher: Launcher, private readonly memory: vscode.Memento) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const files = await vscode.workspace.findFiles('**/skaffold.{yaml,yml}', '**/{node_modules,.git,vendor}/**', 20);
    const tasks: vscode.Task[] = [];
    for (const file of files) {
      const folder = vscode.workspace.getWorkspaceFolder(file);
      if (!folder) {
        continue;
      }
      const relative = path.relative(folder.uri.fsPath, file.fsPath).split(path.sep).join('/');
      for (const command of COMMANDS) {
        tasks.push(this.task({ type: TASK_TYPE, command, ...(relative === 'skaffold.yaml' ? {} : { file: relative }) }, folder));
      }
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const d = task.definition as SkaffoldTaskDefinition;
    if (!COMMANDS.includes(d.command)) {
      return undefined;
    }
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    return folder ? this.task(d, folder, task.name) : undefined;
  }

  private task(definition: SkaffoldTaskDefinition, folder: vscode.WorkspaceFolder, name?: string): vscode.Task {
    const title = name ?? `${definition.command}${definition.file ? ` ${definition.file}` : ''}`;
    const task = new vscode.Task(definition, folder, title, TASK_TYPE, new vscode.CustomExecution(async (resolved) => this.execution(resolved as SkaffoldTaskDefinition, folder)));
    task.isBackground = definition.command !== 'run';
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated };
    return task;
  }

  private async execution(d: SkaffoldTaskDefinition, folder: vscode.WorkspaceFolder): Promise<vscode.Pseudoterminal> {
    const file = path.resolve(folder.uri.fsPath, d.file ?? 'skaffold.yaml');
    const base = path.basename(file);
    try {
      const executable = await chooseExecutable(this.memory, vscode.Uri.file(file));
      if (executable === undefined) {
        return failedTerminal(vscode.l10n.t('Not started: this workspace\'s skaffold.executable was not allowed.'));
      }
      const prepared = await this.launcher.prepare({
        executable,
        command: d.command,
        cwd: path.dirname(file),
        filename: base === 'skaffold.yaml' ? undefined : base,
        profiles: strings(d.profiles),
        modules: strings(d.modules),
        rpcPort: typeof d.rpcPort === 'number' ? d.rpcPort : undefined,
        args: d.args === undefined ? undefined : strings(d.args),
      });
      let session: SkaffoldSession | undefined;
      const pty: LaunchTerminal = new LaunchTerminal({
        commandLine: prepared.commandLine,
        closeOnExit: true,
        stop: () => session && void this.launcher.stop(session),
        // The task's terminal is ready: only now does Skaffold start.
        onOpen: () => {
          const started = this.launcher.start(prepared);
          session = started.session;
          pty.attach(started.process);
        },
      });
      return pty;
    } catch (err) {
      return failedTerminal(err instanceof LaunchError ? err.message : String(err));
    }
  }
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** A task terminal that only says why the task could not start, then ends with code 1. */
function failedTerminal(message: string): vscode.Pseudoterminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number>();
  return {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      write.fire(`\x1b[31m${message.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n`);
      close.fire(1);
    },
    close: () => {
      write.dispose();
      close.dispose();
    },
  };
}
