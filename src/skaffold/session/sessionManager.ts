import { parseAddress } from '../wire/address';
import { LogRecord } from '../state/eventLog';
import { Disposable, Emitter, Logger, nullLogger } from '../base/events';
import { StateChange } from '../state/model';
import { SessionOptions, SkaffoldSession, StatusChangeEvent } from './session';

export interface SessionStateEvent {
  session: SkaffoldSession;
  change: StateChange;
}

export interface SessionStatusEvent {
  session: SkaffoldSession;
  event: StatusChangeEvent;
}

export interface SessionLogEvent {
  session: SkaffoldSession;
  record: LogRecord;
}

export type NewSessionOptions = Omit<SessionOptions, 'logger' | 'eventLogSize' | 'id'>;

/**
 * Every Skaffold session the window knows: the one at `skaffold.address` (always there, id
 * `configured`) and those the user launched or attached to. Re-announces each session's
 * events with the session, so views and the status bar listen in one place.
 */
export class SessionManager implements Disposable {
  private readonly _sessions: SkaffoldSession[] = [];
  private readonly subscriptions = new Map<SkaffoldSession, Disposable[]>();
  private readonly _onDidChangeSessions = new Emitter<void>();
  /** A session was added or removed, or which sessions are shown changed. */
  readonly onDidChangeSessions = this._onDidChangeSessions.event;
  private readonly _onDidChangeState = new Emitter<SessionStateEvent>();
  readonly onDidChangeState = this._onDidChangeState.event;
  private readonly _onDidChangeStatus = new Emitter<SessionStatusEvent>();
  readonly onDidChangeStatus = this._onDidChangeStatus.event;
  private readonly _onDidLog = new Emitter<SessionLogEvent>();
  readonly onDidLog = this._onDidLog.event;
  private nextId = 1;
  private eventLogSize: number;
  private lastShown: SkaffoldSession[] = [];
  private readonly logger: Logger;
  private disposed = false;
  readonly configured: SkaffoldSession;

  constructor(private readonly options: {
    address: string;
    logger?: Logger;
    eventLogSize?: number;
    /** Options every session gets (timeouts, backoff); tests shorten them. */
    sessionDefaults?: Partial<SessionOptions>;
  }) {
    this.logger = options.logger ?? nullLogger;
    this.eventLogSize = options.eventLogSize ?? 1000;
    this.configured = this.track(new SkaffoldSession({
      ...options.sessionDefaults, address: options.address, id: 'configured', origin: 'configured', logger: this.logger, eventLogSize: this.eventLogSize,
    }));
    this.lastShown = this.shown;
  }

  /** Every session, the configured one first, then in the order they were added. */
  get sessions(): readonly SkaffoldSession[] {
    return this._sessions;
  }

  /**
   * The sessions the views show. The configured session is left out while it only looks
   * for a Skaffold that is not there and another session has something to show; it is the
   * one shown when nothing else is.
   */
  get shown(): SkaffoldSession[] {
    const others = this._sessions.filter((s) => s !== this.configured);
    if (others.length === 0 || hasSomethingToShow(this.configured)) {
      return [this.configured, ...others];
    }
    return others;
  }

  get(id: string): SkaffoldSession | undefined {
    return this._sessions.find((s) => s.id === id);
  }

  /** The open session at this address, comparing normalized addresses (`50051` = `127.0.0.1:50051`). */
  findByAddress(address: string): SkaffoldSession | undefined {
    const key = addressKey(address);
    return this._sessions.find((s) => addressKey(s.address) === key);
  }

  /**
   * Adds a session (not connected yet). An address already open is not opened twice: that
   * session is returned instead, unless it ended (then it is replaced).
   */
  add(options: NewSessionOptions): SkaffoldSession {
    const existing = this.findByAddress(options.address);
    if (existing && (existing === this.configured || existing.status !== 'ended')) {
      return existing;
    }
    if (existing) {
      this.remove(existing);
    }
    const session = this.track(new SkaffoldSession({
      ...this.options.sessionDefaults, ...options, id: `${options.origin ?? 'attached'}-${this.nextId++}`, logger: this.logger, eventLogSize: this.eventLogSize,
    }));
    this.logger.info(`[sessions] added ${session.label} (${session.address})`);
    this.announce(true);
    return session;
  }

  /**
   * Adds the session of an event-log file (origin `file`, its address the file's path),
   * replacing one already open for the same file: opening it again reads it again.
   */
  addFile(file: string, label: string): SkaffoldSession {
    const existing = this._sessions.find((s) => s.origin === 'file' && s.address === file);
    if (existing) {
      this.remove(existing);
    }
    const session = this.track(new SkaffoldSession({
      ...this.options.sessionDefaults, address: file, origin: 'file', label, reconnect: false, id: `file-${this.nextId++}`, logger: this.logger, eventLogSize: this.eventLogSize,
    }));
    this.logger.info(`[sessions] opened ${session.label} from a file`);
    this.announce(true);
    return session;
  }

  /** Closes a session and forgets it; the configured session is disconnected instead. */
  remove(session: SkaffoldSession): void {
    if (session === this.configured) {
      session.disconnect();
      return;
    }
    const i = this._sessions.indexOf(session);
    if (i < 0) {
      return;
    }
    this._sessions.splice(i, 1);
    for (const d of this.subscriptions.get(session) ?? []) {
      d.dispose();
    }
    this.subscriptions.delete(session);
    session.dispose();
    this.logger.info(`[sessions] removed ${session.label}`);
    this.announce(true);
  }

  setEventLogSize(size: number): void {
    this.eventLogSize = size;
    for (const s of this._sessions) {
      s.setEventLogSize(size);
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    for (const s of [...this._sessions].reverse()) {
      for (const d of this.subscriptions.get(s) ?? []) {
        d.dispose();
      }
      s.dispose();
    }
    this._sessions.length = 0;
    this.subscriptions.clear();
    this._onDidChangeSessions.dispose();
    this._onDidChangeState.dispose();
    this._onDidChangeStatus.dispose();
    this._onDidLog.dispose();
  }

  private track(session: SkaffoldSession): SkaffoldSession {
    this._sessions.push(session);
    this.subscriptions.set(session, [
      session.onDidChangeState((change) => {
        this._onDidChangeState.fire({ session, change });
        this.announce(false);
      }),
      session.onDidChangeStatus((event) => {
        this._onDidChangeStatus.fire({ session, event });
        this.announce(false);
      }),
      session.onDidLog((record) => this._onDidLog.fire({ session, record })),
    ]);
    return session;
  }

  /** Fires onDidChangeSessions when the set changed, or (`force` false) when what is shown did. */
  private announce(force: boolean): void {
    if (this.disposed) {
      return;
    }
    const shown = this.shown;
    if (force || shown.length !== this.lastShown.length || shown.some((s, i) => s !== this.lastShown[i])) {
      this.lastShown = shown;
      this._onDidChangeSessions.fire();
    }
  }
}

/** Whether a session has anything for the views: a connection, a state, or a failure to tell. */
export function hasSomethingToShow(session: SkaffoldSession): boolean {
  const s = session.state;
  return session.status === 'connected' || session.status === 'reconnecting' || session.status === 'ended' || session.status === 'failed'
    || s.artifacts.size > 0 || s.resources.size > 0 || s.ports.size > 0;
}

function addressKey(address: string): string {
  try {
    const a = parseAddress(address);
    const host = a.host === 'localhost' ? '127.0.0.1' : a.host;
    return `${host}:${a.port}`;
  } catch {
    return address.trim().toLowerCase();
  }
}
