/**
 * Launching Skaffold: the argument list (literal, never a shell string), the free port, where
 * the executable is, and the process itself against the stand-in Skaffold
 * (test/fakes/bin/skaffold): its output, a stop that lets Skaffold clean up, the forced stop,
 * a missing or unusable executable, a taken port.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { SkaffoldClient } from '../../src/skaffold/wire/client';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import {
  buildLaunchArgs, findFreePort, LaunchError, LaunchSpec, ProcessExit, resolveExecutable, SkaffoldProcess,
} from '../../src/skaffold/launch/process';
import { eventually, guardUnhandledRejections, scratch, sleep } from './helpers';

guardUnhandledRejections();

const BIN_DIR = path.resolve(__dirname, '../../../test/fakes/bin');
const STANDIN = path.join(BIN_DIR, 'skaffold');
const posix = process.platform !== 'win32';

const { tempDir, processes } = scratch('skaffold-launch');
const clients: SkaffoldClient[] = [];
after(() => clients.forEach((c) => c.dispose()));

/** The stand-in, with its output collected; `env` adds to this process's environment. */
function startStandin(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const proc = SkaffoldProcess.start({
    executable: STANDIN, args, cwd, env: { ...process.env, SKAFFOLD_STANDIN_STEP_MS: '2', ...env },
  });
  processes.push(proc);
  return watch(proc);
}

function watch(proc: SkaffoldProcess) {
  let output = '';
  proc.onOutput((text) => {
    output += text;
  });
  return {
    proc,
    output: () => output,
    /** Resolves when the output matches; rejects if the process exits first or after 10 s. */
    waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output);
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`)); }, timeoutMs);
        const out = proc.onOutput(check);
        const exit = proc.onExit((e) => { done(); reject(new Error(`exited (${e.code ?? e.signal}) before ${pattern}; output:\n${output}`)); });
        const done = () => { clearTimeout(timer); out.dispose(); exit.dispose(); };
        check();
      });
    },
  };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie waiting for its new parent to reap it is dead too.
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

// ---- the argument list ----

test('buildLaunchArgs puts every value in its own argument, profiles and modules comma-joined', () => {
  assert.deepEqual(buildLaunchArgs({
    command: 'dev', rpcPort: 50123, filename: 'sub dir/skaffold.yaml', profiles: ['a', 'b'], modules: ['x', 'y'], extraArgs: ['--port-forward', '--tail=false'],
  }), ['dev', '--rpc-port', '50123', '--filename', 'sub dir/skaffold.yaml', '--profile', 'a,b', '--module', 'x,y', '--port-forward', '--tail=false']);
  assert.deepEqual(buildLaunchArgs({ command: 'debug', rpcPort: 1, profiles: [], modules: [] }), ['debug', '--rpc-port', '1'], 'no empty --profile or --module');
  assert.deepEqual(buildLaunchArgs({ command: 'run', rpcPort: 65535 }), ['run', '--rpc-port', '65535']);
});

test('buildLaunchArgs refuses what Skaffold would misread, saying why', () => {
  const base: LaunchSpec = { command: 'dev', rpcPort: 50123 };
  const invalid = (spec: LaunchSpec, message: RegExp) => assert.throws(() => buildLaunchArgs(spec), (err: unknown) => {
    assert.ok(err instanceof LaunchError);
    assert.equal(err.kind, 'invalid');
    assert.match(err.message, message);
    return true;
  });
  invalid({ ...base, profiles: ['ok', 'a,b'] }, /profile name "a,b" contains a comma/);
  invalid({ ...base, modules: ['x,y'] }, /module name "x,y" contains a comma/);
  invalid({ ...base, profiles: [''] }, /empty/);
  invalid({ ...base, filename: '' }, /empty/);
  invalid({ ...base, extraArgs: ['--rpc-port', '4000'] }, /Remove "--rpc-port".*chooses the RPC port/);
  invalid({ ...base, extraArgs: ['--rpc-port=4000'] }, /Remove "--rpc-port=4000"/);
  invalid({ ...base, extraArgs: ['-rpc-port=4000'] }, /Remove "-rpc-port=4000"/);
  for (const rpcPort of [0, 65536, -1, 1.5, Number.NaN]) {
    invalid({ ...base, rpcPort }, /not a port number/);
  }
  invalid({ ...base, command: 'delete' as LaunchSpec['command'] }, /Unknown Skaffold command "delete"/);
  invalid({ ...base, extraArgs: ['a\u0000b'] }, /NUL/);
  assert.deepEqual(buildLaunchArgs({ ...base, extraArgs: ['--rpc-http-port', '4001'] }).slice(-2), ['--rpc-http-port', '4001'], '--rpc-http-port is the user\'s to choose');
});

test('shell metacharacters and spaces reach Skaffold literally, and nothing is run by a shell', { skip: !posix }, async () => {
  const cwd = tempDir();
  const port = await findFreePort();
  const args = buildLaunchArgs({
    command: 'dev', rpcPort: port, filename: 'sub dir/skaffold.yaml',
    profiles: ['my profile;$(touch pwned)&|', 'prod'], modules: ['x', 'y'],
    extraArgs: ['--label', 'owner=`touch pwned2` $HOME *', '>out.txt', "it's \"quoted\"", 'ünï €'],
  });
  const s = startStandin(args, {}, cwd);
  const [, json] = await s.waitFor(/^standin-argv: (.*)$/m);
  assert.deepEqual(JSON.parse(json), args);
  assert.deepEqual(JSON.parse(json).slice(5, 7), ['--profile', 'my profile;$(touch pwned)&|,prod']);
  await s.waitFor(/Watching for changes/);
  assert.equal((await s.proc.stop()).code, 0);
  assert.deepEqual(fs.readdirSync(cwd), [], 'no pwned, pwned2 or out.txt: no shell ran');
  assert.equal(fs.existsSync(path.join(process.cwd(), 'pwned')), false);
});

test('findFreePort gives a port that can be bound right after', async () => {
  const port = await findFreePort();
  assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, String(port));
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});

// ---- finding the executable ----

test('resolveExecutable finds skaffold in PATH or by path, and nothing that cannot run', async () => {
  assert.equal(await resolveExecutable('skaffold', { env: { PATH: BIN_DIR } }), STANDIN);
  assert.equal(await resolveExecutable(`bin${path.sep}skaffold`, { cwd: path.dirname(BIN_DIR) }), STANDIN);
  assert.equal(await resolveExecutable(STANDIN), STANDIN);
  const dir = tempDir();
  assert.equal(await resolveExecutable('skaffold', { env: { PATH: dir } }), undefined, 'not in that PATH');
  assert.equal(await resolveExecutable(path.join(dir, 'skaffold')), undefined, 'no such file');
  assert.equal(await resolveExecutable(dir), undefined, 'a folder is not an executable');
  assert.equal(await resolveExecutable(''), undefined);
  if (posix) {
    const plain = path.join(dir, 'skaffold');
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    assert.equal(await resolveExecutable(plain), undefined, 'not executable');
    assert.equal(await resolveExecutable('skaffold', { env: { PATH: dir } }), undefined, 'not executable, in PATH');
  }
});

test('resolveExecutable ignores relative PATH entries, so a file of the working folder cannot win', { skip: !posix }, async () => {
  const dir = tempDir();
  const exe = path.join(dir, 'skaffold');
  fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(await resolveExecutable('skaffold', { env: { PATH: dir } }), exe);
  assert.equal(await resolveExecutable('skaffold', { env: { PATH: path.relative(process.cwd(), dir) } }), undefined);
});

test('resolveExecutable expands ~/ to the home folder', { skip: !posix }, async () => {
  const home = tempDir();
  fs.mkdirSync(path.join(home, 'bin'));
  fs.writeFileSync(path.join(home, 'bin', 'skaffold'), '#!/bin/sh\n', { mode: 0o755 });
  const saved = process.env.HOME;
  process.env.HOME = home; // os.homedir() reads HOME on POSIX
  try {
    assert.equal(await resolveExecutable('~/bin/skaffold'), path.join(home, 'bin', 'skaffold'));
    assert.equal(await resolveExecutable('~/bin/missing'), undefined);
  } finally {
    process.env.HOME = saved;
  }
});

// ---- the process ----

test('stop() lets Skaffold clean up: SIGINT, exit 0, cleanup done, the API port closed', { skip: !posix }, async () => {
  const dir = tempDir();
  const cleanup = path.join(dir, 'cleanup');
  const port = await findFreePort();
  const s = startStandin(['dev', '--rpc-port', String(port)], { SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup, SKAFFOLD_STANDIN_ARTIFACTS: 'example/api,example/web' });
  await s.waitFor(/Watching for changes\.\.\./);
  assert.equal(s.proc.running, true);
  assert.ok(s.proc.pid && s.proc.pid > 0);
  const client = new SkaffoldClient(`127.0.0.1:${port}`);
  clients.push(client);
  const state = await client.getState();
  assert.deepEqual(Object.keys(state.buildState?.artifacts ?? {}), ['example/api', 'example/web']);
  assert.equal(state.buildState?.autoTrigger, true, 'dev starts with auto build on');
  const ended = new Promise<SkaffoldError>((resolve) => client.subscribe({ onEntry: () => undefined, onEnd: resolve }));

  const exit = await s.proc.stop();
  assert.equal(exit.code, 0);
  assert.equal(exit.signal, null);
  assert.equal(exit.error, undefined);
  assert.ok(exit.lastLines.includes('Cleaning up...'), exit.lastLines.join('\n'));
  assert.equal(fs.readFileSync(cleanup, 'utf8'), 'cleaned up');
  assert.equal(s.proc.running, false);
  assert.equal(await s.proc.exited, exit, 'exited resolves with the same exit');
  const end = await ended;
  assert.equal(end.code, 14, `the event stream ends with UNAVAILABLE, as when Skaffold exits (${end.message})`);
  assert.equal(await refusesConnections(port), true, 'the API port is closed');
});

test('debug starts with the auto triggers off, as Skaffold does', { skip: !posix }, async () => {
  const port = await findFreePort();
  const s = startStandin(['debug', `--rpc-port=${port}`]);
  await s.waitFor(/Watching for changes/);
  const client = new SkaffoldClient(`127.0.0.1:${port}`);
  clients.push(client);
  const state = await client.getState();
  assert.deepEqual([state.buildState?.autoTrigger, state.fileSyncState?.autoTrigger, state.deployState?.autoTrigger], [false, false, false]);
  client.dispose();
  assert.equal((await s.proc.stop()).code, 0);
});

test('a Skaffold that ignores SIGINT is killed with its process group after the timeout', { skip: !posix }, async (t) => {
  const dir = tempDir();
  const cleanup = path.join(dir, 'cleanup');
  const port = await findFreePort();
  const s = startStandin(['dev', '--rpc-port', String(port)], { SKAFFOLD_STANDIN_IGNORE_SIGINT: '1', SKAFFOLD_STANDIN_CHILD: '1', SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup });
  const [, childPid] = await s.waitFor(/^standin-child: (\d+)$/m);
  await s.waitFor(/Watching for changes/);
  // The kill timer on a fake clock: not killed a moment before the timeout, killed at it.
  const kill = t.mock.method(s.proc, 'kill');
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const stopped = s.proc.stop(500);
  await s.waitFor(/ignoring SIGINT/); // asked nicely first
  t.mock.timers.tick(499);
  assert.equal(kill.mock.callCount(), 0, 'not killed before the timeout');
  t.mock.timers.tick(1);
  assert.equal(kill.mock.callCount(), 1, 'killed at the timeout');
  t.mock.timers.reset();
  const exit = await stopped;
  try {
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.code, null);
    assert.match(s.output(), /ignoring SIGINT/, 'it was asked nicely first');
    assert.equal(fs.existsSync(cleanup), false, 'no cleanup when killed');
    await eventually('what Skaffold started to be killed too', () => isGone(Number(childPid)), 3000);
    assert.equal(await refusesConnections(port), true);
  } finally {
    if (!isGone(Number(childPid))) {
      process.kill(Number(childPid), 'SIGKILL');
    }
  }
});

test('a second stop() while stopping kills at once, like Ctrl+C twice', { skip: !posix }, async (t) => {
  const s = startStandin(['dev', '--rpc-port', String(await findFreePort())], { SKAFFOLD_STANDIN_IGNORE_SIGINT: '1' });
  await s.waitFor(/Watching for changes/);
  const first = s.proc.stop(); // 30 s grace
  await s.waitFor(/ignoring SIGINT/);
  assert.equal(s.proc.running, true);
  // No time passes on the fake clock: only the second stop can end it.
  const kill = t.mock.method(s.proc, 'kill');
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const second = s.proc.stop();
  assert.equal(kill.mock.callCount(), 1, 'killed at once');
  t.mock.timers.reset();
  const exit = await second;
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(await first, exit);
});

test('dispose() stops gracefully without waiting', { skip: !posix }, async () => {
  const cleanup = path.join(tempDir(), 'cleanup');
  const s = startStandin(['dev', '--rpc-port', String(await findFreePort())], { SKAFFOLD_STANDIN_CLEANUP_FILE: cleanup });
  await s.waitFor(/Watching for changes/);
  s.proc.dispose();
  const exit = await s.proc.exited;
  assert.equal(exit.code, 0);
  assert.equal(fs.readFileSync(cleanup, 'utf8'), 'cleaned up');
});

test('a missing executable: undefined from resolveExecutable, and a notFound exit instead of a throw', async () => {
  const dir = tempDir();
  const missing = path.join(dir, 'no-skaffold-here');
  assert.equal(await resolveExecutable('no-skaffold-here', { env: { PATH: dir } }), undefined);
  const exits: ProcessExit[] = [];
  const proc = SkaffoldProcess.start({ executable: missing, args: ['dev'] });
  proc.onExit((e) => exits.push(e));
  assert.equal(proc.pid, undefined);
  const exit = await proc.exited;
  assert.ok(exit.error instanceof LaunchError);
  assert.equal(exit.error.kind, 'notFound');
  assert.ok(exit.error.message.includes(missing), exit.error.message);
  assert.deepEqual([exit.code, exit.signal], [null, null]);
  assert.equal(proc.running, false);
  assert.equal(await proc.stop(), exit, 'stopping what never ran is a no-op');
  await sleep(50); // a quiet period: no second exit comes (there is no process whose end could be awaited)
  assert.deepEqual(exits, [exit], 'onExit fired once');
});

test('an executable that cannot run, or a missing working folder, is a spawn error naming it', { skip: !posix }, async () => {
  const dir = tempDir();
  const plain = path.join(dir, 'skaffold');
  fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  const denied = await SkaffoldProcess.start({ executable: plain, args: ['dev'] }).exited;
  assert.equal(denied.error?.kind, 'spawn');
  assert.match(denied.error?.message ?? '', /permission denied/);
  assert.ok(denied.error?.message.includes(plain));
  const noCwd = await SkaffoldProcess.start({ executable: STANDIN, args: ['dev'], cwd: path.join(dir, 'gone') }).exited;
  assert.equal(noCwd.error?.kind, 'spawn');
  assert.match(noCwd.error?.message ?? '', /working folder .* does not exist/);
});

test('a taken port: Skaffold exits 1 and the bind error is in the last lines', { skip: !posix }, async () => {
  const server = net.createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  try {
    const s = startStandin(['dev', '--rpc-port', String(port)]);
    const exit = await s.proc.exited;
    assert.equal(exit.code, 1);
    assert.ok(exit.lastLines.includes(`listen tcp 127.0.0.1:${port}: bind: address already in use`), exit.lastLines.join('\n'));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('output is decoded as UTF-8 across chunks; lastLines keeps the last 20 lines of both streams', async () => {
  const script = [
    "process.stdout.write(Buffer.from([0xe2, 0x82]));",
    "setTimeout(() => {",
    "  process.stdout.write(Buffer.from([0xac, 0x20, 0xc3]));",
    "  setTimeout(() => {",
    "    process.stdout.write(Buffer.from([0xbc, 0x0a]));",
    "    for (let i = 1; i <= 30; i++) process.stdout.write('line ' + i + '\\n');",
    "    setTimeout(() => process.stderr.write('no newline at the end', () => process.exit(3)), 100);",
    "  }, 50);",
    "}, 50);",
  ].join('\n');
  const proc = SkaffoldProcess.start({ executable: process.execPath, args: ['-e', script] });
  processes.push(proc);
  const chunks: string[] = [];
  proc.onOutput((text, stream) => chunks.push(`${stream}:${text}`));
  const exit = await proc.exited;
  assert.equal(exit.code, 3);
  const stdout = chunks.filter((c) => c.startsWith('stdout:')).map((c) => c.slice(7)).join('');
  assert.ok(stdout.startsWith('€ ü\n'), JSON.stringify(stdout.slice(0, 20)));
  assert.equal(chunks.join('').includes('\ufffd'), false, 'no broken character');
  assert.deepEqual(exit.lastLines, [...Array.from({ length: 19 }, (_, i) => `line ${i + 12}`), 'no newline at the end'], 'stdout and stderr, in order of arrival');
});
