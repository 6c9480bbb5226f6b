import * as vscode from 'vscode';
import { isLoopbackAddress } from '../skaffold/wire/address';
import { oneLine, Width } from '../skaffold/base/text';

const WARNED_KEY = 'skaffold.warnedAddresses';

/**
 * Says once per address (remembered across windows) that an address off this machine
 * exposes Skaffold's control API, which has no authentication and no encryption. Returns
 * whether it warned. Does not wait for the user.
 */
export function warnIfNotLoopback(memory: vscode.Memento, address: string): boolean {
  if (isLoopbackAddress(address)) {
    return false;
  }
  const warned = memory.get<string[]>(WARNED_KEY) ?? [];
  const key = address.trim().toLowerCase();
  if (warned.includes(key)) {
    return false;
  }
  void memory.update(WARNED_KEY, [...warned, key].slice(-50));
  void vscode.window.showWarningMessage(vscode.l10n.t(
    'Skaffold at {0} is not on this machine. Its control API has no authentication and no encryption: whoever can reach that port can watch this dev loop and start builds and deploys, and the network can read it. Prefer an SSH tunnel to 127.0.0.1 (ssh -L 50051:127.0.0.1:50051 HOST).',
    oneLine(address, Width.address),
  ));
  return true;
}
