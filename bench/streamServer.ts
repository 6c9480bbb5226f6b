/**
 * Benchmark server, run as a child process so it does not share the consumer's event loop:
 * a real gRPC server on our proto.
 *   node streamServer.js COUNT [live|history] [RESOURCES] [PORT]
 * live: each Events call streams COUNT entries stamped as they are sent, as fast as the
 * client takes them (back-pressure honoured), then ends the call.
 * history: COUNT entries stamped in the past form Skaffold's history, replayed to each
 * subscriber at once; the call then stays open, as Skaffold's does.
 * Prints nothing; tells the parent `PORT <n>` over IPC and stops on 'disconnect'.
 */
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition, LogEntry } from '../src/skaffold/wire/protocol';

const count = Number(process.argv[2] ?? 200000);
const mode = process.argv[3] === 'history' ? 'history' : 'live';
const resources = Number(process.argv[4] ?? 8);
const port = Number(process.argv[5] ?? 0);
const ARTIFACTS = Array.from({ length: 8 }, (_, i) => `example/service-${i}`);

/** One dev-loop iteration's worth of events, like Skaffold's, cycled to make the stream. */
function cycle(iteration: number, at: number): LogEntry[] {
  const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
  const out: LogEntry[] = [];
  const e = (event: object, entry: string) => out.push({ timestamp: ts(at + out.length), event: event as LogEntry['event'], entry });
  e({ devLoopEvent: { iteration, status: 'In Progress' } }, 'Update initiated');
  for (const a of ARTIFACTS.slice(0, 1 + (iteration % ARTIFACTS.length))) {
    e({ buildEvent: { artifact: a, status: 'In Progress', hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`);
    e({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`);
  }
  e({ deployEvent: { status: 'In Progress' } }, 'Deploy started');
  e({ statusCheckEvent: { status: 'Started' } }, 'Status check started');
  for (let r = 0; r < resources; r++) {
    const pod = `Pod/service-${r}-5d8c7b9f4-x${iteration % 97}`;
    e({ resourceStatusCheckEvent: { resource: pod, status: 'In Progress', message: `creating container service-${r}`, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message: `creating container service-${r}` } } }, `Resource ${pod} status updated to In Progress`);
    e({ resourceStatusCheckEvent: { resource: `deployment/service-${r}`, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }, `Resource deployment/service-${r} status completed successfully`);
  }
  e({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded');
  e({ deployEvent: { status: 'Complete' } }, 'Deploy completed');
  e({ portEvent: { localPort: 47480, remotePort: 8080, namespace: 'default', resourceType: 'service', resourceName: 'service-0', address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 } } }, 'Forwarding container service-0 to local port 47480');
  e({ devLoopEvent: { iteration, status: 'Succeeded' } }, 'Update succeeded');
  return out;
}

function makeStream(): LogEntry[] {
  const start = Date.now() - 3_600_000;
  const out: LogEntry[] = [{ timestamp: { seconds: String(Math.floor(start / 1000)), nanos: 0 }, event: { metaEvent: { entry: 'Starting Skaffold: &{Version:v2.7.0 ConfigVersion:skaffold/v4beta6}' } } as LogEntry['event'], entry: '' }];
  for (let it = 0; out.length < count; it++) {
    out.push(...cycle(it, start + 1000 + it * 2000));
  }
  return out.slice(0, count);
}

const stream = makeStream();
const definition = loadSkaffoldPackageDefinition();
const service = (grpc.loadPackageDefinition(definition) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService.service;
const server = new grpc.Server();
const notUsed = (_call: unknown, cb: grpc.sendUnaryData<object>) => cb({ code: grpc.status.UNIMPLEMENTED });
server.addService(service, {
  GetState: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { buildState: { artifacts: Object.fromEntries(ARTIFACTS.map((a) => [a, 'Not Started'])), autoTrigger: true } }),
  Events: (call: grpc.ServerWritableStream<object, LogEntry>) => {
    let i = 0;
    let done = false;
    const pump = () => {
      const now = Date.now();
      const seconds = String(Math.floor(now / 1000));
      let nanos = (now % 1000) * 1e6;
      while (i < stream.length && !done) {
        const entry = stream[i++];
        if (mode === 'live') {
          entry.timestamp = { seconds, nanos: nanos++ };
        }
        if (!call.write(entry)) {
          call.once('drain', pump);
          return;
        }
      }
      if (mode === 'live') {
        call.end();
      }
    };
    call.on('cancelled', () => { done = true; });
    pump();
  },
  EventLog: () => undefined, Execute: notUsed, AutoBuild: notUsed, AutoSync: notUsed, AutoDeploy: notUsed, Handle: notUsed,
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.send?.(`PORT ${bound}`);
});
process.on('disconnect', () => {
  server.forceShutdown();
  process.exit(0);
});
