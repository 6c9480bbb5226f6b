/**
 * Benchmark server, run as a child process so it does not share the client's event loop:
 * a real gRPC server on our proto whose Events call streams `count` realistic LogEntries as
 * fast as the client takes them (honouring back-pressure), then ends the call.
 * Protocol with the parent: it prints `PORT <n>` when listening and stops on 'disconnect'.
 */
import * as grpc from '@grpc/grpc-js';
import { loadSkaffoldPackageDefinition, LogEntry } from '../src/skaffold/protocol';

const ARTIFACTS = Array.from({ length: 8 }, (_, i) => `example/service-${i}`);

/** One dev-loop iteration's worth of events, like Skaffold's, cycled to make the stream. */
function cycle(iteration: number, at: number): LogEntry[] {
  const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
  const e = (event: object, entry: string, i: number): LogEntry => ({ timestamp: ts(at + i), event: event as LogEntry['event'], entry });
  const out: LogEntry[] = [];
  let i = 0;
  out.push(e({ devLoopEvent: { iteration, status: 'In Progress' } }, 'Update initiated', i++));
  for (const a of ARTIFACTS.slice(0, 1 + (iteration % ARTIFACTS.length))) {
    out.push(e({ buildEvent: { artifact: a, status: 'In Progress', hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`, i++));
    out.push(e({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`, i++));
  }
  out.push(e({ deployEvent: { status: 'In Progress' } }, 'Deploy started', i++));
  out.push(e({ statusCheckEvent: { status: 'Started' } }, 'Status check started', i++));
  for (let r = 0; r < 4; r++) {
    out.push(e({ resourceStatusCheckEvent: { resource: `Pod/service-${r}-5d8c7b9f4-x${iteration % 97}`, status: 'In Progress', message: `creating container service-${r}`, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message: `creating container service-${r}` } } }, `Resource Pod/service-${r} status updated to In Progress`, i++));
    out.push(e({ resourceStatusCheckEvent: { resource: `deployment/service-${r}`, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }, `Resource deployment/service-${r} status completed successfully`, i++));
  }
  out.push(e({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded', i++));
  out.push(e({ deployEvent: { status: 'Complete' } }, 'Deploy completed', i++));
  out.push(e({ portEvent: { localPort: 47480, remotePort: 8080, namespace: 'default', resourceType: 'service', resourceName: 'service-0', address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 } } }, 'Forwarding container service-0 to local port 47480', i++));
  out.push(e({ devLoopEvent: { iteration, status: 'Succeeded' } }, 'Update succeeded', i++));
  return out;
}

function makeStream(count: number): LogEntry[] {
  const out: LogEntry[] = [{ timestamp: { seconds: '0', nanos: 0 }, event: { metaEvent: { entry: 'Starting Skaffold: &{Version:v2.7.0 ConfigVersion:skaffold/v4beta6}' } } as LogEntry['event'], entry: '' }];
  const start = Date.now() - 3_600_000;
  for (let it = 0; out.length < count; it++) {
    out.push(...cycle(it, start + it * 100));
  }
  return out.slice(0, count);
}

const count = Number(process.argv[2] ?? 200000);
const stream = makeStream(count);
const definition = loadSkaffoldPackageDefinition();
const service = (grpc.loadPackageDefinition(definition) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService.service;
const server = new grpc.Server();
const notUsed = (_call: unknown, cb: grpc.sendUnaryData<object>) => cb({ code: grpc.status.UNIMPLEMENTED });
server.addService(service, {
  GetState: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { buildState: { artifacts: Object.fromEntries(ARTIFACTS.map((a) => [a, 'Not Started'])), autoTrigger: true } }),
  Events: (call: grpc.ServerWritableStream<object, LogEntry>) => {
    let i = 0;
    const pump = () => {
      // Live events, as Skaffold sends them after its history: stamped when sent.
      const now = Date.now();
      const seconds = String(Math.floor(now / 1000));
      let nanos = (now % 1000) * 1e6;
      while (i < stream.length) {
        const entry = stream[i++];
        entry.timestamp = { seconds, nanos: nanos++ };
        if (!call.write(entry)) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    call.on('cancelled', () => { i = stream.length; });
    pump();
  },
  EventLog: () => undefined, Execute: notUsed, AutoBuild: notUsed, AutoSync: notUsed, AutoDeploy: notUsed, Handle: notUsed,
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.send?.(`PORT ${port}`);
});
process.on('disconnect', () => server.forceShutdown());
