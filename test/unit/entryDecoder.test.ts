/**
 * Our decoder of the Events stream's LogEntry bytes (wire/entryDecoder.ts) against the one it
 * replaces, @grpc/proto-loader's deserializer: the same object for every input (what a real
 * Skaffold sent, random entries, unknown fields of a newer Skaffold, mutated and truncated
 * bytes), the same error where the reference throws; and the entries of a real session
 * decoded by our own path, not handed to the reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { createEntryDecoder, EntryDecoder, enumNames } from '../../src/skaffold/wire/entryDecoder';
import { loadSkaffoldPackageDefinition, LogEntry } from '../../src/skaffold/wire/protocol';
import { adversarialString, DEFAULT_SEED, eventArbitraries, wirePort } from './arbitraries';

const events = (loadSkaffoldPackageDefinition()['proto.SkaffoldService'] as unknown as {
  Events: { responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown };
}).Events;

/** proto-loader's decoding of the bytes, or the error it throws. */
function reference(bytes: Buffer): { value?: unknown; error?: string } {
  try {
    return { value: events.responseDeserialize(bytes) };
  } catch (err) {
    return { error: String(err) };
  }
}

function decoder(): EntryDecoder {
  const definition = loadSkaffoldPackageDefinition();
  return createEntryDecoder(events.responseDeserialize, enumNames(definition['proto.enums.StatusCode']), enumNames(definition['proto.enums.SuggestionCode']));
}

/** Ours gives what the reference gives: the same object, or the same error. */
function assertSame(decode: EntryDecoder, bytes: Buffer): void {
  const want = reference(bytes);
  let got: { value?: unknown; error?: string };
  try {
    got = { value: decode(bytes) };
  } catch (err) {
    got = { error: String(err) };
  }
  assert.deepStrictEqual(got, want, `bytes ${bytes.toString('hex')}`);
}

const wire = eventArbitraries(adversarialString, wirePort, true);
const RUNS = { seed: DEFAULT_SEED, numRuns: 3000 };

// Protobuf's encoding, for bytes the serializer would not write.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const field = (n: number, wireType: number, payload: number[]) => [...varint((n << 3) | wireType), ...payload];
const len = (n: number, bytes: number[]) => field(n, 2, [...varint(bytes.length), ...bytes]);
const text = (n: number, s: string) => len(n, [...Buffer.from(s, 'utf8')]);

test('what a real Skaffold sent decodes as proto-loader decoded it, by our own path but for the metaEvent (maps)', () => {
  const file = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'recorded', 'grpc', 'v1-Events.keepCase-true.json');
  const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as LogEntry[];
  const decode = decoder();
  for (const entry of recorded) {
    assert.deepStrictEqual(decode(events.responseSerialize(entry)), entry);
  }
  const metaEvents = recorded.filter((e) => e.event?.event_type === 'metaEvent').length;
  assert.ok(recorded.length > 10 && metaEvents === 1);
  assert.equal(decode.fallbacks, metaEvents, 'only the metaEvent goes to the reference decoder');
});

test('random entries of every event kind decode as the reference decodes them', () => {
  const decode = decoder();
  let entries = 0;
  fc.assert(fc.property(wire.entry, (entry) => {
    entries++;
    assertSame(decode, events.responseSerialize(entry));
  }), RUNS);
  // Most take our path: only maps, 64-bit varints (negative numbers) and the like do not.
  assert.ok(decode.fallbacks < entries / 2, `${decode.fallbacks} of ${entries} handed over`);
});

test('a newer Skaffold\'s unknown fields are skipped at every level, by our own path', () => {
  const decode = decoder();
  const unknown = [...field(40, 0, varint(300)), ...text(41, 'new'), ...field(42, 5, [1, 2, 3, 4]), ...field(43, 1, [1, 2, 3, 4, 5, 6, 7, 8])];
  const actionable = [...field(1, 0, varint(101)), ...unknown, ...len(3, [...text(2, 'fix it'), ...unknown]), ...text(2, 'denied')];
  const build = [...text(1, 'example/app'), ...unknown, ...text(2, 'Failed'), ...len(5, actionable)];
  const bytes = Buffer.from([
    ...len(1, [...field(1, 0, varint(1_700_000_000)), ...unknown, ...field(2, 0, varint(5))]),
    ...unknown,
    ...len(2, [...len(2, build), ...unknown, ...len(30, text(1, 'a kind newer than our proto'))]),
    ...text(3, 'Build failed'),
  ]);
  assertSame(decode, bytes);
  assert.equal(decode.fallbacks, 0);
  assert.deepStrictEqual(decode(bytes), {
    timestamp: { seconds: '1700000000', nanos: 5 },
    event: {
      buildEvent: {
        artifact: 'example/app',
        status: 'Failed',
        actionableErr: { errCode: 'BUILD_PUSH_ACCESS_DENIED', suggestions: [{ action: 'fix it' }], message: 'denied' },
      },
      event_type: 'buildEvent',
    },
    entry: 'Build failed',
  });
});

test('what our path does not read goes to the reference whole, with the same result', () => {
  const decode = decoder();
  const cases: [string, number[]][] = [
    ['a negative iteration (a 10-byte varint)', len(2, len(9, field(1, 0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])))],
    ['a known field with another wire type', len(2, len(2, field(1, 0, varint(7))))],
    ['two members of the oneof', len(2, [...len(2, text(1, 'a')), ...len(3, text(1, 'Complete'))])],
    ['a string past the end of its message', len(2, len(2, [...varint(10), 5, ...Buffer.from('abc')]))],
    ['invalid UTF-8', len(2, len(2, len(1, [0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82])))],
    ['an int64 past 2^49', len(1, field(1, 0, varint(2 ** 52)))],
    ['a group', [...field(5, 3, []), ...field(5, 4, [])]],
    ['a field number 0', field(0, 0, [1])],
    ['truncated', len(2, len(2, text(1, 'example/app'))).slice(0, -3)],
  ];
  for (const [what, bytes] of cases) {
    assert.doesNotThrow(() => assertSame(decode, Buffer.from(bytes)), what);
  }
  // Invalid UTF-8 stays on our path: Buffer's decoding is the reference's.
  assert.equal(decode.fallbacks, cases.length - 1);
});

test('mutated, truncated, extended and concatenated encodings give what the reference gives', () => {
  const decode = decoder();
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  );
  fc.assert(fc.property(wire.entry, wire.entry, fc.array(mutation, { maxLength: 3 }), fc.boolean(), (a, b, mutations, concat) => {
    let bytes = [...events.responseSerialize(a), ...(concat ? events.responseSerialize(b) : [])];
    for (const m of mutations) {
      const at = bytes.length === 0 ? 0 : m.at % bytes.length;
      if (m.kind === 'set') {
        bytes[at] = m.byte;
      } else if (m.kind === 'cut') {
        bytes = bytes.slice(0, at);
      } else {
        bytes.splice(at, 0, ...m.bytes);
      }
    }
    assertSame(decode, Buffer.from(bytes));
  }), { ...RUNS, numRuns: 1000 });
});
