#!/usr/bin/env node
// Runs out/test/integration/index.js inside a real VS Code extension host: code-server with
// this repository as the extension under development, opened in headless Chromium with the
// `payload` that tells the workbench where the extension and the tests are. Builds nothing:
// run `npx tsc -p . && node esbuild.js` first (npm test does).
//
//   node scripts/vscode-host/run-integration.js [--grep TEXT] [--timeout SECONDS] [--verbose]
//        [--tests out/bench/host/index.js] [--with-fake] [--electron]
//        [--extension-development-path DIR] [--install-extension DIR ...]
//
// Exits 0 when every test passed. The tests' own lines and the extension's errors are
// forwarded to stdout (--verbose: the whole browser console); the full console goes to
// test-results/integration-console.log. The tests write { passed, failed, skipped, failures } to
// SKAFFOLD_TEST_RESULT_FILE (default test-results/integration.json). This process's
// environment reaches the extension host, e.g. SKAFFOLD_TEST_ADDRESS=127.0.0.1:50051.
// --tests runs another module with the same `run()` contract (the benchmark's); its result
//   file may have any shape: then the exit code says whether run() resolved.
// --with-fake starts the fake Skaffold (out/test/fakes/skaffoldFake.js) and plays its first
//   dev loop before VS Code starts, with skaffold.address pointing at it, so the extension
//   connects at activation, as with a Skaffold already running; SKAFFOLD_TEST_ADDRESS says where.
// --electron runs the same suite with @vscode/test-electron (downloads VS Code 1.100.3).
// --extension-development-path DIR (code-server only): the extension under development is
//   this folder instead of this repository (one only: the workbench keeps the last of several).
// --install-extension DIR (repeatable; code-server only): also installs these extension folders
//   (or .vsix) into the host. The benchmark loads its copies of the built extension and its
//   empty extensions with these two (see bench/hostBench.ts).
'use strict';
const fs = require('fs');
const path = require('path');
const { startHost, launchBrowser, parseConsole } = require('./host');
const { cacheDir } = require('./install');

const root = path.resolve(__dirname, '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
// A second extension, of the tests only: a client of our public API (test/integration/api.test.ts).
const apiClient = path.join(root, 'test', 'integration', 'apiClient');
const testsPath = path.resolve(root, option('--tests') ?? path.join('out', 'test', 'integration', 'index.js'));
const results = path.join(root, 'test-results');
const MARK = '[skaffold-test] '; // test/integration/index.ts prefixes its lines with it

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Every value of an option given several times. */
function options(name) {
  return process.argv.flatMap((arg, i) => (arg === name && i + 1 < process.argv.length ? [process.argv[i + 1]] : []));
}

const verbose = process.argv.includes('--verbose') || !!process.env.SKAFFOLD_TEST_VERBOSE;
const timeoutMs = Number(option('--timeout') ?? 0) * 1000 || Number(process.env.SKAFFOLD_TEST_TIMEOUT_MS) || 5 * 60_000;
const resultFile = path.resolve(process.env.SKAFFOLD_TEST_RESULT_FILE || path.join(results, 'integration.json'));
const testEnv = {
  SKAFFOLD_TEST_RESULT_FILE: resultFile,
  ...(option('--grep') ? { SKAFFOLD_TEST_GREP: option('--grep') } : {}),
};
const started = Date.now();
const secs = (since = started) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

class Failure extends Error {}

/** Everything to undo on the way out, newest first; also run on Ctrl-C. */
const cleanups = [];
let cleaning;
function cleanUp() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()();
      } catch (err) {
        console.error(`cleanup: ${err.message || err}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) {
      return; // already stopping
    }
    interrupted = true;
    console.error(`\n${signal}: stopping VS Code and the browser`);
    cleanUp().finally(() => process.exit(130));
  });
}

function requireBuilt() {
  for (const f of [path.join(root, 'dist', 'extension.js'), testsPath]) {
    if (!fs.existsSync(f)) {
      throw new Failure(`${path.relative(root, f)} is missing: run "npx tsc -p . && node esbuild.js" first (npm test does).`);
    }
  }
}

/** The result file the suite wrote, or undefined if it wrote none. */
function readResult() {
  try {
    return JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Combines what the workbench reported with what the suite wrote down. */
function verdict(exitCode, result) {
  if (!result) {
    console.error(`The suite wrote no result file (${path.relative(root, resultFile)}): it did not run to the end.`);
    return 1;
  }
  if (typeof result.passed !== 'number' || typeof result.failed !== 'number') {
    // Another suite's result (the benchmark's): whether run() resolved is all we can judge.
    console.log(`${path.relative(root, testsPath)}: ${exitCode === 0 ? 'done' : 'FAILED'} in ${secs()}; results in ${resultFile}`);
    return exitCode === 0 ? 0 : 1;
  }
  console.log(`integration: ${result.passed} passed, ${result.failed} failed, ${Number(result.skipped ?? result.pending ?? 0)} skipped in ${secs()}`);
  if (result.passed + result.failed === 0) {
    console.error('No tests ran: is there a *.test.js beside out/test/integration/index.js (or does --grep match nothing)?');
    return 1;
  }
  if (result.failed > 0 || exitCode !== 0) {
    for (const f of result.failures ?? []) {
      console.error(`  failed: ${f.title}: ${f.message}`);
    }
    return 1;
  }
  return 0;
}

async function viaCodeServer() {
  requireBuilt();
  fs.mkdirSync(results, { recursive: true });
  fs.rmSync(resultFile, { force: true });
  const consoleLog = fs.createWriteStream(path.join(results, 'integration-console.log'));
  cleanups.push(() => new Promise((r) => consoleLog.end(r)));

  const fake = process.argv.includes('--with-fake') ? await startFake() : undefined;
  const host = await startHost({
    workspace,
    // The suite's helper, not the benchmark's; and the extensions asked for.
    extensionPath: [...(option('--tests') ? [] : [apiClient]), ...options('--install-extension').map((p) => path.resolve(p))],
    env: { ...testEnv, ...(fake ? { SKAFFOLD_TEST_ADDRESS: fake.address } : {}) },
    settings: fake ? { 'skaffold.address': fake.address } : {},
  });
  cleanups.push(() => host.stop());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  console.log(`VS Code (code-server) at ${host.url}, up in ${secs()}; running the extension-host suite...`);

  const page = await browser.newPage();
  let testsStarted = false;
  let settle;
  const outcome = new Promise((resolve) => { settle = resolve; });
  await page.exposeFunction('codeAutomationExit', (code) => settle({ code: Number(code) }));
  page.on('console', (msg) => {
    const text = msg.text();
    if (consoleLog.writable) {
      consoleLog.write(`${text}\n`);
    }
    const i = text.indexOf(MARK);
    if (i >= 0) {
      testsStarted = true;
      console.log(text.slice(i + MARK.length));
      return;
    }
    const parsed = parseConsole(text);
    if (verbose) {
      console.log(parsed ? `[${parsed.level.toLowerCase()}] ${parsed.text}` : `[browser] ${text}`);
    } else if (parsed?.level === 'ERR' && /skaffold/i.test(parsed.text)) {
      console.log(`[extension host] ${parsed.text}`); // e.g. "Activating extension ... failed"
    }
  });
  page.on('pageerror', (err) => consoleLog.writable && consoleLog.write(`pageerror: ${err.stack || err}\n`));
  page.on('crash', () => settle({ code: 1, reason: 'the browser tab crashed' }));
  browser.on('disconnected', () => settle({ code: 1, reason: 'the browser went away' }));
  host.exited.then((e) => settle({ code: 1, reason: `code-server exited (${e?.code ?? e?.signal}); see ${host.logFile}` }));
  const timer = setTimeout(() => settle({
    code: 1,
    reason: testsStarted
      ? `the tests did not finish within ${timeoutMs / 1000} s (a test waiting forever? mocha's per-test timeout is in test/integration/index.ts)`
      : `the suite never started within ${timeoutMs / 1000} s: the workbench, the extension host or ${path.relative(root, testsPath)} did not load (run with --verbose)`,
  }), timeoutMs);
  cleanups.push(() => clearTimeout(timer));

  const developed = option('--extension-development-path');
  await page.goto(host.workbenchUrl({ extensionDevelopmentPath: developed ? path.resolve(developed) : root, extensionTestsPath: testsPath }));
  const { code, reason } = await outcome;
  if (interrupted) {
    return 130;
  }
  if (reason) {
    console.error(`integration: ${reason}`);
  }
  const exit = verdict(code, readResult());
  if (exit !== 0) {
    keepLogs(host.logsDir);
  }
  return exit;
}

/** The fake Skaffold, its first dev loop played, stopped on the way out. */
async function startFake() {
  const file = path.join(root, 'out', 'test', 'fakes', 'skaffoldFake.js');
  if (!fs.existsSync(file)) {
    throw new Failure(`--with-fake: ${path.relative(root, file)} is missing: run "npx tsc -p ." first.`);
  }
  const { FakeSkaffold } = require(file);
  const fake = await FakeSkaffold.start({ host: '127.0.0.1', port: 0, stepMs: 5 });
  cleanups.push(() => fake.stop());
  await fake.runDevLoop();
  console.log(`fake Skaffold at ${fake.address}, first dev loop played`);
  return fake;
}

/** Copies VS Code's logs into test-results/ before the run folder goes away. */
function keepLogs(logsDir) {
  const dir = path.join(results, 'integration-logs');
  fs.rmSync(dir, { recursive: true, force: true });
  if (fs.existsSync(logsDir)) {
    fs.cpSync(logsDir, dir, { recursive: true });
    console.error(`VS Code's logs: ${path.relative(root, dir)}/; the browser console: test-results/integration-console.log`);
  }
}

/** The same suite in desktop VS Code, where it can be downloaded (not on these machines). */
async function viaElectron() {
  requireBuilt();
  let testElectron;
  try {
    testElectron = require('@vscode/test-electron');
  } catch {
    throw new Failure('--electron needs @vscode/test-electron (a devDependency: run npm install).');
  }
  fs.mkdirSync(results, { recursive: true });
  fs.rmSync(resultFile, { force: true });
  const runDir = path.join(cacheDir, 'runs', `electron-${process.pid}`);
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'owner.pid'), String(process.pid)); // not pruned by another run while in use
  cleanups.push(() => fs.rmSync(runDir, { recursive: true, force: true }));
  const withTimeout = (promise, ms, what) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Failure(what)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await withTimeout(testElectron.downloadAndUnzipVSCode({
      version: '1.100.3', // the VS Code code-server 4.100.3 bundles, and our engines.vscode floor
      cachePath: path.join(cacheDir, 'electron'),
      timeout: 15_000,
    }), 10 * 60_000, 'downloading VS Code took more than 10 minutes');
  } catch (err) {
    throw new Failure(`--electron: could not download VS Code 1.100.3 (${err.message || err}). It needs internet access to `
      + 'update.code.visualstudio.com; without it, run without --electron (code-server, already offline).');
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Failure('--electron: desktop VS Code needs a display; run under "xvfb-run -a" (Debian package xvfb).');
  }
  let code = 0;
  try {
    await withTimeout(testElectron.runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: [root, apiClient],
      extensionTestsPath: testsPath,
      extensionTestsEnv: testEnv,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--disable-gpu', '--no-sandbox',
        '--user-data-dir', path.join(runDir, 'data'), '--extensions-dir', path.join(runDir, 'extensions')],
    }), timeoutMs, `the tests did not finish within ${timeoutMs / 1000} s`);
  } catch (err) {
    if (err instanceof Failure) {
      throw err;
    }
    code = 1; // runTests rejects when the suite fails: the result file says how
  }
  return verdict(code, readResult());
}

(async () => (process.argv.includes('--electron') ? viaElectron() : viaCodeServer()))()
  .catch((err) => {
    console.error(err instanceof Failure ? err.message : `integration: ${err.stack || err}`);
    return 1;
  })
  .then(async (code) => {
    await cleanUp();
    if (!interrupted) {
      process.exit(code); // else the signal handler exits once everything is stopped
    }
  });
