import * as vscode from 'vscode';
import { LiveSettings } from '../../common/settings';
import { Disposable } from '../../common/disposable';
import { Logger } from '../../skaffold/base/events';
import { Throttle } from '../../skaffold/base/schedule';
import { IterationRecord } from '../../skaffold/state/model';
import { triggerCause } from '../../skaffold/present/triggerCause';
import { oneLine, Width } from '../../skaffold/base/text';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionLogs } from '../../skaffold/streams/v2Streams';
import { SessionManager } from '../../skaffold/session/sessionManager';

/** Output channels open at once for container logs; the least recently shown is closed first. */
const MAX_CHANNELS = 20;

interface Channel {
  channel: vscode.OutputChannel;
  session: SkaffoldSession;
  key: string;
  /** Lines appended since the channel was last filled from the history. */
  appended: number;
  shownAt: number;
}

/**
 * The container logs and Skaffold's own output of every session, from Skaffold's v2 API
 * (see SessionLogs), and the output channels that show them: one per container, filled
 * from the history this extension keeps across iterations, then followed live.
 */
export class LogChannels extends Disposable {
  private readonly logs = new Map<SkaffoldSession, SessionLogs>();
  private readonly channels = new Map<string, Channel>();
  private output: { channel: vscode.OutputChannel; session?: SkaffoldSession; tasks: string[]; subtask?: string } | undefined;
  /** The shown output follows its tasks live, redrawn at most every 250 ms. */
  private readonly outputRedraws = new Throttle(() => this.fillOutput(), 250);
  private _outputText = '';
  private maxLines: number;

  constructor(private readonly manager: SessionManager, private readonly logger: Logger, settings: LiveSettings) {
    super();
    this.maxLines = settings.value.logsMaxLines;
    this._register(settings.watch('logsMaxLines', (maxLines) => this.setMaxLines(maxLines)));
    this._register(manager.onDidChangeSessions(() => this.sync()));
    // A session's logs start with its first connection (not at activation).
    this._register(manager.onDidChangeStatus(({ session, event }) => {
      if (event.status === 'connected' && this.manager.sessions.includes(session)) {
        this.of(session);
      }
    }));
  }

  /**
   * What started an iteration, as far as more than its events tell: the files Skaffold logged
   * as changed (its v2 output), or an Execute sent from VS Code just before (see triggerCause).
   */
  causeOf(session: SkaffoldSession, record: IterationRecord): string | undefined {
    const all = session.state.iterations;
    const i = all.indexOf(record);
    return triggerCause(record, this.logs.get(session)?.output.triggers() ?? [], session.intents, i > 0 ? all[i - 1] : undefined);
  }

  /** The known causes of a session's iterations, by iteration number. */
  causesOf(session: SkaffoldSession): Map<number, string> {
    const causes = new Map<number, string>();
    const triggers = this.logs.get(session)?.output.triggers() ?? [];
    session.state.iterations.forEach((record, i, all) => {
      const cause = triggerCause(record, triggers, session.intents, i > 0 ? all[i - 1] : undefined);
      if (cause) {
        causes.set(record.iteration, cause);
      }
    });
    return causes;
  }

  /** The logs of a session (created with it). */
  of(session: SkaffoldSession): SessionLogs {
    let logs = this.logs.get(session);
    if (!logs) {
      logs = new SessionLogs({ session, logger: this.logger, maxLines: this.maxLines });
      this.logs.set(session, logs);
      logs.logs.onDidAppend((key, lines) => this.appended(session, key, lines));
      logs.logs.onDidRewrite(() => this.rewritten(session));
      logs.output.onDidAppend((taskId) => this.outputChanged(session, taskId));
      logs.output.onDidReset(() => this.outputChanged(session));
    }
    return logs;
  }

  /** Applies to the sessions that start from now on; those already open keep their bound. */
  setMaxLines(maxLines: number): void {
    this.maxLines = maxLines;
  }

  private sync(): void {
    for (const [session, logs] of [...this.logs]) {
      if (!this.manager.sessions.includes(session)) {
        logs.dispose();
        this.logs.delete(session);
        for (const [id, c] of [...this.channels]) {
          if (c.session === session) {
            c.channel.dispose();
            this.channels.delete(id);
          }
        }
      }
    }
  }

  /** Shows one container's logs: the history kept so far, then every new line. */
  showContainer(session: SkaffoldSession, key: string): vscode.OutputChannel {
    const id = `${session.id}\u0000${key}`;
    let c = this.channels.get(id);
    if (!c) {
      this.evict();
      const name = this.manager.shown.length > 1 ? `Skaffold: ${oneLine(key, Width.name)} (${oneLine(session.label, Width.label)})` : `Skaffold: ${oneLine(key, Width.name)}`;
      c = { channel: vscode.window.createOutputChannel(name, 'log'), session, key, appended: 0, shownAt: Date.now() };
      this.channels.set(id, c);
      this.fill(c);
    }
    c.shownAt = Date.now();
    c.channel.show(true);
    return c.channel;
  }

  /** Shows Skaffold's own output of some tasks (Build-3, Deploy-3), optionally of one subtask (an artifact). */
  showOutput(session: SkaffoldSession, tasks: string[], subtask?: string): vscode.OutputChannel {
    this.output ??= { channel: this._register(vscode.window.createOutputChannel('Skaffold Output', 'log')), tasks: [] };
    this.output.session = session;
    this.output.tasks = tasks;
    this.output.subtask = subtask;
    this.fillOutput();
    this.output.channel.show(true);
    return this.output.channel;
  }

  private fill(c: Channel): void {
    const lines = this.of(c.session).logs.lines(c.key);
    c.channel.replace(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    c.appended = 0;
  }

  private fillOutput(): void {
    const o = this.output;
    if (!o?.session) {
      return;
    }
    const store = this.of(o.session).output;
    const text = o.tasks.flatMap((task) => [
      `── ${oneLine(task, Width.code)}${o.subtask ? ` · ${oneLine(o.subtask, Width.line)}` : ''} ──`,
      ...store.output(task, o.subtask),
    ]);
    this._outputText = `${text.join('\n')}\n`;
    o.channel.replace(this._outputText);
  }

  /** What the Skaffold Output channel was last filled with (tests read it). */
  get outputText(): string {
    return this._outputText;
  }

  private appended(session: SkaffoldSession, key: string, lines: readonly string[]): void {
    const c = this.channels.get(`${session.id}\u0000${key}`);
    if (!c) {
      return;
    }
    c.appended += lines.length;
    if (c.appended > this.maxLines) {
      // The channel holds more than the history: start it again from the bounded history.
      this.fill(c);
    } else {
      c.channel.append(`${lines.join('\n')}\n`);
    }
  }

  /** The shown output follows its tasks live, redrawn at most every 250 ms. */
  private outputChanged(session: SkaffoldSession, taskId?: string): void {
    const o = this.output;
    if (o?.session !== session || taskId !== undefined && !o.tasks.includes(taskId)) {
      return;
    }
    this.outputRedraws.schedule();
  }

  /** The store dropped or rewrote lines (a bound, another Skaffold at the address): fill the channels again. */
  private rewritten(session: SkaffoldSession): void {
    for (const c of this.channels.values()) {
      if (c.session === session) {
        this.fill(c);
      }
    }
  }

  private evict(): void {
    while (this.channels.size >= MAX_CHANNELS) {
      const [oldest] = [...this.channels.entries()].sort((a, b) => a[1].shownAt - b[1].shownAt);
      oldest[1].channel.dispose();
      this.channels.delete(oldest[0]);
    }
  }

  override dispose(): void {
    this.outputRedraws.dispose();
    for (const c of this.channels.values()) {
      c.channel.dispose();
    }
    this.channels.clear();
    for (const logs of this.logs.values()) {
      logs.dispose();
    }
    this.logs.clear();
    super.dispose();
  }
}
