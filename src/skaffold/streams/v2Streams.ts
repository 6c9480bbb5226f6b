/**
 * Container logs and Skaffold's per-phase output for one session, from Skaffold's v2 API,
 * following the session's lifecycle: while the session is connected, the v2 ApplicationLogs
 * and Events streams are open (on a channel of their own); when it leaves `connected` or its
 * address changes, they are closed.
 *
 * A Skaffold without v2 (v1.x) answers UNIMPLEMENTED: `supported` turns false with a clear
 * reason and nothing is asked again until the next connection. Other failures while the session
 * is connected are retried with a short backoff.
 */
import { SkaffoldError } from '../wire/errors';
import { ContainerLogOptions, ContainerLogStore } from './containerLogs';
import { Disposable, Emitter, Listenable, Logger, nullLogger } from '../base/events';
import { backoffDelay, Clock, Delayer, realClock } from '../base/schedule';
import { eventTimeMs, parseTaskId, V2Event, V2Status } from '../wire/protocolV2';
import type { SessionStatus, StatusChangeEvent } from '../session/session';
import { SkaffoldOutputOptions, SkaffoldOutputStore } from './skaffoldOutput';
import type { V2ClientOptions, V2StreamHandlers, V2Subscription } from '../wire/v2Client';

/** What SessionLogs needs of a SkaffoldSession. */
export interface SessionLike {
  readonly status: SessionStatus;
  readonly address: string;
  readonly onDidChangeStatus: Listenable<StatusChangeEvent>;
}

/** What SessionLogs needs of a SkaffoldV2Client. */
export interface V2ClientLike {
  subscribeApplicationLogs(handlers: V2StreamHandlers): V2Subscription;
  subscribeEvents(handlers: V2StreamHandlers): V2Subscription;
  dispose(): void;
}

export type V2ClientFactory = (address: string, options: V2ClientOptions) => V2ClientLike;

export interface SessionLogsOptions {
  session: SessionLike;
  logger?: Logger;
  /** Lines kept per container (default 10,000). */
  maxLines?: number;
  /** More bounds of the container logs (maxLines above wins). */
  logs?: ContainerLogOptions;
  /** Bounds of Skaffold's output. */
  output?: SkaffoldOutputOptions;
  /** Makes the v2 client (default: a SkaffoldV2Client, grpc-js loaded at the first connection). */
  clientFactory?: V2ClientFactory;
  maxReceiveMessageBytes?: number;
  /** Retry backoff of a failed stream: first delay and cap (defaults 200 ms and 5 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Whose time the retries run on (default the real clock). */
  clock?: Clock;
}

export interface SupportChangeEvent {
  /** Container logs: undefined until Skaffold answers, false for a Skaffold without them. */
  supported: boolean | undefined;
  /** Skaffold's per-phase output (the v2 Events stream), likewise. */
  outputSupported: boolean | undefined;
  reason: string | undefined;
}

type StreamName = 'ApplicationLogs' | 'Events';

interface StreamState {
  subscription: V2Subscription | undefined;
  retry: Delayer;
  attempts: number;
  /** Stopped for this connection (unsupported, or a failure retrying cannot fix). */
  stopped: boolean;
  /** Stopped because a message was over the limit: worth one more try once Skaffold's buffer is cleared. */
  tooLarge: boolean;
}

let v2ClientModule: typeof import('../wire/v2Client') | undefined;

function defaultFactory(address: string, options: V2ClientOptions): V2ClientLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  v2ClientModule ??= require('../wire/v2Client') as typeof import('../wire/v2Client');
  return new v2ClientModule.SkaffoldV2Client(address, options);
}

function isUnsupported(err: SkaffoldError): boolean {
  // SkaffoldV2UnsupportedError, without loading v2client (and grpc-js) to test instanceof.
  return err.name === 'SkaffoldV2UnsupportedError' || (err.code === 12 && err.kind === 'rejected');
}

export class SessionLogs implements Disposable {
  readonly logs: ContainerLogStore;
  readonly output: SkaffoldOutputStore;
  private readonly _onDidChangeSupport = new Emitter<SupportChangeEvent>();
  readonly onDidChangeSupport = this._onDidChangeSupport.event;
  /** New lines of one container (never a replayed duplicate). */
  readonly onDidAppend: ContainerLogStore['onDidAppend'];

  private readonly session: SessionLike;
  private readonly logger: Logger;
  private readonly factory: V2ClientFactory;
  private readonly clientOptions: V2ClientOptions;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly statusSubscription: Disposable;

  private _supported: boolean | undefined;
  private _outputSupported: boolean | undefined;
  private logsReason: string | undefined;
  private outputReason: string | undefined;
  private _lastError: SkaffoldError | undefined;

  private client: V2ClientLike | undefined;
  /** The address the open streams belong to (undefined: none open). */
  private activeAddress: string | undefined;
  /** The address the stores' content came from. */
  private contentAddress: string | undefined;
  private generation = 0;
  private readonly starter: Delayer;
  private readonly streams: Record<StreamName, StreamState>;
  private disposed = false;

  constructor(options: SessionLogsOptions) {
    this.session = options.session;
    this.logger = options.logger ?? nullLogger;
    this.factory = options.clientFactory ?? defaultFactory;
    this.clientOptions = { maxReceiveMessageBytes: options.maxReceiveMessageBytes };
    this.retryInitialMs = options.retryInitialMs ?? 200;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    const clock = options.clock ?? realClock;
    this.starter = new Delayer(0, clock);
    this.streams = {
      ApplicationLogs: { subscription: undefined, retry: new Delayer(0, clock), attempts: 0, stopped: false, tooLarge: false },
      Events: { subscription: undefined, retry: new Delayer(0, clock), attempts: 0, stopped: false, tooLarge: false },
    };
    this.logs = new ContainerLogStore({ ...options.logs, maxLines: options.maxLines ?? options.logs?.maxLines });
    this.output = new SkaffoldOutputStore(options.output);
    this.onDidAppend = this.logs.onDidAppend;
    this.statusSubscription = this.session.onDidChangeStatus(() => this.follow());
    this.follow();
  }

  /** Whether this Skaffold serves container logs: undefined until it answers. */
  get supported(): boolean | undefined {
    return this._supported;
  }

  /** Whether it serves its per-phase output (v2 Events): undefined until it answers. */
  get outputSupported(): boolean | undefined {
    return this._outputSupported;
  }

  /** Why container logs (or the output) are not available, in words for the user. */
  get unsupportedReason(): string | undefined {
    return this.logsReason ?? this.outputReason;
  }

  /** The last failure of a v2 stream other than "not supported" (cleared when a stream delivers again). */
  get lastError(): SkaffoldError | undefined {
    return this._lastError;
  }

  /** Whether the v2 streams are open (or being opened) now. */
  get active(): boolean {
    return this.activeAddress !== undefined;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.statusSubscription.dispose();
    this.stop();
    this.logs.dispose();
    this.output.dispose();
    this._onDidChangeSupport.dispose();
  }

  // ---- lifecycle ----

  /** Opens or closes the streams to match the session's status and address. */
  private follow(): void {
    if (this.disposed) {
      return;
    }
    const connected = this.session.status === 'connected';
    const address = this.session.address;
    if (connected && this.activeAddress === address) {
      return;
    }
    this.stop();
    if (!connected) {
      return;
    }
    if (this.contentAddress !== undefined && this.contentAddress !== address) {
      // Another Skaffold: what was kept belongs to the old one.
      this.logs.clear();
      this.output.reset();
      this.setSupport({ supported: undefined, outputSupported: undefined });
    }
    this.activeAddress = address;
    this.contentAddress = address;
    const gen = ++this.generation;
    // A macrotask later: the v1 connection shows its first state before the v2 streams start.
    this.starter.trigger(() => {
      if (gen === this.generation && !this.disposed) {
        this.start(gen, address);
      }
    });
  }

  private start(gen: number, address: string): void {
    try {
      this.client = this.factory(address, this.clientOptions);
    } catch (err) {
      // Not a server's answer (our v2 proto missing from the install, for one): nothing to retry.
      this._lastError = new SkaffoldError('unknown', `Cannot open Skaffold's v2 API at ${address}: ${String((err as Error)?.message ?? err)}`);
      this.logger.warn(`[v2] ${this._lastError.message}`);
      return;
    }
    for (const name of ['Events', 'ApplicationLogs'] as const) {
      const s = this.streams[name];
      s.stopped = false;
      s.tooLarge = false;
      s.attempts = 0;
      this.open(name, gen);
    }
  }

  /** Cancels the streams, timers and the client. */
  private stop(): void {
    this.generation++;
    this.starter.cancel();
    for (const s of Object.values(this.streams)) {
      s.retry.cancel();
      s.subscription?.cancel();
      s.subscription = undefined;
    }
    this.client?.dispose();
    this.client = undefined;
    this.activeAddress = undefined;
  }

  private open(name: StreamName, gen: number): void {
    const client = this.client;
    const s = this.streams[name];
    if (!client || gen !== this.generation || s.stopped) {
      return;
    }
    const current = () => gen === this.generation && !this.disposed;
    const delivered = () => {
      s.attempts = 0;
      this._lastError = undefined;
      this.served(name);
    };
    const handlers: V2StreamHandlers = name === 'ApplicationLogs'
      ? {
        onOpen: () => current() && delivered(),
        onEvent: (event) => {
          if (current()) {
            delivered();
            this.logs.append(event);
          }
        },
        onEnd: (err) => current() && this.onEnd(name, gen, err),
      }
      : {
        onOpen: () => current() && delivered(),
        onEvent: (event) => {
          if (current()) {
            delivered();
            this.onEvent(event, gen);
          }
        },
        onEnd: (err) => current() && this.onEnd(name, gen, err),
      };
    if (name === 'ApplicationLogs') {
      this.logs.beginSubscription();
    } else {
      this.output.reset(); // Events replays the whole history
    }
    try {
      s.subscription = name === 'ApplicationLogs' ? client.subscribeApplicationLogs(handlers) : client.subscribeEvents(handlers);
      this.logger.debug(`[v2] ${name} subscribed at ${this.activeAddress}`);
    } catch (err) {
      s.subscription = undefined;
      this.logger.warn(`[v2] ${name}: ${String((err as Error)?.message ?? err)}`);
    }
  }

  private onEvent(event: V2Event, gen: number): void {
    this.output.apply(event);
    const task = event?.taskEvent;
    if (task && task.status === V2Status.InProgress) {
      const parsed = parseTaskId(task.id);
      if (parsed?.task === 'DevLoop') {
        this.logs.beginIteration(parsed.iteration, eventTimeMs(event));
        // Skaffold cleared its log buffer: a stream stopped by an oversized line can try again.
        const logs = this.streams.ApplicationLogs;
        if (logs.stopped && logs.tooLarge && !logs.subscription && gen === this.generation) {
          logs.stopped = false;
          logs.tooLarge = false;
          this.open('ApplicationLogs', gen);
        }
      }
    }
  }

  private onEnd(name: StreamName, gen: number, err: SkaffoldError): void {
    const s = this.streams[name];
    s.subscription = undefined;
    if (err.kind === 'cancelled') {
      return;
    }
    if (isUnsupported(err)) {
      s.stopped = true;
      this.logger.info(`[v2] ${err.message}`);
      this.setSupport(name === 'ApplicationLogs' ? { supported: false, logsReason: err.message } : { outputSupported: false, outputReason: err.message });
      return;
    }
    this._lastError = err;
    if (!err.retryable) {
      s.stopped = true;
      s.tooLarge = err.kind === 'tooLarge';
      this.logger.warn(`[v2] ${name} stopped: ${err.message}`);
      return;
    }
    if (this.session.status !== 'connected') {
      return; // follow() will stop or restart everything
    }
    const delay = backoffDelay(s.attempts, this.retryInitialMs, this.retryMaxMs);
    s.attempts++;
    this.logger.debug(`[v2] ${name} ended (${err.message}); again in ${delay} ms`);
    s.retry.trigger(() => {
      if (gen === this.generation && !this.disposed && this.session.status === 'connected') {
        this.open(name, gen);
      }
    }, delay);
  }

  /**
   * A v2 stream answered: the v2 API is there, and container logs with it unless
   * ApplicationLogs refused in this connection (an empty log buffer sends nothing, so the
   * Events stream is often the first to answer).
   */
  private served(name: StreamName): void {
    if (name === 'ApplicationLogs') {
      this.setSupport({ supported: true, logsReason: undefined });
    } else {
      const logsRefused = this.streams.ApplicationLogs.stopped && this._supported === false;
      this.setSupport({ outputSupported: true, outputReason: undefined, ...(logsRefused ? {} : { supported: true, logsReason: undefined }) });
    }
  }

  private setSupport(change: { supported?: boolean; outputSupported?: boolean; logsReason?: string; outputReason?: string }): void {
    const next = {
      supported: 'supported' in change ? change.supported : this._supported,
      outputSupported: 'outputSupported' in change ? change.outputSupported : this._outputSupported,
      logsReason: 'logsReason' in change ? change.logsReason : 'supported' in change && change.supported !== false ? undefined : this.logsReason,
      outputReason: 'outputReason' in change ? change.outputReason : 'outputSupported' in change && change.outputSupported !== false ? undefined : this.outputReason,
    };
    if (next.supported === this._supported && next.outputSupported === this._outputSupported
      && next.logsReason === this.logsReason && next.outputReason === this.outputReason) {
      return;
    }
    this._supported = next.supported;
    this._outputSupported = next.outputSupported;
    this.logsReason = next.logsReason;
    this.outputReason = next.outputReason;
    if (!this.disposed) {
      this._onDidChangeSupport.fire({ supported: next.supported, outputSupported: next.outputSupported, reason: this.unsupportedReason });
    }
  }
}
