import * as vscode from 'vscode';
import { SettingKey } from '../common/settings';
import { decideExecutable, ExecutableSetting } from '../skaffold/launch/executable';
import { oneLine, Width } from '../skaffold/base/text';

const CONSENT_KEY = 'skaffold.executableConsent';

function setting(scope: vscode.Uri | undefined): ExecutableSetting {
  return vscode.workspace.getConfiguration(undefined, scope).inspect<string>(SettingKey.executable) ?? {};
}

/** The executable the user chose in their own settings (never a workspace's): the launcher's fallback. */
export function userExecutable(): string {
  const { defaultValue, globalValue } = setting(undefined);
  const decision = decideExecutable({ defaultValue, globalValue }, () => false);
  return decision.kind === 'use' ? decision.executable : decision.fallback;
}

/**
 * The Skaffold to run for a launch in `scope` (the skaffold.yaml): the user's own setting,
 * or, when this workspace's settings point skaffold.executable elsewhere, that value once
 * the user allowed it (asked in a modal dialog, remembered for this workspace and value).
 * Undefined when the user cancelled.
 */
export async function chooseExecutable(memory: vscode.Memento, scope: vscode.Uri | undefined): Promise<string | undefined> {
  const allowed = memory.get<string[]>(CONSENT_KEY) ?? [];
  const decision = decideExecutable(setting(scope), (value) => allowed.includes(value));
  if (decision.kind === 'use') {
    return decision.executable;
  }
  const allow = vscode.l10n.t('Allow and Start');
  const own = vscode.l10n.t('Use "{0}"', oneLine(decision.fallback, Width.name));
  const where = decision.level === 'workspaceFolder' ? vscode.l10n.t('This folder\'s settings') : vscode.l10n.t('This workspace\'s settings');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} set skaffold.executable to "{1}". Run that program to start Skaffold?', where, oneLine(decision.value, Width.name)),
    {
      modal: true,
      detail: vscode.l10n.t('Workspace settings come with the code you opened. Allow it only if you trust this program; your own setting is "{0}". You are asked once per workspace and value.', oneLine(decision.fallback, Width.name)),
    },
    allow,
    own,
  );
  if (choice === allow) {
    await memory.update(CONSENT_KEY, [...allowed, decision.value]);
    return decision.value;
  }
  return choice === own ? decision.fallback : undefined;
}
