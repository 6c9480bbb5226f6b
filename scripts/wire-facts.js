// The wire facts of Skaffold's reference protos, for `npm run fixtures` (scripts/refresh-fixtures.js).
// The reference .proto files are Skaffold's source and stay outside the project; what the
// conformance tests compare against is only what goes on the wire, written as JSON into
// test/fixtures/wire/: every message of the API (full name; each field's name, number, type,
// label, map key type, oneof, packed encoding, json_name; reserved numbers and names), every enum
// (each value with its number) and the service (each RPC's request and response types, and
// which of them stream). rootFromWireFacts rebuilds a protobufjs root from it, which the tests
// (test/unit/conformance/protoTools.ts) encode and decode with as they would with the .proto.
'use strict';
const fs = require('fs');
const path = require('path');
const { isDeepStrictEqual } = require('util');
const protobuf = require('protobufjs');

/** The fixtures this writes: file name -> which reference file, which API of it. */
const REFERENCES = [
  {
    file: 'skaffold-v1.0.0.json',
    source: 'Skaffold v1.0.0, proto/skaffold.proto',
    // v1.0.0's proto imports google/api/annotations.proto without having it: v2.24.0's serves
    // (HTTP-gateway options only; not on the wire and not in the fixture).
    include: ['v1.0.0/proto', 'v2.24.0/proto'],
    proto: 'v1.0.0/proto/skaffold.proto',
    pkg: 'proto',
    service: 'proto.SkaffoldService',
  },
  {
    file: 'skaffold-v2.24.0-v1.json',
    source: 'Skaffold v2.24.0, proto/v1/skaffold.proto',
    include: ['v2.24.0/proto'],
    proto: 'v2.24.0/proto/v1/skaffold.proto',
    pkg: 'proto',
    service: 'proto.SkaffoldService',
  },
  {
    file: 'skaffold-v2.24.0-v2.json',
    source: 'Skaffold v2.24.0, proto/v2/skaffold.proto',
    include: ['v2.24.0/proto'],
    proto: 'v2.24.0/proto/v2/skaffold.proto',
    pkg: 'proto.v2',
    service: 'proto.v2.SkaffoldV2Service',
  },
];

const DESCRIPTOR_JSON = require.resolve('protobufjs/google/protobuf/descriptor.json');

/** Loads `file` as `protoc -I include...` would, field names as written (keepCase). */
function loadProto(file, include) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) {
      return target;
    }
    if (target === 'google/protobuf/descriptor.proto') {
      return DESCRIPTOR_JSON;
    }
    const found = include.map((dir) => path.join(dir, target)).find((f) => fs.existsSync(f));
    if (!found) {
      throw new Error(`import "${target}" (from ${origin}) is in none of ${include.join(', ')}`);
    }
    return found;
  };
  root.loadSync(file, { keepCase: true });
  root.resolveAll();
  return root;
}

const name = (o) => o.fullName.replace(/^\./, '');

function fieldFacts(f) {
  const r = f.resolvedType;
  const kind = r instanceof protobuf.Type ? 'message' : r instanceof protobuf.Enum ? 'enum' : 'scalar';
  const isMap = f instanceof protobuf.MapField;
  const out = { name: f.name, number: f.id, type: r ? name(r) : f.type, kind, label: isMap ? 'map' : f.repeated ? 'repeated' : 'singular' };
  if (isMap) {
    out.keyType = f.keyType;
  }
  if (!isMap && f.repeated && kind !== 'message') {
    out.packed = f.packed;
  }
  if (f.partOf) {
    out.oneof = f.partOf.name;
  }
  if (typeof f.options?.json_name === 'string') {
    out.jsonName = f.options.json_name;
  }
  return out;
}

function messageFacts(t) {
  const out = { fields: t.fieldsArray.map(fieldFacts).sort((a, b) => a.number - b.number) };
  if (t.oneofsArray.length) {
    out.oneofs = Object.fromEntries(t.oneofsArray.map((o) => [o.name, o.oneof.slice()]));
  }
  const reserved = t.reserved ?? [];
  if (reserved.length) {
    out.reserved = reserved.map((r) => (typeof r === 'string' ? r : [r[0], r[1]]));
  }
  return out;
}

/**
 * The wire facts of one API of `root`: the messages of package `pkg` (with nested ones), the
 * enums they use and every enum of proto.enums (the file is shared by v1 and v2), and `service`.
 * Google's well-known types are named, not described: both sides take them from protobufjs.
 */
function wireFacts(root, pkg, service) {
  const messages = {};
  const enums = {};
  const addEnum = (e) => {
    enums[name(e)] = Object.fromEntries(Object.entries(e.values).sort(([, a], [, b]) => a - b));
  };
  const walk = (ns) => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type) {
        messages[name(child)] = messageFacts(child);
        walk(child);
      } else if (child instanceof protobuf.Enum) {
        addEnum(child);
      }
    }
  };
  walk(root.lookup(pkg));
  for (const n of Object.keys(messages)) {
    for (const f of root.lookupType(n).fieldsArray) {
      if (f.resolvedType instanceof protobuf.Enum && !f.resolvedType.fullName.startsWith('.google.')) {
        addEnum(f.resolvedType);
      }
    }
  }
  for (const e of root.lookup('proto.enums')?.nestedArray ?? []) {
    if (e instanceof protobuf.Enum) {
      addEnum(e);
    }
  }
  const svc = root.lookup(service);
  if (!(svc instanceof protobuf.Service)) {
    throw new Error(`no service ${service}`);
  }
  const methods = Object.fromEntries(svc.methodsArray.map((m) => [m.name, {
    request: name(m.resolvedRequestType), requestStream: !!m.requestStream,
    response: name(m.resolvedResponseType), responseStream: !!m.responseStream,
  }]));
  const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const syntax = [...new Set(Object.keys(messages).map((n) => root.lookupType(n)._edition ?? 'proto3'))];
  if (syntax.length > 1) {
    throw new Error(`messages of several syntaxes: ${syntax.join(', ')}`);
  }
  return { syntax: syntax[0] ?? 'proto3', package: pkg, messages: sorted(messages), enums: sorted(enums), services: { [service]: methods } };
}

/** Google's well-known types, as protobufjs bundles them (the reference protos import the same). */
const WELL_KNOWN = Object.keys(protobuf.common).filter((f) => f.startsWith('google/protobuf/'));

/**
 * A protobufjs root with exactly the facts of `facts` (as wireFacts wrote them) and Google's
 * well-known types: what the conformance tests encode, decode and compare with.
 */
function rootFromWireFacts(facts) {
  const top = { nested: {} };
  const node = (fullName) => fullName.split('.').reduce((ns, part) => {
    ns.nested ??= {};
    ns.nested[part] ??= {};
    return ns.nested[part];
  }, top);
  const ref = (type, kind) => (kind === 'scalar' ? type : `.${type}`);
  for (const [fullName, m] of Object.entries(facts.messages)) {
    const json = node(fullName);
    if (facts.syntax !== 'proto3') {
      json.edition = facts.syntax;
    }
    json.fields = Object.fromEntries(m.fields.map((f) => {
      const options = {
        ...(f.packed === undefined ? {} : { packed: f.packed }),
        ...(f.jsonName === undefined ? {} : { json_name: f.jsonName }),
      };
      return [f.name, {
        type: ref(f.type, f.kind), id: f.number,
        ...(f.label === 'repeated' ? { rule: 'repeated' } : {}),
        ...(f.label === 'map' ? { keyType: f.keyType } : {}),
        ...(Object.keys(options).length ? { options } : {}),
      }];
    }));
    if (m.oneofs) {
      json.oneofs = Object.fromEntries(Object.entries(m.oneofs).map(([n, members]) => [n, { oneof: members }]));
    }
    if (m.reserved) {
      json.reserved = m.reserved;
    }
  }
  for (const [fullName, values] of Object.entries(facts.enums)) {
    Object.assign(node(fullName), { values: { ...values } });
  }
  for (const [fullName, methods] of Object.entries(facts.services)) {
    node(fullName).methods = Object.fromEntries(Object.entries(methods).map(([n, m]) => [n, {
      requestType: `.${m.request}`, requestStream: m.requestStream || undefined,
      responseType: `.${m.response}`, responseStream: m.responseStream || undefined,
    }]));
  }
  const root = new protobuf.Root();
  for (const file of WELL_KNOWN) {
    root.addJSON(protobuf.common.get(file).nested);
  }
  root.addJSON(top.nested);
  root.resolveAll();
  return root;
}

/** JSON with two-space indents, each value that fits in 140 characters on one line (a field, an RPC). */
function format(value, indent = '') {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || flat.length + indent.length <= 140) {
    return flat;
  }
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => `${inner}${format(v, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

/** Writes every fixture of REFERENCES from the reference protos in `protoDir` into `targetDir`; returns the files written. */
function writeWireFixtures(protoDir, targetDir) {
  fs.mkdirSync(targetDir, { recursive: true });
  return REFERENCES.map((ref) => {
    const root = loadProto(path.join(protoDir, ref.proto), ref.include.map((d) => path.join(protoDir, d)));
    const wire = wireFacts(root, ref.pkg, ref.service);
    const facts = {
      comment: 'Wire facts of Skaffold\'s reference proto (no source, no comments), written by `npm run fixtures` (scripts/wire-facts.js); the conformance tests compare ours against them.',
      source: ref.source,
      ...wire,
    };
    // What the tests rebuild from the fixture must say exactly the same.
    if (!isDeepStrictEqual(wireFacts(rootFromWireFacts(facts), ref.pkg, ref.service), wire)) {
      throw new Error(`${ref.file}: the root rebuilt from the facts differs from ${ref.source}`);
    }
    const out = path.join(targetDir, ref.file);
    fs.writeFileSync(out, `${format(facts)}\n`);
    return out;
  });
}

module.exports = { REFERENCES, loadProto, wireFacts, rootFromWireFacts, writeWireFixtures };
