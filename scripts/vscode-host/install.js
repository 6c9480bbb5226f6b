#!/usr/bin/env node
// Installs a real VS Code (code-server 4.100.3, which bundles VS Code 1.100.3 and runs on
// Node 20) into .vscode-test/code-server, offline: only the npm registry and Debian packages.
// Idempotent: a second run returns at once. Not a project dependency on purpose (~300 MB).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const VERSION = '4.100.3';
const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(root, '.vscode-test');
const prefix = path.join(cacheDir, 'code-server');
const bin = path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const marker = path.join(prefix, `installed-${VERSION}`);

function codeServerEntry() {
  return bin;
}

function requireApt(pkg, file) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: install the Debian package "${pkg}" (apt-get install -y ${pkg}); .ci/run does this.`);
  }
}

function install() {
  if (fs.existsSync(marker) && fs.existsSync(bin)) {
    return bin;
  }
  const started = Date.now();
  requireApt('ripgrep', '/usr/bin/rg');
  requireApt('libkrb5-dev', '/usr/include/krb5.h');
  fs.mkdirSync(prefix, { recursive: true });
  // code-server's postinstall downloads ripgrep unless a cached archive is found: give it
  // Debian's rg in the archive it looks for.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-install-'));
  const rgCache = path.join(tmp, 'vscode-ripgrep-cache-1.15.11');
  fs.mkdirSync(path.join(rgCache, 'stage'), { recursive: true });
  fs.copyFileSync('/usr/bin/rg', path.join(rgCache, 'stage', 'rg'));
  execFileSync('tar', ['-czf', path.join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', path.join(rgCache, 'stage'), 'rg']);
  fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'vscode-test-host', private: true }));
  console.log(`Installing code-server@${VERSION} into .vscode-test/code-server (once)...`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `code-server@${VERSION}`], {
    cwd: prefix,
    stdio: 'inherit',
    env: { ...process.env, TMPDIR: tmp, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_foreground_scripts: 'false' },
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0 || !fs.existsSync(bin)) {
    throw new Error(`code-server install failed (exit ${r.status})`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
  console.log(`code-server ${VERSION} installed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return bin;
}

module.exports = { install, codeServerEntry, cacheDir };

if (require.main === module) {
  try {
    install();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
