/**
 * Skaffold's messages in the JSON of its event-log files (`--event-log-file`: protojson, one
 * message per line) to and from the objects the gRPC side gives us (protocol.ts: proto field
 * names, 64-bit numbers as strings, enums by name, defaults left out, the set member of a
 * oneof named in `event_type`). Driven by our proto's reflection, so a field added to the
 * proto is read and written without a change here.
 *
 * Reading is lenient, as a reader of a file that may come from any Skaffold must be: unknown
 * keys (a newer Skaffold's fields) are skipped, both the JSON name (`taskId`) and the proto
 * name (`task_id`) are accepted, a value of the wrong type is left out, and default values
 * are left out as they would be off the wire. Writing is what Go's protojson writes, which is
 * what Skaffold writes: fields in field-number order, no default values, 64-bit numbers
 * quoted, enums by name, timestamps in RFC 3339 with 0, 3, 6 or 9 fractional digits, map keys
 * sorted, no spaces, and `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
import * as path from 'path';
import type * as protobuf from 'protobufjs';
import { findProtoDir } from './protocol';

type Json = Record<string, unknown>;

/** The two event formats: v1's LogEntry (the event-log file) and v2's Event (its `.v2` sibling). */
export type EventFormat = 'v1' | 'v2';

const TIMESTAMP = '.google.protobuf.Timestamp';
/** Nesting deeper than any Skaffold message: a file's JSON is not trusted to be shallow. */
const MAX_DEPTH = 32;

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/** A message type prepared for conversion: its fields by either name, in number order. */
interface Shape {
  type: protobuf.Type;
  byKey: Map<string, protobuf.Field>;
  ordered: protobuf.Field[];
  jsonNames: Map<protobuf.Field, string>;
}

/** What a field holds, told once per field (protobufjs computes `fullName` at every read). */
type FieldKind = 'message' | 'timestamp' | 'enum' | 'scalar';

/** protoc's JSON name of a field: lowerCamelCase of its name (`task_id` → `taskId`). */
function jsonNameOf(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Converts one format's messages; made once per format (see codecFor). */
export class ProtoJsonCodec {
  private readonly shapes = new Map<protobuf.Type, Shape>();
  private readonly kinds = new Map<protobuf.Field, FieldKind>();

  constructor(private readonly root: protobuf.Type) {}

  /** One line's JSON value as the gRPC side would give the message; undefined when it is not an object. */
  fromJson(value: unknown): Json | undefined {
    return isObject(value) ? this.readMessage(this.root, value, 0) : undefined;
  }

  /** The message as one line of Skaffold's event-log file (without the newline). */
  toJson(message: Json): string {
    return goEscape(this.writeMessage(this.root, message, 0));
  }

  private shape(type: protobuf.Type): Shape {
    let s = this.shapes.get(type);
    if (!s) {
      const ordered = [...type.fieldsArray].sort((a, b) => a.id - b.id);
      const byKey = new Map<string, protobuf.Field>();
      const jsonNames = new Map<protobuf.Field, string>();
      for (const f of ordered) {
        f.resolve();
        const t = f.resolvedType;
        this.kinds.set(f, !t ? 'scalar' : !('fieldsArray' in t) ? 'enum' : t.fullName === TIMESTAMP ? 'timestamp' : 'message');
        const json = jsonNameOf(f.name);
        jsonNames.set(f, json);
        byKey.set(f.name, f);
        byKey.set(json, f);
      }
      s = { type, byKey, ordered, jsonNames };
      this.shapes.set(type, s);
    }
    return s;
  }

  // ---- reading ----

  private readMessage(type: protobuf.Type, json: Json, depth: number): Json | undefined {
    if (depth > MAX_DEPTH) {
      return undefined;
    }
    const { byKey } = this.shape(type);
    const out: Json = {};
    for (const key of Object.keys(json)) {
      const field = byKey.get(key);
      if (!field) {
        continue; // a newer Skaffold's field
      }
      const value = this.readField(field, json[key], depth);
      if (value === undefined) {
        continue;
      }
      out[field.name] = value;
      const oneof = field.partOf;
      if (oneof) {
        out[oneof.name] = field.name;
      }
    }
    return out;
  }

  private readField(field: protobuf.Field, value: unknown, depth: number): unknown {
    if (value === null || value === undefined) {
      return undefined;
    }
    if (field.map) {
      if (!isObject(value)) {
        return undefined;
      }
      const out: Json = {};
      let any = false;
      for (const key of Object.keys(value)) {
        const v = this.readSingle(field, value[key], depth, true);
        if (v !== undefined) {
          out[key] = v;
          any = true;
        }
      }
      return any ? out : undefined;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        return undefined;
      }
      const out = value.map((v) => this.readSingle(field, v, depth, true)).filter((v) => v !== undefined);
      return out.length > 0 ? out : undefined;
    }
    return this.readSingle(field, value, depth, false);
  }

  /** One value of the field's type; `element`: in a list or map, where zero values are kept. */
  private readSingle(field: protobuf.Field, value: unknown, depth: number, element: boolean): unknown {
    const kind = this.kinds.get(field);
    if (kind === 'timestamp') {
      return typeof value === 'string' ? parseTimestamp(value) : undefined;
    }
    const resolved = field.resolvedType;
    if (kind === 'message') {
      return isObject(value) ? this.readMessage(resolved as protobuf.Type, value, depth + 1) : undefined;
    }
    if (kind === 'enum') {
      const values = (resolved as protobuf.Enum).values;
      const names = (resolved as protobuf.Enum).valuesById;
      if (typeof value === 'string') {
        return values[value] === 0 && !element ? undefined : value;
      }
      if (typeof value === 'number' && Number.isInteger(value)) {
        return value === 0 && !element ? undefined : names[value] ?? value;
      }
      return undefined;
    }
    const t = field.type;
    if (t === 'string') {
      return typeof value === 'string' && (value !== '' || element) ? value : undefined;
    }
    if (t === 'bool') {
      return typeof value === 'boolean' && (value || element) ? value : undefined;
    }
    if (INT_TYPES.has(t)) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && (n !== 0 || element) ? n : undefined;
    }
    if (LONG_TYPES.has(t)) {
      const s = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
      return typeof s === 'string' && /^-?\d{1,20}$/.test(s) && (!/^-?0+$/.test(s) || element) ? s.replace(/^(-?)0+(?=\d)/, '$1') : undefined;
    }
    if (t === 'double' || t === 'float') {
      const n = typeof value === 'string' ? Number(value) : value;
      return typeof n === 'number' && !Number.isNaN(n) && (n !== 0 || element) ? n : undefined;
    }
    if (t === 'bytes') {
      return typeof value === 'string' && (value !== '' || element) ? Buffer.from(value, 'base64') : undefined;
    }
    return undefined;
  }

  // ---- writing ----

  private writeMessage(type: protobuf.Type, message: Json, depth: number): string {
    if (depth > MAX_DEPTH) {
      return '{}';
    }
    const { ordered, jsonNames } = this.shape(type);
    const parts: string[] = [];
    for (const field of ordered) {
      const value = message[field.name];
      const written = this.writeField(field, value, depth);
      if (written !== undefined) {
        parts.push(`${JSON.stringify(jsonNames.get(field))}:${written}`);
      }
    }
    return `{${parts.join(',')}}`;
  }

  private writeField(field: protobuf.Field, value: unknown, depth: number): string | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (field.map) {
      if (!isObject(value)) {
        return undefined;
      }
      const keys = Object.keys(value).sort(mapKeyOrder((field as unknown as protobuf.MapField).keyType));
      const parts: string[] = [];
      for (const key of keys) {
        const v = this.writeSingle(field, value[key], depth, true);
        if (v !== undefined) {
          parts.push(`${JSON.stringify(key)}:${v}`);
        }
      }
      return parts.length > 0 ? `{${parts.join(',')}}` : undefined;
    }
    if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) {
        return undefined;
      }
      const parts = value.map((v) => this.writeSingle(field, v, depth, true) ?? 'null');
      return `[${parts.join(',')}]`;
    }
    return this.writeSingle(field, value, depth, false);
  }

  private writeSingle(field: protobuf.Field, value: unknown, depth: number, element: boolean): string | undefined {
    const kind = this.kinds.get(field);
    if (kind === 'timestamp') {
      return isObject(value) ? JSON.stringify(formatTimestamp(value)) : undefined;
    }
    const resolved = field.resolvedType;
    if (kind === 'message') {
      return isObject(value) ? this.writeMessage(resolved as protobuf.Type, value, depth + 1) : undefined;
    }
    if (kind === 'enum') {
      const e = resolved as protobuf.Enum;
      const number = typeof value === 'number' ? value : e.values[String(value)];
      if (number === 0 && !element) {
        return undefined;
      }
      const name = typeof value === 'string' ? value : e.valuesById[number];
      return name !== undefined ? JSON.stringify(name) : String(number);
    }
    const t = field.type;
    if (t === 'string') {
      return typeof value === 'string' && (value !== '' || element) ? JSON.stringify(value) : undefined;
    }
    if (t === 'bool') {
      return value === true || (element && value === false) ? String(value) : undefined;
    }
    if (INT_TYPES.has(t) || t === 'double' || t === 'float') {
      const n = Number(value);
      if (!Number.isFinite(n)) {
        return Number.isNaN(n) ? '"NaN"' : n > 0 ? '"Infinity"' : '"-Infinity"';
      }
      return n !== 0 || element ? String(n) : undefined;
    }
    if (LONG_TYPES.has(t)) {
      const s = String(value);
      return s !== '0' || element ? JSON.stringify(s) : undefined;
    }
    if (t === 'bytes') {
      const b = value instanceof Uint8Array ? Buffer.from(value) : undefined;
      return b && (b.length > 0 || element) ? JSON.stringify(b.toString('base64')) : undefined;
    }
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Go's protojson orders map entries by key: numbers numerically, strings as bytes. */
function mapKeyOrder(keyType: string): (a: string, b: string) => number {
  if (keyType === 'string') {
    return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  }
  if (keyType === 'bool') {
    return (a, b) => (a === b ? 0 : a === 'false' ? -1 : 1);
  }
  return (a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** The last date and time parsed (a log's lines share their second): text → seconds. */
let lastWhole = '';
let lastSeconds = 0;

/** RFC 3339 (`2026-11-24T13:40:11.221516827Z`, any offset) → { seconds, nanos } as the wire gives it. */
export function parseTimestamp(text: string): { seconds?: string; nanos?: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) {
    return undefined;
  }
  const whole = `${m[1]}${m[3].toUpperCase()}`;
  if (whole !== lastWhole) {
    const ms = Date.parse(whole);
    if (!Number.isFinite(ms)) {
      return undefined;
    }
    lastWhole = whole;
    lastSeconds = Math.floor(ms / 1000);
  }
  const seconds = lastSeconds;
  const nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  const out: { seconds?: string; nanos?: number } = {};
  if (seconds !== 0) {
    out.seconds = String(seconds);
  }
  if (nanos !== 0) {
    out.nanos = nanos;
  }
  return out;
}

/** { seconds, nanos } → RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as Go's protojson writes it. */
export function formatTimestamp(ts: { seconds?: unknown; nanos?: unknown }): string {
  const seconds = Number(ts.seconds ?? 0);
  const nanos = Math.max(0, Math.min(999_999_999, Math.trunc(Number(ts.nanos ?? 0)) || 0));
  const base = new Date((Number.isFinite(seconds) ? seconds : 0) * 1000).toISOString().slice(0, 19);
  if (nanos === 0) {
    return `${base}Z`;
  }
  let digits = String(nanos).padStart(9, '0');
  if (digits.endsWith('000000')) {
    digits = digits.slice(0, 3);
  } else if (digits.endsWith('000')) {
    digits = digits.slice(0, 6);
  }
  return `${base}.${digits}Z`;
}

/** JSON as Go writes it: JSON.stringify's, with `<`, `>`, `&`, U+2028 and U+2029 escaped too. */
function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const roots = new Map<EventFormat, protobuf.Root>();
const codecs = new Map<string, ProtoJsonCodec>();

/**
 * The codec of one format's events (v1 LogEntry, v2 Event), or of another of its messages
 * (`proto.State`): our proto loaded at the first use (protobufjs, as proto-loader loads it).
 */
export function codecFor(format: EventFormat, typeName = format === 'v1' ? 'proto.LogEntry' : 'proto.v2.Event', protoDir?: string): ProtoJsonCodec {
  const key = `${format}:${typeName}`;
  let codec = codecs.get(key);
  if (!codec) {
    let root = roots.get(format);
    if (!root) {
      const dir = protoDir ?? findProtoDir();
      // Required here: the proto is parsed when a file is first opened or written, not at activation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pb = require('protobufjs') as typeof protobuf;
      root = new pb.Root();
      root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
      root.loadSync(format === 'v1' ? 'skaffold.proto' : 'v2/skaffold.proto', { keepCase: true });
      root.resolveAll();
      roots.set(format, root);
    }
    codec = new ProtoJsonCodec(root.lookupType(typeName));
    codecs.set(key, codec);
  }
  return codec;
}
