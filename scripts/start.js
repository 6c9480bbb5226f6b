#!/usr/bin/env node
// `npm start`: a real VS Code (code-server, in your browser) with this extension installed, on
// the example workspace, next to a Skaffold.
//
//   npm start [-- --watch]
//
// 1. builds the extension (node esbuild.js) and the TypeScript (tsc -p .);
// 2. installs code-server once (scripts/vscode-host/install.js; it needs the Debian packages
//    build-essential, python3, libkrb5-dev and ripgrep, checked first: a missing one is named
//    with the apt-get line that installs it, and npm start exits with 1);
// 3. asks SKAFFOLD_ADDRESS (default 127.0.0.1:50051) for Skaffold's state (1 s deadline);
//    if nothing answers, starts the fake Skaffold's demo session there
//    (node out/test/fakes/demo.js) and points the extension at it;
// 4. starts code-server on 127.0.0.1 (PORT, default a free port) with the extension installed
//    as a symlink to this repository, and prints the URL to open.
// --watch keeps esbuild rebuilding; run "Developer: Reload Window" to load a rebuild.
// Ctrl-C stops everything it started.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { startHost, freePort } = require('./vscode-host/host');
const { install, checkPrerequisites } = require('./vscode-host/install');

const root = path.resolve(__dirname, '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const demoScript = path.join(root, 'out', 'test', 'fakes', 'demo.js');
const protocolModule = path.join(root, 'out', 'src', 'skaffold', 'protocol.js');
const DEFAULT_ADDRESS = '127.0.0.1:50051';
const watch = process.argv.includes('--watch');

/** Everything started here, stopped newest first. */
const stops = [];
let stopping;
let signalled = false;
function stopAll(code) {
  stopping ??= (async () => {
    while (stops.length > 0) {
      try {
        await stops.pop()();
      } catch (err) {
        console.error(`while stopping: ${err.message || err}`);
      }
    }
    process.exit(code);
  })();
  return stopping;
}

function step(title, cmd, args, { optional = false } = {}) {
  const started = Date.now();
  process.stdout.write(`- ${title}... `);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status === 0) {
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  console.log('FAILED');
  console.error(output || r.error?.message);
  if (!optional) {
    throw new Error(`${title} failed`);
  }
}

function splitAddress(address) {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address) ?? /^()()(\d+)$/.exec(address);
  if (!m) {
    throw new Error(`SKAFFOLD_ADDRESS "${address}" is not host:port`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port: Number(m[3]) };
}

/** True when a gRPC `proto.SkaffoldService/GetState` at `address` answers within 1 s. */
async function skaffoldAnswers(address) {
  const grpc = require('@grpc/grpc-js');
  const { loadSkaffoldPackageDefinition } = require(protocolModule);
  const proto = grpc.loadPackageDefinition(loadSkaffoldPackageDefinition());
  const client = new proto.proto.SkaffoldService(address, grpc.credentials.createInsecure());
  try {
    await new Promise((resolve, reject) => {
      client.getState({}, { deadline: Date.now() + 1000 }, (err) => (err ? reject(err) : resolve()));
    });
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

function portFree(host, port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Starts `node out/test/fakes/demo.js` as a child process; resolves to its address. */
async function startDemo(host, port) {
  const child = spawn(process.execPath, [demoScript, '--host', host, '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream, out) => stream.on('data', (d) => {
    for (const line of String(d).split('\n').filter(Boolean)) {
      out.write(`  [fake skaffold] ${line}\n`);
    }
  });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  let exited = false;
  child.once('exit', () => { exited = true; });
  stops.push(() => new Promise((resolve) => {
    if (exited) {
      resolve();
      return;
    }
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  }));
  const address = `${host}:${port}`;
  const deadline = Date.now() + 15_000;
  while (!(await skaffoldAnswers(address))) {
    if (exited) {
      throw new Error(`the fake Skaffold exited (${child.exitCode}) before answering on ${address}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`the fake Skaffold did not answer on ${address} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.once('exit', (code, signal) => {
    if (!stopping && !signalled) {
      console.error(`The fake Skaffold stopped (${code ?? signal}); VS Code keeps running. Ctrl-C to quit.`);
    }
  });
  return address;
}

async function main() {
  const started = Date.now();
  // Before the build, so that a missing package is said at once (only until code-server is installed).
  checkPrerequisites();
  step('building the extension (node esbuild.js)', process.execPath, ['esbuild.js']);
  // tsc emits even with type errors: they are printed, and the demo usually still runs.
  step('compiling the TypeScript (tsc -p .)', process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', '.'], { optional: true });
  console.log('- preparing code-server');
  install();

  const configured = process.env.SKAFFOLD_ADDRESS || DEFAULT_ADDRESS;
  let address = configured;
  if (!fs.existsSync(protocolModule)) {
    console.log(`- ${path.relative(root, protocolModule)} is missing (did tsc fail?): not checking for a Skaffold`);
  } else if (await skaffoldAnswers(configured)) {
    console.log(`- a Skaffold answers at ${configured}: the extension connects to it`);
  } else if (!fs.existsSync(demoScript)) {
    console.log(`- no Skaffold answers at ${configured}, and ${path.relative(root, demoScript)} does not exist yet: `
      + 'skipping the demo session (start "skaffold dev --rpc-port 50051" yourself)');
  } else {
    let { host, port } = splitAddress(configured);
    if (!(await portFree(host, port))) {
      port = await freePort();
      console.log(`- ${configured} is taken by something that is not Skaffold: using port ${port} for the demo`);
    }
    address = await startDemo(host, port);
    console.log(`- no Skaffold at ${configured}: started the fake Skaffold's demo session on ${address}`);
  }

  if (watch) {
    const esbuild = spawn(process.execPath, ['esbuild.js', '--watch'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    stops.push(() => new Promise((resolve) => {
      if (esbuild.exitCode !== null) {
        resolve();
        return;
      }
      esbuild.once('exit', resolve);
      esbuild.kill('SIGTERM');
    }));
    console.log('- esbuild --watch: rebuilds dist/extension.js on save ("Developer: Reload Window" loads it)');
  }

  const server = await startHost({
    workspace,
    extensionPath: root,
    port: Number(process.env.PORT) || undefined,
    settings: { 'skaffold.address': address },
  });
  stops.push(() => server.stop());
  server.exited.then((e) => {
    if (!stopping) {
      console.error(`code-server exited (${e?.code ?? e?.signal}); stopping.`);
      stopAll(1);
    }
  });
  console.log(`\nVS Code with the Skaffold extension is ready (in ${((Date.now() - started) / 1000).toFixed(1)} s):\n\n    ${server.workbenchUrl()}\n`);
  console.log(`The Skaffold icon is in the activity bar; the extension talks to ${address}.`);
  console.log(`Ctrl-C stops VS Code${stops.length > 1 ? ' and what else was started here' : ''}.`);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signalled = true;
    console.log(`\n${signal}: stopping...`);
    stopAll(0);
  });
}

main().catch((err) => {
  console.error(`npm start: ${err.message || err}`);
  stopAll(1);
});
