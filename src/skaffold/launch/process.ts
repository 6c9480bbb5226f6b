/**
 * Starting and stopping a Skaffold process: its argument list (never a shell string), a free
 * port for its control API, where its executable is, and the process itself with its output,
 * a graceful stop (SIGINT, as Ctrl+C: Skaffold deletes what it deployed) and a forced one.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';
import which from 'which';
import { Disposable, Emitter } from '../base/events';

export type LaunchCommand = 'dev' | 'debug' | 'run';

export interface LaunchSpec {
  command: LaunchCommand;
  rpcPort: number;
  /** `--filename`: the skaffold.yaml, relative to the process's cwd or absolute. */
  filename?: string;
  /** `--profile`: joined with commas, as Skaffold splits them. */
  profiles?: string[];
  /** `--module`: the configs (metadata.name) to run, joined with commas. */
  modules?: string[];
  /** Passed as they are, after ours; each element stays one argument. */
  extraArgs?: string[];
}

/**
 * - notFound: the executable does not exist (ENOENT).
 * - spawn: it exists but cannot be started (EACCES, not executable, bad working folder).
 * - untrusted: launching is not allowed in this workspace (decided by the caller).
 * - invalid: the launch settings are wrong (a bad port, a name Skaffold would split).
 */
export type LaunchErrorKind = 'notFound' | 'spawn' | 'untrusted' | 'invalid';

export class LaunchError extends Error {
  constructor(readonly kind: LaunchErrorKind, message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

const COMMANDS: readonly string[] = ['dev', 'debug', 'run'];
const RPC_PORT_FLAG = /^--?rpc-port(=|$)/;

/**
 * The argv (without the executable) for `skaffold <command> --rpc-port N ...`. Each value is
 * one element, kept literally: spawn it with `shell: false`. Throws a LaunchError ('invalid')
 * for a port out of range, a profile or module name containing a comma (Skaffold would split
 * it), an empty name, a NUL character, or a `--rpc-port` in extraArgs (the port is ours).
 */
export function buildLaunchArgs(spec: LaunchSpec): string[] {
  if (!COMMANDS.includes(spec.command)) {
    throw new LaunchError('invalid', `Unknown Skaffold command "${String(spec.command)}": use dev, debug or run.`);
  }
  if (!Number.isInteger(spec.rpcPort) || spec.rpcPort < 1 || spec.rpcPort > 65535) {
    throw new LaunchError('invalid', `The RPC port ${String(spec.rpcPort)} is not a port number (1-65535).`);
  }
  const args: string[] = [spec.command, '--rpc-port', String(spec.rpcPort)];
  if (spec.filename !== undefined) {
    if (spec.filename === '') {
      throw new LaunchError('invalid', 'The Skaffold config file name is empty.');
    }
    args.push('--filename', checkNul(spec.filename, 'The Skaffold config file name'));
  }
  const list = (names: string[] | undefined, what: string, flag: string) => {
    if (!names || names.length === 0) {
      return;
    }
    for (const name of names) {
      if (typeof name !== 'string' || name === '') {
        throw new LaunchError('invalid', `A ${what} name is empty.`);
      }
      if (name.includes(',')) {
        throw new LaunchError('invalid', `The ${what} name "${name}" contains a comma: Skaffold would read it as several ${what}s (${flag} a,b). Rename the ${what}.`);
      }
      checkNul(name, `The ${what} name`);
    }
    args.push(flag, names.join(','));
  };
  list(spec.profiles, 'profile', '--profile');
  list(spec.modules, 'module', '--module');
  for (const arg of spec.extraArgs ?? []) {
    if (typeof arg !== 'string') {
      throw new LaunchError('invalid', 'Every extra Skaffold argument must be a string.');
    }
    if (RPC_PORT_FLAG.test(arg)) {
      throw new LaunchError('invalid', `Remove "${arg}" from the extra Skaffold arguments: the extension chooses the RPC port itself (it passes --rpc-port ${spec.rpcPort}).`);
    }
    args.push(checkNul(arg, 'An extra Skaffold argument'));
  }
  return args;
}

function checkNul(value: string, what: string): string {
  if (value.includes('\u0000')) {
    throw new LaunchError('invalid', `${what} contains a NUL character.`);
  }
  return value;
}

/**
 * A port that is free on `host` now: the system picks it (listen on 0), we close it again.
 * Another process may take it before Skaffold binds it; Skaffold then exits with
 * "bind: address already in use", which the caller can retry.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => {
        if (err) {
          reject(err);
        } else if (port > 0) {
          resolve(port);
        } else {
          reject(new Error(`Could not find a free port on ${host}.`));
        }
      });
    });
  });
}

/**
 * The absolute path of `executable`, or undefined when it is not there or not executable.
 * A bare name (`skaffold`) is looked up in PATH (of `env`, else of this process); only absolute
 * PATH entries are used, so a relative or empty entry cannot make a file of the working folder
 * win. A name with a path separator is taken relative to `cwd`; `~/` is the home folder.
 */
export async function resolveExecutable(executable: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string | undefined> {
  try {
    if (typeof executable !== 'string' || executable.trim() === '' || executable.includes('\u0000')) {
      return undefined;
    }
    const windows = process.platform === 'win32';
    let name = executable;
    if (name === '~' || name.startsWith('~/') || (windows && name.startsWith('~\\'))) {
      name = path.join(os.homedir(), name.slice(1));
    }
    const hasSeparator = name.includes('/') || (windows && name.includes('\\')) || path.isAbsolute(name);
    if (hasSeparator) {
      const full = path.resolve(opts.cwd ?? process.cwd(), name);
      return (await isExecutableFile(full, windows)) ? full : undefined;
    }
    const env = opts.env ?? process.env;
    const pathValue = envValue(env, 'PATH') ?? '';
    const absoluteEntries = pathValue.split(path.delimiter).filter((entry) => entry !== '' && path.isAbsolute(entry.replace(/^"(.*)"$/, '$1')));
    const found = await which(name, { nothrow: true, path: absoluteEntries.join(path.delimiter), pathExt: envValue(env, 'PATHEXT') });
    return found ? path.resolve(found) : undefined;
  } catch {
    return undefined;
  }
}

async function isExecutableFile(file: string, windows: boolean): Promise<boolean> {
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile()) {
      return false;
    }
    if (!windows) {
      await fs.promises.access(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Environment variable names are case-insensitive on Windows (`Path`). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name] !== undefined) {
    return env[name];
  }
  if (process.platform === 'win32') {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name);
    return key ? env[key] : undefined;
  }
  return undefined;
}

export interface ProcessExit {
  /** The exit code, null when it was killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  error?: LaunchError;
  /** The last lines of stdout and stderr together, for error messages. */
  lastLines: string[];
}

export type OutputStream = 'stdout' | 'stderr';

const LAST_LINES = 20;
const MAX_LINE = 2000;
/** After the process exits, how long to wait for the rest of its output (a grandchild may hold the pipes). */
const CLOSE_GRACE_MS = 500;

/**
 * A Skaffold process, started without a shell, in its own process group on POSIX so that a
 * forced stop reaches what it started (builders, kubectl port-forward) too.
 */
export class SkaffoldProcess implements Disposable {
  readonly exited: Promise<ProcessExit>;
  readonly pid: number | undefined;

  private readonly outputEmitter = new Emitter<{ text: string; stream: OutputStream }>();
  private readonly exitEmitter = new Emitter<ProcessExit>();
  private resolveExit!: (exit: ProcessExit) => void;
  private exit: ProcessExit | undefined;
  private child: ChildProcess | undefined;
  private readonly lines: string[] = [];
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private stopping = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly detached = process.platform !== 'win32';

  private constructor(private readonly executable: string, args: string[], cwd: string | undefined, env: NodeJS.ProcessEnv | undefined) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    let child: ChildProcess;
    try {
      child = spawn(executable, args, {
        cwd, env, shell: false, detached: this.detached, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true,
      });
    } catch (err) {
      // Invalid arguments (a NUL in a value, a bad option) throw synchronously.
      this.finish(null, null, new LaunchError('invalid', `Cannot start "${executable}": ${(err as Error).message}`));
      this.pid = undefined;
      return;
    }
    this.child = child;
    this.pid = child.pid;
    let spawned = child.pid !== undefined;
    child.once('spawn', () => {
      spawned = true;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (!spawned) {
        this.finish(null, null, spawnError(executable, cwd, err));
      }
      // Later errors (a failed kill of a process already gone) change nothing.
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (!readable) {
        continue;
      }
      const decoder = new StringDecoder('utf8');
      readable.on('data', (chunk: Buffer) => this.output(decoder.write(chunk), stream));
      readable.on('end', () => this.output(decoder.end(), stream));
      readable.on('error', () => undefined);
    }
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let closeTimer: NodeJS.Timeout | undefined;
    child.once('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // 'close' follows once the pipes are drained; a grandchild that keeps them open must
      // not keep us from reporting the exit.
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.finish(exitCode, exitSignal);
      }, CLOSE_GRACE_MS);
    });
    child.once('close', (code, signal) => {
      if (closeTimer) {
        clearTimeout(closeTimer);
      }
      this.finish(code ?? exitCode, signal ?? exitSignal);
    });
  }

  static start(opts: { executable: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv }): SkaffoldProcess {
    return new SkaffoldProcess(opts.executable, opts.args, opts.cwd, opts.env);
  }

  get running(): boolean {
    return this.exit === undefined && this.child !== undefined && this.pid !== undefined;
  }

  /** Output as it arrives, decoded as UTF-8 (a character split between chunks stays whole). */
  onOutput(listener: (text: string, stream: OutputStream) => void): Disposable {
    return this.outputEmitter.event(({ text, stream }) => listener(text, stream));
  }

  onExit(listener: (exit: ProcessExit) => void): Disposable {
    return this.exitEmitter.event(listener);
  }

  /**
   * Stops Skaffold as Ctrl+C does: SIGINT, so that it cleans up what it deployed. If it is still
   * running after `timeoutMs`, its whole process group is killed. A second call while stopping
   * kills at once (Ctrl+C twice). Resolves when it has exited.
   */
  stop(timeoutMs = 30000): Promise<ProcessExit> {
    if (!this.running) {
      return this.exited;
    }
    if (this.stopping) {
      this.kill();
      return this.exited;
    }
    this.stopping = true;
    if (!this.signal('SIGINT')) {
      this.kill();
      return this.exited;
    }
    this.killTimer = setTimeout(() => this.kill(), Math.max(0, timeoutMs));
    return this.exited;
  }

  /** Kills the process and its process group at once (SIGKILL); no cleanup by Skaffold. */
  kill(): void {
    if (!this.running || this.pid === undefined) {
      return;
    }
    if (this.detached) {
      try {
        process.kill(-this.pid, 'SIGKILL');
        return;
      } catch {
        // No such group (or not allowed): kill the process itself.
      }
    }
    this.signal('SIGKILL');
  }

  /** Stops gracefully without waiting (the forced kill still follows after the timeout). */
  dispose(): void {
    if (this.running) {
      this.stop().catch(() => undefined);
    }
    this.outputEmitter.dispose();
    this.exitEmitter.dispose();
  }

  private signal(signal: NodeJS.Signals): boolean {
    try {
      return this.child?.kill(signal) ?? false;
    } catch {
      return false;
    }
  }

  private output(text: string, stream: OutputStream): void {
    if (!text) {
      return;
    }
    const parts = (this.partial[stream] + text).split(/\r?\n/);
    this.partial[stream] = (parts.pop() ?? '').slice(-MAX_LINE);
    for (const line of parts) {
      this.remember(line);
    }
    this.outputEmitter.fire({ text, stream });
  }

  private remember(line: string): void {
    this.lines.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
    if (this.lines.length > LAST_LINES) {
      this.lines.splice(0, this.lines.length - LAST_LINES);
    }
  }

  private finish(code: number | null, signal: string | null, error?: LaunchError): void {
    if (this.exit) {
      return;
    }
    if (this.killTimer) {
      clearTimeout(this.killTimer);
      this.killTimer = undefined;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) {
        this.remember(this.partial[stream]);
        this.partial[stream] = '';
      }
    }
    this.exit = { code, signal, ...(error ? { error } : {}), lastLines: [...this.lines] };
    this.exitEmitter.fire(this.exit);
    this.resolveExit(this.exit);
  }

  /** For messages: the executable as it was given. */
  toString(): string {
    return `SkaffoldProcess(${this.executable}, pid ${this.pid ?? 'none'})`;
  }
}

function spawnError(executable: string, cwd: string | undefined, err: NodeJS.ErrnoException): LaunchError {
  if (err.code === 'ENOENT') {
    // Node reports a missing working folder as ENOENT of the executable too.
    if (cwd !== undefined && !fs.existsSync(cwd)) {
      return new LaunchError('spawn', `Cannot start "${executable}": its working folder "${cwd}" does not exist.`);
    }
    return new LaunchError('notFound', `Skaffold was not found at "${executable}": install Skaffold or set the path to its executable.`);
  }
  if (err.code === 'EACCES') {
    return new LaunchError('spawn', `Cannot start "${executable}": permission denied (is it executable?).`);
  }
  return new LaunchError('spawn', `Cannot start "${executable}": ${err.message}`);
}
