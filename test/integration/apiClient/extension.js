// A second extension, for the extension-host tests only (test/integration/api.test.ts): it
// uses the Skaffold extension's public API exactly as another extension would, through
// `vscode.extensions.getExtension(...).activate()` and `getApi(1)`, and nothing else. It
// records what the API tells it and returns a small driver for the tests.
// Loaded by scripts/vscode-host/run-integration.js next to the extension under development.
'use strict';
const vscode = require('vscode');

const SKAFFOLD_EXTENSION_ID = 'vscode-skaffold.vscode-skaffold';

/**
 * @typedef {import('../../../api/vscode-skaffold').SkaffoldExtensionExports} SkaffoldExtensionExports
 * @typedef {import('../../../api/vscode-skaffold').SkaffoldApi} SkaffoldApi
 * @typedef {import('../../../api/vscode-skaffold').SkaffoldSessionSnapshot} SkaffoldSessionSnapshot
 * @typedef {import('../../../api/vscode-skaffold').SkaffoldApiEvent} SkaffoldApiEvent
 * @typedef {import('../../../api/vscode-skaffold').SkaffoldIntent} SkaffoldIntent
 */

/**
 * What the tests drive: the API's answers and the events it fired, in order.
 * @typedef {object} ApiClient
 * @property {() => readonly SkaffoldSessionSnapshot[]} sessions every session, as the API lists them now
 * @property {(id: string) => SkaffoldSessionSnapshot | undefined} getSession
 * @property {SkaffoldSessionSnapshot[]} stateEvents every onDidChangeSessionState snapshot received
 * @property {(readonly SkaffoldSessionSnapshot[])[]} sessionsEvents every onDidChangeSessions list received
 * @property {(id: string, event: SkaffoldApiEvent) => Promise<void>} handle
 * @property {(id: string, intent: SkaffoldIntent) => Promise<void>} execute
 * @property {(version: number) => unknown} getApi what the Skaffold extension's exports answer for that version
 * @property {(predicate: () => boolean, timeoutMs?: number) => Promise<void>} waitFor resolves once predicate() holds (checked now and after each event)
 * @property {() => void} clear forgets the recorded events
 */

/**
 * @param {vscode.ExtensionContext} context
 * @returns {Promise<ApiClient>}
 */
async function activate(context) {
  /** @type {vscode.Extension<SkaffoldExtensionExports> | undefined} */
  const skaffold = vscode.extensions.getExtension(SKAFFOLD_EXTENSION_ID);
  if (!skaffold) {
    throw new Error(`${SKAFFOLD_EXTENSION_ID} is not installed`);
  }
  const exportsOf = await skaffold.activate();
  const api = exportsOf.getApi(1);
  if (!api) {
    throw new Error(`${SKAFFOLD_EXTENSION_ID} does not offer API version 1`);
  }

  /** @type {SkaffoldSessionSnapshot[]} */
  const stateEvents = [];
  /** @type {(readonly SkaffoldSessionSnapshot[])[]} */
  const sessionsEvents = [];
  /** @type {Set<() => void>} */
  const waiters = new Set();
  const wake = () => {
    for (const w of [...waiters]) {
      w();
    }
  };
  context.subscriptions.push(
    api.onDidChangeSessions((list) => {
      sessionsEvents.push(list);
      wake();
    }),
    api.onDidChangeSessionState((snapshot) => {
      stateEvents.push(snapshot);
      wake();
    }),
  );

  return {
    sessions: () => api.sessions,
    getSession: (id) => api.getSession(id),
    stateEvents,
    sessionsEvents,
    handle: (id, event) => api.handle(id, event),
    execute: (id, intent) => api.execute(id, intent),
    getApi: (version) => exportsOf.getApi(/** @type {1} */ (version)),
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          let ok = false;
          try {
            ok = predicate();
          } catch (err) {
            done();
            reject(err);
            return;
          }
          if (ok) {
            done();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`skaffold-api-client: condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    clear() {
      stateEvents.length = 0;
      sessionsEvents.length = 0;
    },
  };
}

function deactivate() {}

module.exports = { activate, deactivate };
