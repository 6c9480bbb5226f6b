// A real VS Code for tests and `npm start`: code-server (VS Code 1.100.3's server and web
// workbench) on 127.0.0.1, isolated in its own run folder under .vscode-test/runs/ so nothing
// touches the user's home, and Debian's Chromium driven by playwright-core.
//
//   const { startHost, launchBrowser } = require('./host');
//   const host = await startHost({ workspace, extensionPath, env });
//   const browser = await launchBrowser();
//   await page.goto(host.workbenchUrl({ extensionDevelopmentPath: root }));
//   ...
//   await browser.close(); await host.stop();
'use strict';
const { spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { install, cacheDir, missingPackages, aptMessage, readOr, alive, RUN_NEEDS } = require('./install');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const runsDir = path.join(cacheDir, 'runs');

/** User settings that keep the workbench quiet and off the (closed) network. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
};

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

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Signals a whole process group (code-server, its extension host, their children). */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

function statMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes the run folders of runners that died without cleaning up (killed with SIGKILL, a
 * crash), after stopping their code-server if it still runs: each folder records the pid of
 * its runner (`owner`) and of its code-server (`server`).
 */
function pruneStaleRuns() {
  let names = [];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(runsDir, name);
    const owner = Number(readOr(path.join(dir, 'owner.pid'), '0'));
    if (owner ? alive(owner) : Date.now() - statMs(dir) < 60_000) {
      continue; // running, or just being created
    }
    const base = readOr(path.join(dir, 'base'), '') || dir;
    const server = Number(readOr(path.join(dir, 'server.pid'), '0'));
    // Only a code-server started for this very run: its command line names the run's folder.
    if (server && readOr(`/proc/${server}/cmdline`, '').includes(base)) {
      killGroup(server, 'SIGKILL');
    }
    if (base !== dir && path.basename(base).startsWith('vsc-')) {
      fs.rmSync(base, { recursive: true, force: true }); // the run's folders lived in /tmp
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Hosts still running, stopped hard if this process exits without stopping them. */
const running = new Set();
process.on('exit', () => {
  for (const pid of running) {
    killGroup(pid, 'SIGKILL');
  }
});

/**
 * Makes `extensionPath` an installed extension in `extensionsDir`: a .vsix goes through
 * `--install-extension`; a folder is symlinked as publisher.name-version, so a rebuild and
 * "Developer: Reload Window" pick up the change.
 */
function installExtension(entry, extensionPath, dirs) {
  if (extensionPath.endsWith('.vsix')) {
    const r = spawnSync(process.execPath, [entry, '--extensions-dir', dirs.exts, '--user-data-dir', dirs.data, '--install-extension', extensionPath], {
      env: hostEnv(dirs, {}),
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      throw new Error(`code-server --install-extension ${extensionPath} failed:\n${r.stdout}${r.stderr}`);
    }
    return;
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  // Picked up only while extensions.json does not exist yet: this runs before anything else.
  fs.symlinkSync(path.resolve(extensionPath), path.join(dirs.exts, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
}

function hostEnv(dirs, env) {
  return {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    ...env,
  };
}

function tail(file, lines) {
  return readOr(file, '').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts code-server on `workspace`, on 127.0.0.1 only.
 *
 * - `extensionPath`: a folder or a .vsix to install first, or an array of them (for tests,
 *   prefer loading the repository as the extension under development through `workbenchUrl`;
 *   a helper extension of the tests, such as an API client, can be installed this way).
 * - `env`: reaches code-server and so the extension host (on top of this process's env).
 * - `settings`: user settings on top of the quiet defaults.
 * - `port`: fixed port (default: a free one). `log`: code-server's output to this stdout
 *   (default: to <runDir>/code-server.log).
 *
 * Resolves, once /healthz answers, to { url, port, pid, runDir, workspace, logFile, logsDir,
 * workbenchUrl(options), exited, stop() }. `stop()` ends the process group and removes the
 * run folder; `exited` resolves when code-server ends (by itself or stopped).
 */
async function startHost({ workspace, extensionPath, env = {}, port, settings = {}, log = false, timeoutMs = 60_000 } = {}) {
  if (!workspace || !fs.existsSync(workspace)) {
    throw new Error(`startHost: workspace folder ${workspace} does not exist`);
  }
  workspace = path.resolve(workspace);
  const entry = install();
  pruneStaleRuns();
  if (port && !(await portFree(port))) {
    throw new Error(`startHost: 127.0.0.1:${port} is already in use`);
  }
  port = port || (await freePort());
  // The run's record (who owns it, which code-server) is always .vscode-test/runs/<id>/.
  const record = path.join(runsDir, `${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
  fs.mkdirSync(record, { recursive: true });
  fs.writeFileSync(path.join(record, 'owner.pid'), String(process.pid));
  // Its folders live there too, unless the repository sits so deep that VS Code's sockets
  // (<base>/tmp/vscode-ipc-<uuid>.sock, <base>/data/code-server-ipc.sock) would pass the
  // 107-byte limit of a socket path: then in a short folder under /tmp.
  const runDir = record.length <= 46 ? record : fs.mkdtempSync(path.join(os.tmpdir(), 'vsc-'));
  fs.writeFileSync(path.join(record, 'base'), runDir);
  const dirs = { home: 'home', data: 'data', exts: 'extensions', config: 'config', xdgData: 'xdg-data', cache: 'cache', tmp: 'tmp' };
  for (const key of Object.keys(dirs)) {
    dirs[key] = path.join(runDir, dirs[key]);
    fs.mkdirSync(dirs[key], { recursive: true });
  }
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2)}\n`);
  const configFile = path.join(runDir, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');

  const cleanup = () => {
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.rmSync(record, { recursive: true, force: true });
  };
  let child;
  try {
    for (const ext of [extensionPath].flat().filter(Boolean)) {
      installExtension(entry, ext, dirs);
    }
    const logFile = path.join(runDir, 'code-server.log');
    const out = log ? 'inherit' : fs.openSync(logFile, 'a');
    const args = [
      entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
      '--extensions-dir', dirs.exts, '--user-data-dir', dirs.data, '--config', configFile, workspace,
    ];
    child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: hostEnv(dirs, env), cwd: workspace });
    if (typeof out === 'number') {
      fs.closeSync(out);
    }
    running.add(child.pid);
    fs.writeFileSync(path.join(record, 'server.pid'), String(child.pid));
    let exited = null;
    const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child.pid);
      resolve();
    }));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while ((await httpStatus(`${url}/healthz`)) !== 200) {
      if (exited) {
        throw new Error(`code-server exited (${exited.code ?? exited.signal}) before answering /healthz${log ? '' : `:\n${tail(logFile, 20)}`}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s${log ? '' : `:\n${tail(logFile, 20)}`}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    let stopping;
    return {
      url,
      port,
      pid: child.pid,
      runDir,
      workspace,
      logFile: log ? undefined : logFile,
      /** The workbench on `folder` (default: the workspace), optionally with a test payload. */
      workbenchUrl({ folder = workspace, extensionDevelopmentPath, extensionTestsPath } = {}) {
        const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
        const payload = [];
        if (extensionDevelopmentPath) {
          payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
        }
        if (extensionTestsPath) {
          payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
        }
        return `${url}/?folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
      },
      /** VS Code's log folder (extension host, server), to keep for a failure report before `stop()`. */
      logsDir: path.join(dirs.data, 'logs'),
      stop() {
        stopping ??= (async () => {
          if (!exited) {
            killGroup(child.pid, 'SIGTERM');
            const hard = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 3000);
            await exitedPromise;
            clearTimeout(hard);
          }
          killGroup(child.pid, 'SIGKILL'); // anything left in the group (an extension's child)
          running.delete(child.pid);
          cleanup();
        })();
        return stopping;
      },
      /** Resolves when code-server exits by itself (or is stopped). */
      exited: exitedPromise.then(() => exited),
    };
  } catch (err) {
    if (child) {
      killGroup(child.pid, 'SIGKILL');
      running.delete(child.pid);
    }
    cleanup();
    throw err;
  }
}

/**
 * Debian's Chromium, headless, with the flags that keep it off the network, in a profile
 * and HOME of its own (Chromium writes crash settings under $HOME/.config otherwise).
 * `browser.close()` removes that folder too.
 */
async function launchBrowser({ headless = true, args = [] } = {}) {
  const missing = missingPackages(RUN_NEEDS);
  if (missing.length > 0) {
    throw new Error(aptMessage(missing, 'Driving the workbench'));
  }
  const { chromium } = require('playwright-core');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vsc-chromium-'));
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless,
      args: [...CHROMIUM_ARGS, ...args],
      // Playwright's own handlers would exit this process on Ctrl-C before the caller has
      // stopped code-server; Chromium still ends with this process (its pipe closes).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
  } catch (err) {
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const close = browser.close.bind(browser);
  browser.close = async (...a) => {
    try {
      await close(...a);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
  return browser;
}

/**
 * Extension-host and workbench console lines arrive as ("%c LEVEL", css, ...args): returns
 * { level, text } without the styling, or undefined for a plain browser message.
 */
function parseConsole(text) {
  const m = /^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\s+color:\s*[^ ]+\s?([\s\S]*)$/.exec(text);
  return m ? { level: m[1], text: m[2] } : undefined;
}

module.exports = { startHost, launchBrowser, freePort, parseConsole, QUIET_SETTINGS, CHROMIUM_ARGS };
