import * as vscode from 'vscode';

/**
 * Only Skaffold's documentation and issue tracker: the quick fixes pass URLs from our own
 * table (skaffold/suggestions.ts), never one from the server; anything else is refused.
 */
const DOCS = /^https:\/\/skaffold\.dev\/docs\/[A-Za-z0-9/._#-]*$|^https:\/\/github\.com\/GoogleContainerTools\/skaffold\/issues$/;

export async function openDocs(url: unknown): Promise<boolean> {
  if (typeof url !== 'string' || !DOCS.test(url)) {
    throw new Error(vscode.l10n.t('Not a Skaffold documentation link: not opened.'));
  }
  return vscode.env.openExternal(vscode.Uri.parse(url, true));
}
