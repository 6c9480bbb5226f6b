/**
 * The API of the "Skaffold" VS Code extension (vscode-skaffold.vscode-skaffold), version 1.
 *
 *   const ext = vscode.extensions.getExtension<SkaffoldExtensionExports>('vscode-skaffold.vscode-skaffold');
 *   const api = (await ext?.activate())?.getApi(1);
 *
 * Copy this file into your extension; it has no imports. Everything here is plain data:
 * snapshots taken when you read them. Strings in them came from Skaffold: treat them as
 * untrusted (never render them as trusted markdown or HTML).
 */

export interface SkaffoldExtensionExports {
  /** The API of that version, or undefined if this extension does not offer it. */
  getApi(version: 1): SkaffoldApi | undefined;
}

/** A VS Code-style event: subscribe with a listener, dispose the result to unsubscribe. */
export type SkaffoldEvent<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: { dispose(): unknown }[]) => { dispose(): unknown };

export interface SkaffoldApi {
  readonly version: 1;
  /** Every session the extension follows, as of now. */
  readonly sessions: readonly SkaffoldSessionSnapshot[];
  /** A session was added, removed, or changed status (connected, ended, ...). */
  readonly onDidChangeSessions: SkaffoldEvent<readonly SkaffoldSessionSnapshot[]>;
  /** A session's dev-loop state changed (coalesced: at most a few times a second per session). */
  readonly onDidChangeSessionState: SkaffoldEvent<SkaffoldSessionSnapshot>;
  /** The session's state now, or undefined if there is no such session. */
  getSession(sessionId: string): SkaffoldSessionSnapshot | undefined;
  /**
   * Runs build / sync / deploy once, in the safe order (Skaffold's Execute). Skaffold ignores
   * a phase whose auto trigger is on. Rejects if the session is not connected.
   */
  execute(sessionId: string, intent: SkaffoldIntent): Promise<void>;
  /**
   * Injects an event into the session's Skaffold (its experimental Handle RPC): it comes back
   * in the event stream to every client, e.g. a custom builder reporting progress. The event
   * is a v1 `proto.Event` in its JSON field names, e.g. `{ buildEvent: { artifact, status } }`.
   * A terminationEvent is refused.
   */
  handle(sessionId: string, event: SkaffoldApiEvent): Promise<void>;
}

export type SkaffoldSessionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

export interface SkaffoldSessionSnapshot {
  readonly id: string;
  /** Where its control API is: `127.0.0.1:50051`; for a session read from a file, the file's path. */
  readonly address: string;
  readonly label: string;
  /**
   * configured: the skaffold.address setting; launched: started by this extension; attached:
   * started elsewhere; file: read from a Skaffold event-log file (nothing live).
   */
  readonly origin: 'configured' | 'launched' | 'attached' | 'file';
  /** The Skaffold subcommand when known: dev, debug, run. */
  readonly command?: string;
  readonly status: SkaffoldSessionStatus;
  /** Why it is not connected, or how it ended. */
  readonly error?: string;
  readonly skaffoldVersion?: string;
  /** The dev-loop iteration (Skaffold's v1 numbering: 0 is the first), -1 before the first. */
  readonly iteration: number;
  readonly artifacts: readonly { name: string; status: string; iteration: number; error?: string }[];
  readonly resources: readonly { name: string; status: string; message?: string; error?: string }[];
  readonly ports: readonly { localPort: number; resourceType?: string; resourceName?: string; namespace?: string; targetPort?: number | string; url?: string }[];
  readonly deploy: { status: string; error?: string };
  readonly statusCheck: { status: string; error?: string };
  readonly autoTrigger: { build?: boolean; sync?: boolean; deploy?: boolean };
}

export interface SkaffoldIntent {
  build?: boolean;
  sync?: boolean;
  deploy?: boolean;
  devloop?: boolean;
}

export interface SkaffoldApiActionableErr {
  errCode?: string | number;
  message?: string;
  suggestions?: { suggestionCode?: string | number; action?: string }[];
}

/** The members of Skaffold's v1 Event most useful to inject; others are passed on as given. */
export interface SkaffoldApiEvent {
  buildEvent?: { artifact?: string; status?: string; err?: string; actionableErr?: SkaffoldApiActionableErr };
  deployEvent?: { status?: string; err?: string; actionableErr?: SkaffoldApiActionableErr };
  statusCheckEvent?: { status?: string; message?: string; actionableErr?: SkaffoldApiActionableErr };
  resourceStatusCheckEvent?: { resource?: string; status?: string; message?: string; actionableErr?: SkaffoldApiActionableErr };
  fileSyncEvent?: { fileCount?: number; image?: string; status?: string; actionableErr?: SkaffoldApiActionableErr };
  portEvent?: { localPort?: number; podName?: string; containerName?: string; namespace?: string; resourceType?: string; resourceName?: string; address?: string };
  metaEvent?: { entry?: string };
  [member: string]: unknown;
}
