/**
 * Security decisions in the core: which addresses are on this machine (the others get a
 * warning: Skaffold's API has no authentication and no encryption), and which executable a
 * launch runs when a workspace's settings name one (only with the user's consent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress } from '../../src/skaffold/wire/address';
import { decideExecutable } from '../../src/skaffold/launch/executable';

test('loopback addresses are the ones on this machine; anything else is not', () => {
  for (const a of ['127.0.0.1:50051', '50051', 'localhost:50051', 'LOCALHOST:1', '127.1.2.3:50051', '[::1]:50051', '[0:0:0:0:0:0:0:1]:50051', '[::ffff:127.0.0.1]:50051', 'grpc://127.0.0.1:50051']) {
    assert.equal(isLoopbackAddress(a), true, a);
  }
  for (const a of ['192.0.2.10:50051', '10.0.0.5:50051', 'skaffold.example.com:50051', '[2001:db8::1]:50051', '0.0.0.0:50051', '128.0.0.1:50051', 'localhost.example.com:50051', '127.0.0.1.nip.io:50051',
    // A name under localhost reaches this machine only where the resolver says so (RFC 6761 asks it to; plain DNS may not).
    'app.localhost:50051']) {
    assert.equal(isLoopbackAddress(a), false, a);
  }
  assert.equal(isLoopbackAddress('not an address'), true, 'nothing to warn of: the session reports the typo');
});

test('a workspace setting for skaffold.executable needs consent; the user\'s own never does', () => {
  const none = () => false;
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold' }, none), { kind: 'use', executable: 'skaffold', fromWorkspace: false });
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', globalValue: '/opt/skaffold/bin/skaffold' }, none),
    { kind: 'use', executable: '/opt/skaffold/bin/skaffold', fromWorkspace: false });
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', workspaceValue: './tools/skaffold' }, none),
    { kind: 'ask', value: './tools/skaffold', fallback: 'skaffold', level: 'workspace' });
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', globalValue: '/usr/bin/skaffold', workspaceValue: 'x', workspaceFolderValue: './bin/skaffold' }, none),
    { kind: 'ask', value: './bin/skaffold', fallback: '/usr/bin/skaffold', level: 'workspaceFolder' }, 'the folder level wins, as in VS Code');
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', workspaceValue: './bin/skaffold', workspaceFolderValue: './bin/skaffold' }, none),
    { kind: 'ask', value: './bin/skaffold', fallback: 'skaffold', level: 'workspace' }, 'a single-folder workspace: the same value at both levels');
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', globalValue: '/usr/bin/skaffold', workspaceValue: '/usr/bin/skaffold' }, none),
    { kind: 'use', executable: '/usr/bin/skaffold', fromWorkspace: false }, 'the same as the user\'s: nothing to ask');
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', workspaceValue: './tools/skaffold' }, (v) => v === './tools/skaffold'),
    { kind: 'use', executable: './tools/skaffold', fromWorkspace: true }, 'allowed once, used');
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', workspaceValue: './other' }, (v) => v === './tools/skaffold'),
    { kind: 'ask', value: './other', fallback: 'skaffold', level: 'workspace' }, 'consent is for that value only');
  assert.deepEqual(decideExecutable({ defaultValue: 'skaffold', workspaceValue: '   ', globalValue: 42 }, none),
    { kind: 'use', executable: 'skaffold', fromWorkspace: false }, 'blank and non-string values are ignored');
});
