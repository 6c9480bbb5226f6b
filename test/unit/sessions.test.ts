/**
 * Several sessions at once: two fake Skaffolds on two ports followed side by side over real
 * loopback gRPC, one ending while the other runs, which sessions the views show, and the same
 * address never opened twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkaffoldError } from '../../src/skaffold/wire/errors';
import { mostUrgent, sessionSummary } from '../../src/skaffold/present/labels';
import { SessionOptions, SkaffoldSession } from '../../src/skaffold/session/session';
import { SessionManager } from '../../src/skaffold/session/sessionManager';
import { guardUnhandledRejections, untilSessions } from './helpers';
import { FakeSkaffold } from '../fakes/skaffoldFake';

guardUnhandledRejections();

const FAST: Partial<SessionOptions> = { backoffInitialMs: 20, backoffMaxMs: 100, idleBackoffMaxMs: 100, settleMs: 20, coalesceMs: 20 };

/** A port where nothing listens, as the configured address: that session only looks. */
const NOWHERE = '127.0.0.1:1';

/** Lets the entries of the last socket read be applied (a session reduces them in an immediate). */
const turn = () => new Promise<void>((r) => setImmediate(r));

test('two Skaffolds on two ports are followed side by side; one ending leaves the other live', async () => {
  const shop = await FakeSkaffold.start({ stepMs: 2, artifacts: ['shop/web'] });
  const billing = await FakeSkaffold.start({ stepMs: 2, artifacts: ['billing/api', 'billing/worker'] });
  const manager = new SessionManager({ address: NOWHERE, sessionDefaults: FAST });
  try {
    await shop.runDevLoop();
    await billing.runDevLoop();
    manager.configured.connect();
    const a = manager.add({ address: shop.address, origin: 'attached', label: 'dev · shop' });
    const b = manager.add({ address: billing.address, origin: 'attached', label: 'dev · billing' });
    a.connect();
    b.connect();
    await untilSessions(manager, () => a.state.ports.size === 1 && b.state.ports.size === 1, 'both first loops');

    // The configured session finds nothing: the views show the two that have something.
    assert.deepEqual(manager.shown.map((s) => s.label), ['dev · shop', 'dev · billing']);
    assert.deepEqual([...a.state.artifacts.keys()], ['shop/web']);
    assert.deepEqual([...b.state.artifacts.keys()], ['billing/api', 'billing/worker']);
    assert.notEqual(a.id, b.id);
    assert.deepEqual(manager.shown.map((s) => sessionSummary(s).text), ['ready', 'ready']);

    // GetState alone can show the first loop: let each replay arrive whole.
    await untilSessions(manager, () => a.logRecords.length === shop.history.length && b.logRecords.length === billing.history.length, 'both histories');
    await turn();

    // Each event goes to its own session.
    const shopState = a.state;
    const changedIn = new Set<string>();
    const sub = manager.onDidChangeState(({ session }) => changedIn.add(session.label));
    billing.failNextBuild('billing/api', 'step 3/5: go build: undefined: Handler');
    await billing.changeFile('billing/api');
    await untilSessions(manager, () => b.state.artifacts.get('billing/api')?.status === 'Failed', 'billing/api failed');
    sub.dispose();
    assert.ok(changedIn.has('dev · billing'));
    assert.equal(a.state, shopState, 'shop saw no change');
    assert.equal(a.state.artifacts.get('shop/web')?.status, 'Complete');
    const worst = mostUrgent(manager.shown.map((session) => ({ session, summary: sessionSummary(session) })));
    assert.equal(worst?.session, b, 'the status bar names the failing session');
    assert.equal(worst?.summary.text, 'billing/api failed');

    // shop's Skaffold exits: its session ends with its last state; billing goes on.
    await shop.stop();
    await untilSessions(manager, () => a.status === 'ended', 'shop ended');
    assert.equal(a.state.artifacts.get('shop/web')?.status, 'Complete', 'the last state stays');
    assert.equal(b.status, 'connected');
    await billing.changeFile('billing/api');
    await untilSessions(manager, () => b.state.artifacts.get('billing/api')?.status === 'Complete', 'billing recovers live');
    assert.deepEqual(manager.shown.map((s) => s.label), ['dev · shop', 'dev · billing'], 'an ended session stays until dismissed');

    // Dismissed: gone from the views, its connection closed.
    manager.remove(a);
    assert.deepEqual(manager.shown.map((s) => s.label), ['dev · billing']);
    assert.equal(manager.get(a.id), undefined);
  } finally {
    manager.dispose();
    await shop.stop();
    await billing.stop();
  }
});

test('an address already followed is not opened twice; an ended one is replaced', async () => {
  const fake = await FakeSkaffold.start({ stepMs: 2 });
  const manager = new SessionManager({ address: NOWHERE, sessionDefaults: FAST });
  try {
    const port = fake.address.split(':').pop()!;
    const first = manager.add({ address: fake.address, origin: 'attached' });
    assert.equal(manager.add({ address: port, origin: 'attached' }), first, 'a bare port is the same address');
    assert.equal(manager.add({ address: `localhost:${port}`, origin: 'attached' }), first, 'localhost is 127.0.0.1');
    assert.equal(manager.findByAddress(NOWHERE), manager.configured);
    assert.equal(manager.add({ address: NOWHERE, origin: 'attached' }), manager.configured, 'attaching to the configured address reuses it');

    first.end(new SkaffoldError('ended', 'Skaffold exited.'));
    const second = manager.add({ address: fake.address, origin: 'attached' });
    assert.notEqual(second, first, 'an ended session at the address is replaced');
    assert.equal(manager.get(first.id), undefined);
    assert.equal(manager.sessions.length, 2);
  } finally {
    manager.dispose();
    await fake.stop();
  }
});

test('the configured session is shown alone when nothing else is, and shown again once it connects', async () => {
  const fake = await FakeSkaffold.start({ stepMs: 2 });
  const other = await FakeSkaffold.start({ stepMs: 2, artifacts: ['other/app'] });
  const manager = new SessionManager({ address: fake.address, sessionDefaults: FAST });
  let announced = 0;
  const sub = manager.onDidChangeSessions(() => announced++);
  try {
    assert.deepEqual(manager.shown, [manager.configured]);
    const o = manager.add({ address: other.address, origin: 'attached', label: 'other' });
    o.connect();
    await other.runDevLoop();
    await untilSessions(manager, () => o.status === 'connected', 'other connected');
    assert.deepEqual(manager.shown, [o], 'the configured session, still looking, is not shown');
    const before = announced;
    manager.configured.connect();
    await untilSessions(manager, () => manager.configured.status === 'connected', 'configured connected');
    assert.deepEqual(manager.shown, [manager.configured, o]);
    assert.ok(announced > before, 'listeners heard that the shown sessions changed');
    manager.remove(manager.configured);
    assert.equal(manager.configured.status, 'disconnected', 'removing the configured session only disconnects it');
    assert.ok(manager.sessions.includes(manager.configured));
  } finally {
    sub.dispose();
    manager.dispose();
    await fake.stop();
    await other.stop();
  }
});

test('end() stops a session for good: no retry, reconnect does nothing, the reason is kept', async () => {
  const fake = await FakeSkaffold.start({ stepMs: 2 });
  const session = new SkaffoldSession({ address: fake.address, ...FAST });
  try {
    await fake.runDevLoop();
    session.connect();
    await new Promise<void>((resolve) => {
      const sub = session.onDidChangeStatus((e) => {
        if (e.status === 'connected') {
          sub.dispose();
          resolve();
        }
      });
    });
    session.end(new SkaffoldError('ended', 'Skaffold dev on port 1 exited with code 1: boom.'));
    assert.equal(session.status, 'ended');
    assert.match(session.lastError?.message ?? '', /exited with code 1: boom/);
    const calls = fake.calls.length;
    session.reconnect();
    session.connect();
    await new Promise((r) => setTimeout(r, 300)); // a quiet spell: nothing announces a retry that does not happen
    assert.equal(session.status, 'ended');
    assert.equal(fake.calls.length, calls, 'nothing more was sent to that address');
  } finally {
    session.dispose();
    await fake.stop();
  }
});
