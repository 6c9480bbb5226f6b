/**
 * Activation, wiring only: the views and the commands are registered at once, with nothing
 * behind them yet; the rest of the extension (core.ts, a bundle of its own) is built one
 * macrotask later, or sooner when VS Code asks a view for rows or runs a command. So
 * activation loads a few KB rather than the whole extension, and VS Code's activation of
 * other extensions does not wait for ours. deactivate() waits (a few seconds at most) for the
 * Skaffolds started from this window to stop and clean up.
 */
// An import-equals, not `import * as`: the bundle then takes the API object as it is, where
// `import * as` would copy its hundreds of members first (0.7 ms of activation; esbuild.js).
import vscode = require('vscode');
import { CommandId, ViewId } from './common/ids';
import { LazyTree } from './views/trees/lazyTree';
import type { Core, ShellView, ShellViews, SkaffoldInternals } from './core';

/** What activate() returns: the public API (`getApi`), and internals this extension's own tests read. */
export type SkaffoldExtensionApi = SkaffoldInternals;

/** How long closing the window waits for the Skaffolds it started to clean up and exit. */
const STOP_ON_CLOSE_MS = 4000;

let teardown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): SkaffoldExtensionApi {
  const subs = context.subscriptions;
  let core: Core | undefined;
  const load = (): Core => {
    if (!core) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startCore } = require('./core') as typeof import('./core');
      core = startCore(context, views);
    }
    return core;
  };

  const shellView = (id: ViewId, showCollapseAll: boolean): ShellView => {
    const tree = new LazyTree<unknown>(load);
    const view = vscode.window.createTreeView(id, { treeDataProvider: tree, showCollapseAll });
    subs.push(view, tree);
    return { view, attach: (provider) => tree.attach(provider) };
  };
  const views: ShellViews = {
    artifacts: shellView(ViewId.Artifacts, true),
    resources: shellView(ViewId.Resources, true),
    ports: shellView(ViewId.Ports, false),
    history: shellView(ViewId.History, true),
  };
  for (const id of Object.values(CommandId)) {
    subs.push(vscode.commands.registerCommand(id, (...args: unknown[]) => load().commands[id](...args)));
  }
  setTimeout(() => {
    if (teardown) {
      load(); // unless deactivated already
    }
  }, 0);

  teardown = async () => core?.teardown(STOP_ON_CLOSE_MS);
  // The internals are the core's: reading one builds it, if the macrotask above has not yet.
  const internal = <K extends keyof SkaffoldInternals>(key: K) => ({ get: () => load().internals[key], enumerable: true });
  return Object.defineProperties({} as SkaffoldExtensionApi, {
    getApi: { value: (version: 1) => load().internals.getApi(version), enumerable: true },
    session: internal('session'),
    manager: internal('manager'),
    launcher: internal('launcher'),
    views: internal('views'),
    logs: internal('logs'),
    timeline: internal('timeline'),
    statusBar: internal('statusBar'),
    pending: internal('pending'),
  });
}

export function deactivate(): Promise<void> | undefined {
  const t = teardown;
  teardown = undefined;
  return t?.();
}
