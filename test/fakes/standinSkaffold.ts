/**
 * A stand-in for the `skaffold` executable, for launch and discovery tests: it is run as
 * `test/fakes/bin/skaffold dev --rpc-port N ...` and behaves as a real `skaffold dev` does as
 * far as a launcher can tell: the control API (the fake Skaffold) on 127.0.0.1:N, Skaffold-like
 * progress on stdout, `bind: address already in use` and exit 1 when the port is taken,
 * SIGINT cleans up and exits 0, SIGTERM exits 143. It never exits by itself otherwise.
 *
 * It prints its arguments first, as one line `standin-argv: [...]` (JSON), so that tests can
 * check that they arrived literally.
 *
 * Environment (Skaffold has no such flags):
 * - SKAFFOLD_STANDIN_ARTIFACTS: comma-separated artifact names (default example/app,example/worker)
 * - SKAFFOLD_STANDIN_STEP_MS: duration of one simulated step (default 20)
 * - SKAFFOLD_STANDIN_CLEANUP_FILE: written with `cleaned up` when SIGINT cleans up
 * - SKAFFOLD_STANDIN_IGNORE_SIGINT=1: SIGINT is ignored (to test a forced stop)
 * - SKAFFOLD_STANDIN_CHILD=1: starts a child process that lives as long as it is not killed
 *   and prints `standin-child: PID` (to test that a forced stop kills the process group)
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import { FakeSkaffold } from './skaffoldFake';

const VERSION = 'v2.7.0';

interface StandinArgs {
  command: string | undefined;
  rpcPort: string | undefined;
  auto: { build?: boolean; sync?: boolean; deploy?: boolean };
}

/** Flags of Skaffold's that take a value, so that the value is not taken for the subcommand. */
const VALUE_FLAGS = new Set(['-v', '--verbosity', '--color', '-f', '--filename', '-p', '--profile', '-m', '--module', '--rpc-port', '--rpc-http-port']);

function parseArgs(args: string[]): StandinArgs {
  const out: StandinArgs = { command: undefined, rpcPort: undefined, auto: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      break;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('-') ? (eq > 0 ? arg.slice(0, eq) : arg) : undefined;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === undefined) {
      out.command ??= arg;
      continue;
    }
    const normalized = name.replace(/^-(?=[a-z]{2,})/, '--');
    const value = () => inline ?? args[++i];
    if (normalized === '--rpc-port') {
      out.rpcPort = value();
    } else if (normalized === '--auto-build' || normalized === '--auto-sync' || normalized === '--auto-deploy') {
      out.auto[normalized.slice('--auto-'.length) as 'build' | 'sync' | 'deploy'] = inline === undefined ? true : /^(1|t|true)$/i.test(inline);
    } else if (VALUE_FLAGS.has(normalized) && inline === undefined) {
      i++;
    }
  }
  return out;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

function exitSoon(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** `argv` is process.argv: [node, script, ...skaffold's arguments]. */
export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  say(`standin-argv: ${JSON.stringify(args)}`);
  const parsed = parseArgs(args);
  const command = parsed.command;
  if (command === 'version') {
    say(VERSION);
    exitSoon(0);
    return;
  }
  if (command !== 'dev' && command !== 'debug' && command !== 'run') {
    warn(command === undefined ? 'Error: a command is required (dev, debug, run)' : `Error: unknown command "${command}" for "skaffold"`);
    exitSoon(1);
    return;
  }
  let port: number | undefined;
  if (parsed.rpcPort !== undefined) {
    port = Number(parsed.rpcPort);
    if (!/^\d+$/.test(parsed.rpcPort) || port < 1 || port > 65535) {
      warn(`Error: invalid argument "${parsed.rpcPort}" for "--rpc-port" flag: parse error`);
      exitSoon(1);
      return;
    }
  }

  const stepMs = Number(process.env.SKAFFOLD_STANDIN_STEP_MS ?? 20);
  const artifacts = (process.env.SKAFFOLD_STANDIN_ARTIFACTS ?? 'example/app,example/worker').split(',').map((a) => a.trim()).filter((a) => a !== '');
  const autoDefault = command !== 'debug';
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let fake: FakeSkaffold | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  let exiting = false;

  const shutdown = async (code: number, cleanup: boolean) => {
    if (exiting) {
      return;
    }
    exiting = true;
    if (cleanup) {
      say('Cleaning up...');
      for (const a of artifacts) {
        say(` - deployment.apps "${a.split('/').pop()}" deleted`);
      }
    }
    await fake?.stop().catch(() => undefined);
    child?.kill('SIGKILL');
    if (cleanup && process.env.SKAFFOLD_STANDIN_CLEANUP_FILE) {
      fs.writeFileSync(process.env.SKAFFOLD_STANDIN_CLEANUP_FILE, 'cleaned up');
    }
    clearInterval(keepAlive);
    exitSoon(code);
  };

  if (process.env.SKAFFOLD_STANDIN_IGNORE_SIGINT === '1') {
    process.on('SIGINT', () => say('standin: ignoring SIGINT'));
  } else {
    process.on('SIGINT', () => void shutdown(0, true));
  }
  process.on('SIGTERM', () => void shutdown(143, false));

  if (process.env.SKAFFOLD_STANDIN_CHILD === '1') {
    child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1 << 30)'], { stdio: 'ignore' });
    say(`standin-child: ${child.pid}`);
  }

  if (port === undefined) {
    warn('WARN[0000] no --rpc-port given: the control API is off (no events, no state over gRPC)');
  } else {
    if (await portTaken(port)) {
      warn(`listen tcp 127.0.0.1:${port}: bind: address already in use`);
      await shutdown(1, false);
      return;
    }
    try {
      fake = await FakeSkaffold.start({
        host: '127.0.0.1', port, stepMs, artifacts,
        autoBuild: parsed.auto.build ?? autoDefault,
        autoSync: parsed.auto.sync ?? autoDefault,
        autoDeploy: parsed.auto.deploy ?? autoDefault,
      });
    } catch {
      warn(`listen tcp 127.0.0.1:${port}: bind: address already in use`);
      await shutdown(1, false);
      return;
    }
  }

  say('Listing files to watch...');
  for (const a of artifacts) {
    say(` - ${a}`);
  }
  say('Generating tags...');
  for (const a of artifacts) {
    say(` - ${a} -> ${a}:${VERSION}-standin`);
  }
  say('Checking cache...');
  say('Starting build...');
  const started = Date.now();
  if (fake) {
    await fake.runDevLoop();
  }
  if (exiting) {
    return;
  }
  say('Starting deploy...');
  say('Waiting for deployments to stabilize...');
  say(`Deployments stabilized in ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  say('Press Ctrl+C to exit');
  if (command !== 'run') {
    say('Watching for changes...');
  }
}
