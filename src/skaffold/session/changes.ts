import { Clock, Throttle } from '../base/schedule';
import { emptyChange, isEmptyChange, mergeChange, StateChange } from '../state/model';
import { Disposable } from '../base/events';

/**
 * A session's state changes, coalesced: what changed accumulates in `pending`, and is
 * delivered at once when idle, else at most once per `windowMs` (a burst of events is one
 * change per window); `flush` delivers now.
 */
export class ChangeCoalescer implements Disposable {
  private _pending: StateChange = emptyChange();
  private readonly throttle: Throttle;

  constructor(private readonly deliver: (change: StateChange) => void, windowMs: number, clock?: Clock) {
    this.throttle = new Throttle(() => this.run(), windowMs, { leading: true, clock });
  }

  /** What changed since the last delivery: reducers merge into it (then call `schedule`). */
  get pending(): StateChange {
    return this._pending;
  }

  /** Adds a change and schedules its delivery. */
  add(change: StateChange): void {
    mergeChange(this._pending, change);
    this.schedule();
  }

  /** Schedules the delivery of what is pending, if anything is. */
  schedule(): void {
    if (!isEmptyChange(this._pending)) {
      this.throttle.schedule();
    }
  }

  /** Delivers what is pending now. */
  flush(): void {
    this.throttle.flush();
  }

  dispose(): void {
    this.throttle.dispose();
  }

  private run(): boolean {
    const change = this._pending;
    if (isEmptyChange(change)) {
      return false;
    }
    this._pending = emptyChange();
    this.deliver(change);
    return true;
  }
}
