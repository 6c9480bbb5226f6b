import * as vscode from 'vscode';
import { PortState } from '../skaffold/state/model';
import { openPorts, portLabel, portUrl } from '../skaffold/present/labels';
import { oneLine, Width } from '../skaffold/base/text';
import { SessionManager } from '../skaffold/session/sessionManager';
import { sessionOfNode } from './pickSession';

interface PortArg {
  localPort?: unknown;
}

/** The port from a tree node, else one the user picks among every session's; undefined when there is none. */
async function pickPort(manager: SessionManager, node: unknown): Promise<PortState | undefined> {
  const local = (node as PortArg | undefined)?.localPort;
  if (typeof local === 'number') {
    return openPorts(sessionOfNode(manager, node) ?? manager.configured).get(local);
  }
  const shown = manager.shown;
  const ports = shown.flatMap((session) => [...openPorts(session).values()].map((port) => ({ session, port })));
  if (ports.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Skaffold has not forwarded any port.'));
    return undefined;
  }
  if (ports.length === 1) {
    return ports[0].port;
  }
  const picked = await vscode.window.showQuickPick(
    ports.map(({ session, port }) => ({
      label: portLabel(port),
      description: [port.namespace, shown.length > 1 ? oneLine(session.label, Width.label) : undefined].filter(Boolean).join(' · '),
      port,
    })),
    { placeHolder: vscode.l10n.t('Forwarded port') },
  );
  return picked?.port;
}

async function externalUrl(p: PortState): Promise<vscode.Uri> {
  const url = portUrl(p);
  if (!url) {
    throw new Error(vscode.l10n.t('Port {0} is bound to {1}, not to this machine\'s loopback: not opened.', p.localPort, oneLine(p.address, Width.address)));
  }
  // Through asExternalUri so that it works from a remote window too.
  return vscode.env.asExternalUri(vscode.Uri.parse(url));
}

export async function openPort(manager: SessionManager, node?: unknown): Promise<void> {
  const p = await pickPort(manager, node);
  if (p) {
    await vscode.env.openExternal(await externalUrl(p));
  }
}

export async function copyPortUrl(manager: SessionManager, node?: unknown): Promise<string | undefined> {
  const p = await pickPort(manager, node);
  if (!p) {
    return undefined;
  }
  const url = (await externalUrl(p)).toString(true);
  await vscode.env.clipboard.writeText(url);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', url), 3000);
  return url;
}
