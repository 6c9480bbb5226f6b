#!/usr/bin/env node
// Installs a real VS Code (code-server 4.100.3, which bundles VS Code 1.100.3 and runs on
// Node 20) into .vscode-test/code-server, with nothing but the npm registry and Debian
// packages (see VSCODE-HOST.md in the shared folder beside the project). Not a project dependency on purpose (~300 MB).
// Idempotent: when the marker file is there, it returns at once.
//
//   node scripts/vscode-host/install.js      installs (once) and prints how long it took
//
// VSCODE_HOST_CACHE moves the cache folder (default: .vscode-test under the repository).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const VERSION = '4.100.3';
const NODE_MAJOR = 20; // code-server 4.100.x's postinstall refuses any other Node
const RIPGREP = { cacheDir: 'vscode-ripgrep-cache-1.15.11', version: 'v13.0.0-10' };

const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.resolve(process.env.VSCODE_HOST_CACHE || path.join(root, '.vscode-test'));
const prefix = path.join(cacheDir, 'code-server');
const entry = path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const marker = path.join(prefix, `installed-${VERSION}`);
const lockDir = path.join(cacheDir, 'code-server.lock');

/** What the install needs from Debian, each with a file that shows it is there. */
const INSTALL_NEEDS = [
  { pkg: 'ripgrep', file: '/usr/bin/rg', why: "stands in for @vscode/ripgrep's download" },
  { pkg: 'libkrb5-dev', file: '/usr/include/krb5.h', why: 'the kerberos addon compiles against it' },
  { pkg: 'build-essential', file: '/usr/bin/make', why: 'native addons (argon2, kerberos, node-pty) compile from source' },
  { pkg: 'build-essential', file: '/usr/bin/g++', why: 'native addons compile from source' },
  { pkg: 'python3', command: 'python3', why: 'node-gyp runs on it' },
];
/** What running the tests needs from Debian (checked here only to warn early). */
const RUN_NEEDS = [{ pkg: 'chromium', file: process.env.CHROMIUM_PATH || '/usr/bin/chromium', why: 'the browser that drives the workbench' }];

/** A path as printed: relative to the repository when inside it. */
function shown(p) {
  const rel = path.relative(root, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function isInstalled() {
  return fs.existsSync(marker) && fs.existsSync(entry);
}

function onPath(command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/** The Debian packages among `needs` that are missing, each named once. */
function missingPackages(needs) {
  const missing = needs.filter((n) => (n.file ? !fs.existsSync(n.file) : !onPath(n.command)));
  return [...new Map(missing.map((n) => [n.pkg, n])).values()];
}

function aptMessage(missing, what) {
  const names = missing.map((n) => n.pkg).join(' ');
  return [
    `${what} needs Debian packages that are missing: ${names}`,
    ...missing.map((n) => `  - ${n.pkg}: ${n.why}`),
    `Install them with: apt-get update && apt-get install -y --no-install-recommends ${names}   (.ci/run does this)`,
  ].join('\n');
}

/**
 * node-gyp downloads Node's headers unless told where they are: offline that download fails.
 * Debian's (and NodeSource's) nodejs ships them under <prefix>/include/node.
 */
function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) {
    return process.env.npm_config_nodedir;
  }
  const candidate = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(candidate, 'include', 'node', 'node_api.h')) ? candidate : undefined;
}

function ripgrepTarget() {
  const targets = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };
  const target = targets[process.arch];
  if (process.platform !== 'linux' || !target) {
    throw new Error(`code-server's offline install is set up for Linux x64/arm64 only, not ${process.platform} ${process.arch}.`);
  }
  return target;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** One install at a time (the integration and e2e runs may start together). */
function withLock(fn) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (let announced = false; ; ) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') {
        throw err;
      }
      const owner = Number(readOr(path.join(lockDir, 'pid'), '0'));
      if (owner && !alive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true }); // left by an install that was killed
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`Another install (pid ${owner}) has held ${shown(lockDir)} for 10 minutes; remove it if that process is gone.`);
      }
      if (!announced) {
        console.log(`Waiting for another code-server install (pid ${owner || '?'}) to finish...`);
        announced = true;
      }
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Throws, naming what is missing (the Node version, the Debian packages to apt-get install),
 * when code-server is not installed yet and could not be. Nothing to check once it is installed.
 */
function checkPrerequisites() {
  if (isInstalled()) {
    return;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== NODE_MAJOR) {
    throw new Error(`code-server ${VERSION} installs and runs on Node ${NODE_MAJOR} only; this is Node ${process.versions.node}.`);
  }
  const missing = missingPackages(INSTALL_NEEDS);
  if (missing.length > 0) {
    throw new Error(aptMessage(missing, `Installing code-server ${VERSION}`));
  }
}

/** Installs code-server if needed; returns the path of its entry script (run it with Node). */
function install() {
  if (isInstalled()) {
    return entry;
  }
  checkPrerequisites();
  const target = ripgrepTarget();
  const nodedir = nodeHeadersDir();
  if (!nodedir) {
    console.warn(`warning: no Node headers next to ${process.execPath}; node-gyp will try to download them (fails offline).`);
  }
  return withLock(() => {
    if (isInstalled()) {
      return entry; // another process installed it while we waited
    }
    const started = Date.now();
    // A half-finished install would be "up to date" for npm without its postinstall: start clean.
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), `${JSON.stringify({ name: 'vscode-test-host', private: true }, null, 2)}\n`);
    // code-server's postinstall downloads ripgrep unless it finds the archive in its cache
    // under TMPDIR: put Debian's rg there, in the archive it looks for.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-install-'));
    try {
      const rgCache = path.join(tmp, RIPGREP.cacheDir);
      const stage = path.join(tmp, 'stage');
      fs.mkdirSync(rgCache, { recursive: true });
      fs.mkdirSync(stage);
      fs.copyFileSync('/usr/bin/rg', path.join(stage, 'rg'));
      fs.chmodSync(path.join(stage, 'rg'), 0o755);
      execFileSync('tar', ['-czf', path.join(rgCache, `ripgrep-${RIPGREP.version}-${target}.tar.gz`), '-C', stage, 'rg']);
      console.log(`Installing code-server@${VERSION} (VS Code 1.100.3) into ${shown(prefix)} (once, about 2 minutes)...`);
      const env = {
        ...process.env,
        TMPDIR: tmp,
        npm_config_unsafe_perm: 'true',
        npm_config_yes: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
        ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
      };
      const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
      const [cmd, args] = fs.existsSync(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
      const r = spawnSync(cmd, [...args, 'install', '--no-save', '--no-package-lock', '--loglevel=error', `code-server@${VERSION}`], {
        cwd: prefix,
        stdio: 'inherit',
        env,
      });
      if (r.error || r.status !== 0 || !fs.existsSync(entry)) {
        throw new Error(`npm install code-server@${VERSION} failed (${r.error ? r.error.message : `exit ${r.status}`}); see its output above.`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
    console.log(`code-server ${VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return entry;
  });
}

module.exports = { install, checkPrerequisites, isInstalled, missingPackages, aptMessage, readOr, alive, RUN_NEEDS, cacheDir, root, VERSION };

if (require.main === module) {
  const started = process.hrtime.bigint();
  try {
    const already = isInstalled();
    install();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (already) {
      console.log(`code-server ${VERSION} already installed in ${shown(prefix)} (checked in ${ms.toFixed(0)} ms)`);
    }
    const missingRun = missingPackages(RUN_NEEDS);
    if (missingRun.length > 0) {
      console.warn(`warning: ${aptMessage(missingRun, 'Running the tests')}`);
    }
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
