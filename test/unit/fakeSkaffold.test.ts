/**
 * The fake Skaffold itself (test/fakes/skaffoldFake.ts): what the other tests rely on it to do
 * as a real Skaffold does. Enforcing grpc-go's keepalive policy, and answering the v2 API in
 * Skaffold v2's spelling, with control through v1 only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { LogEntry, loadSkaffoldPackageDefinition } from '../../src/skaffold/wire/protocol';
import { loadSkaffoldV2PackageDefinition, V2Event } from '../../src/skaffold/wire/protocolV2';
import { SessionOptions, SkaffoldSession } from '../../src/skaffold/session/session';
import { SkaffoldV2Client } from '../../src/skaffold/wire/v2Client';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { eventually, guardUnhandledRejections, sleep, until } from './helpers';

guardUnhandledRejections();

const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 200, settleMs: 20, coalesceMs: 20 };

test('the fake enforces grpc-go keepalive policy: a pinging client is cut off, ours is not', async () => {
  const fake = await FakeSkaffold.start({ keepaliveMinTimeMs: 1000 });
  const Ctor = (grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService;
  const pinger = new Ctor(fake.address, grpc.credentials.createInsecure(), { 'grpc.keepalive_time_ms': 100, 'grpc.keepalive_timeout_ms': 1000, 'grpc.keepalive_permit_without_calls': 1 }) as unknown as grpc.Client & { Events(r: object): grpc.ClientReadableStream<LogEntry> };
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  try {
    session.connect();
    const ended = await new Promise<grpc.ServiceError>((resolve) => {
      const call = pinger.Events({});
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    assert.ok([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL].includes(ended.code), `cut off with ${ended.code} ${ended.details}`);
    assert.ok(fake.goawaysSent >= 1, 'GOAWAY too_many_pings sent');
    await until(session, () => session.status === 'connected', 'our session connected');
    const goaways = fake.goawaysSent;
    // A quiet period: our client sending no pings shows as nothing happening (three of the pinger's intervals).
    await sleep(300);
    assert.equal(session.status, 'connected', 'our client sends no pings and stays');
    assert.equal(fake.goawaysSent, goaways, 'and is sent no GOAWAY');
  } finally {
    pinger.close();
    session.dispose();
    await fake.stop();
  }
});

test('the fake\'s v2 API answers as Skaffold v2 does: GetState in v2 spelling, Execute accepted and ignored, Handle into the v2 stream', async () => {
  const fake = await FakeSkaffold.start({ stepMs: 2, autoBuild: false, autoDeploy: false });
  const client = new SkaffoldV2Client(fake.address);
  type Unary = (req: unknown, cb: (err: grpc.ServiceError | null) => void) => void;
  const Ctor = (grpc.loadPackageDefinition(loadSkaffoldV2PackageDefinition()) as unknown as { proto: { v2: { SkaffoldV2Service: grpc.ServiceClientConstructor } } }).proto.v2.SkaffoldV2Service;
  const raw = new Ctor(fake.address, grpc.credentials.createInsecure()) as unknown as Record<'Execute' | 'Handle' | 'AutoBuild', Unary>;
  const call = (m: 'Execute' | 'Handle' | 'AutoBuild', req: unknown) => new Promise<number>((resolve) => raw[m](req, (err) => resolve(err?.code ?? 0)));
  try {
    await fake.runDevLoop();
    const state = await client.getState();
    assert.deepEqual(state.buildState?.artifacts, { 'example/app': 'Succeeded', 'example/worker': 'Succeeded' });
    assert.equal(state.deployState?.status, 'Succeeded');
    assert.equal(state.forwardedPorts?.['47480']?.task_id, 'PortForward-1');
    assert.equal(state.metadata?.runID, fake.runId);

    await fake.changeFile('example/app'); // auto build off: waits for an Execute
    const before = fake.history.length;
    assert.equal(await call('Execute', { intent: { build: true } }), 0, 'v2 Execute answers OK');
    assert.equal(await call('AutoBuild', { state: { enabled: true } }), 0, 'v2 AutoBuild answers OK');
    // A quiet period: a build the v2 calls started would show within a few of the fake's 2 ms steps.
    await sleep(100);
    assert.equal(fake.history.length, before, 'and nothing happens: control works only through v1');

    const events: V2Event[] = [];
    const sub = client.subscribeEvents({ onEvent: (e) => events.push(e), onEnd: () => undefined });
    await eventually('the replay', () => events.some((e) => e.taskEvent?.id === 'DevLoop-1' && e.taskEvent.status === 'Succeeded'));
    assert.equal(await call('Handle', { skaffoldLogEvent: { task_id: 'Custom-1', subtask_id: '-1', level: 'INFO', message: 'from a custom builder\n' } }), 0);
    await eventually('the handled event', () => events.some((e) => e.skaffoldLogEvent?.task_id === 'Custom-1'));
    sub.cancel();
  } finally {
    (raw as unknown as grpc.Client).close();
    client.dispose();
    await fake.stop();
  }
});
