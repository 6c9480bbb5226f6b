/**
 * What of a connection's event stream is Skaffold's history and what is live, and what to show
 * meanwhile. Pure: no timer, no clock; the session says when time has run out.
 *
 * Skaffold replays its whole history to every new subscriber, with no marker between history
 * and live events (API-NOTES.md, Events). So a connection starts from its first GetState and
 * rebuilds the state from the replay apart (the shadow), shown only once caught up: at the
 * first live event (an entry stamped after the stream was opened), or when the session decides
 * the replay has settled (a quiet spell, a cap, the connection lost). A replay shown before a
 * live event came may stop anywhere in the history: its statuses are aligned with the newest
 * GetState until the first live event, from which on the replayed state is the state.
 */
import { emptyChange, mergeChange, SECTIONS, SessionState, StateChange } from '../state/model';
import { LogEntry, State } from '../wire/protocol';
import { applyBatch, Ownership } from '../state/reducer';
import { entryTime, stateFromServer } from '../state/fromProto';
import { reconcileStatuses, reconcileTriggers } from '../state/reconcile';

/** A change naming every section: the whole state is new. */
export function allChange(): StateChange {
  const change = emptyChange();
  for (const s of SECTIONS) {
    change.sections.add(s);
    change.all.add(s);
  }
  return change;
}

export class ReplayAssembler {
  private _replaying = false;
  /** The state being rebuilt from the replay, not shown yet. */
  private shadow: SessionState | undefined;
  /** The newest GetState of this connection: the truth a replay cut short is aligned with. */
  private server: State | undefined;
  /** Whether this connection delivered a live event (not history). */
  private liveSeen = false;
  /**
   * The replayed history as it is, while it is shown before a live event came (aligned with
   * GetState); undefined otherwise.
   */
  private history: SessionState | undefined;
  /** Where the replay's changes go: unused, since the whole state is announced when it ends. */
  private replayChange: StateChange = emptyChange();
  /** When the stream was opened (this machine's wall clock, ms): later entries are live. */
  private subscribedAt = 0;
  /**
   * What of each state the assembler writes it made and has not handed out (reducer.ts,
   * Ownership): the shown state's, the history's and the shadow's. A burst then copies each
   * collection once per `handedOut()`, not once per socket read.
   */
  private shownOwn = new Ownership(true);
  private historyOwn = new Ownership();
  private shadowOwn = new Ownership(true);

  /** Whether the replay is still being rebuilt apart (nothing of it shown yet). */
  get replaying(): boolean {
    return this._replaying;
  }

  /**
   * Whether the replayed history is shown aligned with GetState (before a live event came):
   * each reduction is then followed by an alignment, so entries are best reduced by the read.
   */
  get aligning(): boolean {
    return this.history !== undefined;
  }

  /**
   * The shown state was handed out (to the views): whatever it holds stays as it is for them,
   * so later events copy what they change; but its resources, which are written in place
   * (reducer.ts, Ownership).
   */
  handedOut(): void {
    this.shownOwn.release();
    this.historyOwn.release(); // the shown state may be the history aligned, sharing its maps
  }

  /** A connection answered GetState `server` and its stream opened at `subscribedAt`: a replay begins. */
  begin(server: State, subscribedAt: number): void {
    this.shadow = stateFromServer(server);
    this.shadowOwn = new Ownership(true);
    this.server = server;
    this.liveSeen = false;
    this.history = undefined;
    this.replayChange = emptyChange();
    this.subscribedAt = subscribedAt;
    this._replaying = true;
  }

  /** The connection is gone: what is shown stays as shown. */
  drop(): void {
    this.history = undefined;
  }

  /**
   * Applies one read's entries. Returns the state to show (`shown` itself while the replay is
   * rebuilt apart) and merges what changed into `change`. `capReached`: the session gives up
   * waiting for the history to end, and the replay is shown as it is.
   */
  apply(shown: SessionState, batch: readonly LogEntry[], change: StateChange, capReached = false): SessionState {
    if (batch.length === 0) {
      return shown;
    }
    if (!this._replaying && !this.history) {
      return applyBatch(shown, batch, change, this.shownOwn); // live: the usual case
    }
    const at = entryTime(batch[batch.length - 1]);
    const live = at !== undefined && at >= this.subscribedAt;
    this.liveSeen ||= live;
    if (this._replaying) {
      this.shadow = applyBatch(this.shadow!, batch, this.replayChange, this.shadowOwn);
      if (live || capReached) {
        // A live event: Skaffold has sent its history (or the session stops waiting for it).
        return this.end(shown, change, true);
      }
      return shown;
    }
    // History still arriving after it was shown: it accumulates as it is (durations come from
    // pairs of its events), and is shown with Skaffold's current statuses until the first live
    // event, from which on it is the state.
    const history = applyBatch(this.history!, batch, change, this.historyOwn);
    if (live) {
      this.history = undefined;
      this.shownOwn = this.historyOwn;
      this.shownOwn.inPlace = true; // the history's own state: it is shown now, not aligned
      this.historyOwn = new Ownership();
      mergeChange(change, allChange());
      return history;
    }
    this.history = history;
    return this.aligned(history, change);
  }

  /**
   * The replay is over: returns the rebuilt state to show (all of it changed, merged into
   * `change`), or `shown` when `publish` is false (the rebuilt state is dropped).
   */
  end(shown: SessionState, change: StateChange, publish: boolean): SessionState {
    if (!this._replaying) {
      return shown;
    }
    this._replaying = false;
    this.replayChange = emptyChange();
    const shadow = this.shadow!;
    this.shadow = undefined;
    if (!publish) {
      return shown;
    }
    mergeChange(change, allChange());
    const own = this.shadowOwn;
    this.shadowOwn = new Ownership(true);
    // Shown before a live event (after a quiet spell, or the cap, or cut short), the replay
    // may not be over: its statuses are those of some moment in the history.
    if (this.liveSeen) {
      this.shownOwn = own;
      return shadow;
    }
    this.history = shadow;
    this.historyOwn = own;
    this.historyOwn.inPlace = false; // the shown state (aligned with GetState) shares its resources
    this.shownOwn = new Ownership(true);
    return this.aligned(shadow);
  }

  /**
   * A GetState answered. `statuses`: a refresh, whose statuses are Skaffold's word on now;
   * `triggers`: a liveness check, whose auto triggers only are taken. Returns the state to show
   * and merges what changed into `change`.
   */
  serverState(shown: SessionState, server: State, what: 'statuses' | 'triggers', change: StateChange): SessionState {
    this.server = server;
    if (this._replaying) {
      if (what === 'statuses') {
        this.shadow = reconcileStatuses(this.shadow!, server).state;
      }
      return shown;
    }
    if (this.history) {
      // The auto triggers are no event of the stream: the history, which becomes the state at
      // the first live event, takes them too (its statuses stay its own).
      this.history = reconcileTriggers(this.history, server).state;
    }
    const result = what === 'statuses' ? reconcileStatuses(shown, server) : reconcileTriggers(shown, server);
    mergeChange(change, result.change);
    return result.state;
  }

  /** Statuses as the newest GetState has them: Skaffold's word on now, over replayed history. */
  private aligned(state: SessionState, change?: StateChange): SessionState {
    if (!this.server) {
      return state;
    }
    const aligned = reconcileStatuses(state, this.server);
    if (change) {
      mergeChange(change, aligned.change);
    }
    return aligned.state;
  }
}
