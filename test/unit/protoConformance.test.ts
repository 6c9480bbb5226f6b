/**
 * Our proto against Skaffold's own (shared/skaffold/proto: v1.0.0 and v2.24.0's v1), field
 * by field: the same messages, field numbers, types, repeated/map-ness and oneofs; the same
 * enum values; the same RPCs. Then bytes: messages encoded with ours decode identically with
 * theirs and back, including random ones, and the recorded real sessions decode with ours.
 * Without shared/ beside the checkout, this says so and skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import fc from 'fast-check';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const shared = process.env.SKAFFOLD_SHARED_DIR ?? path.resolve(repoRoot, '..', 'shared', 'skaffold');
const available = fs.existsSync(path.join(shared, 'proto'));
const skip = available ? false : 'reference protos not found at ../shared/skaffold/proto (set SKAFFOLD_SHARED_DIR): skipped';

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: false, oneofs: true };

/**
 * Parses .proto files into one root, in memory: imports are satisfied by parsing the listed
 * files together, Google's well-known types come from protobufjs, and the HTTP-gateway
 * options (google/api) are left unresolved, as they do not change the wire format.
 */
function load(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  for (const wellKnown of ['google/protobuf/empty.proto', 'google/protobuf/timestamp.proto']) {
    root.addJSON(protobuf.common.get(wellKnown)!.nested!);
  }
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8').replace(/^\s*import\s+(public\s+)?"[^"]+";\s*$/gm, '');
    protobuf.parse(text, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

const ours = () => load([path.join(repoRoot, 'proto', 'enums.proto'), path.join(repoRoot, 'proto', 'skaffold.proto')]);
const v1_0 = () => load([path.join(shared, 'proto', 'v1.0.0', 'proto', 'skaffold.proto')]);
const v2_24 = () => load([path.join(shared, 'proto', 'v2.24.0', 'proto', 'enums', 'enums.proto'), path.join(shared, 'proto', 'v2.24.0', 'proto', 'v1', 'skaffold.proto')]);

/** Every message and enum below the v1 package `proto`, not the v2 API or imported Google types. */
function v1Types(root: protobuf.Root): Map<string, protobuf.Type | protobuf.Enum> {
  const out = new Map<string, protobuf.Type | protobuf.Enum>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type || child instanceof protobuf.Enum) {
        out.set(child.fullName, child);
      }
      if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) {
        if (child.fullName !== '.proto.v2' && !child.fullName.startsWith('.google')) {
          walk(child);
        }
      }
    }
  };
  walk(root.lookup('proto') as protobuf.Namespace);
  return out;
}

function fieldShape(f: protobuf.Field): string {
  const type = f.resolvedType ? f.resolvedType.fullName : f.type;
  const map = f instanceof protobuf.MapField ? `map<${f.keyType},` : '';
  return `${f.id} ${f.repeated ? 'repeated ' : ''}${map}${type}${map ? '>' : ''}${f.partOf ? ` oneof ${f.partOf.name}` : ''}`;
}

/** Every difference of `theirs` from `mine` (what theirs has that mine lacks or differs in). */
function compare(theirs: protobuf.Root, mine: protobuf.Root, label: string): { problems: string[]; fields: number; values: number; types: number } {
  const problems: string[] = [];
  let fields = 0;
  let values = 0;
  const ourTypes = v1Types(mine);
  const theirTypes = v1Types(theirs);
  // Enums the v1 messages use (the shared enums file also holds v2-only ones).
  const used = new Set<string>();
  for (const t of theirTypes.values()) {
    if (t instanceof protobuf.Type) {
      t.fieldsArray.forEach((f) => f.resolvedType && used.add(f.resolvedType.fullName));
    }
  }
  for (const [name, t] of theirTypes) {
    if (t instanceof protobuf.Enum && !used.has(name)) {
      continue;
    }
    const o = ourTypes.get(name);
    if (!o) {
      problems.push(`${label}: ${name} missing`);
      continue;
    }
    if (t instanceof protobuf.Enum) {
      if (!(o instanceof protobuf.Enum)) {
        problems.push(`${label}: ${name} is not an enum in ours`);
        continue;
      }
      for (const [valueName, n] of Object.entries(t.values)) {
        values++;
        if (o.values[valueName] !== n) {
          problems.push(`${label}: ${name}.${valueName} = ${n}, ours ${o.values[valueName]}`);
        }
      }
      continue;
    }
    if (!(o instanceof protobuf.Type)) {
      problems.push(`${label}: ${name} is not a message in ours`);
      continue;
    }
    for (const f of t.fieldsArray) {
      fields++;
      const of = o.fields[f.name];
      if (!of) {
        problems.push(`${label}: ${name}.${f.name} (${fieldShape(f)}) missing`);
      } else if (fieldShape(of) !== fieldShape(f)) {
        problems.push(`${label}: ${name}.${f.name} is ${fieldShape(f)}, ours ${fieldShape(of)}`);
      }
    }
    const reserved = JSON.stringify(t.reserved ?? []);
    if (reserved !== '[]' && JSON.stringify(o.reserved ?? []) !== reserved) {
      problems.push(`${label}: ${name} reserves ${reserved}, ours ${JSON.stringify(o.reserved)}`);
    }
  }
  const theirService = theirs.lookupService('proto.SkaffoldService');
  const ourService = mine.lookupService('proto.SkaffoldService');
  for (const m of theirService.methodsArray) {
    const om = ourService.methods[m.name];
    const shape = (x: protobuf.Method) => `${x.requestStream ? 'stream ' : ''}${x.resolvedRequestType?.fullName} -> ${x.responseStream ? 'stream ' : ''}${x.resolvedResponseType?.fullName}`;
    if (!om) {
      problems.push(`${label}: rpc ${m.name} missing`);
    } else if (shape(om) !== shape(m)) {
      problems.push(`${label}: rpc ${m.name} is ${shape(m)}, ours ${shape(om)}`);
    }
  }
  return { problems, fields, values, types: theirTypes.size };
}

test('our proto has every v1 message, field, enum value and RPC of Skaffold v2.24.0, identically', { skip }, () => {
  const r = compare(v2_24(), ours(), 'v2.24.0');
  assert.deepEqual(r.problems, []);
  assert.ok(r.types > 30 && r.fields > 100 && r.values > 300, `compared ${r.types} types, ${r.fields} fields, ${r.values} enum values`);
});

test('our proto has nothing Skaffold v2.24.0\'s v1 does not (no invented field)', { skip }, () => {
  const r = compare(ours(), v2_24(), 'ours');
  assert.deepEqual(r.problems, []);
});

test('the v1.0.0 API is a subset of ours with the same numbers and types (Skaffold only added since)', { skip }, () => {
  const r = compare(v1_0(), ours(), 'v1.0.0');
  assert.deepEqual(r.problems, []);
  assert.ok(r.fields > 40);
});

/** One realistic LogEntry per Event member, every field set. */
function sampleEntries(): object[] {
  const err = { errCode: 'BUILD_USER_ERROR', message: 'docker build failed', suggestions: [{ suggestionCode: 'FIX_USER_BUILD_ERR', action: 'Fix the Dockerfile' }, { suggestionCode: 'CHECK_DOCKER_RUNNING', action: 'Is docker running?' }] };
  const ts = { seconds: '1795526550', nanos: 527462557 };
  const metadata = {
    build: { numberOfArtifacts: 2, builders: [{ type: 'DOCKER', count: 1 }, { type: 'JIB', count: 1 }], type: 'LOCAL', additional: { k: 'v' } },
    deploy: { deployers: [{ type: 'KUBECTL', count: 1 }], cluster: 'MINIKUBE' },
    test: { Testers: [{ type: 'UNIT', count: 3 }] },
    additional: { a: 'b' },
  };
  const events: object[] = [
    { metaEvent: { entry: 'Starting Skaffold: &{Version:v2.24.0}', metadata } },
    { buildEvent: { artifact: 'example/app', status: 'Failed', err: 'docker build failed', errCode: 'BUILD_USER_ERROR', actionableErr: err, hostPlatform: 'linux/amd64', targetPlatforms: 'linux/amd64,linux/arm64' } },
    { deployEvent: { status: 'Failed', err: 'apply failed', errCode: 'DEPLOY_KUBECTL_APPLY_ERR', actionableErr: { ...err, errCode: 'DEPLOY_KUBECTL_APPLY_ERR' } } },
    { portEvent: { localPort: 47480, remotePort: 8080, podName: 'app-1', containerName: 'app', namespace: 'default', portName: 'http', resourceType: 'service', resourceName: 'app', address: '127.0.0.1', targetPort: { type: 1, intVal: 0, strVal: 'http' } } },
    { statusCheckEvent: { status: 'Failed', message: 'deployment/app failed', err: 'boom', errCode: 'STATUSCHECK_CONTAINER_TERMINATED', actionableErr: err } },
    { resourceStatusCheckEvent: { resource: 'deployment/app', status: 'In Progress', message: 'creating container app', err: 'x', statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: err } },
    { fileSyncEvent: { fileCount: 3, image: 'example/app', status: 'Succeeded', err: 'e', errCode: 'SYNC_INIT_ERROR', actionableErr: err } },
    { debuggingContainerEvent: { status: 'Started', podName: 'app-1', containerName: 'app', namespace: 'default', artifact: 'example/app', runtime: 'go', workingDir: '/app', debugPorts: { dlv: 56268, other: 1 } } },
    { devLoopEvent: { iteration: 7, status: 'Failed', err } },
    { terminationEvent: { status: 'Failed', err } },
    { TestEvent: { status: 'Complete', actionableErr: err } },
  ];
  return events.map((event) => ({ timestamp: ts, event, entry: 'something happened' }));
}

function sampleState(): object {
  return {
    buildState: { artifacts: { 'example/app': 'Complete', 'example/worker': 'Not Started' }, autoTrigger: true, statusCode: 'BUILD_SUCCESS' },
    deployState: { status: 'Complete', autoTrigger: true, statusCode: 'DEPLOY_SUCCESS' },
    forwardedPorts: { 47480: { localPort: 47480, remotePort: 8080, resourceType: 'service', resourceName: 'app', address: '127.0.0.1', targetPort: { intVal: 8080 } } },
    statusCheckState: { status: 'Succeeded', resources: { 'deployment/app': 'Succeeded' }, statusCode: 'STATUSCHECK_SUCCESS' },
    fileSyncState: { status: 'Not Started', autoTrigger: true },
    debuggingContainers: [{ status: 'Started', podName: 'p', debugPorts: { dlv: 56268 } }],
    metadata: { build: { numberOfArtifacts: 1 } },
    testState: { status: 'Not Started', statusCode: 'OK' },
  };
}

function roundTrip(typeName: string, object: object, from: protobuf.Root, to: protobuf.Root): { sent: object; got: object } {
  const a = from.lookupType(typeName);
  const b = to.lookupType(typeName);
  const message = a.fromObject(object);
  const bytes = a.encode(message).finish();
  return { sent: a.toObject(message, TO_OBJECT), got: b.toObject(b.decode(bytes), TO_OBJECT) };
}

test('every event kind and the whole State encode with ours and decode identically with Skaffold\'s, both ways', { skip }, () => {
  const mine = ours();
  const theirs = v2_24();
  const samples: [string, object][] = [...sampleEntries().map((e) => ['proto.LogEntry', e] as [string, object]), ['proto.State', sampleState()],
    ['proto.UserIntentRequest', { intent: { build: true, sync: true, deploy: true, devloop: true } }], ['proto.TriggerRequest', { state: { enabled: false } }]];
  for (const [type, object] of samples) {
    const there = roundTrip(type, object, mine, theirs);
    assert.deepEqual(there.got, there.sent, `${type} ours -> theirs`);
    const back = roundTrip(type, object, theirs, mine);
    assert.deepEqual(back.got, back.sent, `${type} theirs -> ours`);
  }
  const trigger = roundTrip('proto.TriggerRequest', { state: { enabled: false } }, mine, theirs).got as { state: { enabled?: boolean } };
  assert.equal(trigger.state.enabled, false, 'a false trigger is still sent: it is a oneof member');
});

test('a Skaffold v1.0.0 client reads what today\'s messages carry that it knows, and skips the rest', { skip }, () => {
  const mine = ours();
  const old = v1_0();
  for (const entry of sampleEntries()) {
    const { sent, got } = roundTrip('proto.LogEntry', entry, mine, old);
    const kind = Object.keys((sent as { event: object }).event).find((k) => k !== 'event_type')!;
    const oldKinds = ['metaEvent', 'buildEvent', 'deployEvent', 'portEvent', 'statusCheckEvent', 'resourceStatusCheckEvent', 'fileSyncEvent'];
    const gotEvent = (got as { event?: Record<string, Record<string, unknown>> }).event ?? {};
    if (!oldKinds.includes(kind)) {
      assert.equal(gotEvent[kind], undefined, `${kind} is unknown to v1.0.0 and skipped`);
      continue;
    }
    const oldType = old.lookupType(`proto.${kind[0].toUpperCase()}${kind.slice(1)}`);
    const sentEvent = (sent as { event: Record<string, Record<string, unknown>> }).event[kind];
    for (const field of oldType.fieldsArray) {
      assert.deepEqual(gotEvent[kind][field.name], sentEvent[field.name], `${kind}.${field.name}`);
    }
  }
});

test('property: random LogEntries and States round-trip byte-compatibly between ours and Skaffold v2.24.0', { skip }, () => {
  const mine = ours();
  const theirs = v2_24();
  const str = fc.string({ maxLength: 20 });
  const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const code = fc.constantFrom('OK', 'BUILD_SUCCESS', 'BUILD_USER_ERROR', 'STATUSCHECK_SUCCESS', 'DEPLOY_KUBECTL_APPLY_ERR', 'UNKNOWN_ERROR');
  const err = fc.record({ errCode: code, message: str, suggestions: fc.array(fc.record({ suggestionCode: fc.constantFrom('NIL', 'FIX_USER_BUILD_ERR', 'CHECK_DOCKER_RUNNING'), action: str }), { maxLength: 3 }) }, { requiredKeys: [] });
  const event = fc.oneof(
    fc.record({ buildEvent: fc.record({ artifact: str, status: str, err: str, errCode: code, actionableErr: err, hostPlatform: str, targetPlatforms: str }, { requiredKeys: [] }) }),
    fc.record({ portEvent: fc.record({ localPort: i32, remotePort: i32, podName: str, namespace: str, address: str, targetPort: fc.record({ type: i32, intVal: i32, strVal: str }, { requiredKeys: [] }) }, { requiredKeys: [] }) }),
    fc.record({ resourceStatusCheckEvent: fc.record({ resource: str, status: str, message: str, statusCode: code, actionableErr: err }, { requiredKeys: [] }) }),
    fc.record({ devLoopEvent: fc.record({ iteration: i32, status: str, err }, { requiredKeys: [] }) }),
    fc.record({ debuggingContainerEvent: fc.record({ status: str, podName: str, debugPorts: fc.dictionary(str, fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxKeys: 3 }) }, { requiredKeys: [] }) }),
  );
  const entry = fc.record({ timestamp: fc.record({ seconds: fc.bigInt({ min: 0n, max: 2n ** 40n }).map(String), nanos: fc.integer({ min: 0, max: 999_999_999 }) }), event, entry: str }, { requiredKeys: [] });
  const state = fc.record({
    buildState: fc.record({ artifacts: fc.dictionary(str, str, { maxKeys: 4 }), autoTrigger: fc.boolean(), statusCode: code }, { requiredKeys: [] }),
    forwardedPorts: fc.dictionary(fc.integer({ min: 1, max: 65535 }).map(String), fc.record({ localPort: i32, resourceName: str }, { requiredKeys: [] }), { maxKeys: 3 }),
    statusCheckState: fc.record({ status: str, resources: fc.dictionary(str, str, { maxKeys: 4 }) }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
  fc.assert(fc.property(entry, state, (e, s) => {
    for (const [type, object] of [['proto.LogEntry', e], ['proto.State', s]] as [string, object][]) {
      const a = roundTrip(type, object, mine, theirs);
      assert.deepEqual(a.got, a.sent);
      const b = roundTrip(type, object, theirs, mine);
      assert.deepEqual(b.got, b.sent);
    }
  }), { numRuns: 200 });
});

/** protojson (Skaffold's event-log file and HTTP gateway) -> protobufjs fromObject input. */
function fromProtoJson(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(fromProtoJson);
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) {
        continue;
      }
      if (k === 'timestamp' && typeof v === 'string') {
        const ms = Date.parse(v);
        out[k] = { seconds: String(Math.floor(ms / 1000)), nanos: Number((/\.(\d+)Z$/.exec(v)?.[1] ?? '0').padEnd(9, '0').slice(0, 9)) };
      } else {
        out[k] = fromProtoJson(v);
      }
    }
    return out;
  }
  return value;
}

test('what a real Skaffold v2.7 sent (recorded events and states) reads the same with ours and with Skaffold\'s proto', { skip }, () => {
  const mine = ours();
  const theirs = v2_24();
  let checked = 0;
  for (const scenario of ['ok', 'build-fail-rebuild', 'manual']) {
    const dir = path.join(shared, 'recorded', scenario);
    const lines = fs.readFileSync(path.join(dir, 'events.json'), 'utf8').split('\n').filter((l) => l.trim());
    for (const line of lines) {
      const object = fromProtoJson(JSON.parse(line)) as object;
      const { sent, got } = roundTrip('proto.LogEntry', object, mine, theirs);
      assert.deepEqual(got, sent);
      checked++;
    }
    const state = fromProtoJson(JSON.parse(fs.readFileSync(path.join(dir, 'v1-state.json'), 'utf8'))) as object;
    const { sent, got } = roundTrip('proto.State', state, mine, theirs);
    assert.deepEqual(got, sent);
    assert.equal((sent as { buildState: { artifacts: Record<string, string> } }).buildState.artifacts['example/app'], 'Complete');
  }
  assert.ok(checked > 60, `${checked} recorded events`);
});
