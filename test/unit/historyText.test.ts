/**
 * The Dev Loop History view's words (src/skaffold/present/historyRows.ts): rows that fit a sidebar at
 * its default width, outcomes as one lower-case word, and a spoken label for every row that
 * says what the row shows, what started the iteration included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  artifactLabel, artifactSpoken, causeLabel, causeSpoken, iterationDescription, iterationLabel, iterationSpoken, outcomeWord,
  phaseDescription, phaseSpoken,
} from '../../src/skaffold/present/historyRows';
import { spokenDuration } from '../../src/skaffold/present/labels';
import { IterationRecord } from '../../src/skaffold/state/model';
import { adversarialString, DEFAULT_SEED, statusArb } from './arbitraries';

function record(extra: Partial<IterationRecord> = {}): IterationRecord {
  return {
    iteration: 3, trigger: 'rebuild', inferred: false, startedAt: 1000, endedAt: 5200, durationMs: 4200, outcome: 'Succeeded',
    phases: { build: { startedAt: 1000, endedAt: 2000, durationMs: 1000, status: 'Complete' }, deploy: { startedAt: 2000, durationMs: 700, status: 'Complete' } },
    artifacts: [{ name: 'example/app', status: 'Complete', durationMs: 2000 }],
    ...extra,
  };
}

test('an iteration\'s row is its number and what it did; its description the outcome and total duration', () => {
  assert.equal(iterationLabel(record()), '#3 rebuild');
  assert.equal(iterationLabel(record({ iteration: 0, trigger: 'initial' })), '#0 initial');
  assert.equal(iterationLabel(record({ trigger: 'surprise' as IterationRecord['trigger'] })), '#3 other');
  assert.equal(iterationDescription(record(), true), 'succeeded · 4.2s');
  assert.equal(iterationDescription(record({ outcome: 'Failed', durationMs: 1000 }), true), 'failed · 1.0s');
  assert.equal(iterationDescription(record({ outcome: 'In Progress', durationMs: undefined, endedAt: undefined }), true), 'running');
  assert.equal(iterationDescription(record({ outcome: 'In Progress', durationMs: undefined, endedAt: undefined }), false), 'no result', 'an older one never ended');
});

test('the row stays short, whatever started the iteration: the cause is not in it', () => {
  const label = iterationLabel(record());
  const description = iterationDescription(record({ durationMs: 65_000 }), true);
  assert.ok(`${label} ${description}`.length <= 30, `"${label}  ${description}" fits about 300 px`);
});

test('outcomes are one lower-case word; other statuses are shown as sent, cleaned', () => {
  assert.deepEqual(
    ['In Progress', 'Succeeded', 'Complete', 'Failed', 'Canceled'].map(outcomeWord),
    ['running', 'succeeded', 'succeeded', 'failed', 'canceled'],
  );
  assert.equal(outcomeWord('Terminated\n\u0007now'), 'Terminated now');
  assert.equal(outcomeWord(undefined), '');
});

test('the spoken label says the iteration, what it did, what started it and how it ended', () => {
  assert.equal(iterationSpoken(record(), true, 'src/a.txt modified'), 'Iteration 3, rebuild, started by src/a.txt modified, succeeded in 4.2 seconds');
  assert.equal(iterationSpoken(record({ iteration: 0, trigger: 'initial', durationMs: 950 }), true, undefined), 'Iteration 0, initial, succeeded in 950 milliseconds');
  assert.equal(iterationSpoken(record({ outcome: 'Failed', durationMs: 65_000 }), true, 'build from VS Code'), 'Iteration 3, rebuild, started by build from VS Code, failed in 1 minute 5 seconds');
  assert.equal(iterationSpoken(record({ outcome: 'In Progress', durationMs: undefined }), true, undefined), 'Iteration 3, rebuild, running');
});

test('what started an iteration has its own row, spoken in words', () => {
  assert.equal(causeLabel('src/a.txt modified'), 'Started by: src/a.txt modified');
  assert.equal(causeSpoken(3, 'src/a.txt modified'), 'Iteration 3 was started by src/a.txt modified');
});

test('phase and artifact rows: outcome word and duration, spoken with their iteration', () => {
  const r = record();
  assert.equal(phaseDescription(r.phases.build!), 'succeeded · 1.0s');
  assert.equal(phaseDescription({ status: 'In Progress' }), 'running');
  assert.equal(phaseSpoken('statusCheck', 3, { status: 'Failed', durationMs: 2200 }), 'Status check of iteration 3, failed in 2.2 seconds');
  assert.equal(phaseSpoken('build', 3, undefined), 'Build of iteration 3');
  assert.equal(artifactLabel(r.artifacts[0]), 'example/app · succeeded · 2.0s');
  assert.equal(artifactSpoken(r.artifacts[0], 3), 'Build of example/app in iteration 3, succeeded in 2.0 seconds');
  assert.equal(artifactSpoken({ name: 'example/app', status: 'Information' }, 3), 'Build of example/app in iteration 3, Information');
});

test('spoken durations', () => {
  assert.deepEqual([1, 950, 1000, 4200, 60_000, 61_000, 125_000].map(spokenDuration),
    ['1 millisecond', '950 milliseconds', '1.0 seconds', '4.2 seconds', '1 minute', '1 minute 1 second', '2 minutes 5 seconds']);
  assert.equal(spokenDuration(undefined), '');
  assert.equal(spokenDuration(Number.NaN), '');
  assert.equal(spokenDuration(-1), '');
});

test('property: whatever Skaffold sends, every row and spoken label is one bounded line', () => {
  const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
  const duration = fc.oneof(fc.constant(undefined), fc.double(), fc.integer({ min: -1, max: 10 ** 9 }));
  fc.assert(fc.property(statusArb(), adversarialString, adversarialString, duration, fc.boolean(), (status, name, cause, ms, newest) => {
    const r = record({ outcome: status, durationMs: ms, artifacts: [{ name, status, durationMs: ms }] });
    const timing = { status, durationMs: ms };
    const texts = [
      iterationLabel(r), iterationDescription(r, newest), iterationSpoken(r, newest, cause), causeLabel(cause), causeSpoken(3, cause),
      phaseDescription(timing), phaseSpoken('build', 3, timing), artifactLabel(r.artifacts[0]), artifactSpoken(r.artifacts[0], 3),
    ];
    for (const text of texts) {
      assert.equal(typeof text, 'string');
      assert.ok(!CONTROL.test(text), `one line, no control character: ${JSON.stringify(text.slice(0, 200))}`);
      assert.ok(text.length <= 800, `bounded: ${text.length}`);
    }
  }), { seed: DEFAULT_SEED, numRuns: 500 });
});
