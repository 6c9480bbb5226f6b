import * as vscode from 'vscode';
import { CommandId } from '../common/ids';
import { SkaffoldError } from '../skaffold/wire/errors';

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * A command's handler wrapped once: errors are caught, logged, and shown as a short message
 * with a "Show Log" action; never swallowed, never an unhandled rejection.
 */
export function wrapCommand(id: CommandId, log: vscode.LogOutputChannel, handler: CommandHandler): CommandHandler {
  return async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error(`[command] ${id}: ${message}`);
      if (err instanceof SkaffoldError && err.kind === 'cancelled') {
        return undefined;
      }
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(message, showLog).then((choice) => {
        if (choice === showLog) {
          log.show(true);
        }
      });
      return undefined;
    }
  };
}
