/** Command ids, context keys and view ids: names that package.json, users and tests rely on. */

export enum CommandId {
  Connect = 'skaffold.connect',
  Disconnect = 'skaffold.disconnect',
  Build = 'skaffold.build',
  Sync = 'skaffold.sync',
  Deploy = 'skaffold.deploy',
  BuildAndDeploy = 'skaffold.buildAndDeploy',
  ToggleAutoBuild = 'skaffold.toggleAutoBuild',
  ToggleAutoSync = 'skaffold.toggleAutoSync',
  ToggleAutoDeploy = 'skaffold.toggleAutoDeploy',
  ShowLog = 'skaffold.showLog',
  OpenPort = 'skaffold.openPort',
  CopyPortUrl = 'skaffold.copyPortUrl',
  Refresh = 'skaffold.refresh',
  OpenSettings = 'skaffold.openSettings',
  FocusView = 'skaffold.focus',
  Dev = 'skaffold.dev',
  Debug = 'skaffold.debug',
  Run = 'skaffold.run',
  Stop = 'skaffold.stop',
  Attach = 'skaffold.attach',
  Dismiss = 'skaffold.dismiss',
  ShowContainerLogs = 'skaffold.showContainerLogs',
  ShowOutput = 'skaffold.showOutput',
  AttachDebugger = 'skaffold.attachDebugger',
  ShowTimeline = 'skaffold.showTimeline',
  OpenEventLog = 'skaffold.openEventLog',
  ExportSession = 'skaffold.exportSession',
  /** Opens one of our own Skaffold documentation links (from a problem's quick fix). */
  OpenDocs = 'skaffold.openDocs',
}

export const enum ContextKey {
  /** The session status: disconnected, connecting, connected, reconnecting, ended, failed. */
  Status = 'skaffold.status',
  Connected = 'skaffold.connected',
  AutoBuild = 'skaffold.autoBuild',
  AutoSync = 'skaffold.autoSync',
  AutoDeploy = 'skaffold.autoDeploy',
  /** More than one session is shown: the views group by session. */
  MultipleSessions = 'skaffold.multipleSessions',
  /** A Skaffold started from VS Code is still running. */
  CanStop = 'skaffold.canStop',
  /** A session that ended can be dismissed. */
  CanDismiss = 'skaffold.canDismiss',
}

export const enum ViewId {
  Container = 'skaffold',
  Artifacts = 'skaffold.artifacts',
  Resources = 'skaffold.resources',
  Ports = 'skaffold.ports',
  History = 'skaffold.history',
}

/** The source and collection name of the diagnostics in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'skaffold';

/** The webview panel type of the dev-loop timeline. */
export const TIMELINE_PANEL = 'skaffold.timeline';

export const STATUS_BAR_ID = 'skaffold.status';

/** The task type of `tasks.json` entries that run Skaffold. */
export const TASK_TYPE = 'skaffold';
