/** What started an iteration (src/skaffold/present/triggerCause.ts): an Execute sent just before, else the files Skaffold saw change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IterationRecord } from '../../src/skaffold/state/model';
import { FileTrigger, MANUAL_AFTER_MS, MANUAL_BEFORE_MS, triggerCause } from '../../src/skaffold/present/triggerCause';

const T0 = Date.UTC(2026, 10, 24, 13, 40);

function record(iteration: number, trigger: IterationRecord['trigger'] = 'rebuild', startedAt: number | undefined = T0 + iteration * 60_000): IterationRecord {
  return { iteration, trigger, inferred: false, startedAt, outcome: 'Succeeded', phases: {}, artifacts: [] };
}

const modified = (v2Iteration: number, ...files: string[]): FileTrigger => ({ kind: 'modified', files, iteration: v2Iteration });

test('the files Skaffold saw change start the iteration after the one they were logged in (v2 counts from 1)', () => {
  const files = [modified(2, 'src/a.txt'), modified(3, 'src/b.txt', 'src/c.txt', 'src/d.txt', 'src/e.txt')];
  assert.equal(triggerCause(record(1), files, []), 'src/a.txt modified');
  assert.equal(triggerCause(record(2), files, []), 'src/b.txt, src/c.txt and 2 more modified');
  assert.equal(triggerCause(record(3), files, []), undefined, 'nothing known');
  assert.equal(triggerCause(record(4), [{ kind: 'added', files: ['x'], iteration: 5 }, { kind: 'deleted', files: ['y'], iteration: 5 }], []), 'x, y changed');
});

test('an Execute sent from VS Code just before the iteration is its cause, over the files', () => {
  const r = record(1);
  const files = [modified(2, 'src/a.txt')];
  assert.equal(triggerCause(r, files, [{ at: r.startedAt! - 300, phases: ['build', 'deploy'] }]), 'build + deploy from VS Code');
  assert.equal(triggerCause(r, files, [{ at: r.startedAt! - MANUAL_BEFORE_MS - 1, phases: ['build'] }]), 'src/a.txt modified', 'too long before');
  assert.equal(triggerCause(r, files, [{ at: r.startedAt! + MANUAL_AFTER_MS + 1, phases: ['build'] }]), 'src/a.txt modified', 'after it began');
  assert.equal(triggerCause(record(1, 'rebuild', undefined), [], [{ at: T0, phases: ['build'] }]), undefined, 'no start time: no match');
});

test('an Execute is the cause of the first iteration after it only, however quickly the next ones follow', () => {
  const first = record(1, 'rebuild', T0 + 100);
  const second = record(2, 'rebuild', T0 + 1500);
  const third = record(3, 'rebuild', T0 + 3000);
  const intents = [{ at: T0, phases: ['build'] }];
  assert.equal(triggerCause(first, [], intents, record(0, 'initial', T0 - 60_000)), 'build from VS Code');
  assert.equal(triggerCause(second, [], intents, first), undefined);
  assert.equal(triggerCause(third, [], intents, second), undefined);
  // Sent a moment after Skaffold began (the clocks are not in step): still that iteration's, not the next.
  const late = [{ at: T0 + 400, phases: ['deploy'] }];
  assert.equal(triggerCause(first, [], late), 'deploy from VS Code');
  assert.equal(triggerCause(second, [], late, first), undefined);
});

test('the initial iteration has no cause; file names from the server are one bounded line', () => {
  assert.equal(triggerCause(record(0, 'initial'), [modified(1, 'src/a.txt')], [{ at: T0, phases: ['build'] }]), undefined);
  const cause = triggerCause(record(1), [modified(2, `evil\n\u202Ename${'x'.repeat(500)}`)], [])!;
  assert.doesNotMatch(cause, /[\n\u202E]/);
  assert.ok(cause.length < 200, `bounded: ${cause.length}`);
  assert.equal(triggerCause(record(1), [modified(2, '', '\u0000')], []), undefined, 'nothing readable: nothing said');
});
