/**
 * Finding the Skaffold processes that serve the control API on this machine, from their
 * command lines: `skaffold dev --rpc-port 50051` can be attached at 127.0.0.1:50051 (Skaffold
 * binds its API to 127.0.0.1 only). Linux reads /proc, macOS runs `ps`, Windows asks
 * PowerShell for Win32_Process. Nothing here throws on odd input: a process that vanishes or
 * a line that cannot be read is skipped.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface DiscoveredSkaffold {
  pid: number;
  /** The subcommand: 'dev' | 'debug' | 'run' or another one. */
  command: string;
  rpcPort: number;
  /** Where to connect: '127.0.0.1:PORT'. */
  address: string;
  /** Its working folder, when the platform tells (Linux). */
  cwd?: string;
  argv: string[];
}

/** Skaffold up to v1.31 served the API here with `--enable-rpc` and no `--rpc-port`. */
export const LEGACY_RPC_PORT = 50051;

const INTERPRETERS = new Set(['node', 'nodejs', 'sh', 'bash', 'dash', 'zsh', 'python', 'python3']);
/** Global flags of Skaffold's that take a separate value: `skaffold -v debug dev` runs `dev`. */
const GLOBAL_VALUE_FLAGS = new Set(['-v', '--verbosity', '--color']);
const MAX_ARGS = 10_000;

/** The last path component, whatever the separator (a Windows path read on any platform). */
function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

function isSkaffoldName(file: string): boolean {
  const base = baseName(file);
  if (/\.exe$/i.test(base)) {
    return base.slice(0, -4).toLowerCase() === 'skaffold';
  }
  return base === 'skaffold';
}

function isInterpreter(file: string): boolean {
  const base = baseName(file).replace(/\.exe$/i, '');
  return INTERPRETERS.has(base) || /^python3\.\d+$/.test(base);
}

/** Go's strconv.ParseBool, which Go's flag packages use for `--flag=value`. */
function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) {
    return true;
  }
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) {
    return false;
  }
  return undefined;
}

/**
 * The subcommand and RPC port of a Skaffold command line, or undefined when it is not
 * Skaffold or serves no control API. argv[0] is `skaffold` (or `skaffold.exe`), or an
 * interpreter running a script named `skaffold` (a wrapper). The port comes from
 * `--rpc-port N`, `--rpc-port=N` or `-rpc-port N` (the last one wins); `--enable-rpc` without
 * a port means 50051, the default of Skaffold up to v1.31. Flags after `--` are not read.
 */
export function parseSkaffoldArgv(argv: string[]): { command: string; rpcPort: number } | undefined {
  if (!Array.isArray(argv) || argv.length === 0 || argv.length > MAX_ARGS || !argv.every((a) => typeof a === 'string')) {
    return undefined;
  }
  let rest: string[];
  if (isSkaffoldName(argv[0])) {
    rest = argv.slice(1);
  } else if (isInterpreter(argv[0])) {
    const script = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
    if (script < 0 || !isSkaffoldName(argv[script])) {
      return undefined;
    }
    rest = argv.slice(script + 1);
  } else {
    return undefined;
  }

  let command: string | undefined;
  let portText: string | undefined;
  let enableRpc = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      command ??= arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--rpc-port' || name === '-rpc-port') {
      if (inline !== undefined) {
        portText = inline;
      } else if (i + 1 < rest.length) {
        portText = rest[++i];
      }
    } else if (name === '--enable-rpc' || name === '-enable-rpc') {
      enableRpc = inline === undefined ? true : parseGoBool(inline) ?? false;
    } else if (command === undefined && inline === undefined && GLOBAL_VALUE_FLAGS.has(name)) {
      i++;
    }
  }
  if (command === undefined) {
    return undefined;
  }
  let rpcPort: number | undefined;
  if (portText !== undefined) {
    rpcPort = /^\+?\d{1,10}$/.test(portText) ? Number(portText) : undefined; // Go: strconv.Atoi
  } else if (enableRpc) {
    rpcPort = LEGACY_RPC_PORT;
  }
  if (rpcPort === undefined || rpcPort < 1 || rpcPort > 65535) {
    return undefined;
  }
  return { command, rpcPort };
}

/**
 * Splits a Windows command line as the Microsoft C runtime does (and CommandLineToArgvW for
 * the arguments): whitespace separates; "..." groups; inside quotes `""` is a literal quote;
 * 2n backslashes before a quote are n backslashes and the quote delimits, 2n+1 are n and a
 * literal quote; other backslashes are literal. The program name (first element) takes quotes
 * but no backslash escapes.
 */
export function splitWindowsCommandLine(line: string): string[] {
  if (typeof line !== 'string') {
    return [];
  }
  const args: string[] = [];
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  let i = 0;
  const n = line.length;
  while (i < n && isSpace(line[i])) {
    i++;
  }
  if (i >= n) {
    return args;
  }
  // The program name: quotes toggle, nothing is escaped.
  let program = '';
  let quoted = false;
  for (; i < n; i++) {
    const c = line[i];
    if (c === '"') {
      quoted = !quoted;
    } else if (isSpace(c) && !quoted) {
      break;
    } else {
      program += c;
    }
  }
  args.push(program);
  for (;;) {
    while (i < n && isSpace(line[i])) {
      i++;
    }
    if (i >= n) {
      break;
    }
    let arg = '';
    quoted = false;
    while (i < n) {
      const c = line[i];
      if (c === '\\') {
        let slashes = 0;
        while (i < n && line[i] === '\\') {
          slashes++;
          i++;
        }
        if (i < n && line[i] === '"') {
          arg += '\\'.repeat(Math.floor(slashes / 2));
          if (slashes % 2 === 1) {
            arg += '"';
            i++;
          }
          // Even: the quote is handled by the next round as a delimiter.
        } else {
          arg += '\\'.repeat(slashes);
        }
        continue;
      }
      if (c === '"') {
        if (quoted && line[i + 1] === '"') {
          arg += '"';
          i += 2;
          continue;
        }
        quoted = !quoted;
        i++;
        continue;
      }
      if (isSpace(c) && !quoted) {
        break;
      }
      arg += c;
      i++;
    }
    args.push(arg);
  }
  return args;
}

function validPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0x7fffffff;
}

/**
 * Parses `ps -axww -o pid=,args=` (macOS): one process a line, its pid and its arguments.
 * ps joins the arguments with spaces, so quoting is lost: an argument containing a space
 * comes back as several (a port or a subcommand never has one).
 */
export function parsePsOutput(text: string): { pid: number; argv: string[] }[] {
  if (typeof text !== 'string') {
    return [];
  }
  const out: { pid: number; argv: string[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d{1,10})\s+(\S.*)$/.exec(line);
    if (!m) {
      continue;
    }
    const pid = Number(m[1]);
    if (validPid(pid)) {
      out.push({ pid, argv: m[2].trim().split(/\s+/) });
    }
  }
  return out;
}

/**
 * Parses PowerShell's `... | Select-Object ProcessId,CommandLine | ConvertTo-Json`: one object
 * or an array of them. A process whose command line is not readable (null: another user's)
 * is left out; anything that is not that JSON gives [].
 */
export function parseWindowsProcessJson(text: string): { pid: number; argv: string[] }[] {
  if (typeof text !== 'string') {
    return [];
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, '').trim() || '[]');
  } catch {
    return [];
  }
  const items = Array.isArray(data) ? data : [data];
  const out: { pid: number; argv: string[] }[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') {
      continue;
    }
    const { ProcessId: pid, CommandLine: commandLine } = item as { ProcessId?: unknown; CommandLine?: unknown };
    if (!validPid(pid) || typeof commandLine !== 'string' || commandLine.trim() === '') {
      continue;
    }
    out.push({ pid, argv: splitWindowsCommandLine(commandLine) });
  }
  return out;
}

function toDiscovered(pid: number, argv: string[], cwd?: string): DiscoveredSkaffold | undefined {
  const parsed = parseSkaffoldArgv(argv);
  if (!parsed) {
    return undefined;
  }
  return {
    pid,
    command: parsed.command,
    rpcPort: parsed.rpcPort,
    address: `127.0.0.1:${parsed.rpcPort}`,
    ...(cwd !== undefined ? { cwd } : {}),
    argv,
  };
}

const MAX_CMDLINE = 1 << 20;
const CONCURRENCY = 32;

async function listFromProc(procDir: string): Promise<DiscoveredSkaffold[]> {
  let entries: string[];
  try {
    entries = await fs.promises.readdir(procDir);
  } catch {
    return [];
  }
  const pids = entries.filter((e) => /^\d{1,10}$/.test(e)).map(Number).filter((pid) => validPid(pid) && pid !== process.pid);
  const found: DiscoveredSkaffold[] = [];
  const one = async (pid: number) => {
    try {
      const dir = path.join(procDir, String(pid));
      const raw = await fs.promises.readFile(path.join(dir, 'cmdline'));
      // Most processes are not Skaffold: skip them before splitting and reading their cwd.
      if (raw.length === 0 || raw.length > MAX_CMDLINE || !raw.includes('skaffold')) {
        return;
      }
      const argv = raw.toString('utf8').split('\u0000');
      if (argv[argv.length - 1] === '') {
        argv.pop();
      }
      if (!parseSkaffoldArgv(argv)) {
        return;
      }
      let cwd: string | undefined;
      try {
        cwd = await fs.promises.readlink(path.join(dir, 'cwd'));
      } catch {
        cwd = undefined; // another user's process, or gone
      }
      const d = toDiscovered(pid, argv, cwd);
      if (d) {
        found.push(d);
      }
    } catch {
      // The process exited meanwhile, or is not ours to read.
    }
  };
  for (let i = 0; i < pids.length; i += CONCURRENCY) {
    await Promise.all(pids.slice(i, i + CONCURRENCY).map(one));
  }
  return found;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    try {
      execFile(file, args, { timeout: 10_000, maxBuffer: 32 * 1024 * 1024, windowsHide: true, encoding: 'utf8' }, (err, stdout) => {
        resolve(err && !stdout ? '' : String(stdout));
      });
    } catch {
      resolve('');
    }
  });
}

const WINDOWS_QUERY = "Get-CimInstance Win32_Process -Filter \"Name like 'skaffold%'\" | Select-Object ProcessId,CommandLine | ConvertTo-Json";

/**
 * The Skaffold processes serving the control API, sorted by pid, without this process.
 * Linux: /proc (`procDir`); macOS: /bin/ps; Windows: PowerShell. Other platforms: [].
 * Absolute paths of ps and powershell, so that no file of the workspace is run instead.
 */
export async function listSkaffoldProcesses(opts: { platform?: NodeJS.Platform; procDir?: string } = {}): Promise<DiscoveredSkaffold[]> {
  try {
    const platform = opts.platform ?? process.platform;
    let found: DiscoveredSkaffold[] = [];
    if (platform === 'linux') {
      found = await listFromProc(opts.procDir ?? '/proc');
    } else if (platform === 'darwin') {
      const text = await run('/bin/ps', ['-axww', '-o', 'pid=,args=']);
      found = parsePsOutput(text).flatMap(({ pid, argv }) => toDiscovered(pid, argv) ?? []);
    } else if (platform === 'win32') {
      const root = process.env.SystemRoot ?? process.env.SYSTEMROOT ?? 'C:\\Windows';
      const powershell = path.win32.join(root, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
      // -EncodedCommand (UTF-16LE, base64): no quoting of the query through the command line.
      const encoded = Buffer.from(WINDOWS_QUERY, 'utf16le').toString('base64');
      const text = await run(powershell, ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded]);
      found = parseWindowsProcessJson(text).flatMap(({ pid, argv }) => toDiscovered(pid, argv) ?? []);
    }
    return found.filter((d) => d.pid !== process.pid).sort((a, b) => a.pid - b.pid);
  } catch {
    return [];
  }
}
