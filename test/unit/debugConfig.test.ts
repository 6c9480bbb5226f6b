import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AutoAttachTracker, buildDebugConfiguration, DebugTarget, debugExtensionFor, debugRuntime,
  MAX_TRACKED_CONTAINERS, resolveDebugTarget, resolveRemoteRoot, runtimeLabel, sanitizeRemoteRoot,
} from '../../src/skaffold/debug/debugConfig';
import { DebugContainerState, initialState, PortState, SessionState } from '../../src/skaffold/state/model';
import { LogEntry } from '../../src/skaffold/wire/protocol';
import { reduce } from '../../src/skaffold/state/reducer';
import { entry, ev } from './helpers';

const POD = 'app-6d8f9c7b5-x2lqz';
const LOCAL_ROOT = 'workspace-root';

function container(over: Partial<DebugContainerState> = {}): DebugContainerState {
  const c: DebugContainerState = {
    key: '', status: 'Started', podName: POD, containerName: 'app', namespace: 'default', artifact: 'example/app',
    runtime: 'go', workingDir: '/workspace', debugPorts: { dlv: 56268 }, ...over,
  };
  return { ...c, key: over.key ?? `${c.namespace ?? ''}/${c.podName ?? ''}/${c.containerName ?? ''}` };
}

function forward(over: Partial<PortState> = {}): PortState {
  return {
    localPort: 41234, address: '127.0.0.1', resourceType: 'pod', resourceName: POD, namespace: 'default',
    podName: POD, containerName: 'app', portName: 'dlv', targetPort: 56268, iteration: 0, epoch: 0, ...over,
  };
}

function ok(target: DebugTarget): Extract<DebugTarget, { ok: true }> {
  assert.ok(target.ok, `expected a target, got: ${target.ok ? '' : target.reason}`);
  return target;
}

function reason(target: DebugTarget): string {
  assert.equal(target.ok, false, 'expected no target');
  return (target as { reason: string }).reason;
}

const RUNTIMES = [
  { runtime: 'go', portName: 'dlv', port: 56268 },
  { runtime: 'jvm', portName: 'jdwp', port: 5005 },
  { runtime: 'nodejs', portName: 'devtools', port: 9229 },
  { runtime: 'python', portName: 'dap', port: 5678 },
] as const;

function runtimeCase(r: typeof RUNTIMES[number], local = 40000): { c: DebugContainerState; p: PortState } {
  return {
    c: container({ runtime: r.runtime, debugPorts: { [r.portName]: r.port } }),
    p: forward({ portName: r.portName, targetPort: r.port, localPort: local }),
  };
}

test('Go: attach in remote mode to the LOCAL port, sources mapped to the workingDir', () => {
  const c = container();
  const target = ok(resolveDebugTarget(c, [forward()]));
  assert.deepEqual(target, { ok: true, runtime: 'go', portName: 'dlv', remotePort: 56268, localPort: 41234, host: '127.0.0.1' });
  const config = buildDebugConfiguration(c, target, { localRoot: LOCAL_ROOT });
  assert.deepEqual(config, {
    name: `Skaffold: ${POD} / app (Go)`, type: 'go', request: 'attach', mode: 'remote', host: '127.0.0.1', port: 41234,
    substitutePath: [{ from: LOCAL_ROOT, to: '/workspace' }],
  });
});

test('Java: a java attach to hostName and the local port, no path mapping', () => {
  const { c, p } = runtimeCase(RUNTIMES[1], 40001);
  const config = buildDebugConfiguration(c, ok(resolveDebugTarget(c, [p])), { localRoot: LOCAL_ROOT });
  assert.deepEqual(config, { name: `Skaffold: ${POD} / app (Java)`, type: 'java', request: 'attach', hostName: '127.0.0.1', port: 40001 });
});

test('Node.js: a node attach to address and the local port, localRoot/remoteRoot from the workingDir', () => {
  const { c, p } = runtimeCase(RUNTIMES[2], 40002);
  const config = buildDebugConfiguration(c, ok(resolveDebugTarget(c, [p])), { localRoot: LOCAL_ROOT });
  assert.equal(config.type, 'node');
  assert.equal(config.request, 'attach');
  assert.equal(config.address, '127.0.0.1');
  assert.equal(config.port, 40002);
  assert.equal(config.localRoot, LOCAL_ROOT);
  assert.equal(config.remoteRoot, '/workspace');
  assert.equal(config.name, `Skaffold: ${POD} / app (Node.js)`);
});

test('Python: a debugpy attach through connect, with pathMappings', () => {
  const { c, p } = runtimeCase(RUNTIMES[3], 40003);
  const config = buildDebugConfiguration(c, ok(resolveDebugTarget(c, [p])), { localRoot: LOCAL_ROOT, name: 'Mine' });
  assert.deepEqual(config, {
    name: 'Mine', type: 'debugpy', request: 'attach', connect: { host: '127.0.0.1', port: 40003 },
    pathMappings: [{ localRoot: LOCAL_ROOT, remoteRoot: '/workspace' }],
  });
});

test('every runtime connects to the local port, never the container port', () => {
  for (const r of RUNTIMES) {
    const { c, p } = runtimeCase(r, 50123);
    const target = ok(resolveDebugTarget(c, [p]));
    assert.equal(target.localPort, 50123, r.runtime);
    assert.equal(target.remotePort, r.port, r.runtime);
    const text = JSON.stringify(buildDebugConfiguration(c, target, { localRoot: LOCAL_ROOT }));
    assert.ok(text.includes('50123'), r.runtime);
    assert.ok(!text.includes(String(r.port)), `${r.runtime}: the container port leaked into ${text}`);
  }
});

test("another pod's forward is never chosen, nor a service's or another namespace's", () => {
  const c = container();
  const otherPod = 'app-6d8f9c7b5-abcde';
  const other = forward({ podName: otherPod, resourceName: otherPod, localPort: 41000 });
  assert.match(reason(resolveDebugTarget(c, [other])), /not forwarded/);
  assert.equal(ok(resolveDebugTarget(c, [other, forward({ localPort: 42000 })])).localPort, 42000);
  assert.equal(ok(resolveDebugTarget(c, [forward({ localPort: 42000 }), other])).localPort, 42000);
  // A service (or deployment) forward may reach any replica.
  const service = forward({ resourceType: 'service', resourceName: 'app', podName: undefined, containerName: undefined, localPort: 41001 });
  assert.match(reason(resolveDebugTarget(c, [service])), /not forwarded/);
  const viaDeployment = forward({ resourceType: 'deployment', localPort: 41002 });
  assert.match(reason(resolveDebugTarget(c, [viaDeployment])), /not forwarded/);
  assert.match(reason(resolveDebugTarget(c, [forward({ namespace: 'prod' })])), /not forwarded/);
  // Another container of the same pod, another port of the same container.
  assert.match(reason(resolveDebugTarget(c, [forward({ containerName: 'sidecar' })])), /not forwarded/);
  assert.match(reason(resolveDebugTarget(c, [forward({ targetPort: 8080, portName: 'http' })])), /not forwarded/);
  // A forward naming the pod only by its resource name is still that pod.
  assert.equal(ok(resolveDebugTarget(c, [forward({ podName: undefined, resourceName: `pod/${POD}`, localPort: 43000 })])).localPort, 43000);
});

test('the forward is matched by container port number, named target port or port name', () => {
  const c = container();
  assert.equal(ok(resolveDebugTarget(c, [forward({ targetPort: 'dlv', localPort: 44000 })])).localPort, 44000);
  assert.equal(ok(resolveDebugTarget(c, [forward({ targetPort: undefined, localPort: 44001 })])).localPort, 44001);
  assert.equal(reason(resolveDebugTarget(c, [forward({ targetPort: 'http' })])).includes('not forwarded'), true);
  // The one naming the container exactly wins over one that does not say; then the lowest port.
  const vague = forward({ containerName: undefined, localPort: 30000 });
  assert.equal(ok(resolveDebugTarget(c, [vague, forward({ localPort: 45000 })])).localPort, 45000);
  assert.equal(ok(resolveDebugTarget(c, [forward({ localPort: 45001 }), forward({ localPort: 45000 })])).localPort, 45000);
  assert.equal(ok(resolveDebugTarget(c, [vague])).localPort, 30000);
});

test('only loopback forwards: other addresses are refused with a reason', () => {
  const c = container();
  for (const address of ['0.0.0.0', '192.168.1.5', '::', '10.0.0.1', 'evil.example.com', 'foo.localhost', '127.0.0.1 ', '', '[::]']) {
    assert.match(reason(resolveDebugTarget(c, [forward({ address })])), /not a loopback address/, address);
  }
  for (const [address, host] of [['127.0.0.1', '127.0.0.1'], ['127.0.0.2', '127.0.0.2'], ['::1', '::1'], ['[::1]', '::1'], ['localhost', 'localhost']]) {
    assert.equal(ok(resolveDebugTarget(c, [forward({ address })])).host, host, address);
  }
  // A loopback forward is taken even when a public one is listed first.
  assert.equal(ok(resolveDebugTarget(c, [forward({ address: '0.0.0.0', localPort: 1 }), forward({ localPort: 2 })])).localPort, 2);
});

test('unsupported, unknown and missing runtimes, terminated containers, missing forwards: clear reasons', () => {
  assert.match(reason(resolveDebugTarget(container({ runtime: 'netcore', debugPorts: {} }), [])), /\.NET.*kubectl exec.*not supported/);
  assert.match(reason(resolveDebugTarget(container({ runtime: 'rust' }), [forward()])), /"rust", a runtime this extension does not know/);
  assert.match(reason(resolveDebugTarget(container({ runtime: undefined }), [forward()])), /did not report which runtime/);
  assert.match(reason(resolveDebugTarget(container({ status: 'Terminated' }), [forward()])), /has terminated/);
  assert.match(reason(resolveDebugTarget(container({ status: 'Pending' }), [forward()])), /not running.*"Pending"/);
  assert.match(reason(resolveDebugTarget(container(), [])), /"dlv" \(56268\) of app-6d8f9c7b5-x2lqz \/ app is not forwarded \(yet\)/);
  assert.match(reason(resolveDebugTarget(container({ podName: undefined }), [forward()])), /no usable pod name/);
  // Runtime IDs are matched regardless of case.
  assert.equal(ok(resolveDebugTarget(container({ runtime: 'GO' }), [forward()])).runtime, 'go');
});

test('the debug port: the runtime\'s own name first, else the only one; ambiguity and foreign protocols refused', () => {
  const p = (portName: string, targetPort: number) => forward({ portName, targetPort });
  const two = container({ debugPorts: { http: 8080, dlv: 56268 } });
  assert.equal(ok(resolveDebugTarget(two, [p('http', 8080), p('dlv', 56268)])).portName, 'dlv');
  const renamed = container({ debugPorts: { debug: 40000 } });
  assert.equal(ok(resolveDebugTarget(renamed, [p('debug', 40000)])).remotePort, 40000);
  assert.match(reason(resolveDebugTarget(container({ debugPorts: { a: 1, b: 2 } }), [])), /2 debug ports.*none is named "dlv"/);
  assert.match(reason(resolveDebugTarget(container({ debugPorts: {} }), [forward()])), /no debug port/);
  assert.match(reason(resolveDebugTarget(container({ debugPorts: { dlv: 0 } }), [forward()])), /no debug port/);
  assert.match(reason(resolveDebugTarget(container({ debugPorts: { dlv: 70000 } }), [forward()])), /no debug port/);
  const pydevd = container({ runtime: 'python', debugPorts: { pydevd: 5678 } });
  assert.match(reason(resolveDebugTarget(pydevd, [p('pydevd', 5678)])), /"pydevd", a protocol the Python Debugger extension cannot attach to/);
});

test('remote root: the workingDir when absolute, else a default per runtime, and which one it was', () => {
  assert.deepEqual(resolveRemoteRoot(container(), 'go'), { remoteRoot: '/workspace', source: 'workingDir' });
  const none = resolveRemoteRoot(container({ workingDir: undefined }), 'nodejs');
  assert.equal(none.remoteRoot, '/app');
  assert.equal(none.source, 'default');
  assert.match(none.note!, /no working directory.*\/app/);
  const relative = resolveRemoteRoot(container({ workingDir: 'src' }), 'python');
  assert.equal(relative.remoteRoot, '/app');
  assert.match(relative.note!, /\("src"\) is not an absolute path/);
  assert.deepEqual(resolveRemoteRoot(container(), 'jvm'), { source: 'none' });
  assert.deepEqual(resolveRemoteRoot(container(), 'go', '/go/src/app/'), { remoteRoot: '/go/src/app', source: 'option' });
  assert.equal(resolveRemoteRoot(container(), 'go', 'relative').source, 'workingDir');
  const c = container({ workingDir: undefined });
  const config = buildDebugConfiguration(c, ok(resolveDebugTarget(c, [forward()])), { localRoot: LOCAL_ROOT });
  assert.deepEqual(config.substitutePath, [{ from: LOCAL_ROOT, to: '/app' }]);
});

test('remote paths: absolute POSIX or drive-letter Windows, clean, bounded', () => {
  assert.equal(sanitizeRemoteRoot('/'), '/');
  assert.equal(sanitizeRemoteRoot('/usr//src/app/'), '/usr/src/app');
  assert.equal(sanitizeRemoteRoot('C:\\app\\'), 'C:\\app');
  assert.equal(sanitizeRemoteRoot('c:/app/src'), 'c:/app/src');
  assert.equal(sanitizeRemoteRoot('C:\\'), 'C:\\');
  for (const bad of ['', 'app', './app', '//server/share', '\\\\server\\share', 'C:app', '/app/../etc', '/app/./x',
    '/app\nX', '/app\u0000', '/app\u202e', '/app\u001b[31m', `/${'a'.repeat(1024)}`, '~/app', 'file:///app']) {
    assert.equal(sanitizeRemoteRoot(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(sanitizeRemoteRoot(`/${'a'.repeat(1000)}`)?.length, 1001);
});

test('hostile strings: names are cleaned and bounded, never used to match when unsafe', () => {
  const long = `x${'y'.repeat(10_000)}z`;
  const c = container({
    podName: `evil\n\u202epod\u0007`, containerName: long, workingDir: '/app\r\nrm -rf /', runtime: 'go\u0000',
  });
  // A runtime with a control character is not "go".
  assert.match(reason(resolveDebugTarget(c, [])), /a runtime this extension does not know/);
  const c2 = container({ podName: `evil\n\u202epod\u0007`, containerName: long, workingDir: '/app\r\nrm -rf /' });
  const p = forward({ podName: c2.podName, resourceName: c2.podName, containerName: long });
  // A pod name with control characters is never used to match a forward.
  assert.match(reason(resolveDebugTarget(c2, [p])), /no usable pod name/);
  const c3 = container({ containerName: long, workingDir: '/app\r\nrm -rf /' });
  const target = ok(resolveDebugTarget(c3, [forward({ containerName: long })]));
  const config = buildDebugConfiguration(c3, target, { localRoot: LOCAL_ROOT, name: 'a\nb' });
  assert.equal(config.name, 'a b');
  assert.deepEqual(config.substitutePath, [{ from: LOCAL_ROOT, to: '/app' }]);
  const named = buildDebugConfiguration(container({ podName: 'p\u0085\u2028', containerName: long }), target, { localRoot: LOCAL_ROOT });
  assert.ok(named.name.length < 100, named.name);
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(named.name), named.name);
  assert.ok(named.name.includes('…') && named.name.includes('z'), 'the end of a long name (the unique part) is kept');
  // Reasons show cleaned names only.
  const why = reason(resolveDebugTarget(container({ podName: 'p\u001b[2J', runtime: 'x\u001b[2J' }), []));
  assert.ok(!why.includes('\u001b'), why);
  // Prototype keys; forwards of no usable local port.
  const protoPorts = JSON.parse('{"__proto__": 56268}') as Record<string, number>;
  assert.equal(ok(resolveDebugTarget(container({ debugPorts: protoPorts }), [forward({ portName: '__proto__' })])).portName, '__proto__');
  const protoTwo = JSON.parse('{"__proto__": 56268, "constructor": 1}') as Record<string, number>;
  assert.match(reason(resolveDebugTarget(container({ debugPorts: protoTwo }), [forward()])), /2 debug ports/);
  assert.match(reason(resolveDebugTarget(container(), [forward({ localPort: 0 }), forward({ localPort: 1.5 })])), /not forwarded/);
  assert.equal(debugRuntime('go'.padEnd(10_000, ' ')), undefined);
  assert.equal(debugRuntime('toString'), undefined);
  assert.equal(debugRuntime('__proto__'), undefined);
});

test('which extension to install for each runtime', () => {
  assert.deepEqual(debugExtensionFor('go'), { extensionId: 'golang.go', displayName: 'Go', debugType: 'go', supported: true });
  assert.equal(debugExtensionFor('jvm').extensionId, 'vscjava.vscode-java-debug');
  assert.equal(debugExtensionFor('python').extensionId, 'ms-python.debugpy');
  assert.equal(debugExtensionFor('nodejs').extensionId, undefined, 'built into VS Code');
  assert.equal(debugExtensionFor('nodejs').debugType, 'node');
  assert.equal(debugExtensionFor('netcore').supported, false);
  const unknown = debugExtensionFor('cobol\n');
  assert.equal(unknown.supported, false);
  assert.equal(unknown.extensionId, undefined);
  assert.ok(!unknown.displayName.includes('\n'));
  assert.equal(runtimeLabel('jvm'), 'Java');
  assert.equal(runtimeLabel('NodeJS'), 'Node.js');
  assert.equal(runtimeLabel(undefined), 'unknown runtime');
  assert.equal(runtimeLabel('zig\u0007'), 'zig');
  // The debug type each configuration uses is the one the extension provides.
  for (const r of RUNTIMES) {
    const { c, p } = runtimeCase(r);
    assert.equal(buildDebugConfiguration(c, ok(resolveDebugTarget(c, [p])), { localRoot: LOCAL_ROOT }).type, debugExtensionFor(r.runtime).debugType);
  }
});

test('auto-attach: offered once per container, when its debug port is forwarded', () => {
  const tracker = new AutoAttachTracker();
  const a = container();
  const b = container({ podName: 'app-6d8f9c7b5-abcde', runtime: 'nodejs', debugPorts: { devtools: 9229 } });
  const pb = forward({ podName: b.podName, resourceName: b.podName, portName: 'devtools', targetPort: 9229, localPort: 41235 });
  // b is started but not forwarded yet: not offered, and not remembered.
  assert.deepEqual(tracker.next([a, b], [forward()]).map((c) => c.key), [a.key]);
  assert.deepEqual(tracker.next([a, b], [forward()]), []);
  assert.deepEqual(tracker.next([a, b], [forward(), pb]).map((c) => c.key), [b.key]);
  assert.deepEqual(tracker.next([a, b], [forward(), pb]), []);
  assert.deepEqual(tracker.next(new Map([[a.key, a], [b.key, b]]).values(), new Map([[1, forward()], [2, pb]]).values()), []);
  // The same container twice in a call: once.
  const t2 = new AutoAttachTracker();
  assert.equal(t2.next([a, a], [forward()]).length, 1);
  // Never offered: terminated, unsupported, another pod's port only, a public address.
  const t3 = new AutoAttachTracker();
  assert.deepEqual(t3.next([container({ status: 'Terminated' }), container({ runtime: 'netcore', podName: 'n' }), b], [forward(), forward({ address: '0.0.0.0', podName: b.podName })]), []);
});

test('auto-attach: a container that ended and comes back is offered again; one still listed is not', () => {
  const tracker = new AutoAttachTracker();
  const a = container();
  const p = [forward()];
  assert.equal(tracker.next([a], p).length, 1);
  assert.ok(tracker.wasOffered(a.key));
  // Listed as Terminated (a reducer that keeps them), then Started again: a new container.
  assert.equal(tracker.next([container({ status: 'Terminated' })], p).length, 0);
  assert.ok(!tracker.wasOffered(a.key));
  assert.equal(tracker.next([a], p).length, 1);
  // Dropped from the state (Terminated, or a redeploy reset), then Started again: a new container.
  assert.equal(tracker.next([], []).length, 0);
  assert.equal(tracker.next([a], p).length, 1);
  // Its port-forward going away and coming back (the container still listed) is not a new container.
  assert.equal(tracker.next([a], []).length, 0);
  assert.equal(tracker.next([a], p).length, 0);
  tracker.reset();
  assert.equal(tracker.next([a], p).length, 1);
});

test('auto-attach: memory is bounded', () => {
  const tracker = new AutoAttachTracker(16);
  const many = Array.from({ length: 100 }, (_, i) => container({ podName: `pod-${i}` }));
  const ports = many.map((c, i) => forward({ podName: c.podName, resourceName: c.podName, localPort: 20000 + i }));
  const first = tracker.next(many, ports);
  assert.equal(first.length, 16, 'at most the limit is looked at per call');
  assert.ok(tracker.size <= 16);
  for (let round = 0; round < 50; round++) {
    const batch = many.slice(round % 90, (round % 90) + 10);
    tracker.next(batch, ports);
    assert.ok(tracker.size <= 16, `size ${tracker.size}`);
  }
  // The default limit applies to the default tracker.
  const big = new AutoAttachTracker();
  const lots = Array.from({ length: MAX_TRACKED_CONTAINERS + 50 }, (_, i) => container({ podName: `p-${i}` }));
  big.next(lots, lots.map((c, i) => forward({ podName: c.podName, resourceName: c.podName, localPort: 1 + i })));
  assert.ok(big.size <= MAX_TRACKED_CONTAINERS);
  // Only listed containers are remembered.
  big.next([], []);
  assert.equal(big.size, 0);
});

test('from Skaffold events through the reducer to an attach configuration', () => {
  const podPort = (localPort: number, podName: string): LogEntry => entry({
    portEvent: {
      localPort, remotePort: 56268, namespace: 'default', resourceType: 'pod', resourceName: podName, podName,
      containerName: 'app', portName: 'dlv', address: '127.0.0.1', targetPort: { type: 0, intVal: 56268 },
    },
  });
  let s: SessionState = initialState();
  for (const e of [ev.port(47480), ev.debug('Started', 'app-1'), podPort(47481, 'app-2'), podPort(47482, 'app-1')]) {
    s = reduce(s, e).state;
  }
  const c = s.debugContainers.get('default/app-1/app')!;
  assert.ok(c, 'the reducer keeps the started container');
  const target = ok(resolveDebugTarget(c, s.ports.values()));
  assert.equal(target.localPort, 47482);
  const config = buildDebugConfiguration(c, target, { localRoot: LOCAL_ROOT });
  assert.equal(config.type, 'go');
  assert.equal(config.port, 47482);
  // No workingDir in this event: the default, said so.
  assert.equal(resolveRemoteRoot(c, 'go').source, 'default');
});
