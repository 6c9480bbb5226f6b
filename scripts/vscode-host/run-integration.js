#!/usr/bin/env node
// Runs out/test/integration/index.js inside a real VS Code extension host: code-server with
// this repository as the extension under development, opened in headless Chromium with the
// `payload` that tells the workbench where the extension and the tests are. Exits 0 when the
// tests pass. `--electron` uses @vscode/test-electron instead (needs to download VS Code).
'use strict';
const fs = require('fs');
const path = require('path');
const { startHost, launchBrowser } = require('./host');

const root = path.resolve(__dirname, '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const testsPath = path.join(root, 'out', 'test', 'integration', 'index.js');
const TIMEOUT_MS = Number(process.env.SKAFFOLD_TEST_TIMEOUT_MS || 5 * 60_000);

async function viaElectron() {
  let runTests;
  try {
    ({ runTests } = require('@vscode/test-electron'));
  } catch {
    throw new Error('--electron needs @vscode/test-electron (a devDependency: run npm install).');
  }
  try {
    await runTests({ extensionDevelopmentPath: root, extensionTestsPath: testsPath, launchArgs: [workspace, '--disable-extensions'] });
  } catch (err) {
    throw new Error(`@vscode/test-electron failed: ${err.message || err}. It downloads VS Code first; without internet use the default (code-server) runner.`);
  }
}

async function viaCodeServer() {
  for (const f of [path.join(root, 'dist', 'extension.js'), testsPath]) {
    if (!fs.existsSync(f)) {
      throw new Error(`${path.relative(root, f)} is missing: run "npm run build" and "npm run compile" first (npm test does).`);
    }
  }
  const host = await startHost({ workspace, env: { SKAFFOLD_TEST_RESULT_FILE: process.env.SKAFFOLD_TEST_RESULT_FILE || '' } });
  const browser = await launchBrowser();
  let timer;
  try {
    const page = await browser.newPage();
    const exit = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
    });
    page.on('console', (msg) => {
      const line = extensionHostLine(msg.text());
      if (line !== undefined) {
        console.log(line);
      }
    });
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${host.port}${root}`],
      ['extensionTestsPath', `vscode-remote://127.0.0.1:${host.port}${testsPath}`],
    ];
    await page.goto(`${host.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => {
        console.error(`The extension tests did not finish within ${TIMEOUT_MS / 1000}s.`);
        resolve(1);
      }, TIMEOUT_MS);
    });
    return await Promise.race([exit, timeout]);
  } finally {
    clearTimeout(timer);
    await browser.close();
    await host.stop();
  }
}

/** The suite marks its lines (test/integration/index.ts); the rest is workbench noise. */
function extensionHostLine(text) {
  const i = text.indexOf('[skaffold-test] ');
  if (i >= 0) {
    return text.slice(i + '[skaffold-test] '.length);
  }
  return process.env.SKAFFOLD_TEST_VERBOSE ? text : undefined;
}

(async () => {
  if (process.argv.includes('--electron')) {
    await viaElectron();
    return 0;
  }
  return viaCodeServer();
})().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message || err);
    process.exit(1);
  },
);
