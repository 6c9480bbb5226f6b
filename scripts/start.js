#!/usr/bin/env node
// `npm start`: a real VS Code with this extension, on an example workspace, next to a
// Skaffold. Builds the extension, prepares code-server (once), uses the Skaffold answering at
// SKAFFOLD_ADDRESS (default 127.0.0.1:50051) or else starts the fake Skaffold's demo session
// there, and prints the URL to open. Ctrl-C stops everything it started.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { startHost, freePort } = require('./vscode-host/host');

const root = path.resolve(__dirname, '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');

function step(title, cmd, args) {
  console.log(`- ${title}`);
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function skaffoldAnswers(address) {
  const { SkaffoldClient } = require(path.join(root, 'out', 'src', 'skaffold', 'client.js'));
  const client = new SkaffoldClient(address);
  try {
    await client.getState(1000);
    return true;
  } catch {
    return false;
  } finally {
    client.dispose();
  }
}

/** The extension as an installed one: what the .vsix would unpack to. */
function installUnpacked(extensionsDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const target = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  for (const item of ['package.json', 'package.nls.json', 'dist', 'proto', 'media', 'README.md']) {
    fs.cpSync(path.join(root, item), path.join(target, item), { recursive: true });
  }
}

async function main() {
  step('building the extension', process.execPath, ['esbuild.js']);
  step('compiling (for the fake Skaffold)', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  require('./vscode-host/install').install();

  let address = process.env.SKAFFOLD_ADDRESS || '127.0.0.1:50051';
  let demo;
  if (await skaffoldAnswers(address)) {
    console.log(`- a Skaffold answers at ${address}: using it`);
  } else {
    const { startDemo } = require(path.join(root, 'out', 'test', 'fakes', 'demo.js'));
    const [host, port] = address.split(':');
    try {
      demo = await startDemo({ host, port: Number(port), log: (l) => console.log(`  ${l}`) });
    } catch {
      demo = await startDemo({ host: '127.0.0.1', port: await freePort(), log: (l) => console.log(`  ${l}`) });
    }
    address = demo.fake.address;
    console.log(`- no Skaffold at ${process.env.SKAFFOLD_ADDRESS || '127.0.0.1:50051'}: started the fake Skaffold's demo session on ${address}`);
  }

  const port = Number(process.env.PORT) || (await freePort());
  const server = await startHost({ workspace, port, settings: { 'skaffold.address': address }, beforeStart: installUnpacked });
  console.log(`\nOpen ${server.url}/?folder=${encodeURIComponent(workspace)}\n(the Skaffold icon is in the activity bar). Ctrl-C stops VS Code${demo ? ' and the fake Skaffold' : ''}.`);
  const stop = async () => {
    await server.stop();
    await demo?.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
