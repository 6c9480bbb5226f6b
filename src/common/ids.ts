/** Command ids, context keys and view ids: names that package.json, users and tests rely on. */

export const enum CommandId {
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
}

export const enum ContextKey {
  /** The session status: disconnected, connecting, connected, reconnecting, ended, failed. */
  Status = 'skaffold.status',
  Connected = 'skaffold.connected',
  AutoBuild = 'skaffold.autoBuild',
  AutoSync = 'skaffold.autoSync',
  AutoDeploy = 'skaffold.autoDeploy',
}

export const enum ViewId {
  Container = 'skaffold',
  Artifacts = 'skaffold.artifacts',
  Resources = 'skaffold.resources',
  Ports = 'skaffold.ports',
}

export const STATUS_BAR_ID = 'skaffold.status';
