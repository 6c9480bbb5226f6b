/**
 * The one place that decides when deferred work runs: a throttle that coalesces bursts, a
 * delayer for one-shot and debounced work, and the reconnect backoff. In the spirit of VS
 * Code's own `Throttler`/`Delayer`/`RunOnceScheduler` (written here, not copied).
 *
 * Every timer goes through a `Clock`, the real one by default, so that tests drive time
 * themselves: inject a clock that moves only when told, or use the real one under
 * `node:test`'s `mock.timers` (the real clock looks the timer functions up at each call).
 */
import { Disposable } from './events';

/** A timer handle, opaque to its users: only the clock that made it can clear it. */
export type TimerHandle = unknown;

/** Time and timers. */
export interface Clock {
  /** Milliseconds, increasing; only differences between two readings are meaningful. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** This machine's clock and Node's timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

/**
 * The reconnect backoff: `initialMs` doubled at each failed attempt (0 for the first), capped
 * at `maxMs`. The only backoff formula of the extension.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, attempt), 16));
}

/**
 * One pending piece of work at a time, run after a delay. `trigger` replaces what is pending
 * (so calling it on every change debounces); `flush` runs it now.
 */
export class Delayer implements Disposable {
  private handle: TimerHandle | undefined;
  private task: (() => void) | undefined;
  private disposed = false;

  constructor(private readonly defaultDelayMs = 0, private readonly clock: Clock = realClock) {}

  /** Runs `task` after `delayMs`, instead of whatever was pending. */
  trigger(task: () => void, delayMs = this.defaultDelayMs): void {
    if (this.disposed) {
      return;
    }
    this.cancel();
    this.task = task;
    this.handle = this.clock.setTimeout(() => this.run(), Math.max(0, delayMs));
  }

  /** Whether a task is waiting. */
  get isTriggered(): boolean {
    return this.task !== undefined;
  }

  /** Runs the pending task now (nothing when none is pending). */
  flush(): void {
    if (this.task) {
      this.run();
    }
  }

  /** Drops the pending task. */
  cancel(): void {
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.task = undefined;
  }

  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private run(): void {
    const task = this.task;
    this.cancel();
    task?.();
  }
}

export interface ThrottleOptions {
  /**
   * When the window since the last run has passed, run at once (in a microtask, so the
   * requests of the same tick are one run) instead of waiting a whole window. Default false:
   * the first request of a burst waits `windowMs`, and the requests meanwhile join it.
   */
  leading?: boolean;
  clock?: Clock;
}

/**
 * Coalesces requests: runs its task at most once per `windowMs`, trailing (a request during
 * the window is served at its end, once however many came). `flush` bypasses the window, for
 * a refresh the user asked for. The task may return `false` to say it had nothing to do: the
 * window then does not start.
 */
export class Throttle implements Disposable {
  private readonly clock: Clock;
  private readonly leading: boolean;
  private handle: TimerHandle | undefined;
  /** A microtask run is queued: its token, so that cancel() can void it. */
  private queued: object | undefined;
  private lastRunAt: number | undefined;
  private disposed = false;

  constructor(private readonly task: () => void | boolean, private readonly windowMs: number, options: ThrottleOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.leading = options.leading ?? false;
  }

  /** Whether a run is waiting. */
  get isScheduled(): boolean {
    return this.handle !== undefined || this.queued !== undefined;
  }

  /** Asks for a run: at once when idle (leading), else at the end of the window. */
  schedule(): void {
    if (this.disposed || this.isScheduled) {
      return;
    }
    const wait = this.leading
      ? (this.lastRunAt === undefined ? 0 : this.lastRunAt + this.windowMs - this.clock.now())
      : this.windowMs;
    if (this.leading && wait <= 0) {
      const token = {};
      this.queued = token;
      queueMicrotask(() => {
        if (this.queued === token) {
          this.run();
        }
      });
    } else {
      this.handle = this.clock.setTimeout(() => this.run(), Math.max(0, wait));
    }
  }

  /** Runs the task now, whether or not a run was waiting, and drops the waiting one. */
  flush(): void {
    if (!this.disposed) {
      this.run();
    }
  }

  /** Drops a waiting run. */
  cancel(): void {
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.queued = undefined;
  }

  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private run(): void {
    this.cancel();
    if (this.disposed) {
      return;
    }
    const at = this.clock.now();
    if (this.task() !== false) {
      this.lastRunAt = at;
    }
  }
}
