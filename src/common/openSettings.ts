import * as vscode from 'vscode';

/**
 * Opens the Settings editor on `query`. In a remote window (SSH, dev container, Codespaces,
 * code-server) the extension runs on the remote side, and its machine-overridable settings
 * (`skaffold.executable`) are only listed on the Remote tab, so that tab is opened.
 */
export function openSettings(query: string): Thenable<unknown> {
  if (vscode.env.remoteName) {
    return vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query });
  }
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}
