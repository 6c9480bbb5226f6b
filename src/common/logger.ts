import * as vscode from 'vscode';
import { Logger } from '../skaffold/base/events';

/** The core's logger, writing to the "Skaffold" log output channel at the user's level. */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
}
