#!/usr/bin/env node
// `npm test`: type check + compile, lint, unit tests (plain Node, real loopback gRPC), then the
// extension-host suite inside a real VS Code and the end-to-end workbench tests in Chromium.
// Ends with one line "tests: N passed, N failed, N skipped" summing every stage (CI reads
// "N passed, N failed"; skipped counts node:test's skip and todo, and mocha's pending tests).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit` runs just that stage
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}: ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const ok = r.status === 0;
  console.log(`=== ${title}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${secs}s`);
  if (!ok) {
    broken = true;
  }
  return ok;
}

/** Adds the counts of a TAP file written by node's test runner. */
function countTap(file) {
  if (!fs.existsSync(file)) {
    return;
  }
  const text = fs.readFileSync(file, 'utf8');
  const num = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text) ?? [])[1] ?? 0);
  totals.passed += num('pass');
  totals.failed += num('fail') + num('cancelled');
  totals.skipped += num('skipped') + num('todo');
}

/** Adds the counts of a result file written by a mocha-based suite ({ passed, failed, skipped }). */
function countJson(file) {
  if (!fs.existsSync(file)) {
    return false;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  totals.passed += Number(r.passed ?? 0);
  totals.failed += Number(r.failed ?? 0);
  totals.skipped += Number(r.skipped ?? r.pending ?? 0);
  return true;
}

const want = (stage) => only.length === 0 || only.includes(stage);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
if (!run('type check and compile', process.execPath, [tsc, '-p', '.'])) {
  console.log('\ntests: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
if (want('lint')) {
  run('lint', process.execPath, [eslint, 'src', 'test', 'bench', 'scripts']);
}
if (want('unit')) {
  const tap = path.join(results, 'unit.tap');
  fs.rmSync(tap, { force: true });
  run('unit tests', process.execPath, [
    '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    'out/test/unit/',
  ]);
  countTap(tap);
}
if (want('integration') || want('e2e')) {
  run('bundle extension', process.execPath, ['esbuild.js']);
}
if (want('integration')) {
  const file = path.join(results, 'integration.json');
  fs.rmSync(file, { force: true });
  const ok = run('extension host tests (real VS Code)', process.execPath, ['scripts/vscode-host/run-integration.js'], { SKAFFOLD_TEST_RESULT_FILE: file });
  if (!countJson(file) && !ok) {
    totals.failed += 1;
  }
}
if (want('e2e')) {
  const tap = path.join(results, 'e2e.tap');
  fs.rmSync(tap, { force: true });
  // Installs code-server before the first test, then runs out/test/e2e/ with node --test (TAP in test-results/e2e.tap).
  const ok = run('end-to-end workbench tests (Chromium)', process.execPath, ['scripts/vscode-host/run-e2e.js']);
  countTap(tap);
  if (!ok && !fs.existsSync(tap)) {
    totals.failed += 1;
  }
}
if (broken && totals.failed === 0) {
  totals.failed = 1; // a stage failed without counting tests (type check, lint, a crash)
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(broken ? 1 : 0);
