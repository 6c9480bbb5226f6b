/**
 * fast-check generators of what Skaffold's API can send, shaped as @grpc/proto-loader decodes
 * it (src/skaffold/wire/protocol.ts): every field optional, strings random and adversarial (huge,
 * control characters, markdown, HTML, `command:` and `javascript:` links, theme icons), status
 * strings from API-NOTES.md and unknown ones, enum values as names or as numbers, int64
 * timestamps as strings, negative and huge ports. Shared by the fuzz tests.
 */
import fc from 'fast-check';
import type {
  ActionableErr, BuildEvent, DebuggingContainerEvent, DeployEvent, DevLoopEvent, Event, FileSyncEvent, LogEntry,
  MetaEvent, Metadata, PortEvent, ResourceStatusCheckEvent, State, StatusCheckEvent, TerminationEvent, TestEvent, Timestamp,
} from '../../src/skaffold/wire/protocol';

/** The seed used when SKAFFOLD_FUZZ_SEED is not set. */
export const DEFAULT_SEED = 0x5ca1d;

/** Hand-picked strings that have broken renderers and log viewers before. */
export const ADVERSARIAL: readonly string[] = [
  '[x](command:workbench.action.terminal.new)',
  '[run me](command:workbench.action.quit)',
  '[x](javascript:alert(1))',
  '[x](https://evil.example "title")',
  '[x]: https://evil.example',
  '[x][x]',
  '![i](https://evil.example/x.png)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<iframe src="https://evil.example"></iframe>',
  '<a href="command:workbench.action.quit">quit</a>',
  '<https://evil.example>',
  '<command:workbench.action.quit>',
  '<evil@example.com>',
  '<!-- comment -->',
  '<?php x ?>',
  '<![CDATA[x]]>',
  '</p><p>',
  '<br>',
  '<strong>',
  'javascript:alert(1)',
  'command:workbench.action.terminal.new',
  'https://evil.example',
  'http://evil.example/a_b_c',
  'www.evil.example',
  'file:///etc/passwd',
  'vscode://vscode.git/clone?url=x',
  'evil@example.com',
  'mailto:evil@example.com',
  '$(zap)',
  '$(sync~spin)',
  '\\$(zap)',
  '$(',
  '`code`',
  '```js',
  '***',
  '___',
  '---',
  '===',
  '# heading',
  '> quote',
  '- item',
  '+ item',
  '1. item',
  '1) item',
  '| a | b |\n|---|---|',
  '~~del~~',
  '**bold**',
  '_em_',
  '\\',
  '\\\\',
  '\\[x\\]',
  '\\<img>',
  '\\*x\\*',
  'x  ',
  '&lt;',
  '&amp;lt;',
  '&#60;script&#62;',
  '&#x3C;img&#x3E;',
  '&nbsp;',
  '&quot;',
  '\u202e',
  '\u202a',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200e',
  '\ufeff',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u00a0',
  '\0',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\v\f',
  '\x1b[31mred\x1b[0m',
  '\x1b]8;;https://evil.example\x07link\x1b]8;;\x07',
  '\x1b[2J',
  '\x7f',
  '\x9b',
  '\ud800',
  '\udfff',
  '😀',
  '    indented',
  '\n\n    code',
  '\nINFO forged log line',
  'Starting Skaffold: &{Version:v2.7.0 ConfigVersion:skaffold/v4beta6}',
  'Version:v99.99.99<script>',
  'Pod/app-6d8f7c9b5-x2k4q',
  'deployment/app',
  'pods/',
  '/',
  '__proto__',
  'constructor',
  'toString',
  '{{x}}',
  '%s%d',
  '${x}',
];

/** Characters with a meaning to markdown, HTML, terminals or bidi rendering. */
const SPECIAL_CHARS: readonly string[] = [
  ...'\\`*_{}[]()#+-.!|<>~&$:=;"\'/@%^?,'.split(''),
  'a', 'Z', '0', ' ', '  ', '\t', '\n', '\r', '\0', '\x1b', '\x07', '\x08', '\x7f', '\x85', '\x9f', '\u00a0',
  '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200b', '\u200f', '\u061c', '\ufeff', '\ud83d', '\ude00', '😀', 'é', 'ｈ',
];

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const controlUnit = fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c));

const seed = fc.constantFrom(...ADVERSARIAL);
const special = fc.string({ unit: fc.constantFrom(...SPECIAL_CHARS), maxLength: 40 });
const small = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: utf16Unit, maxLength: 12 }),
  fc.string({ unit: controlUnit, maxLength: 12 }),
  special,
);

/** Pieces of seeds and random text run together: `a[x](command:y)\n<img>`. */
const mixed = fc.array(fc.oneof(seed, small, fc.constantFrom(...SPECIAL_CHARS)), { maxLength: 10 }).map((parts) => parts.join(''));

/** Far past every bound the code keeps (names 512, texts 8192): up to 100 kB. */
const huge = fc.tuple(fc.oneof(seed, special.filter((s) => s.length > 0), fc.constant('a')), fc.integer({ min: 500, max: 100_000 }))
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));

/** Any string a server could send, biased towards the adversarial. */
export const adversarialString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: mixed },
  { weight: 3, arbitrary: seed },
  { weight: 2, arbitrary: special },
  { weight: 2, arbitrary: small },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: huge },
);

/** The same, without the huge ones: for the extension-host test, where each string crosses gRPC. */
export const adversarialShortString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: mixed },
  { weight: 3, arbitrary: seed },
  { weight: 2, arbitrary: special },
  { weight: 2, arbitrary: small },
  { weight: 1, arbitrary: fc.constant('') },
);

/** Status strings Skaffold sends (v1, initial state, v2 spellings), then anything. */
export const KNOWN_STATUSES: readonly string[] = [
  'Not Started', 'In Progress', 'Complete', 'Failed', 'Canceled', 'Information', 'Started', 'Succeeded', 'Terminated',
  'InProgress', 'NotStarted', 'Completed', '',
];

export function statusArb(str: fc.Arbitrary<string> = adversarialString): fc.Arbitrary<string> {
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KNOWN_STATUSES) }, { weight: 2, arbitrary: str });
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An int32 as proto-loader gives it: a number, usually small, sometimes extreme. */
export const int32 = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 100 }) },
  { weight: 2, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, INT32_MIN, INT32_MAX) },
);

/** A port: valid, or negative, zero, past 65535, and (wrongly typed) fractional, NaN or a string. */
export const portNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  { weight: 2, arbitrary: fc.constantFrom(47480, 8080, 1, 65535, 0, -1, -8080, 65536, 99999, INT32_MAX, INT32_MIN) },
  { weight: 2, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1.5, 8080.0001, -0, 2 ** 53, 1e300) },
  { weight: 1, arbitrary: fc.constantFrom('8080', '', 'http', '47480 ').map((s) => s as unknown as number) },
);

/** Ports as the extension-host test sends them over gRPC (int32 on the wire). */
export const wirePort: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  { weight: 2, arbitrary: fc.constantFrom(47480, 1, 65535, 0, -1, -8080, 65536, 99999, INT32_MAX, INT32_MIN) },
  { weight: 1, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
);

/** An enum value: a name this proto knows, a number it does not (or does), or any string. */
export const enumValue: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('OK', 'NIL', 'BUILD_USER_ERROR', 'BUILD_UNKNOWN', 'STATUSCHECK_SUCCESS', 'STATUSCHECK_CONTAINER_CREATING', 'STATUSCHECK_CONTAINER_TERMINATED', 'DEPLOY_KUBECTL_USER_ERR', 'FIX_USER_BUILD_ERR', 'DOCKER', 'KUBECTL', '0') },
  { weight: 2, arbitrary: int32 },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 101, 9999, -1) },
  { weight: 1, arbitrary: adversarialString },
);

/** int64 seconds as proto-loader gives them (decimal strings), and some malformed ones. */
const int64Seconds = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '9223372036854775807', '-9223372036854775808', '', 'abc', ' 12 ', '1e3', '0x10', 'NaN', 'Infinity') },
);

export const timestamp: fc.Arbitrary<Timestamp> = fc.record({
  seconds: int64Seconds,
  nanos: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 999_999_999 }) }, { weight: 1, arbitrary: int32 }),
}, { requiredKeys: [], noNullPrototype: true });

/** Timestamps protobufjs can encode (int64 seconds as decimal strings in range): for what crosses gRPC. */
export const wireTimestamp: fc.Arbitrary<Timestamp> = fc.record({
  seconds: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('0', '-1', '9223372036854775807', '-9223372036854775808') },
  ),
  nanos: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 999_999_999 }) }, { weight: 1, arbitrary: int32 }),
}, { requiredKeys: [], noNullPrototype: true });

function opt<T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(shape, { requiredKeys: [], noNullPrototype: true }) as unknown as fc.Arbitrary<T>;
}

function dict<V>(key: fc.Arbitrary<string>, value: fc.Arbitrary<V>, maxKeys: number): fc.Arbitrary<Record<string, V>> {
  return fc.dictionary(key, value, { maxKeys, noNullPrototype: true });
}

/**
 * Every generator of one Event member, built over a string and a port generator. `wire`: only
 * what protobufjs can encode (for the extension-host test, where every entry crosses gRPC):
 * in-range int64 timestamps and integer map keys.
 */
export function eventArbitraries(str: fc.Arbitrary<string>, port: fc.Arbitrary<number>, wire = false) {
  const time = wire ? wireTimestamp : timestamp;
  const status = statusArb(str);
  const artifactName = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('example/app', 'example/worker', 'a') }, { weight: 2, arbitrary: str });
  const resourceName = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('deployment/app', 'deployment/app-api', 'statefulset/db', 'Pod/app-6d8f7c9b5-x2k4q', 'Pod/app-api-5f7-q', 'pod/db-0', 'pods/x', 'Pod/') },
    { weight: 1, arbitrary: str.map((s) => `Pod/app-${s}`) },
    { weight: 1, arbitrary: str.map((s) => `deployment/${s}`) },
    { weight: 2, arbitrary: str },
  );
  const address = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('127.0.0.1', 'localhost', '::1', '[::1]', '', '0.0.0.0', '10.0.0.1', 'evil.example', 'localhost.evil.example', '127.0.0.1@evil.example', 'javascript:alert(1)//', '127.0.0.1\n') },
    { weight: 1, arbitrary: str },
  );
  const suggestion = opt<{ suggestionCode?: string | number; action?: string }>({ suggestionCode: enumValue, action: str });
  const actionableErr: fc.Arbitrary<ActionableErr> = opt<ActionableErr>({
    errCode: enumValue,
    message: str,
    suggestions: fc.oneof({ weight: 4, arbitrary: fc.array(suggestion, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(suggestion, { minLength: 18, maxLength: 25 }) }),
  });
  const metadata: fc.Arbitrary<Metadata> = opt<Metadata>({
    build: opt<NonNullable<Metadata['build']>>({
      numberOfArtifacts: int32,
      builders: fc.array(opt<{ type?: string | number; count?: number }>({ type: enumValue, count: int32 }), { maxLength: 3 }),
      type: enumValue,
      additional: dict(str, str, 3),
    }),
    deploy: opt<NonNullable<Metadata['deploy']>>({
      deployers: fc.array(opt<{ type?: string | number; count?: number }>({ type: enumValue, count: int32 }), { maxLength: 3 }),
      cluster: enumValue,
    }),
    additional: dict(str, str, 3),
  });
  const version = fc.oneof(
    fc.constantFrom('v2.7.0', 'v1.0.0', '2.24.0', 'v2.7.0-dirty<img src=x>', 'v9.9.9\n$(zap)'),
    str,
  ).map((v) => `Starting Skaffold: &{Version:${v} ConfigVersion:skaffold/v4beta6 GitVersion: GitCommit:abc}`);
  const debugContainer = opt<DebuggingContainerEvent>({
    status: fc.oneof(status, fc.constant('Terminated')),
    podName: fc.oneof(fc.constantFrom('app-1', 'app-2'), str),
    containerName: fc.oneof(fc.constant('app'), str),
    namespace: fc.oneof(fc.constant('default'), str),
    artifact: artifactName,
    runtime: fc.oneof(fc.constantFrom('go', 'jvm', 'nodejs'), str),
    workingDir: str,
    debugPorts: fc.oneof({ weight: 4, arbitrary: dict(str, port, 3) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), port, { minKeys: 48, maxKeys: 60, noNullPrototype: true }) }),
  });
  const portEvent = opt<PortEvent>({
    localPort: port,
    remotePort: port,
    podName: str,
    containerName: str,
    namespace: fc.oneof(fc.constant('default'), str),
    portName: str,
    resourceType: fc.oneof(fc.constantFrom('service', 'pod'), str),
    resourceName: fc.oneof(fc.constant('app'), str),
    address,
    targetPort: opt<NonNullable<PortEvent['targetPort']>>({ type: fc.constantFrom(0, 1, 2, -1), intVal: port, strVal: str }),
  });
  const members = {
    metaEvent: opt<MetaEvent>({ entry: fc.oneof(version, str), metadata }),
    devLoopEvent: opt<DevLoopEvent>({ iteration: int32, status, err: actionableErr }),
    buildEvent: opt<BuildEvent>({ artifact: artifactName, status, err: str, errCode: enumValue, actionableErr, hostPlatform: str, targetPlatforms: str }),
    deployEvent: opt<DeployEvent>({ status, err: str, errCode: enumValue, actionableErr }),
    portEvent,
    statusCheckEvent: opt<StatusCheckEvent>({ status, message: str, err: str, errCode: enumValue, actionableErr }),
    resourceStatusCheckEvent: opt<ResourceStatusCheckEvent>({ resource: resourceName, status, message: str, err: str, statusCode: enumValue, actionableErr }),
    fileSyncEvent: opt<FileSyncEvent>({ fileCount: int32, image: artifactName, status, err: str, errCode: enumValue, actionableErr }),
    debuggingContainerEvent: debugContainer,
    terminationEvent: opt<TerminationEvent>({ status, err: actionableErr }),
    TestEvent: opt<TestEvent>({ status, actionableErr }),
  };
  const kinds = Object.keys(members) as (keyof typeof members)[];
  /**
   * One Event: a known member with its `event_type` (mostly), without it (derived from the
   * key), with one naming another member, or with an unknown one; or a kind newer than our
   * proto (no known member at all).
   */
  const event: fc.Arbitrary<Event> = fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...kinds.map((k) => members[k].map((v) => [k, v] as const))).chain(([k, v]) => fc.oneof(
      { weight: 8, arbitrary: fc.constant({ event_type: k, [k]: v } as Event) },
      { weight: 2, arbitrary: fc.constant({ [k]: v } as Event) },
      { weight: 1, arbitrary: fc.constantFrom(...kinds).map((other) => ({ event_type: other, [k]: v }) as Event) },
      { weight: 1, arbitrary: str.map((t) => ({ event_type: t, [k]: v }) as Event) },
    )) },
    { weight: 1, arbitrary: fc.constantFrom<Event>({}, { event_type: 'applicationLogEvent' }, { event_type: '' }) },
  );
  const entry: fc.Arbitrary<LogEntry> = fc.oneof(
    { weight: 20, arbitrary: fc.record({ timestamp: time, event, entry: str }, { requiredKeys: ['event'], noNullPrototype: true }) },
    { weight: 1, arbitrary: opt<LogEntry>({ timestamp: time, entry: str }) },
  );
  const state: fc.Arbitrary<State> = opt<State>({
    buildState: opt<NonNullable<State['buildState']>>({ artifacts: dict(artifactName, status, 6), autoTrigger: fc.boolean(), statusCode: enumValue }),
    deployState: opt<NonNullable<State['deployState']>>({ status, autoTrigger: fc.boolean(), statusCode: enumValue }),
    forwardedPorts: dict(wire ? port.map(String) : fc.oneof(port.map(String), str), portEvent, 4),
    statusCheckState: opt<NonNullable<State['statusCheckState']>>({ status, resources: dict(resourceName, status, 6), statusCode: enumValue }),
    fileSyncState: opt<NonNullable<State['fileSyncState']>>({ status, autoTrigger: fc.boolean() }),
    debuggingContainers: fc.array(debugContainer, { maxLength: 3 }),
    metadata,
    testState: opt<NonNullable<State['testState']>>({ status, statusCode: enumValue }),
  });
  return { members, event, entry, state, actionableErr, portEvent, address };
}

/** The generators of the unit tests: full strings (huge ones included), any port. */
export const arb = eventArbitraries(adversarialString, portNumber);
