import * as path from 'path';
import * as vscode from 'vscode';
import { openSettings } from '../common/openSettings';
import { LaunchCommand, LaunchError } from '../skaffold/launch/process';
import { LaunchRequest, Launcher, PreparedLaunch } from '../skaffold/launch/launcher';
import { SkaffoldSession } from '../skaffold/session/session';
import { LaunchTerminal } from '../views/output/launchTerminal';
import { chooseExecutable } from './executableConsent';

/** What `skaffold.dev` and friends accept instead of asking: from a task, a test or another extension. */
export interface LaunchArgs {
  /** The skaffold.yaml (a path or a file Uri, as the explorer passes it). */
  file?: string | vscode.Uri;
  profiles?: string[];
  modules?: string[];
}

const CONFIG_GLOB = '**/skaffold.{yaml,yml}';
const EXCLUDE_GLOB = '**/{node_modules,.git,vendor}/**';

/**
 * Reports a launch that cannot happen with the action that fixes it: set the executable's
 * path, or manage workspace trust. Does not wait for the user: the command ends at once.
 */
export function reportLaunchError(err: unknown): void {
  if (!(err instanceof LaunchError)) {
    throw err;
  }
  if (err.kind === 'notFound') {
    const setPath = vscode.l10n.t('Set Path');
    void vscode.window.showErrorMessage(err.message, setPath).then((choice) => choice === setPath && openSettings('skaffold.executable'));
  } else if (err.kind === 'untrusted') {
    const manage = vscode.l10n.t('Manage Workspace Trust');
    void vscode.window.showWarningMessage(err.message, manage).then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  } else {
    void vscode.window.showErrorMessage(err.message);
  }
}

/** `skaffold dev|debug|run` in a terminal, followed as a session. Undefined when cancelled or refused. */
export async function launch(launcher: Launcher, memory: vscode.Memento, command: LaunchCommand, args?: unknown): Promise<SkaffoldSession | undefined> {
  try {
    launcher.assertTrusted();
    const asked = await askRequest(memory, command, args);
    if (!asked) {
      return undefined;
    }
    const executable = await chooseExecutable(memory, asked.file);
    if (executable === undefined) {
      return undefined; // the user did not allow the workspace's executable
    }
    const prepared = await launcher.prepare({ ...asked.request, executable });
    return startInTerminal(launcher, prepared).session;
  } catch (err) {
    reportLaunchError(err);
    return undefined;
  }
}

/** Starts a prepared launch with its output in a terminal the user sees. */
export function startInTerminal(launcher: Launcher, prepared: PreparedLaunch): { session: SkaffoldSession; terminal: vscode.Terminal } {
  // Output arrives asynchronously: following the process right after it starts loses none.
  const { session, process } = launcher.start(prepared);
  const pty = new LaunchTerminal({ commandLine: prepared.commandLine, stop: () => void launcher.stop(session) });
  pty.attach(process);
  const terminal = vscode.window.createTerminal({ name: `Skaffold ${prepared.label}`, pty, iconPath: new vscode.ThemeIcon('rocket'), isTransient: true });
  terminal.show(true);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: starting {0}', prepared.label), 3000);
  return { session, terminal };
}

function argsOf(args: unknown): LaunchArgs {
  if (args instanceof vscode.Uri) {
    return { file: args };
  }
  return typeof args === 'object' && args !== null ? args as LaunchArgs : {};
}

/** Which skaffold.yaml, profiles and modules: from the arguments, else asked (the last answer preselected). */
async function askRequest(memory: vscode.Memento, command: LaunchCommand, rawArgs: unknown): Promise<{ request: LaunchRequest; file: vscode.Uri } | undefined> {
  const args = argsOf(rawArgs);
  const file = args.file ? (typeof args.file === 'string' ? vscode.Uri.file(args.file) : args.file) : await pickConfigFile();
  if (!file) {
    return undefined;
  }
  const key = `launch:${file.toString()}`;
  const remembered = memory.get<{ profiles?: string[]; modules?: string[] }>(key) ?? {};
  let { profiles, modules } = args;
  if (profiles === undefined || modules === undefined) {
    // The YAML parser loads at the first launch, not at activation.
    const { moduleNames, parseSkaffoldConfig, profileNames } = await import('../skaffold/project/skaffoldConfig');
    const summary = parseSkaffoldConfig(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
    if (profiles === undefined) {
      profiles = await pickMany(profileNames(summary), remembered.profiles, vscode.l10n.t('Profiles to activate (none: the default configuration)'));
      if (!profiles) {
        return undefined;
      }
    }
    if (modules === undefined) {
      const names = moduleNames(summary);
      modules = names.length > 1 ? await pickMany(names, remembered.modules, vscode.l10n.t('Modules to run (none: all of them)')) : [];
      if (!modules) {
        return undefined;
      }
    }
    await memory.update(key, { profiles, modules });
  }
  const cwd = path.dirname(file.fsPath);
  const base = path.basename(file.fsPath);
  return { request: { command, cwd, filename: base === 'skaffold.yaml' ? undefined : base, profiles, modules }, file };
}

async function pickConfigFile(): Promise<vscode.Uri | undefined> {
  if (!vscode.workspace.workspaceFolders?.length) {
    throw new LaunchError('invalid', vscode.l10n.t('Open the folder of a Skaffold project first: there is no skaffold.yaml to run.'));
  }
  const files = (await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, 100)).sort((a, b) => a.fsPath.length - b.fsPath.length || a.fsPath.localeCompare(b.fsPath));
  if (files.length === 0) {
    throw new LaunchError('invalid', vscode.l10n.t('No skaffold.yaml in this workspace: create one with "skaffold init", or attach to a running Skaffold.'));
  }
  if (files.length === 1) {
    return files[0];
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: vscode.l10n.t('Which skaffold.yaml?') },
  );
  return picked?.uri;
}

/** A multi-select pick; [] when there is nothing to pick; undefined when cancelled. */
async function pickMany(names: string[], remembered: string[] | undefined, placeHolder: string): Promise<string[] | undefined> {
  if (names.length === 0) {
    return [];
  }
  const picked = await vscode.window.showQuickPick(
    names.map((label) => ({ label, picked: remembered?.includes(label) ?? false })),
    { placeHolder, canPickMany: true },
  );
  return picked?.map((p) => p.label);
}
