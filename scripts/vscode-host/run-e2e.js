#!/usr/bin/env node
// Runs the end-to-end tests (out/test/e2e/**/*.test.js, node:test) one file at a time: each
// drives a real VS Code in headless Chromium through ./workbench.js. Installs code-server
// first (so no test's `before` spends a minute on it) and checks Chromium is there. Builds
// nothing: run `npx tsc -p . && node esbuild.js` first (npm test does).
//
//   node scripts/vscode-host/run-e2e.js [FILE...] [--grep TEXT] [--timeout SECONDS] [--verbose]
//
// Results: the spec report on stdout, TAP in test-results/e2e.tap, screenshots in
// test-results/e2e/. This process's environment reaches the tests (and, through startHost's
// `env`, whatever they pass on to the extension host).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { install, missingPackages, aptMessage, RUN_NEEDS } = require('./install');

const root = path.resolve(__dirname, '..', '..');
const e2eDir = path.join(root, 'out', 'test', 'e2e');
const results = path.join(root, 'test-results');

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const started = Date.now();
  for (const f of [path.join(root, 'dist', 'extension.js'), e2eDir]) {
    if (!fs.existsSync(f)) {
      console.error(`${path.relative(root, f)} is missing: run "npx tsc -p . && node esbuild.js" first (npm test does).`);
      return Promise.resolve(1);
    }
  }
  const missing = missingPackages(RUN_NEEDS);
  if (missing.length > 0) {
    console.error(aptMessage(missing, 'The end-to-end tests'));
    return Promise.resolve(1);
  }
  install();
  const valued = new Set(['--grep', '--timeout']);
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !valued.has(all[i - 1]));
  const timeoutS = Number(option('--timeout') ?? 0) || 10 * 60;
  fs.mkdirSync(results, { recursive: true });
  const tap = path.join(results, 'e2e.tap');
  const args = [
    '--test', '--test-concurrency=1', `--test-timeout=${timeoutS * 1000}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...(option('--grep') ? [`--test-name-pattern=${option('--grep')}`] : []),
    ...(files.length > 0 ? files : [path.relative(root, e2eDir) + path.sep]),
  ];
  const env = { ...process.env, ...(process.argv.includes('--verbose') ? { SKAFFOLD_TEST_VERBOSE: '1' } : {}) };
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  // A test runner stuck past every test's own timeout still ends: the whole run gets 2x.
  const timer = setTimeout(() => {
    console.error(`e2e: still running after ${2 * timeoutS} s: stopping it (pid ${child.pid})`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, 2 * timeoutS * 1000);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => child.kill(signal));
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => {
    clearTimeout(timer);
    console.log(`e2e: ${code === 0 ? 'passed' : `FAILED (${code ?? signal})`}${counts(tap)} in ${((Date.now() - started) / 1000).toFixed(1)} s; `
      + `TAP in ${path.relative(root, tap)}, screenshots in test-results/e2e/`);
    resolve(code === 0 ? 0 : 1);
  }));
}

/** " (N passed, N failed, N skipped)" from the TAP summary (skipped: skip and todo), or "" without one. */
function counts(tap) {
  let text;
  try {
    text = fs.readFileSync(tap, 'utf8');
  } catch {
    return '';
  }
  const num = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text) ?? [])[1] ?? 0);
  if (!/^# pass \d+$/m.test(text)) {
    return '';
  }
  return ` (${num('pass')} passed, ${num('fail') + num('cancelled')} failed, ${num('skipped') + num('todo')} skipped)`;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err.message || err);
  process.exit(1);
});
