import * as vscode from 'vscode';

/** Every setting the extension reads, as one typed snapshot. Keys are flat (`skaffold.x`). */
export interface Settings {
  address: string;
  autoConnect: boolean;
  statusBarEnabled: boolean;
  eventLogMaxEntries: number;
  launchArgs: string[];
  stopTimeoutSeconds: number;
  debugAutoAttach: boolean;
  logsMaxLines: number;
  problemsEnabled: boolean;
  codeLensEnabled: boolean;
}

/** Every key the extension reads. `executable` is not in the snapshot: see commands/executableConsent. */
export const SettingKey = {
  address: 'skaffold.address',
  autoConnect: 'skaffold.autoConnect',
  statusBarEnabled: 'skaffold.statusBar.enabled',
  eventLogMaxEntries: 'skaffold.eventLog.maxEntries',
  executable: 'skaffold.executable',
  launchArgs: 'skaffold.launch.args',
  stopTimeoutSeconds: 'skaffold.launch.stopTimeoutSeconds',
  debugAutoAttach: 'skaffold.debug.autoAttach',
  logsMaxLines: 'skaffold.logs.maxLines',
  problemsEnabled: 'skaffold.problems.enabled',
  codeLensEnabled: 'skaffold.codeLens.enabled',
} as const;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration();
  return {
    address: c.get<string>(SettingKey.address, '127.0.0.1:50051'),
    autoConnect: c.get<boolean>(SettingKey.autoConnect, true),
    statusBarEnabled: c.get<boolean>(SettingKey.statusBarEnabled, true),
    eventLogMaxEntries: Math.min(100_000, Math.max(10, c.get<number>(SettingKey.eventLogMaxEntries, 1000))),
    launchArgs: stringArray(c.get<unknown>(SettingKey.launchArgs, [])),
    stopTimeoutSeconds: Math.min(600, Math.max(1, c.get<number>(SettingKey.stopTimeoutSeconds, 30))),
    debugAutoAttach: c.get<boolean>(SettingKey.debugAutoAttach, false) === true,
    logsMaxLines: Math.min(1_000_000, Math.max(100, Math.floor(c.get<number>(SettingKey.logsMaxLines, 10_000)) || 10_000)),
    problemsEnabled: c.get<boolean>(SettingKey.problemsEnabled, true) !== false,
    codeLensEnabled: c.get<boolean>(SettingKey.codeLensEnabled, true) !== false,
  };
}

/** Fires with the new snapshot and which keys changed, only when one of ours did. */
export function onDidChangeSettings(listener: (settings: Settings, changed: (keyof Settings)[]) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    const changed = (Object.keys(SettingKey) as (keyof Settings)[]).filter((k) => e.affectsConfiguration(SettingKey[k]));
    if (changed.length > 0) {
      listener(readSettings(), changed);
    }
  });
}

/** A setting meant to be a list of strings, whatever was typed in settings.json. */
function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The window's settings as they are now, and their changes: each component reads the keys it
 * needs and subscribes to those itself (`watch`), so the wiring passes one object around.
 */
export class LiveSettings implements vscode.Disposable {
  private current = readSettings();
  private readonly changes = new vscode.EventEmitter<(keyof Settings)[]>();
  private readonly subscription = onDidChangeSettings((next, changed) => {
    this.current = next;
    this.changes.fire(changed);
  });

  /** The snapshot now. */
  get value(): Settings {
    return this.current;
  }

  /** Calls `listener` with the new value each time `key` changes. */
  watch<K extends keyof Settings>(key: K, listener: (value: Settings[K]) => void): vscode.Disposable {
    return this.changes.event((changed) => {
      if (changed.includes(key)) {
        listener(this.current[key]);
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }
}
