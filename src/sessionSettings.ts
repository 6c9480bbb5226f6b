import * as vscode from 'vscode';
import { warnIfNotLoopback } from './commands/addressWarning';
import { Logger } from './skaffold/base/events';
import { SessionManager } from './skaffold/session/sessionManager';
import { LiveSettings } from './common/settings';

/**
 * The session at `skaffold.address` follows its settings: a new address reconnects there
 * (warning once when it is off this machine), `skaffold.autoConnect` connects, and
 * `skaffold.eventLog.maxEntries` sizes every session's event log.
 */
export function followSessionSettings(manager: SessionManager, settings: LiveSettings, warnings: vscode.Memento, logger: Logger): vscode.Disposable {
  const session = manager.configured;
  warnIfNotLoopback(warnings, settings.value.address);
  const connectIfWanted = () => {
    if (settings.value.autoConnect && session.status === 'disconnected') {
      session.connect();
    }
  };
  return vscode.Disposable.from(
    settings.watch('address', (address) => {
      logger.info(`[settings] address -> ${address}`);
      warnIfNotLoopback(warnings, address);
      session.setAddress(address);
      connectIfWanted();
    }),
    settings.watch('autoConnect', connectIfWanted),
    settings.watch('eventLogMaxEntries', (size) => manager.setEventLogSize(size)),
  );
}
