import * as path from 'path';
import { SkaffoldError } from '../wire/errors';
import { buildLaunchArgs, findFreePort, LaunchCommand, LaunchError, ProcessExit, resolveExecutable, SkaffoldProcess } from './process';
import { Disposable, Logger, nullLogger } from '../base/events';
import { oneLine, Width } from '../base/text';
import { SkaffoldSession } from '../session/session';
import { SessionManager } from '../session/sessionManager';

/** What the user asked to start. */
export interface LaunchRequest {
  command: LaunchCommand;
  /** The folder Skaffold runs in (that of the chosen skaffold.yaml). */
  cwd: string;
  /** `--filename`, relative to cwd; left out for `skaffold.yaml` itself. */
  filename?: string;
  profiles?: string[];
  modules?: string[];
  /** A fixed port (from tasks.json); default: a free one. */
  rpcPort?: number;
  /** Arguments after ours; default: the `skaffold.launch.args` setting. */
  args?: string[];
  /** The executable, as chosen for this launch; default: `executable()` of the options. */
  executable?: string;
}

/** A launch checked and ready to start: everything is known, nothing runs yet. */
export interface PreparedLaunch {
  request: LaunchRequest;
  executable: string;
  args: string[];
  rpcPort: number;
  address: string;
  label: string;
  /** The command line as the user would type it (for display only: never run through a shell). */
  commandLine: string;
}

export interface LauncherOptions {
  manager: SessionManager;
  /** Whether this workspace is trusted: Skaffold runs the project's build commands. */
  isTrusted(): boolean;
  /** The executable when a request names none: the user's own `skaffold.executable`. */
  executable(): string;
  /** The `skaffold.launch.args` setting. */
  launchArgs(): string[];
  /** Graceful stop: how long Skaffold gets to clean up before it is killed (default 30 s). */
  stopTimeoutMs?(): number;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * Starts Skaffold for the user and follows it: `skaffold <command> --rpc-port N`, without a
 * shell, as a session that connects as soon as the port answers and ends when the process
 * exits. Stopping is graceful (SIGINT: Skaffold cleans up what it deployed), then forced.
 */
export class Launcher implements Disposable {
  private readonly processes = new Map<SkaffoldSession, SkaffoldProcess>();
  /** Weak: a dismissed session takes its entry with it. */
  private readonly configs = new WeakMap<SkaffoldSession, string>();
  private readonly logger: Logger;

  constructor(private readonly options: LauncherOptions) {
    this.logger = options.logger ?? nullLogger;
  }

  /**
   * Checks everything before anything runs: workspace trust, the executable, the arguments
   * and a port. Throws a LaunchError with a message for the user.
   */
  async prepare(request: LaunchRequest): Promise<PreparedLaunch> {
    this.assertTrusted();
    const configured = (request.executable ?? this.options.executable()).trim() || 'skaffold';
    const executable = await resolveExecutable(configured, { cwd: request.cwd, env: this.options.env });
    if (!executable) {
      throw new LaunchError('notFound', `The Skaffold executable "${oneLine(configured, Width.line)}" was not found${configured.includes(path.sep) || configured.includes('/') ? '' : ' on the PATH'}. Install Skaffold or set skaffold.executable to its path.`);
    }
    const rpcPort = request.rpcPort ?? await findFreePort();
    const args = buildLaunchArgs({
      command: request.command,
      rpcPort,
      filename: request.filename,
      profiles: request.profiles,
      modules: request.modules,
      extraArgs: request.args ?? this.options.launchArgs(),
    });
    return {
      request,
      executable,
      args,
      rpcPort,
      address: `127.0.0.1:${rpcPort}`,
      label: launchLabel(request),
      commandLine: [configured, ...args].map(displayArg).join(' '),
    };
  }

  /**
   * Starts a prepared launch: a session at its port that connects as soon as Skaffold's API
   * answers, and the process behind it. The session ends (and stays visible) when it exits.
   */
  start(prepared: PreparedLaunch): { session: SkaffoldSession; process: SkaffoldProcess } {
    const session = this.options.manager.add({
      address: prepared.address,
      origin: 'launched',
      label: prepared.label,
      command: prepared.request.command,
      // Skaffold is starting right now: look for its port often, not at the idle pace.
      idleBackoffMaxMs: 250,
    });
    const process = SkaffoldProcess.start({ executable: prepared.executable, args: prepared.args, cwd: prepared.request.cwd, env: this.options.env });
    this.processes.set(session, process);
    this.configs.set(session, path.resolve(prepared.request.cwd, prepared.request.filename ?? 'skaffold.yaml'));
    session.setProcess({ pid: process.pid, state: 'starting' });
    this.logger.info(`[launch] ${prepared.commandLine} (pid ${process.pid ?? '?'}, in ${prepared.request.cwd})`);
    const started = session.onDidChangeStatus((e) => {
      if (e.status === 'connected' && session.process?.state === 'starting') {
        session.setProcess({ pid: process.pid, state: 'running' });
      }
    });
    process.exited.then((exit) => {
      started.dispose();
      this.processes.delete(session);
      session.setProcess({ pid: process.pid, state: 'exited', exitCode: exit.code, signal: exit.signal });
      const reason = exitReason(prepared, exit);
      this.logger[exit.code === 0 || exit.signal === 'SIGINT' ? 'info' : 'warn'](`[launch] ${reason}`);
      session.end(new SkaffoldError('ended', reason));
    });
    session.connect();
    return { session, process };
  }

  /** Throws (kind `untrusted`) in a workspace that is not trusted: nothing is started there. */
  assertTrusted(): void {
    if (!this.options.isTrusted()) {
      throw new LaunchError('untrusted', 'Skaffold is not started in an untrusted workspace: it runs the project\'s build and deploy commands. Trust the workspace to start it, or attach to a Skaffold you started yourself.');
    }
  }

  /** The skaffold.yaml a session we started runs (absolute path); kept after it ends. */
  configOf(session: SkaffoldSession): string | undefined {
    return this.configs.get(session);
  }

  /** The running process behind a session we started. */
  processOf(session: SkaffoldSession): SkaffoldProcess | undefined {
    return this.processes.get(session);
  }

  /**
   * Stops the Skaffold behind a session gracefully, killing it after the stop timeout; a
   * second stop while it cleans up kills it at once. Resolves when it has exited.
   */
  async stop(session: SkaffoldSession): Promise<ProcessExit | undefined> {
    const process = this.processes.get(session);
    if (!process) {
      return undefined;
    }
    const already = session.process?.state === 'stopping';
    session.setProcess({ pid: process.pid, state: 'stopping' });
    this.logger.info(`[launch] ${already ? 'forcing' : 'stopping'} ${session.label} (pid ${process.pid ?? '?'})`);
    return process.stop(this.options.stopTimeoutMs?.() ?? 30_000);
  }

  /**
   * Stops every Skaffold we started gracefully, as Stop does, and waits for them to exit, at
   * most `waitMs` (the window is closing): then it lets go of them (each is still killed after
   * its stop timeout).
   */
  async stopAll(waitMs: number): Promise<void> {
    const exits = [...this.processes.keys()].map((session) => this.stop(session));
    if (exits.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      });
      await Promise.race([Promise.all(exits), bound]);
      clearTimeout(timer);
    }
    this.dispose();
  }

  /** Asks every Skaffold we started to stop (the window is closing); does not wait. */
  dispose(): void {
    for (const process of this.processes.values()) {
      process.dispose();
    }
    this.processes.clear();
  }
}

/** "dev · shop", "debug · api (skaffold-dev.yaml) · profile local". */
export function launchLabel(request: LaunchRequest): string {
  const parts = [`${request.command} · ${path.basename(request.cwd) || request.cwd}`];
  if (request.filename && !/^skaffold\.ya?ml$/.test(request.filename)) {
    parts[0] += ` (${request.filename})`;
  }
  if (request.profiles && request.profiles.length > 0) {
    parts.push(`profile ${request.profiles.join(',')}`);
  }
  if (request.modules && request.modules.length > 0) {
    parts.push(`module ${request.modules.join(',')}`);
  }
  return parts.join(' · ');
}

/** Why the process ended, for the session's message: exit code and Skaffold's last words. */
export function exitReason(prepared: PreparedLaunch, exit: ProcessExit): string {
  if (exit.error) {
    return exit.error.message;
  }
  const how = exit.signal ? `was stopped (${exit.signal})` : exit.code === 0 ? 'exited' : `exited with code ${exit.code}`;
  const last = [...exit.lastLines].reverse().map((l) => oneLine(l, Width.line)).find((l) => l.length > 0);
  const why = exit.code !== 0 && !exit.signal && last ? `: ${last}` : '';
  return `Skaffold ${prepared.request.command} on port ${prepared.rpcPort} ${how}${why}.`;
}

/** An argument as a POSIX shell would need it quoted, for showing the command line. */
function displayArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
