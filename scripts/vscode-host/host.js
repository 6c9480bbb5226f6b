// A real VS Code for tests and `npm start`: code-server (VS Code 1.100.3's server and web
// workbench) on 127.0.0.1, isolated in its own run folder so nothing touches the user's home,
// and Debian's Chromium driven by playwright-core.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { install, cacheDir } = require('./install');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * Starts code-server on `workspace`. `settings` become the user settings; `env` reaches the
 * extension host. Returns { url, port, runDir, stop() }.
 */
async function startHost({ workspace, settings = {}, env = {}, port, extensions = [], log = false, beforeStart }) {
  const entry = install();
  port = port || (await freePort());
  const runDir = path.join(cacheDir, 'runs', `${Date.now()}-${process.pid}-${port}`);
  const dirs = { home: 'home', data: 'data', exts: 'extensions', config: 'config', xdgData: 'xdg-data' };
  for (const key of Object.keys(dirs)) {
    dirs[key] = path.join(runDir, dirs[key]);
    fs.mkdirSync(dirs[key], { recursive: true });
  }
  // A short TMPDIR: VS Code's IPC socket paths live there and must stay under 107 bytes.
  dirs.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vsc-'));
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'git.enabled': false,
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.ignoreRecommendations': true,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    ...settings,
  }, null, 2));
  const configFile = path.join(dirs.config, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  for (const vsix of extensions) {
    await run(process.execPath, [entry, '--extensions-dir', dirs.exts, '--user-data-dir', dirs.data, '--install-extension', vsix], dirs);
  }
  if (beforeStart) {
    beforeStart(dirs.exts);
  }
  const args = [
    entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--extensions-dir', dirs.exts, '--user-data-dir', dirs.data, '--config', configFile, workspace,
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log ? 'inherit' : 'ignore', log ? 'inherit' : 'ignore'],
    env: hostEnv(dirs, env),
  });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await get(`${url}/healthz`)) !== 200) {
    if (exited) {
      throw new Error('code-server exited before answering /healthz');
    }
    if (Date.now() > deadline) {
      kill(child);
      throw new Error('code-server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    runDir,
    stop: async () => {
      kill(child);
      await new Promise((r) => (exited ? r() : child.once('exit', r)));
      fs.rmSync(runDir, { recursive: true, force: true });
      fs.rmSync(dirs.tmp, { recursive: true, force: true });
    },
  };
}

function hostEnv(dirs, env) {
  return {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.xdgData,
    TMPDIR: dirs.tmp,
    ...env,
  };
}

function run(cmd, args, dirs) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore', env: hostEnv(dirs, {}) });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const t = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000);
  t.unref();
}

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (.ci/run does this).`);
  }
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

module.exports = { startHost, launchBrowser, freePort };
