/**
 * The event log's lines (src/skaffold/present/eventLine.ts): one readable line per event, saying each
 * thing once. Skaffold repeats itself (a succeeded resource arrives with status and message
 * "Succeeded", a failed one with the same text as message and error); the line does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import { LogEntry } from '../../src/skaffold/wire/protocol';

const line = (event: LogEntry['event']) => describeEntry({ event });

test('a resource whose message repeats its status says the status once', () => {
  assert.equal(line({ resourceStatusCheckEvent: { resource: 'deployment/app', status: 'Succeeded', message: 'Succeeded' } }), 'resource deployment/app: Succeeded');
  assert.equal(line({ resourceStatusCheckEvent: { resource: 'deployment/app', status: 'Succeeded', message: '  succeeded\n' } }), 'resource deployment/app: Succeeded', 'compared trimmed and case-insensitive');
});

test('a resource message that says more than the status is kept', () => {
  assert.equal(
    line({ resourceStatusCheckEvent: { resource: 'deployment/app', status: 'In Progress', message: 'Waiting for rollout to finish: 0 of 1 updated replicas are available...' } }),
    'resource deployment/app: In Progress (Waiting for rollout to finish: 0 of 1 updated replicas are available...)',
  );
});

test('a failed resource says its error once, with its code and suggestions', () => {
  const failure = 'container app terminated with exit code 1';
  assert.equal(
    line({ resourceStatusCheckEvent: {
      resource: 'deployment/app', status: 'Failed', message: failure, err: failure,
      actionableErr: { errCode: 'STATUSCHECK_CONTAINER_TERMINATED', message: failure, suggestions: [{ action: 'Check the container logs' }] },
    } }),
    `resource deployment/app: Failed: ${failure} [STATUSCHECK_CONTAINER_TERMINATED] — try: Check the container logs`,
  );
  assert.equal(
    line({ resourceStatusCheckEvent: { resource: 'pod/app-1', status: 'Failed', message: 'Back-off pulling image', err: 'image pull failed' } }),
    'resource pod/app-1: Failed (Back-off pulling image): image pull failed',
    'a message other than the error is kept',
  );
});

test('the status check omits a message that repeats its status or its error', () => {
  assert.equal(line({ statusCheckEvent: { status: 'Succeeded', message: 'Succeeded' } }), 'status check: Succeeded');
  assert.equal(line({ statusCheckEvent: { status: 'Succeeded' } }), 'status check: Succeeded');
  assert.equal(line({ statusCheckEvent: { status: 'In Progress', message: '1/2 deployment(s) still pending' } }), 'status check: In Progress 1/2 deployment(s) still pending');
  assert.equal(
    line({ statusCheckEvent: { status: 'Failed', message: '1/1 deployment(s) failed', err: '1/1 deployment(s) failed', errCode: 'STATUSCHECK_USER_CANCELLED' } }),
    'status check: Failed: 1/1 deployment(s) failed [STATUSCHECK_USER_CANCELLED]',
  );
});

test('each kind of event names its status once', () => {
  const events: [LogEntry['event'], string][] = [
    [{ buildEvent: { artifact: 'example/app', status: 'Complete' } }, 'Complete'],
    [{ deployEvent: { status: 'Complete' } }, 'Complete'],
    [{ devLoopEvent: { iteration: 2, status: 'Succeeded' } }, 'Succeeded'],
    [{ fileSyncEvent: { image: 'example/app', status: 'Succeeded', fileCount: 2 } }, 'Succeeded'],
    [{ statusCheckEvent: { status: 'Succeeded', message: 'Succeeded' } }, 'Succeeded'],
    [{ resourceStatusCheckEvent: { resource: 'deployment/app', status: 'Succeeded', message: 'SUCCEEDED' } }, 'Succeeded'],
  ];
  for (const [event, status] of events) {
    const text = line(event);
    assert.equal(text.toLowerCase().split(status.toLowerCase()).length - 1, 1, `"${text}" names ${status} once`);
  }
});
