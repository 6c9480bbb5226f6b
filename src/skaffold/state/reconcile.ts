/**
 * What only GetState tells, brought into a state the events built: the auto triggers (events
 * never carry them, and other clients may change them), artifacts the events have not named
 * yet, and, after an Execute (which resets Skaffold's state without an event when that
 * phase's auto trigger is on), the statuses. Pure: the state given is not modified.
 */
import { bounded, Bound } from '../base/text';
import { emptyChange, lastOf, SessionState, StateChange } from './model';
import { autoTriggers, statusOf } from './fromProto';
import { State, Status } from '../wire/protocol';

export interface Reconciled {
  state: SessionState;
  change: StateChange;
}

/** Takes GetState's auto triggers, and the artifacts it names that the state does not have yet. */
export function reconcileTriggers(state: SessionState, server: State): Reconciled {
  const change = emptyChange();
  const next = autoTriggers(server);
  let result = state;
  if (next.build !== state.autoTrigger.build || next.sync !== state.autoTrigger.sync || next.deploy !== state.autoTrigger.deploy) {
    result = { ...result, autoTrigger: next };
    change.sections.add('autoTrigger');
  }
  const named = Object.entries(server.buildState?.artifacts ?? {})
    .map(([raw, status]) => [bounded(raw, Bound.name), status] as const)
    .filter((e): e is readonly [string, string] => e[0] !== undefined && !state.artifacts.has(e[0]));
  if (named.length > 0) {
    const artifacts = new Map(result.artifacts);
    for (const [name, status] of named) {
      artifacts.set(name, { name, status: statusOf(status), iteration: state.devLoop.iteration });
      change.artifacts.add(name);
    }
    result = { ...result, artifacts };
    change.sections.add('artifacts');
  }
  return { state: result, change };
}

/** As reconcileTriggers, and aligns phase and artifact statuses with GetState's. */
export function reconcileStatuses(state: SessionState, server: State): Reconciled {
  const { state: withTriggers, change } = reconcileTriggers(state, server);
  let result = withTriggers;
  const artifacts = new Map(result.artifacts);
  for (const [raw, status] of Object.entries(server.buildState?.artifacts ?? {})) {
    const name = bounded(raw, Bound.name);
    const a = name ? artifacts.get(name) : undefined;
    const s = statusOf(status);
    if (a && a.status !== s) {
      artifacts.set(a.name, { ...a, status: s, startedAt: s === Status.InProgress ? a.startedAt : undefined, error: s === a.lastResult?.status ? a.error : undefined });
      change.artifacts.add(a.name);
      change.sections.add('artifacts');
    }
  }
  result = { ...result, artifacts };
  const phases: ['deploy' | 'statusCheck' | 'fileSync' | 'test', string | undefined][] = [
    ['deploy', server.deployState?.status],
    ['statusCheck', server.statusCheckState?.status],
    ['fileSync', server.fileSyncState?.status],
    ['test', server.testState?.status],
  ];
  for (const [key, status] of phases) {
    const s = statusOf(status);
    if (s && result[key].status !== s) {
      result = { ...result, [key]: { ...result[key], status: s, error: undefined, last: lastOf(result[key]) } };
      change.sections.add(key);
    }
  }
  return { state: result, change };
}
