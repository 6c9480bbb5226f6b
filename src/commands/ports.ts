import * as vscode from 'vscode';
import { PortState } from '../skaffold/model';
import { portLabel, portUrl } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';

interface PortArg {
  localPort?: unknown;
}

/** The port from a tree node, else one the user picks; undefined when there is none. */
async function pickPort(session: SkaffoldSession, node: unknown): Promise<PortState | undefined> {
  const ports = session.state.ports;
  const local = (node as PortArg | undefined)?.localPort;
  if (typeof local === 'number') {
    return ports.get(local);
  }
  if (ports.size === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Skaffold has not forwarded any port.'));
    return undefined;
  }
  if (ports.size === 1) {
    return [...ports.values()][0];
  }
  const picked = await vscode.window.showQuickPick(
    [...ports.values()].map((p) => ({ label: portLabel(p), description: p.namespace, port: p })),
    { placeHolder: vscode.l10n.t('Forwarded port') },
  );
  return picked?.port;
}

async function externalUrl(p: PortState): Promise<vscode.Uri> {
  const url = portUrl(p);
  if (!url) {
    throw new Error(vscode.l10n.t('Port {0} is bound to {1}, not to this machine\'s loopback: not opened.', p.localPort, p.address));
  }
  // Through asExternalUri so that it works from a remote window too.
  return vscode.env.asExternalUri(vscode.Uri.parse(url));
}

export async function openPort(session: SkaffoldSession, node?: unknown): Promise<void> {
  const p = await pickPort(session, node);
  if (p) {
    await vscode.env.openExternal(await externalUrl(p));
  }
}

export async function copyPortUrl(session: SkaffoldSession, node?: unknown): Promise<string | undefined> {
  const p = await pickPort(session, node);
  if (!p) {
    return undefined;
  }
  const url = (await externalUrl(p)).toString(true);
  await vscode.env.clipboard.writeText(url);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', url), 3000);
  return url;
}
