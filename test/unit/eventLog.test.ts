/**
 * The bounded event log (state/eventLog.ts): entries given with their wire bytes are kept as
 * those bytes, outside the JS heap, and read back as the same entries; the newest `capacity`
 * are kept, however their sizes vary, and a replay after a reconnect is not logged twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventLog } from '../../src/skaffold/state/eventLog';
import { decodeEntry } from '../../src/skaffold/wire/client';
import { loadSkaffoldPackageDefinition, LogEntry } from '../../src/skaffold/wire/protocol';
import { isPod } from '../../src/skaffold/state/workloads';
import { DEFAULT_SEED } from './arbitraries';

const RUNS = { seed: DEFAULT_SEED, numRuns: 300 };

/** The entry's bytes as Skaffold sends them (our proto's serializer). */
function encode(entry: LogEntry): Buffer {
  const methods = loadSkaffoldPackageDefinition()['proto.SkaffoldService'] as unknown as { Events: { responseSerialize(v: unknown): Buffer } };
  return methods.Events.responseSerialize(entry);
}

function entry(i: number, text: string): LogEntry {
  return {
    timestamp: { seconds: String(1_700_000_000 + i), nanos: 0 },
    event: { resourceStatusCheckEvent: { resource: `deployment/app-${i}`, status: 'In Progress', message: text }, event_type: 'resourceStatusCheckEvent' },
    entry: `Resource deployment/app-${i} status updated to In Progress`,
  };
}

test('entries kept as their wire bytes read back as the entries decoded from them, the newest `capacity` of them', () => {
  const log = new EventLog(3, decodeEntry);
  const sent = Array.from({ length: 5 }, (_, i) => entry(i, `message ${i}`));
  for (const e of sent) {
    const bytes = encode(e);
    const record = log.add(decodeEntry(bytes), bytes);
    assert.ok(record, 'each new entry is logged');
    bytes.fill(0); // the caller's bytes may be reused: the log keeps a copy
  }
  const records = log.records();
  assert.deepEqual(records.map((r) => r.seq), [3, 4, 5], 'the oldest go first');
  assert.deepEqual(records.map((r) => r.entry), sent.slice(2).map((e) => decodeEntry(encode(e))));
  assert.deepEqual(records.map((r) => r.time), [2, 3, 4].map((i) => (1_700_000_000 + i) * 1000));
});

test('property: whatever the sizes and the capacity, the log holds the newest entries as sent: all `capacity` of them while they fit in a few megabytes, never more than 16 MB of them', () => {
  const decoder = (bytes: Uint8Array): LogEntry => ({ entry: Buffer.from(bytes).toString('latin1') });
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }) },
      { weight: 3, arbitrary: fc.integer({ min: 1000, max: 70_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 200_000, max: 3_000_000 }) },
    ), { minLength: 1, maxLength: 120 }),
    (capacity, sizes) => {
      const log = new EventLog(capacity, decoder);
      const texts: string[] = [];
      sizes.forEach((size, i) => {
        const text = String.fromCharCode(65 + (i % 26)).repeat(size);
        texts.push(text);
        log.add({ entry: text }, Buffer.from(text, 'latin1'));
        const newest = texts.slice(-capacity);
        const got = log.records().map((r) => r.entry.entry);
        const suffix = texts.slice(texts.length - got.length);
        assert.ok(got.length >= 1 && got.length <= capacity, `after ${i + 1} entries: ${got.length} kept`);
        assert.ok(got.every((t, k) => t === suffix[k]), `after ${i + 1} entries: the newest, in order, as sent`);
        const bytes = got.reduce((n, t) => n + (t ?? "").length, 0);
        assert.ok(bytes <= 16 * 1024 * 1024, `after ${i + 1} entries: ${bytes} bytes kept`);
        if (newest.reduce((n, t) => n + t.length, 0) <= 4 * 1024 * 1024) {
          assert.equal(got.length, newest.length, `after ${i + 1} entries, all of the newest ${capacity} (they fit)`);
        }
      });
    },
  ), { ...RUNS, numRuns: 150 });
});

test('entries without bytes (from tests, or a resize) are kept as they are, beside those kept as bytes', () => {
  const log = new EventLog(4, decodeEntry);
  const a = entry(1, 'a');
  const b = entry(2, 'b');
  log.add(a);
  log.add(decodeEntry(encode(b)), encode(b));
  assert.deepEqual(log.records().map((r) => r.entry.event?.resourceStatusCheckEvent?.message), ['a', 'b']);
  log.resize(1);
  assert.deepEqual(log.records().map((r) => r.entry.event?.resourceStatusCheckEvent?.message), ['b'], 'a smaller log keeps the newest');
});

test('a reconnect\'s replay of what was logged is not logged again, whether kept as bytes or not', () => {
  const log = new EventLog(10, decodeEntry);
  const history = [entry(1, 'x'), entry(2, 'y')];
  for (const e of history) {
    log.add(decodeEntry(encode(e)), encode(e));
  }
  log.beginConnection();
  for (const e of history) {
    assert.equal(log.add(decodeEntry(encode(e)), encode(e)), undefined, 'replayed: not logged');
  }
  assert.ok(log.add(entry(3, 'z')), 'a new one is');
  assert.equal(log.size, 3);
});

test('property: isPod says what /^pods?\\//i says', () => {
  const kinds = fc.constantFrom('Pod/', 'pod/', 'POD/', 'pods/', 'Pods/', 'PODS/', 'pod', 'pods', 'podx/', 'po/', 'deployment/', 'p0d/', 'pod\\', '/pod/', '');
  fc.assert(fc.property(kinds, fc.string({ maxLength: 12 }), (kind, rest) => {
    const name = kind + rest;
    assert.equal(isPod(name), /^pods?\//i.test(name), JSON.stringify(name));
  }), { seed: DEFAULT_SEED, numRuns: 3000 });
  fc.assert(fc.property(fc.string({ maxLength: 8 }), (name) => {
    assert.equal(isPod(name), /^pods?\//i.test(name), JSON.stringify(name));
  }), { seed: DEFAULT_SEED, numRuns: 3000 });
});
