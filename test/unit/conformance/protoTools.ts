/**
 * Tools for test/unit/conformance*.test.ts: load our .proto files with protobufjs the way protoc
 * would (one include folder) and Skaffold's reference APIs from their wire-fact fixtures
 * (test/fixtures/wire), list an API's messages and enums, compare two schemas field by field,
 * turn protojson (what Skaffold writes to its event log) into protobufjs's toObject form, and
 * derive fast-check arbitraries from a message type.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import fc from 'fast-check';

/** The one conversion every comparison uses. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: false, oneofs: true };

export type Obj = Record<string, unknown>;
type Definition = protobuf.Type | protobuf.Enum;

// ---------------------------------------------------------------- where things are

/** The checkout: the nearest folder at or above `from` that holds package.json and proto/skaffold.proto. */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto', 'skaffold.proto'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`no checkout (package.json and proto/skaffold.proto) at or above ${from}`);
    }
  }
}

/** The committed fixtures the conformance tests compare against (`npm run fixtures` refreshes them). */
export interface Fixtures {
  /** The wire facts of Skaffold's reference protos (scripts/wire-facts.js). */
  wire: { v1_0: string; v2_24: string; v2_24_v2: string };
  /** Real Skaffold v2.7 sessions: one folder per scenario, and grpc/ (what proto-loader decoded). */
  recorded: string;
}

export function fixturesLayout(repoRoot: string): Fixtures {
  const wire = path.join(repoRoot, 'test', 'fixtures', 'wire');
  return {
    wire: {
      v1_0: path.join(wire, 'skaffold-v1.0.0.json'),
      v2_24: path.join(wire, 'skaffold-v2.24.0-v1.json'),
      v2_24_v2: path.join(wire, 'skaffold-v2.24.0-v2.json'),
    },
    recorded: path.join(repoRoot, 'test', 'fixtures', 'recorded'),
  };
}

// ---------------------------------------------------------------- loading

/**
 * Loads `file` and its imports as protoc -I dir1 -I dir2 ... would: an import names a file below
 * the first include folder that has it, google/protobuf/{empty,timestamp,...}.proto are protobufjs's bundled
 * definitions (it takes those before asking resolvePath) and descriptor.proto is protobufjs's
 * bundled descriptor.json. Field names are kept as written (keepCase), as Skaffold's JSON has them.
 * The one loader is scripts/wire-facts.js's, which also writes the wire fixtures from the references.
 */
export function loadProto(file: string, includeDirs: string[]): protobuf.Root {
  return wireFactsTools().loadProto(file, includeDirs);
}

/** scripts/wire-facts.js: the generator of the wire fixtures, and the way back to a protobufjs root. */
interface WireFactsTools {
  loadProto(file: string, include: string[]): protobuf.Root;
  rootFromWireFacts(facts: unknown): protobuf.Root;
  wireFacts(root: protobuf.Root, pkg: string, service: string): Obj;
}

function wireFactsTools(): WireFactsTools {
  // Plain CommonJS shared with `npm run fixtures`, found from the checkout (this file runs from out/).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(findRepoRoot(__dirname), 'scripts', 'wire-facts.js')) as WireFactsTools;
}

/**
 * A Skaffold reference API as its wire-fact fixture describes it (every message, field, enum and
 * RPC with its numbers and types; Google's well-known types from protobufjs): a root to compare,
 * encode and decode with, as the reference .proto would be.
 */
export function loadWireFacts(file: string): protobuf.Root {
  return rootFromWireFacts(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** A root from wire facts (a fixture's content, or wireFactsOf's result). */
export function rootFromWireFacts(facts: unknown): protobuf.Root {
  return wireFactsTools().rootFromWireFacts(facts);
}

/** The wire facts of the API `scope` of `root`, as the fixtures hold them. */
export function wireFactsOf(root: protobuf.Root, scope: ApiScope): Obj {
  return wireFactsTools().wireFacts(root, scope.pkg, scope.service);
}

// ---------------------------------------------------------------- the v1 API of a root

function isTypeOrEnum(o: protobuf.ReflectionObject): o is Definition {
  return o instanceof protobuf.Type || o instanceof protobuf.Enum;
}

/** Which API of a root a comparison looks at: the package of its messages and its service. */
export interface ApiScope {
  pkg: string;
  service: string;
}

export const V1_API: ApiScope = { pkg: 'proto', service: 'proto.SkaffoldService' };
export const V2_API: ApiScope = { pkg: 'proto.v2', service: 'proto.v2.SkaffoldV2Service' };

/**
 * The v1 API: every message of package `proto` (with nested messages and enums; not the
 * sub-packages proto.v2 and proto.enums) and every enum those messages use (from proto.enums).
 * Google's well-known types are left out: both sides take them from protobufjs.
 */
export function v1Definitions(root: protobuf.Root): Map<string, Definition> {
  return apiDefinitions(root, V1_API);
}

/** Like v1Definitions, for the API `scope` names (V2_API: package proto.v2 and the enums it uses). */
export function apiDefinitions(root: protobuf.Root, scope: ApiScope = V1_API): Map<string, Definition> {
  const out = new Map<string, Definition>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const child of ns.nestedArray) {
      if (isTypeOrEnum(child)) {
        out.set(child.fullName, child);
      }
      if (child instanceof protobuf.Type) {
        walk(child);
      }
    }
  };
  walk(root.lookup(scope.pkg) as protobuf.Namespace);
  for (const def of [...out.values()]) {
    if (def instanceof protobuf.Type) {
      for (const f of def.fieldsArray) {
        if (f.resolvedType instanceof protobuf.Enum) {
          out.set(f.resolvedType.fullName, f.resolvedType);
        }
      }
    }
  }
  return out;
}

/** Enums of package proto.enums that no v1 message uses (in Skaffold's file: the v2-only ones). */
export function unusedEnums(root: protobuf.Root, scope: ApiScope = V1_API): string[] {
  const used = apiDefinitions(root, scope);
  const ns = root.lookup('proto.enums') as protobuf.Namespace | null;
  return (ns?.nestedArray ?? []).filter((e) => e instanceof protobuf.Enum && !used.has(e.fullName)).map((e) => e.fullName);
}

// ---------------------------------------------------------------- field shapes

const BASIC_WIRE_TYPES = protobuf.types.basic as unknown as Record<string, number>;

export interface FieldShape {
  id: number;
  name: string;
  label: 'singular' | 'repeated' | 'map';
  /** map key type, e.g. int32 or string */
  keyType?: string;
  /** scalar type name, or the referenced message or enum by full name (.proto.PortEvent) */
  type: string;
  kind: 'scalar' | 'message' | 'enum';
  /** wire type of one value (0 varint, 1 i64, 2 length-delimited, 5 i32) */
  wireType: number;
  /** repeated scalars and enums: written packed (one length-delimited record) */
  packed: boolean;
  oneof?: string;
  jsonName?: string;
}

export function shapeOf(f: protobuf.Field): FieldShape {
  const r = f.resolvedType;
  const kind = r instanceof protobuf.Type ? 'message' : r instanceof protobuf.Enum ? 'enum' : 'scalar';
  const isMap = f instanceof protobuf.MapField;
  const opts = f.options as Obj | undefined;
  return {
    id: f.id,
    name: f.name,
    label: isMap ? 'map' : f.repeated ? 'repeated' : 'singular',
    keyType: isMap ? (f as protobuf.MapField).keyType : undefined,
    type: r ? r.fullName : f.type,
    kind,
    wireType: kind === 'message' ? 2 : kind === 'enum' ? 0 : BASIC_WIRE_TYPES[f.type],
    packed: !isMap && f.repeated && kind !== 'message' && f.packed,
    oneof: f.partOf ? f.partOf.name : undefined,
    jsonName: typeof opts?.json_name === 'string' ? opts.json_name : undefined,
  };
}

export function describe(s: FieldShape): string {
  const type = s.label === 'map' ? `map<${s.keyType}, ${s.type}>` : `${s.label === 'repeated' ? 'repeated ' : ''}${s.type}`;
  const wire = s.label === 'map' || s.packed ? `wire type 2, values wire type ${s.wireType}` : `wire type ${s.wireType}`;
  return `#${s.id} ${s.name}: ${type} (${wire}${s.packed ? ', packed' : ''})${s.oneof ? ` in oneof ${s.oneof}` : ''}`;
}

// ---------------------------------------------------------------- schema comparison

export interface SchemaDiff {
  problems: string[];
  messages: number;
  fields: number;
  enums: number;
  enumValues: number;
  methods: number;
}

function reservedOf(t: protobuf.Type): { ranges: [number, number][]; names: string[] } {
  const ranges: [number, number][] = [];
  const names: string[] = [];
  for (const r of t.reserved ?? []) {
    if (typeof r === 'string') {
      names.push(r);
    } else {
      ranges.push([r[0], r[1]]);
    }
  }
  return { ranges, names };
}

/**
 * Everything of `ref`'s v1 API that `cand` lacks or has differently, as one sentence each:
 * messages (by full name), fields (by number: name, type, wire type, label, map key, oneof,
 * json_name), reserved numbers and names, enums (every value name with its number, and
 * every number), service methods (request/response types and streaming). Counts what it compared.
 */
export function diffSchemas(ref: protobuf.Root, cand: protobuf.Root, refLabel: string, candLabel: string, scope: ApiScope = V1_API): SchemaDiff {
  const d: SchemaDiff = { problems: [], messages: 0, fields: 0, enums: 0, enumValues: 0, methods: 0 };
  const problem = (s: string) => d.problems.push(s);
  const theirs = apiDefinitions(ref, scope);
  const ours = apiDefinitions(cand, scope);
  for (const [name, def] of theirs) {
    const other = ours.get(name);
    if (def instanceof protobuf.Type) {
      d.messages++;
      if (!(other instanceof protobuf.Type)) {
        problem(`message ${name}: in ${refLabel}, ${other ? `an enum in ${candLabel}` : `missing from ${candLabel}`}`);
        d.fields += def.fieldsArray.length;
        continue;
      }
      for (const f of def.fieldsArray) {
        d.fields++;
        const a = shapeOf(f);
        const match = other.fieldsArray.find((g) => g.id === f.id);
        if (!match) {
          const sameName = other.fields[f.name];
          problem(`${name}: ${refLabel} has field ${describe(a)}; ${candLabel} has no field #${f.id}${sameName ? ` (its ${f.name} is #${sameName.id})` : ''}`);
          continue;
        }
        const b = shapeOf(match);
        const diffs: string[] = [];
        for (const key of ['name', 'label', 'keyType', 'type', 'kind', 'wireType', 'packed', 'oneof', 'jsonName'] as const) {
          if (a[key] !== b[key]) {
            diffs.push(`${key} ${String(a[key] ?? 'none')} vs ${String(b[key] ?? 'none')}`);
          }
        }
        if (diffs.length) {
          problem(`${name} field #${f.id}: ${refLabel} ${describe(a)}; ${candLabel} ${describe(b)} (${diffs.join(', ')})`);
        }
      }
      for (const o of def.oneofsArray) {
        if (!other.oneofs?.[o.name]) {
          problem(`${name}: ${refLabel} has oneof ${o.name}, ${candLabel} does not`);
        }
      }
      const { ranges, names } = reservedOf(def);
      const mine = reservedOf(other);
      for (const [lo, hi] of ranges) {
        const used = other.fieldsArray.filter((g) => g.id >= lo && g.id <= hi);
        if (used.length) {
          problem(`${name}: ${refLabel} reserves ${lo === hi ? lo : `${lo} to ${hi}`}, ${candLabel} uses it: ${used.map((g) => describe(shapeOf(g))).join('; ')}`);
        } else if (!mine.ranges.some(([l, h]) => l <= lo && hi <= h)) {
          problem(`${name}: ${refLabel} reserves ${lo === hi ? lo : `${lo} to ${hi}`}, ${candLabel} does not`);
        }
      }
      for (const n of names) {
        if (other.fields[n] || !mine.names.includes(n)) {
          problem(`${name}: ${refLabel} reserves the name ${n}, ${candLabel} ${other.fields[n] ? 'uses it' : 'does not reserve it'}`);
        }
      }
    } else {
      d.enums++;
      if (!(other instanceof protobuf.Enum)) {
        problem(`enum ${name}: in ${refLabel}, ${other ? `a message in ${candLabel}` : `missing from ${candLabel}`}`);
        d.enumValues += Object.keys(def.values).length;
        continue;
      }
      for (const [valueName, n] of Object.entries(def.values)) {
        d.enumValues++;
        const mine = other.values[valueName];
        if (mine === undefined) {
          problem(`enum ${name}: ${refLabel} has ${valueName} = ${n}; ${candLabel} has no ${valueName}${other.valuesById[n] !== undefined ? ` (its ${n} is ${other.valuesById[n]})` : ` and no value ${n}`}`);
        } else if (mine !== n) {
          problem(`enum ${name}: ${refLabel} has ${valueName} = ${n}; ${candLabel} has ${valueName} = ${mine}`);
        }
      }
    }
  }
  const theirService = ref.lookup(scope.service);
  const ourService = cand.lookup(scope.service);
  if (!(theirService instanceof protobuf.Service)) {
    problem(`${refLabel} has no service ${scope.service}`);
  } else if (!(ourService instanceof protobuf.Service)) {
    problem(`service ${scope.service}: in ${refLabel}, missing from ${candLabel}`);
  } else {
    const sig = (m: protobuf.Method) =>
      `rpc ${m.name}(${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType?.fullName}) returns (${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType?.fullName})`;
    for (const m of theirService.methodsArray) {
      d.methods++;
      const mine = ourService.methods[m.name];
      if (!mine) {
        problem(`${scope.service}: ${refLabel} has ${sig(m)}; ${candLabel} does not`);
      } else if (sig(mine) !== sig(m)) {
        problem(`${scope.service}: ${refLabel} has ${sig(m)}; ${candLabel} has ${sig(mine)}`);
      }
    }
  }
  return d;
}

// ---------------------------------------------------------------- protojson -> toObject form

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function lowerCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** RFC 3339 as protojson writes a Timestamp ("2026-11-24T13:40:11.221516827Z") -> { seconds, nanos }. */
export function parseTimestamp(text: string): Obj | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  const ms = m ? Date.parse(`${m[1]}Z`) : NaN;
  if (!m || Number.isNaN(ms)) {
    return undefined;
  }
  return { seconds: String(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/**
 * protojson of a `type` message (proto or JSON field names, enums by name or number, int64 as
 * strings, Timestamps as RFC 3339, null for absent) -> exactly what `type.toObject(message,
 * TO_OBJECT)` gives after a round trip: nulls and empty lists/maps dropped, zero values kept
 * (protobufjs writes a field that was set, even to zero), oneof members named by their oneof.
 * Anything `type` does not know (a field name, an enum name) goes to `problems`, so nothing is
 * dropped silently.
 */
export function canonical(json: unknown, type: protobuf.Type, at: string, problems: string[]): Obj {
  const out: Obj = {};
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    problems.push(`${at}: expected a ${type.fullName} object, got ${JSON.stringify(json)}`);
    return out;
  }
  for (const [key, value] of Object.entries(json as Obj)) {
    if (value === null) {
      continue;
    }
    const field = type.fields[key] ?? type.fieldsArray.find((f) => lowerCamel(f.name) === key);
    if (!field) {
      problems.push(`${at}.${key}: ${type.fullName} has no field ${key} (value ${JSON.stringify(value)})`);
      continue;
    }
    const here = `${at}.${key}`;
    if (field instanceof protobuf.MapField) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${here}: expected a map, got ${JSON.stringify(value)}`);
        continue;
      }
      const entries = Object.entries(value as Obj);
      if (!entries.length) {
        continue;
      }
      const map: Obj = {};
      for (const [k, v] of entries) {
        let mapKey = k;
        if (INT32.has(field.keyType) || INT64.has(field.keyType)) {
          if (!/^-?\d+$/.test(k)) {
            problems.push(`${here}: map key ${JSON.stringify(k)} is not an ${field.keyType}`);
            continue;
          }
          mapKey = String(BigInt(k));
        }
        map[mapKey] = valueOf(field, v, `${here}[${k}]`, problems);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        problems.push(`${here}: expected a list, got ${JSON.stringify(value)}`);
        continue;
      }
      if (value.length) {
        out[field.name] = value.map((v, i) => valueOf(field, v, `${here}[${i}]`, problems));
      }
    } else {
      out[field.name] = valueOf(field, value, here, problems);
    }
    if (field.partOf) {
      if (out[field.partOf.name] !== undefined) {
        problems.push(`${here}: a second member of oneof ${field.partOf.name} (after ${String(out[field.partOf.name])})`);
      }
      out[field.partOf.name] = field.name;
    }
  }
  return out;
}

function valueOf(field: protobuf.Field, v: unknown, at: string, problems: string[]): unknown {
  const r = field.resolvedType;
  if (r instanceof protobuf.Type) {
    if (r.fullName === '.google.protobuf.Timestamp' && typeof v === 'string') {
      const ts = parseTimestamp(v);
      if (!ts) {
        problems.push(`${at}: not an RFC 3339 UTC timestamp: ${JSON.stringify(v)}`);
      }
      return ts ?? {};
    }
    return canonical(v, r, at, problems);
  }
  if (r instanceof protobuf.Enum) {
    if (typeof v === 'string') {
      if (r.values[v] === undefined) {
        problems.push(`${at}: ${r.fullName} has no value ${v}`);
      }
      return v;
    }
    if (typeof v === 'number' && Number.isInteger(v)) {
      return r.valuesById[v] ?? v;
    }
    problems.push(`${at}: not an enum value: ${JSON.stringify(v)}`);
    return v;
  }
  const t = field.type;
  if (INT32.has(t)) {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    const [lo, hi] = t === 'uint32' || t === 'fixed32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) {
      problems.push(`${at}: not an ${t}: ${JSON.stringify(v)}`);
    }
    return n;
  }
  if (INT64.has(t)) {
    if ((typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v))) {
      return String(BigInt(v));
    }
    problems.push(`${at}: not an ${t}: ${JSON.stringify(v)}`);
    return v;
  }
  const expected = t === 'bool' ? 'boolean' : t === 'string' ? 'string' : t === 'double' || t === 'float' ? 'number' : undefined;
  if (!expected) {
    problems.push(`${at}: type ${t} is not handled by this test (the v1 API has none)`);
  } else if (typeof v !== expected) {
    problems.push(`${at}: not a ${t}: ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * What a client built from `type` (an older version of the message) keeps of `object` (in
 * toObject form): the fields it knows, recursively; a oneof's name only if it knows the member.
 */
export function project(object: Obj, type: protobuf.Type): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key];
    if (field) {
      const r = field.resolvedType;
      const sub = (v: unknown) => (r instanceof protobuf.Type ? project(v as Obj, r) : v);
      if (field instanceof protobuf.MapField) {
        out[key] = Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, sub(v)]));
      } else if (field.repeated) {
        out[key] = (value as unknown[]).map(sub);
      } else {
        out[key] = sub(value);
      }
    } else if (type.oneofs?.[key] && typeof value === 'string' && type.fields[value]?.partOf?.name === key) {
      out[key] = value;
    }
  }
  return out;
}

/** Every `Type.field` that `object` (toObject form of `type`) sets, recursively. */
export function fieldsSet(object: Obj, type: protobuf.Type, into: Set<string>): Set<string> {
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key];
    if (!field) {
      continue;
    }
    into.add(`${type.fullName}.${key}`);
    const r = field.resolvedType;
    if (r instanceof protobuf.Type) {
      const values = field instanceof protobuf.MapField ? Object.values(value as Obj) : field.repeated ? (value as unknown[]) : [value];
      values.forEach((v) => fieldsSet(v as Obj, r, into));
    }
  }
  return into;
}

/** Every `Type.field` of the v1 messages reachable from `roots` (not Google's types). */
export function reachableFields(roots: protobuf.Type[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (t: protobuf.Type) => {
    if (seen.has(t.fullName) || t.fullName.startsWith('.google.')) {
      return;
    }
    seen.add(t.fullName);
    for (const f of t.fieldsArray) {
      out.add(`${t.fullName}.${f.name}`);
      if (f.resolvedType instanceof protobuf.Type) {
        visit(f.resolvedType);
      }
    }
  };
  roots.forEach(visit);
  return out;
}

// ---------------------------------------------------------------- random messages

/**
 * Random messages of `type` in toObject form, from its own schema: any subset of the fields,
 * at most one member per oneof, full int32/uint32/int64 ranges, any Unicode text, enum values
 * by name (and now and then a number no version knows), up to 3 list items and map entries.
 * (No v1 message contains itself, so building the arbitrary eagerly terminates.)
 */
export function arbitraryOf(type: protobuf.Type): fc.Arbitrary<Obj> {
  const cache = new Map<string, fc.Arbitrary<Obj>>();
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  const scalar = (t: string): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'int32': case 'sint32': case 'sfixed32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
      case 'uint32': case 'fixed32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
      case 'int64': case 'sint64': case 'sfixed64': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
      case 'uint64': case 'fixed64': return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
      case 'bool': return fc.boolean();
      case 'string': return text;
      default: throw new Error(`no arbitrary for ${t}`);
    }
  };
  const one = (f: protobuf.Field): fc.Arbitrary<unknown> => {
    const r = f.resolvedType;
    if (r instanceof protobuf.Type) {
      return message(r);
    }
    if (r instanceof protobuf.Enum) {
      return fc.oneof({ arbitrary: fc.constantFrom(...Object.keys(r.values)), weight: 9 }, { arbitrary: fc.integer({ min: 100_000, max: 2 ** 31 - 1 }), weight: 1 });
    }
    return scalar(f.type);
  };
  const fieldArb = (f: protobuf.Field): fc.Arbitrary<unknown> => {
    if (f instanceof protobuf.MapField) {
      const key = INT32.has(f.keyType) || INT64.has(f.keyType) ? scalar(f.keyType).map(String) : text.filter((k) => k !== '__proto__');
      return fc.array(fc.tuple(key, one(f)), { maxLength: 3 }).map((entries) => Object.fromEntries(entries));
    }
    return f.repeated ? fc.array(one(f), { maxLength: 3 }) : one(f);
  };
  function message(t: protobuf.Type): fc.Arbitrary<Obj> {
    const cached = cache.get(t.fullName);
    if (cached) {
      return cached;
    }
    const plain = fc.record(Object.fromEntries(t.fieldsArray.filter((f) => !f.partOf).map((f) => [f.name, fieldArb(f)])), { requiredKeys: [] });
    const oneofs = t.oneofsArray.map((o) =>
      fc.option(fc.oneof(...o.fieldsArray.map((f) => fieldArb(f).map((v) => ({ [f.name]: v })))), { nil: undefined }));
    const arb = fc.tuple(plain, ...oneofs).map(([fields, ...members]) => Object.assign({}, fields, ...members) as Obj);
    cache.set(t.fullName, arb);
    return arb;
  }
  return message(type);
}

/** What a recorded scenario's files are called for one API (v1: events.json, v1-events.stream, v1-state.json). */
export interface RecordingFiles {
  events: string;
  stream: string;
  state: string;
}

/** The non-empty lines of a file, with their 1-based numbers. */
export function numberedLines(file: string): (readonly [number, string])[] {
  return fs.readFileSync(file, 'utf8').split('\n').map((l, i) => [i + 1, l.trim()] as const).filter(([, l]) => l);
}

/**
 * Hands every message of the recorded scenarios to `check`: the event-log file (one message
 * per line, zero values omitted), the HTTP gateway stream (`{"result": message}` per line,
 * zero values present; an error line is a problem) and the final state. Returns how many.
 */
export function checkRecordings(
  recorded: string, scenarios: readonly string[], files: RecordingFiles,
  types: { event: protobuf.Type; state: protobuf.Type },
  check: (label: string, type: protobuf.Type, json: unknown) => void, problems: string[],
): { events: number; streamed: number; states: number } {
  const count = { events: 0, streamed: 0, states: 0 };
  for (const scenario of scenarios) {
    const dir = path.join(recorded, scenario);
    for (const [n, line] of numberedLines(path.join(dir, files.events))) {
      check(`${scenario}/${files.events}:${n}`, types.event, JSON.parse(line));
      count.events++;
    }
    const stream = path.join(dir, files.stream);
    if (fs.existsSync(stream)) {
      for (const [n, line] of numberedLines(stream)) {
        const { result, error } = JSON.parse(line) as { result?: unknown; error?: unknown };
        if (error !== undefined) {
          problems.push(`${scenario}/${files.stream}:${n}: an error line: ${line}`);
        }
        check(`${scenario}/${files.stream}:${n}`, types.event, result);
        count.streamed++;
      }
    }
    const state = path.join(dir, files.state);
    if (fs.existsSync(state)) {
      check(`${scenario}/${files.state}`, types.state, JSON.parse(fs.readFileSync(state, 'utf8')));
      count.states++;
    }
  }
  return count;
}
