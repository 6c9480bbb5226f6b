/**
 * Which Skaffold executable to run, given where the `skaffold.executable` setting comes from.
 * A workspace's settings (`.vscode/settings.json`, a folder's) come with the code: pointing
 * the executable elsewhere than the user's own setting would run a program the workspace
 * chose, so it takes the user's consent, given once per workspace and value.
 */

/** The setting's value at each level, as `WorkspaceConfiguration.inspect` gives them. */
export interface ExecutableSetting {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type ExecutableDecision =
  /** Run this (the user's own setting, or a workspace value the user allowed). */
  | { kind: 'use'; executable: string; fromWorkspace: boolean }
  /** A workspace sets `value`: ask first; `fallback` is the user's own choice. */
  | { kind: 'ask'; value: string; fallback: string; level: 'workspace' | 'workspaceFolder' };

const DEFAULT = 'skaffold';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function decideExecutable(setting: ExecutableSetting, allowed: (value: string) => boolean): ExecutableDecision {
  const own = text(setting.globalValue) ?? text(setting.defaultValue) ?? DEFAULT;
  const folder = text(setting.workspaceFolderValue);
  const workspace = text(setting.workspaceValue);
  const fromWorkspace = folder ?? workspace;
  if (fromWorkspace === undefined || fromWorkspace === own) {
    return { kind: 'use', executable: own, fromWorkspace: false };
  }
  if (allowed(fromWorkspace)) {
    return { kind: 'use', executable: fromWorkspace, fromWorkspace: true };
  }
  // In a single-folder workspace VS Code gives the folder's settings at both levels.
  return { kind: 'ask', value: fromWorkspace, fallback: own, level: folder !== undefined && folder !== workspace ? 'workspaceFolder' : 'workspace' };
}
