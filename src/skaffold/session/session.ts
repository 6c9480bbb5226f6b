import { parseAddress, SkaffoldAddress } from '../wire/address';
import type { SkaffoldClient } from '../wire/client';
import { SkaffoldError } from '../wire/errors';
import { EventLog, LogRecord } from '../state/eventLog';
import { Disposable, Emitter, Logger, nullLogger } from '../base/events';
import { backoffDelay, Clock, Delayer, realClock } from '../base/schedule';
import { initialState, SessionState, StateChange } from '../state/model';
import { Event as SkaffoldEvent, Intent, LogEntry, Phase, State } from '../wire/protocol';
import { allChange, ReplayAssembler } from './replay';
import { ChangeCoalescer } from './changes';

/**
 * - disconnected: not started, or stopped by the user.
 * - connecting: looking for Skaffold at the address (retrying quietly until it answers).
 * - connected: the event stream is live.
 * - reconnecting: the connection was lost (Skaffold stopped answering); trying again.
 * - ended: Skaffold closed the stream (it exited); the last state stays, and the session
 *   keeps looking for a Skaffold to come back at the same address.
 * - failed: something answers but retrying will not help (not Skaffold, a message over the
 *   limit); waits for the user to connect again.
 */
export type SessionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

/**
 * How a session came to be: the `skaffold.address` setting, started by us, attached to, or
 * read from an event-log file (nothing live: its address is the file's path).
 */
export type SessionOrigin = 'configured' | 'launched' | 'attached' | 'file';

/** An Execute sent from VS Code: when (this machine's clock, ms) and for which phases. */
export interface SentIntent {
  at: number;
  phases: readonly string[];
}

/** The Skaffold process behind a session we started, as the session shows it. */
export interface SessionProcess {
  pid?: number;
  /** starting: spawned, API not answering yet; running; stopping: asked to end; exited. */
  state: 'starting' | 'running' | 'stopping' | 'exited';
  exitCode?: number | null;
  signal?: string | null;
}

export interface SessionOptions {
  address: string;
  /** Stable id, unique among the open sessions (default: the address). */
  id?: string;
  origin?: SessionOrigin;
  /** What the user reads for this session ("dev · shop"); default: the address. */
  label?: string;
  /** The Skaffold subcommand when known (dev, debug, run). */
  command?: string;
  logger?: Logger;
  /** Entries kept in the event log (default 1000). */
  eventLogSize?: number;
  maxReceiveMessageBytes?: number;
  /** Deadline of Execute / Auto* / Handle calls (default 5000 ms). */
  callTimeoutMs?: number;
  /** Deadline of the first GetState of a connection (default 3000 ms). */
  connectTimeoutMs?: number;
  /** How often a connected session checks that Skaffold still answers (default 2000 ms). */
  livenessIntervalMs?: number;
  /** How long that check waits (default 2000 ms). */
  livenessTimeoutMs?: number;
  /**
   * Reconnect backoff: first delay and cap (defaults 50 ms and 250 ms). A refused connect on
   * loopback costs microseconds, so a low cap is cheap and finds a restarted Skaffold fast.
   */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /**
   * The cap while no Skaffold has been seen at the address yet, or none for `idleAfterMs`
   * (default 2000 ms after 5 minutes): a window that never meets a Skaffold polls gently.
   */
  idleBackoffMaxMs?: number;
  idleAfterMs?: number;
  /** Change events: at most one per this many ms under load (default 120). */
  coalesceMs?: number;
  /** The replay is taken as caught up after this long without a replayed entry (default 10 ms). */
  settleMs?: number;
  /** Keep looking for Skaffold after it ended or was lost (default true). */
  reconnect?: boolean;
  /** Whose time the timers above run on (default the real clock); tests pass one they move. */
  clock?: Clock;
}

export interface StatusChangeEvent {
  status: SessionStatus;
  previous: SessionStatus;
  error?: SkaffoldError;
}

let clientModule: typeof import('../wire/client') | undefined;

/** grpc-js is loaded at the first connection, not when the extension activates. */
function loadClientModule(): typeof import('../wire/client') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (clientModule ??= require('../wire/client') as typeof import('../wire/client'));
}

/** A replay still arriving this long after it began is shown as it is (ms). */
const REPLAY_CAP_MS = 2000;

/** While events keep coming, one liveness interval in this many still asks GetState (for the auto triggers). */
const TRIGGERS_EVERY = 5;

/** Execute intents remembered per session, to tell which iterations the user started. */
const MAX_INTENTS = 20;

/** Phases an intent asks for whose auto trigger is on: Skaffold will not run those. */
export function phasesBlockedByAuto(state: SessionState, intent: Intent): Phase[] {
  return (['build', 'sync', 'deploy'] as const).filter((p) => intent[p] && state.autoTrigger[p] === true);
}

/**
 * One Skaffold session: owns the client, the state built from its events, the event log and
 * the connection lifecycle. The only place that talks to the client.
 */
export class SkaffoldSession implements Disposable {
  private readonly _onDidChangeState = new Emitter<StateChange>();
  /** Coalesced: at most one per `coalesceMs` under load, at once when idle. */
  readonly onDidChangeState = this._onDidChangeState.event;
  private readonly _onDidChangeStatus = new Emitter<StatusChangeEvent>();
  readonly onDidChangeStatus = this._onDidChangeStatus.event;
  private readonly _onDidLog = new Emitter<LogRecord>();
  /** Each new event-log record as it arrives (never a replayed duplicate). */
  readonly onDidLog = this._onDidLog.event;

  readonly id: string;
  readonly origin: SessionOrigin;
  readonly command: string | undefined;
  private _label: string | undefined;
  private _process: SessionProcess | undefined;
  private _address: SkaffoldAddress | undefined;
  private _addressText: string;
  private _status: SessionStatus = 'disconnected';
  private _state: SessionState = initialState();
  private _lastError: SkaffoldError | undefined;
  private readonly log: EventLog;
  private readonly logger: Logger;
  private readonly opts: Required<Omit<SessionOptions, 'address' | 'logger' | 'maxReceiveMessageBytes' | 'id' | 'origin' | 'label' | 'command' | 'clock'>> & { maxReceiveMessageBytes?: number };
  private readonly clock: Clock;

  private client: SkaffoldClient | undefined;
  private subscription: { cancel(): void } | undefined;
  private generation = 0;
  private attempts = 0;
  private readonly retry: Delayer;
  private readonly liveness: Delayer;
  private livenessInFlight = false;
  /** When the liveness check last ran, and how many in a row found the stream delivering. */
  private livenessCheckedAt = 0;
  private livenessSkipped = 0;
  private everPublished = false;
  /** Set by end(): nothing will answer at this address again, so no retries. */
  private stopped = false;
  /** When a Skaffold last answered at this address (clock ms; undefined: never). */
  private lastSeenAt: number | undefined;

  /** What of the stream is history and what is live, and what to show meanwhile. */
  private readonly replay = new ReplayAssembler();
  /** Ends a replay after a quiet spell. */
  private readonly settle: Delayer;
  private replayStartedAt = 0;
  private lastEntryAt = 0;
  /** Entries received in the current socket read, not yet reduced. */
  private batch: LogEntry[] = [];
  private drainTimer: NodeJS.Immediate | undefined;

  private readonly changes: ChangeCoalescer;
  private disposed = false;
  private readonly _intents: SentIntent[] = [];

  constructor(options: SessionOptions) {
    this.logger = options.logger ?? nullLogger;
    this._addressText = options.address;
    this.id = options.id ?? options.address;
    this.origin = options.origin ?? 'configured';
    this.command = options.command;
    this._label = options.label;
    this.opts = {
      eventLogSize: options.eventLogSize ?? 1000,
      maxReceiveMessageBytes: options.maxReceiveMessageBytes,
      callTimeoutMs: options.callTimeoutMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      livenessIntervalMs: options.livenessIntervalMs ?? 2000,
      livenessTimeoutMs: options.livenessTimeoutMs ?? 2000,
      backoffInitialMs: options.backoffInitialMs ?? 50,
      backoffMaxMs: options.backoffMaxMs ?? 250,
      idleBackoffMaxMs: options.idleBackoffMaxMs ?? 2000,
      idleAfterMs: options.idleAfterMs ?? 5 * 60_000,
      coalesceMs: options.coalesceMs ?? 120,
      settleMs: options.settleMs ?? 10,
      reconnect: options.reconnect ?? true,
    };
    this.clock = options.clock ?? realClock;
    this.log = new EventLog(this.opts.eventLogSize, (bytes) => loadClientModule().decodeEntry(bytes));
    this.retry = new Delayer(0, this.clock);
    this.liveness = new Delayer(this.opts.livenessIntervalMs, this.clock);
    this.settle = new Delayer(this.opts.settleMs, this.clock);
    this.changes = new ChangeCoalescer((change) => this._onDidChangeState.fire(change), this.opts.coalesceMs, this.clock);
  }

  get status(): SessionStatus {
    return this._status;
  }

  /**
   * The state shown now. Once read, its maps, phases and history never change (later events
   * make new ones); a resource's fields are updated in place, and the change event names it.
   */
  get state(): SessionState {
    this.replay.handedOut();
    return this._state;
  }

  /** Why the session is not connected (or the last call that failed), with a clear message. */
  get lastError(): SkaffoldError | undefined {
    return this._lastError;
  }

  get address(): string {
    return this._address?.target ?? this._addressText;
  }

  /** What the user reads for this session: its label, else its address. */
  get label(): string {
    return this._label ?? this.address;
  }

  /** Its name when it was given one (a launched or attached Skaffold's), else undefined. */
  get name(): string | undefined {
    return this._label;
  }

  /** The Skaffold process we started for this session, if we did. */
  get process(): SessionProcess | undefined {
    return this._process;
  }

  /** Records the process's lifecycle; status listeners hear it as a change. */
  setProcess(process: SessionProcess): void {
    this._process = { ...process };
    if (!this.disposed) {
      this._onDidChangeStatus.fire({ status: this._status, previous: this._status });
    }
  }

  /**
   * Skaffold is gone for good (the process we started exited): stop looking for it, keep the
   * last state, and show `ended` with the reason until the session is dismissed.
   */
  end(reason: SkaffoldError): void {
    if (this.disposed) {
      return;
    }
    this.teardown();
    this.stopped = true;
    this.logger.info(`[session] ${this.label}: ${reason.message}`);
    this.setStatus('ended', reason);
  }

  /**
   * A session read from an event-log file (origin `file`): a batch of its entries, reduced
   * as a live session reduces them, so that the views fill as the file is read. The file's
   * entries are its whole history: nothing is asked of a Skaffold, and none is replayed.
   * They go to the event log (bounded) but are not announced one by one (onDidLog).
   */
  loadEntries(entries: readonly LogEntry[]): void {
    if (this.disposed || this.origin !== 'file' || this.stopped) {
      return;
    }
    if (this._status !== 'connecting') {
      this.setStatus('connecting');
    }
    for (const entry of entries) {
      this.log.add(entry);
    }
    this.reduce(entries);
  }

  /** The file was read: the session shows its last state as `ended`, `summary` telling what was read. */
  endLoading(summary: string): void {
    if (this.disposed || this.origin !== 'file') {
      return;
    }
    this.stopped = true;
    this.setStatus('ended', new SkaffoldError('ended', summary));
  }

  /** The event log, oldest first. */
  get logRecords(): LogRecord[] {
    return this.log.records();
  }

  setEventLogSize(size: number): void {
    this.log.resize(size);
  }

  /** Starts connecting (a no-op while connected or already trying, and for a file's session). */
  connect(): void {
    if (this.disposed || this.stopped || this.origin === 'file') {
      return;
    }
    if (this._status === 'connected' || this._status === 'connecting' || this._status === 'reconnecting') {
      return;
    }
    try {
      this._address = parseAddress(this._addressText);
    } catch (err) {
      this.setStatus('failed', err as SkaffoldError);
      return;
    }
    this.attempts = 0;
    this.setStatus('connecting');
    this.startAttempt();
  }

  /** Stops talking to Skaffold; what was shown stays. */
  disconnect(): void {
    this.teardown();
    this.setStatus('disconnected');
  }

  /** Drops the connection and starts again. */
  reconnect(): void {
    if (this.stopped) {
      return; // the process we started is gone: nothing to reconnect to
    }
    this.teardown();
    this._status = 'disconnected';
    this.connect();
  }

  /** Changes the address; reconnects if the session was active. */
  setAddress(address: string): void {
    if (address === this._addressText) {
      return;
    }
    const wasActive = this._status !== 'disconnected';
    this._addressText = address;
    this._address = undefined; // parsed again when it connects: until then, the address is the text
    this.lastSeenAt = undefined;
    this._lastError = undefined; // it was about the old address
    this.teardown();
    this._status = 'disconnected';
    this._state = initialState();
    this.log.clear(); // its replay boundary belongs to the old address's Skaffold
    this.everPublished = false;
    this.changes.add(allChange());
    if (wasActive) {
      this.connect();
    } else {
      this.setStatus('disconnected');
    }
  }

  /**
   * Runs the intent's phases once. Phases are sent one by one in the safe order (build,
   * sync, deploy; a dev loop alone), since a deploy intent first can stall Skaffold's loop.
   * Afterwards the state is read back, because Skaffold resets it without an event when the
   * phase's auto trigger is on.
   */
  async execute(intent: Intent): Promise<void> {
    const client = this.requireClient('Execute');
    const steps: Intent[] = [];
    for (const phase of ['build', 'sync', 'deploy'] as const) {
      if (intent[phase]) {
        steps.push({ [phase]: true });
      }
    }
    if (intent.devloop) {
      steps.push({ devloop: true });
    }
    if (steps.length === 0) {
      throw new SkaffoldError('rejected', 'Nothing to execute: the intent names no phase.');
    }
    const sentAt = Date.now();
    for (const step of steps) {
      this.logger.info(`[session] execute ${Object.keys(step)[0]}`);
      await client.execute(step);
    }
    this._intents.push({ at: sentAt, phases: steps.map((step) => Object.keys(step)[0]) });
    this._intents.splice(0, this._intents.length - MAX_INTENTS);
    await this.refresh();
  }

  /** The Execute intents sent through this session, newest last (the last MAX_INTENTS). */
  get intents(): readonly SentIntent[] {
    return this._intents;
  }

  /** Turns a phase's auto trigger on or off and reads the result back from Skaffold. */
  async setAutoTrigger(phase: Phase, enabled: boolean): Promise<boolean> {
    const client = this.requireClient(`Auto${phase[0].toUpperCase()}${phase.slice(1)}`);
    try {
      await client.setAutoTrigger(phase, enabled);
    } catch (err) {
      // Skaffold answers ALREADY_EXISTS when it already has that value: the wish holds.
      if (!(err instanceof SkaffoldError && err.code === 6)) {
        throw err;
      }
    }
    this.logger.info(`[session] auto ${phase} ${enabled ? 'on' : 'off'}`);
    const server = await this.refresh();
    const phaseState = phase === 'build' ? server.buildState : phase === 'sync' ? server.fileSyncState : server.deployState;
    return phaseState ? phaseState.autoTrigger === true : enabled;
  }

  /** Injects an event into Skaffold's stream (never a TerminationEvent). */
  handle(event: SkaffoldEvent): Promise<void> {
    return this.requireClient('Handle').handle(event);
  }

  /** Reads Skaffold's state now and shows what differs; change events fire at once. */
  async refresh(): Promise<State> {
    const client = this.requireClient('GetState');
    const gen = this.generation;
    const server = await client.getState(this.opts.callTimeoutMs);
    if (gen === this.generation) {
      const replaying = this.replay.replaying;
      this._state = this.replay.serverState(this._state, server, 'statuses', this.changes.pending);
      if (!replaying) {
        this.changes.flush();
      }
    }
    return server;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.teardown();
    this.disposed = true;
    this.retry.dispose();
    this.liveness.dispose();
    this.settle.dispose();
    this.changes.dispose();
    this._onDidChangeState.dispose();
    this._onDidChangeStatus.dispose();
    this._onDidLog.dispose();
  }

  // ---- connection ----

  private requireClient(rpc: string): SkaffoldClient {
    if (!this.client || this._status !== 'connected') {
      throw new SkaffoldError('unreachable', `Not connected to Skaffold at ${this.address} (${this._status}): ${rpc} was not sent.`);
    }
    return this.client;
  }

  private startAttempt(): void {
    const gen = ++this.generation;
    let client: SkaffoldClient;
    try {
      client = new (loadClientModule().SkaffoldClient)(this._address!, {
        maxReceiveMessageBytes: this.opts.maxReceiveMessageBytes,
        callTimeoutMs: this.opts.callTimeoutMs,
      });
    } catch (err) {
      this.setStatus('failed', err instanceof SkaffoldError ? err : new SkaffoldError('unknown', String(err)));
      return;
    }
    this.client = client;
    this.logger.debug(`[grpc] connecting to ${this.address} (attempt ${this.attempts + 1})`);
    client.getState(this.opts.connectTimeoutMs).then(
      (server) => {
        if (gen === this.generation) {
          this.onConnected(gen, client, server);
        }
      },
      (err: SkaffoldError) => {
        if (gen === this.generation) {
          this.onLost(err, 'attempt');
        }
      },
    );
  }

  private onConnected(gen: number, client: SkaffoldClient, server: State): void {
    this.attempts = 0;
    this.lastSeenAt = this.clock.now();
    // Entries stamped (by Skaffold, on this machine's wall clock) from now on are live.
    this.replay.begin(server, Date.now());
    this.replayStartedAt = this.clock.now();
    this.lastEntryAt = this.replayStartedAt;
    this.livenessCheckedAt = this.replayStartedAt;
    this.livenessSkipped = 0;
    this.log.beginConnection();
    this.subscription = client.subscribe({
      onEntry: (entry, bytes) => {
        if (gen === this.generation) {
          this.onEntry(entry, bytes);
        }
      },
      onEnd: (err) => {
        if (gen === this.generation) {
          this.onLost(err, 'stream');
        }
      },
    });
    this.armSettle();
    this.armLiveness(gen);
    this.setStatus('connected');
    this.logger.info(`[grpc] connected to Skaffold at ${this.address}`);
  }

  /** A connection attempt or a live connection failed: decide whether and how to retry. */
  private onLost(err: SkaffoldError, where: 'attempt' | 'stream' | 'liveness'): void {
    if (err.kind === 'cancelled') {
      return;
    }
    const wasConnected = this._status === 'connected';
    if (wasConnected) {
      this.lastSeenAt = this.clock.now();
    }
    // What arrived before the loss is applied first. Lost before any live event, what was
    // applied is history up to some point: endReplay and drain align its statuses with the
    // newest GetState.
    this.drain();
    this.endReplay(!this.everPublished);
    this.dropConnection();
    let next: SessionStatus;
    if (!err.retryable) {
      next = 'failed';
    } else if (wasConnected) {
      next = err.kind === 'ended' ? 'ended' : 'reconnecting';
    } else {
      next = this._status === 'disconnected' ? 'connecting' : this._status;
    }
    this.logger[next === 'failed' ? 'error' : wasConnected ? 'warn' : 'debug'](`[grpc] ${where}: ${err.message}`);
    this.setStatus(next, err);
    if (next !== 'failed' && this.opts.reconnect && !this.stopped) {
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    const recentlySeen = this.lastSeenAt !== undefined && this.clock.now() - this.lastSeenAt < this.opts.idleAfterMs;
    const cap = recentlySeen ? this.opts.backoffMaxMs : Math.max(this.opts.backoffMaxMs, this.opts.idleBackoffMaxMs);
    const delay = backoffDelay(this.attempts, this.opts.backoffInitialMs, cap);
    this.attempts++;
    this.retry.trigger(() => {
      if (!this.disposed && this._status !== 'disconnected' && this._status !== 'failed' && this._status !== 'connected') {
        this.startAttempt();
      }
    }, delay);
  }

  private armLiveness(gen: number, delayMs?: number): void {
    this.liveness.trigger(() => this.checkLiveness(gen), delayMs);
  }

  /**
   * Skaffold's grpc-go server cuts off clients that send keepalive pings, so liveness is a
   * unary GetState with a deadline. A stream that keeps delivering during the check is alive,
   * and one that delivered since the last check needs none: then the next check comes an
   * interval after its last event (so a Skaffold that freezes is noticed as soon as before),
   * and only every TRIGGERS_EVERY-th check asks, for the auto triggers, which no event announces.
   */
  private checkLiveness(gen: number): void {
    const client = this.client;
    if (gen !== this.generation || !client || this.livenessInFlight) {
      return;
    }
    const now = this.clock.now();
    const delivered = this.lastEntryAt > this.livenessCheckedAt;
    this.livenessCheckedAt = now;
    if (delivered && ++this.livenessSkipped < TRIGGERS_EVERY) {
      this.armLiveness(gen, Math.max(1, this.lastEntryAt + this.opts.livenessIntervalMs - now));
      return;
    }
    this.livenessSkipped = 0;
    this.livenessInFlight = true;
    const sentAt = now;
    client.getState(this.opts.livenessTimeoutMs).then(
      (server) => {
        this.livenessInFlight = false;
        if (gen !== this.generation) {
          return;
        }
        this._state = this.replay.serverState(this._state, server, 'triggers', this.changes.pending);
        this.changes.schedule();
        this.armLiveness(gen);
      },
      (err: SkaffoldError) => {
        this.livenessInFlight = false;
        if (gen !== this.generation) {
          return;
        }
        if (err.kind === 'timeout' && this.lastEntryAt > sentAt) {
          this.armLiveness(gen);
          return;
        }
        this.onLost(err, 'liveness');
      },
    );
  }

  private dropConnection(): void {
    this.drain();
    this.replay.drop(); // what is shown stays as shown
    this.generation++;
    this.liveness.cancel();
    this.settle.cancel();
    this.livenessInFlight = false;
    this.subscription?.cancel();
    this.subscription = undefined;
    this.client?.dispose();
    this.client = undefined;
  }

  private teardown(): void {
    this.retry.cancel();
    this.endReplay(false);
    this.dropConnection();
  }

  private setStatus(status: SessionStatus, error?: SkaffoldError): void {
    const previous = this._status;
    if (previous === status && error && error.message === this._lastError?.message) {
      return; // the same failure again (a retry): nothing new to tell
    }
    if (status === 'connected') {
      this._lastError = undefined;
    } else if (error) {
      this._lastError = error;
    }
    if (previous === status && !error) {
      return;
    }
    this._status = status;
    this._onDidChangeStatus.fire({ status, previous, error });
  }

  // ---- events ----

  private onEntry(entry: LogEntry, bytes?: Uint8Array): void {
    this.lastEntryAt = this.clock.now();
    const record = this.log.add(entry, bytes);
    if (record) {
      // Delivered as it arrives, not coalesced: holding a burst's entries for coalesceMs
      // would keep tens of thousands of them alive under load (measured: +50 MB of heap).
      this._onDidLog.fire(record);
    }
    if (!this.replay.aligning && this.batch.length === 0) {
      // Reduced at once: the state is written in place until it is handed out (Ownership),
      // so one entry costs what it would in a batch, and it is garbage as soon as it is
      // reduced. Held until their socket read was handled, a read's entries (hundreds in a
      // burst) were alive at every scavenge: measured on the benchmark's burst, that alone
      // made V8 grow its young generation to 32 MB instead of 16 (peak RSS 44 MB, now 28).
      this.reduce([entry]);
      return;
    }
    // Shown before a live event, the replayed history is aligned with GetState after each
    // reduction: the entries of one socket read (which arrive one tick after another) are
    // reduced together once the read is handled (setImmediate runs after those ticks).
    this.batch.push(entry);
    if (this.batch.length === 1) {
      this.drainTimer = setImmediate(() => this.drain());
    }
  }

  /** Applies the entries received so far. */
  private drain(): void {
    clearImmediate(this.drainTimer);
    this.drainTimer = undefined;
    if (this.batch.length === 0) {
      return;
    }
    const batch = this.batch;
    this.batch = [];
    this.reduce(batch);
  }

  private reduce(entries: readonly LogEntry[]): void {
    const wasReplaying = this.replay.replaying;
    const capReached = this.lastEntryAt - this.replayStartedAt > REPLAY_CAP_MS;
    this._state = this.replay.apply(this._state, entries, this.changes.pending, capReached);
    if (wasReplaying && !this.replay.replaying) {
      this.replayEnded(true);
    }
    this.changes.schedule();
  }

  /**
   * Ends the replay once no entry came for settleMs: checked when that long may have passed.
   * Quiet that long, the replay ends one timer later, and only if no entry came in between:
   * the wait may have been spent busy in this process (a large socket read, other extensions)
   * rather than waiting for Skaffold, and what the socket holds by then is read before the next
   * timer runs (Node polls for I/O between two turns of its timers). So a short quiet spell is
   * enough, without ending a replay that was only waiting to be read.
   */
  private armSettle(delayMs = this.opts.settleMs): void {
    this.settle.trigger(() => {
      if (!this.replay.replaying) {
        return;
      }
      const quiet = this.clock.now() - this.lastEntryAt;
      if (quiet < this.opts.settleMs) {
        this.armSettle(this.opts.settleMs - quiet);
        return;
      }
      const last = this.lastEntryAt;
      this.settle.trigger(() => {
        if (this.lastEntryAt === last) {
          this.endReplay(true);
        } else {
          this.armSettle();
        }
      }, 0);
    }, delayMs);
  }

  /** The replay is over: show the rebuilt state (or drop it when `publish` is false). */
  private endReplay(publish: boolean): void {
    if (!this.replay.replaying) {
      return;
    }
    if (this.batch.length > 0) {
      this.drain(); // what arrived before the end belongs to the replay; may end it itself
      if (!this.replay.replaying) {
        return;
      }
    }
    this._state = this.replay.end(this._state, this.changes.pending, publish);
    this.replayEnded(publish);
    this.changes.schedule();
  }

  private replayEnded(published: boolean): void {
    this.settle.cancel();
    if (published) {
      this.everPublished = true;
    }
  }
}
