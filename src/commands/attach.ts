import * as path from 'path';
import * as vscode from 'vscode';
import { parseAddress } from '../skaffold/wire/address';
import { DiscoveredSkaffold, listSkaffoldProcesses } from '../skaffold/launch/discovery';
import { SkaffoldError } from '../skaffold/wire/errors';
import { oneLine, Width } from '../skaffold/base/text';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';

interface AttachItem extends vscode.QuickPickItem {
  address?: string;
  found?: DiscoveredSkaffold;
  enter?: boolean;
}

/** "dev · shop" for a process found running in the folder shop. */
function labelOf(found: DiscoveredSkaffold): string {
  return found.cwd ? `${found.command} · ${path.basename(found.cwd) || found.cwd}` : `${found.command} · pid ${found.pid}`;
}

/**
 * Attach: connect to a Skaffold already running (started in the user's own terminal), picked
 * from the processes that serve an `--rpc-port` and the configured address, or typed in.
 * An address may be given directly (from another extension or a test). Attaching never
 * starts anything, so it is allowed in an untrusted workspace; detaching never stops Skaffold.
 */
export async function attach(manager: SessionManager, configuredAddress: string, arg?: unknown, warn?: (address: string) => void): Promise<SkaffoldSession | undefined> {
  let address = typeof arg === 'string' ? arg : undefined;
  let found: DiscoveredSkaffold | undefined;
  if (!address) {
    const picked = await pickTarget(manager, configuredAddress);
    if (!picked) {
      return undefined;
    }
    ({ address, found } = picked);
  }
  parseAddress(address); // a clear message for a typo, before anything is opened
  warn?.(address);
  const configured = manager.findByAddress(address) === manager.configured;
  const session = configured ? manager.configured : manager.add({
    address,
    origin: 'attached',
    label: found ? labelOf(found) : undefined,
    command: found?.command,
  });
  if (session.status === 'connected') {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Skaffold: already attached to {0}', session.label), 3000);
  } else if (session.status === 'failed' || session.status === 'ended' || session.status === 'reconnecting') {
    session.reconnect();
  } else {
    session.connect();
  }
  return session;
}

async function pickTarget(manager: SessionManager, configuredAddress: string): Promise<{ address: string; found?: DiscoveredSkaffold } | undefined> {
  const qp = vscode.window.createQuickPick<AttachItem>();
  qp.placeholder = vscode.l10n.t('Attach to a running Skaffold (started with --rpc-port)');
  qp.matchOnDescription = true;
  qp.busy = true;
  const fixed: AttachItem[] = [
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(settings-gear) ${configuredAddress}`, description: vscode.l10n.t('the skaffold.address setting'), address: configuredAddress },
    { label: `$(edit) ${vscode.l10n.t('Enter an address…')}`, enter: true, alwaysShow: true },
  ];
  qp.items = fixed;
  const attached = (address: string) => {
    const s = manager.findByAddress(address);
    return s && s.status === 'connected' ? vscode.l10n.t('attached') : undefined;
  };
  listSkaffoldProcesses().then((list) => {
    const items: AttachItem[] = list.map((found) => ({
      label: `$(rocket) ${oneLine(labelOf(found), Width.name)}`,
      description: [found.address, `pid ${found.pid}`, attached(found.address)].filter(Boolean).join(' · '),
      detail: found.cwd,
      address: found.address,
      found,
    }));
    if (items.length === 0) {
      items.push({ label: vscode.l10n.t('No running Skaffold with --rpc-port found on this machine'), description: '' });
    }
    qp.items = [...items, ...fixed];
    qp.busy = false;
  }, () => {
    qp.busy = false;
  });
  const choice = await new Promise<AttachItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!choice) {
    return undefined;
  }
  if (choice.enter) {
    const typed = await vscode.window.showInputBox({
      prompt: vscode.l10n.t('Skaffold\'s --rpc-port address'),
      placeHolder: '127.0.0.1:50051',
      validateInput: (text) => {
        try {
          parseAddress(text);
          return undefined;
        } catch (err) {
          return err instanceof SkaffoldError ? err.message : String(err);
        }
      },
    });
    return typed ? { address: typed } : undefined;
  }
  return choice.address ? { address: choice.address, found: choice.found } : undefined;
}
