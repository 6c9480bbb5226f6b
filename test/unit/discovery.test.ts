/**
 * Finding running Skaffolds that serve the control API: command lines of every platform
 * (Linux /proc, macOS ps, Windows PowerShell), the flags that give the port, and a real
 * stand-in Skaffold found in the real /proc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import {
  listSkaffoldProcesses, parsePsOutput, parseSkaffoldArgv, parseWindowsProcessJson, splitWindowsCommandLine,
} from '../../src/skaffold/launch/discovery';
import { findFreePort, SkaffoldProcess } from '../../src/skaffold/launch/process';
import { scratch } from './helpers';

const STANDIN = path.resolve(__dirname, '../../../test/fakes/bin/skaffold');
const { tempDir, processes } = scratch('skaffold-discovery');

const parse = (line: string) => parseSkaffoldArgv(line.split(' '));

test('the port comes from --rpc-port N, --rpc-port=N or -rpc-port N; the last one wins', () => {
  assert.deepEqual(parse('skaffold dev --rpc-port 50051'), { command: 'dev', rpcPort: 50051 });
  assert.deepEqual(parse('/usr/local/bin/skaffold debug --rpc-port=40001 --port-forward'), { command: 'debug', rpcPort: 40001 });
  assert.deepEqual(parse('skaffold run -rpc-port 40002'), { command: 'run', rpcPort: 40002 });
  assert.deepEqual(parse('skaffold dev -rpc-port=40003'), { command: 'dev', rpcPort: 40003 });
  assert.deepEqual(parse('skaffold dev --rpc-port 1 -p prod --rpc-port=40004'), { command: 'dev', rpcPort: 40004 });
  assert.deepEqual(parse('skaffold --rpc-port 40005 dev'), { command: 'dev', rpcPort: 40005 }, 'flags before the subcommand');
  assert.deepEqual(parse('skaffold -v debug dev --rpc-port 40006'), { command: 'dev', rpcPort: 40006 }, 'the value of -v is not the subcommand');
  assert.deepEqual(parse('skaffold build --rpc-port 40007'), { command: 'build', rpcPort: 40007 }, 'other subcommands are reported as they are');
});

test('--enable-rpc without a port means 50051 (Skaffold up to v1.31); no port at all is not attachable', () => {
  assert.deepEqual(parse('skaffold dev --enable-rpc'), { command: 'dev', rpcPort: 50051 });
  assert.deepEqual(parse('skaffold dev --enable-rpc=true'), { command: 'dev', rpcPort: 50051 });
  assert.deepEqual(parse('skaffold dev --enable-rpc --rpc-port 40010'), { command: 'dev', rpcPort: 40010 });
  assert.equal(parse('skaffold dev --enable-rpc=false'), undefined);
  assert.equal(parse('skaffold dev'), undefined);
  assert.equal(parse('skaffold dev --rpc-http-port 50052'), undefined, '--rpc-http-port is not --rpc-port');
  assert.equal(parse('skaffold dev --rpc-http-port=50052'), undefined);
  assert.deepEqual(parse('skaffold dev --rpc-http-port 50052 --rpc-port 40011'), { command: 'dev', rpcPort: 40011 });
});

test('ports out of range, missing values and flags after -- are not taken', () => {
  assert.equal(parse('skaffold dev --rpc-port 0'), undefined);
  assert.equal(parse('skaffold dev --rpc-port 65536'), undefined);
  assert.equal(parse('skaffold dev --rpc-port=abc'), undefined);
  assert.equal(parse('skaffold dev --rpc-port'), undefined);
  assert.equal(parse('skaffold dev -- --rpc-port 40012'), undefined);
  assert.equal(parse('skaffold --rpc-port 40013'), undefined, 'no subcommand: Skaffold only prints its help');
});

test('skaffold.exe, and wrapper scripts run by an interpreter, are Skaffold; other programs are not', () => {
  assert.deepEqual(parseSkaffoldArgv(['C:\\Program Files\\Skaffold\\skaffold.exe', 'dev', '--rpc-port', '40020']), { command: 'dev', rpcPort: 40020 });
  assert.deepEqual(parseSkaffoldArgv(['C:\\tools\\Skaffold.EXE', 'dev', '--rpc-port', '40021']), { command: 'dev', rpcPort: 40021 });
  assert.deepEqual(parseSkaffoldArgv(['/usr/bin/node', '/home/me/bin/skaffold', 'dev', '--rpc-port', '40022']), { command: 'dev', rpcPort: 40022 });
  assert.deepEqual(parseSkaffoldArgv(['node', '--enable-source-maps', './skaffold', 'debug', '--rpc-port=40023']), { command: 'debug', rpcPort: 40023 });
  assert.deepEqual(parseSkaffoldArgv(['/bin/bash', '/opt/skaffold', 'run', '--rpc-port', '40024']), { command: 'run', rpcPort: 40024 });
  assert.deepEqual(parseSkaffoldArgv(['python3', 'skaffold', 'dev', '--rpc-port', '40025']), { command: 'dev', rpcPort: 40025 });
  assert.equal(parseSkaffoldArgv(['/usr/bin/node', '/app/server.js', 'skaffold', 'dev', '--rpc-port', '40026']), undefined, 'skaffold as an argument of another script');
  assert.equal(parseSkaffoldArgv(['/usr/bin/vim', 'skaffold', 'dev', '--rpc-port', '40027']), undefined, 'not an interpreter');
  assert.equal(parseSkaffoldArgv(['/usr/bin/skaffold-helper', 'dev', '--rpc-port', '40028']), undefined);
  assert.equal(parseSkaffoldArgv(['/bin/sh', '-c', 'skaffold dev --rpc-port 40029']), undefined, 'a shell command string is not parsed');
  assert.equal(parseSkaffoldArgv(['kubectl', 'port-forward', '--rpc-port', '40030']), undefined);
  assert.equal(parseSkaffoldArgv([]), undefined);
  assert.equal(parseSkaffoldArgv(undefined as unknown as string[]), undefined);
  assert.equal(parseSkaffoldArgv([42, null] as unknown as string[]), undefined);
});

test('Windows command lines split as the C runtime does', () => {
  assert.deepEqual(splitWindowsCommandLine('"C:\\Program Files\\Skaffold\\skaffold.exe" dev --rpc-port 50051'), ['C:\\Program Files\\Skaffold\\skaffold.exe', 'dev', '--rpc-port', '50051']);
  assert.deepEqual(splitWindowsCommandLine('skaffold.exe dev -p "my profile" --filename "C:\\src\\sub dir\\skaffold.yaml"'), ['skaffold.exe', 'dev', '-p', 'my profile', '--filename', 'C:\\src\\sub dir\\skaffold.yaml']);
  // Microsoft's examples ("Parsing C++ command-line arguments"), after a program name.
  assert.deepEqual(splitWindowsCommandLine('p "a b c" d e'), ['p', 'a b c', 'd', 'e']);
  assert.deepEqual(splitWindowsCommandLine('p "ab\\"c" "\\\\" d'), ['p', 'ab"c', '\\', 'd']);
  assert.deepEqual(splitWindowsCommandLine('p a\\\\\\b d"e f"g h'), ['p', 'a\\\\\\b', 'de fg', 'h']);
  assert.deepEqual(splitWindowsCommandLine('p a\\\\\\"b c d'), ['p', 'a\\"b', 'c', 'd']);
  assert.deepEqual(splitWindowsCommandLine('p a\\\\\\\\"b c" d e'), ['p', 'a\\\\b c', 'd', 'e']);
  assert.deepEqual(splitWindowsCommandLine('p a"b"" c d'), ['p', 'ab" c d']);
  // The program name takes quotes but no escapes; empty and unterminated arguments; tabs.
  assert.deepEqual(splitWindowsCommandLine('C:\\dir\\"sub dir"\\skaffold.exe "" x'), ['C:\\dir\\sub dir\\skaffold.exe', '', 'x']);
  assert.deepEqual(splitWindowsCommandLine('  skaffold.exe\tdev  \t --rpc-port=1 "open ended'), ['skaffold.exe', 'dev', '--rpc-port=1', 'open ended']);
  assert.deepEqual(splitWindowsCommandLine(''), []);
  assert.deepEqual(splitWindowsCommandLine('   '), []);
});

test('macOS ps output: pid and space-split arguments per line', () => {
  const text = [
    '    1 /sbin/launchd',
    '  812 /opt/homebrew/bin/skaffold dev --rpc-port 50051 --port-forward',
    '90210 /usr/local/bin/node /Users/me/bin/skaffold debug --rpc-port=40100',
    '',
    'garbage line',
    '  77 ',
  ].join('\n');
  assert.deepEqual(parsePsOutput(text), [
    { pid: 1, argv: ['/sbin/launchd'] },
    { pid: 812, argv: ['/opt/homebrew/bin/skaffold', 'dev', '--rpc-port', '50051', '--port-forward'] },
    { pid: 90210, argv: ['/usr/local/bin/node', '/Users/me/bin/skaffold', 'debug', '--rpc-port=40100'] },
  ]);
  assert.deepEqual(parsePsOutput(''), []);
});

test('PowerShell JSON: one object or an array; unreadable command lines and garbage are skipped', () => {
  const one = JSON.stringify({ ProcessId: 4242, CommandLine: '"C:\\bin\\skaffold.exe" dev --rpc-port 50051' });
  assert.deepEqual(parseWindowsProcessJson(one), [{ pid: 4242, argv: ['C:\\bin\\skaffold.exe', 'dev', '--rpc-port', '50051'] }]);
  const many = JSON.stringify([
    { ProcessId: 10, CommandLine: 'skaffold.exe debug --rpc-port=40200' },
    { ProcessId: 11, CommandLine: null },
    { ProcessId: 'x', CommandLine: 'skaffold.exe dev' },
    null,
    { ProcessId: 12, CommandLine: 'skaffold.exe run' },
  ], null, 2);
  assert.deepEqual(parseWindowsProcessJson(`\uFEFF${many}\r\n`), [
    { pid: 10, argv: ['skaffold.exe', 'debug', '--rpc-port=40200'] },
    { pid: 12, argv: ['skaffold.exe', 'run'] },
  ]);
  for (const garbage of ['', 'not json', '{"ProcessId":', '42', 'null', '"text"', '[1,2]']) {
    assert.deepEqual(parseWindowsProcessJson(garbage), [], garbage);
  }
});

test('listSkaffoldProcesses reads a /proc: attachable Skaffolds only, sorted, with their cwd when readable', async () => {
  const proc = tempDir();
  const project = tempDir();
  const add = (pid: number | string, argv: string[] | null, cwd?: string) => {
    const dir = path.join(proc, String(pid));
    fs.mkdirSync(dir);
    if (argv) {
      fs.writeFileSync(path.join(dir, 'cmdline'), argv.length ? `${argv.join('\0')}\0` : '');
    } else {
      fs.mkdirSync(path.join(dir, 'cmdline')); // unreadable as a file
    }
    if (cwd) {
      fs.symlinkSync(cwd, path.join(dir, 'cwd'));
    }
  };
  add(300, ['/usr/bin/node', '/home/me/bin/skaffold', 'debug', '--rpc-port=40301']);
  add(200, ['/usr/local/bin/skaffold', 'dev', '--rpc-port', '40300', '--profile', 'my profile'], project);
  add(201, ['/usr/local/bin/skaffold', 'dev']);
  add(202, ['/bin/bash', '-c', 'echo skaffold']);
  add(203, null);
  add(204, []);
  add(process.pid, ['/usr/local/bin/skaffold', 'dev', '--rpc-port', '40302']);
  add('self', ['/usr/local/bin/skaffold', 'dev', '--rpc-port', '40303']);
  fs.writeFileSync(path.join(proc, 'uptime'), '1.0 1.0');

  const found = await listSkaffoldProcesses({ platform: 'linux', procDir: proc });
  assert.deepEqual(found, [
    { pid: 200, command: 'dev', rpcPort: 40300, address: '127.0.0.1:40300', cwd: project, argv: ['/usr/local/bin/skaffold', 'dev', '--rpc-port', '40300', '--profile', 'my profile'] },
    { pid: 300, command: 'debug', rpcPort: 40301, address: '127.0.0.1:40301', argv: ['/usr/bin/node', '/home/me/bin/skaffold', 'debug', '--rpc-port=40301'] },
  ]);
  assert.deepEqual(await listSkaffoldProcesses({ platform: 'linux', procDir: path.join(proc, 'missing') }), []);
  assert.deepEqual(await listSkaffoldProcesses({ platform: 'aix' }), []);
});

test('listSkaffoldProcesses finds a running Skaffold in the real /proc: its pid, port and folder', { skip: process.platform !== 'linux' }, async () => {
  const cwd = tempDir();
  const port = await findFreePort();
  const skaffold = SkaffoldProcess.start({ executable: STANDIN, args: ['dev', '--rpc-port', String(port)], cwd, env: { ...process.env, SKAFFOLD_STANDIN_STEP_MS: '2' } });
  processes.push(skaffold);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    skaffold.onOutput((text) => {
      output += text;
      // Ready for a graceful stop (its SIGINT handler is set once it watches; `standin-argv` comes before).
      if (output.includes('Watching for changes')) {
        resolve();
      }
    });
    skaffold.onExit((e) => reject(new Error(`exited: ${e.lastLines.join('\n')}`)));
  });
  const found = (await listSkaffoldProcesses()).find((d) => d.pid === skaffold.pid);
  assert.ok(found, 'the stand-in is listed');
  assert.equal(found.rpcPort, port);
  assert.equal(found.address, `127.0.0.1:${port}`);
  assert.equal(found.command, 'dev');
  assert.equal(found.cwd, cwd);
  assert.equal(path.basename(found.argv[1]), 'skaffold', `run by node: ${found.argv.join(' ')}`);
  assert.equal((await skaffold.stop()).code, 0);
  assert.equal((await listSkaffoldProcesses()).some((d) => d.pid === skaffold.pid), false, 'gone once stopped');
});
