/**
 * A fake Skaffold: a real gRPC server on our proto that behaves as Skaffold's does
 * (shared/skaffold/API-NOTES.md and the recordings of real sessions): the same events in the
 * same order with the same status strings and sentences, the same state resets, the history
 * replayed to every subscriber, Execute and Auto* semantics, and grpc-go's keepalive
 * enforcement. It can be stopped, restarted on the same port (a new Skaffold process) and
 * frozen (a process that accepts connections but answers nothing).
 */
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'http2';
import {
  ActionableErr, Event, Intent, loadSkaffoldPackageDefinition, LogEntry, PortEvent, State,
} from '../../src/skaffold/protocol';

export interface FakeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  artifacts?: string[];
  autoBuild?: boolean;
  autoSync?: boolean;
  autoDeploy?: boolean;
  /** How long one simulated step takes (a build, a status-check poll); default 5 ms. */
  stepMs?: number;
  /** grpc-go's keepalive enforcement: minimum time between client pings (default 5 minutes). */
  keepaliveMinTimeMs?: number;
  /** Reported in the MetaEvent; empty like a dev build of Skaffold when ''. */
  version?: string;
  /** Local port of the first forwarded service (default 47480). */
  firstLocalPort?: number;
}

export interface RecordedCall {
  method: string;
  request: unknown;
  code: number;
}

type Deferred = () => void;

const NOT_STARTED = 'Not Started';
const IN_PROGRESS = 'In Progress';

function deploymentOf(artifact: string): string {
  const short = artifact.split('/').pop() ?? artifact;
  return short.replace(/[^a-z0-9-]/gi, '-').toLowerCase();
}

function hex(n: number): string {
  return Math.floor(Math.random() * 16 ** n).toString(16).padStart(n, '0');
}

export class FakeSkaffold {
  history: LogEntry[] = [];
  state: State = {};
  readonly calls: RecordedCall[] = [];
  pingStrikes = 0;
  goawaysSent = 0;
  port = 0;

  private readonly opts: Required<FakeOptions>;
  private server: grpc.Server | undefined;
  private subscribers = new Set<grpc.ServerWritableStream<unknown, LogEntry>>();
  private frozen = false;
  private held: Deferred[] = [];
  private heldEvents: LogEntry[] = [];
  private thawWaiters: Deferred[] = [];
  private iteration = 0;
  private loopRunning: Promise<void> | undefined;
  private pendingBuild = new Set<string>();
  private needsDeploy = false;
  private failures = new Map<string, string>();
  private statusCheckFailures = new Map<string, string>();
  private stopped = false;
  private timers = new Map<NodeJS.Timeout, () => void>();
  private sockets = new Set<import('net').Socket>();
  private sessions = new Map<http2.ServerHttp2Session, { lastPingAt: number; strikes: number; streams: number }>();

  private constructor(opts: FakeOptions) {
    this.opts = {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      artifacts: opts.artifacts ?? ['example/app', 'example/worker'],
      autoBuild: opts.autoBuild ?? true,
      autoSync: opts.autoSync ?? true,
      autoDeploy: opts.autoDeploy ?? true,
      stepMs: opts.stepMs ?? 5,
      keepaliveMinTimeMs: opts.keepaliveMinTimeMs ?? 5 * 60_000,
      version: opts.version ?? 'v2.7.0',
      firstLocalPort: opts.firstLocalPort ?? 47480,
    };
  }

  static async start(opts: FakeOptions = {}): Promise<FakeSkaffold> {
    const fake = new FakeSkaffold(opts);
    fake.reset();
    await fake.listen(fake.opts.port);
    return fake;
  }

  get address(): string {
    return this.opts.host.includes(':') ? `[${this.opts.host}]:${this.port}` : `${this.opts.host}:${this.port}`;
  }

  get artifacts(): string[] {
    return this.opts.artifacts;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  // ---- scenario controls ----

  /** The first dev loop (iteration 0): build every artifact, deploy, check, forward. */
  runDevLoop(): Promise<void> {
    for (const a of this.opts.artifacts) {
      this.pendingBuild.add(a);
    }
    return this.kick(true, true);
  }

  /** Like saving a file of the artifact: rebuilds it when auto build is on, else waits for Execute. */
  changeFile(artifact: string): Promise<void> {
    this.pendingBuild.add(artifact);
    return this.opts.autoBuild ? this.kick(true, this.opts.autoDeploy) : Promise.resolve();
  }

  /** The next build of the artifact fails (Skaffold keeps running; the next change recovers). */
  failNextBuild(artifact: string, message = 'building custom artifact: exit status 1'): void {
    this.failures.set(artifact, message);
  }

  /** The next status check of the artifact's deployment fails: its container keeps crashing. */
  failNextStatusCheck(artifact: string, message = 'container app terminated with exit code 1'): void {
    this.statusCheckFailures.set(deploymentOf(artifact), message);
  }

  /** Resolves when no dev-loop iteration is running. */
  async idle(): Promise<void> {
    while (this.loopRunning) {
      await this.loopRunning;
    }
  }

  /** Appends a raw LogEntry (any shape) to the history and sends it to every subscriber. */
  emit(entry: LogEntry): void {
    this.history.push(entry);
    if (this.frozen) {
      this.heldEvents.push(entry);
      return;
    }
    this.send(entry);
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const entry of this.heldEvents.splice(0)) {
      this.send(entry);
    }
    for (const run of this.held.splice(0)) {
      run();
    }
    for (const wake of this.thawWaiters.splice(0)) {
      wake();
    }
  }

  /** Like Skaffold exiting: open streams drop, the port closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.thaw();
    // Pending steps end at once: the loop sees `stopped` and returns.
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
    // The process is gone: connections close under the open streams, which the client sees
    // as UNAVAILABLE "Connection dropped", as with a real Skaffold exiting.
    this.subscribers.clear();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    this.server?.forceShutdown();
    this.server = undefined;
    this.sessions.clear();
    await this.loopRunning?.catch(() => undefined);
  }

  /** A new Skaffold process on the same port: empty history, fresh state. Call runDevLoop() for its first loop. */
  async restart(): Promise<void> {
    await this.stop();
    this.stopped = false;
    this.reset();
    await this.listen(this.port);
  }

  // ---- the dev loop ----

  private reset(): void {
    this.history = [];
    this.iteration = 0;
    this.pendingBuild.clear();
    this.needsDeploy = false;
    this.state = {
      buildState: { artifacts: Object.fromEntries(this.opts.artifacts.map((a) => [a, NOT_STARTED])), autoTrigger: this.opts.autoBuild, statusCode: 'OK' },
      deployState: { status: NOT_STARTED, autoTrigger: this.opts.autoDeploy, statusCode: 'OK' },
      forwardedPorts: {},
      statusCheckState: { status: NOT_STARTED, resources: {}, statusCode: 'OK' },
      fileSyncState: { status: NOT_STARTED, autoTrigger: this.opts.autoSync },
      debuggingContainers: [],
      metadata: this.metadata(),
      testState: { status: NOT_STARTED, statusCode: 'OK' },
    };
    this.emit(this.entry({ metaEvent: { entry: `Starting Skaffold: &{Version:${this.opts.version} ConfigVersion:skaffold/v4beta6 GitVersion: GitCommit:0000000 BuildDate:2023-08-01T00:00:00Z GoVersion:go1.21.0 Compiler:gc Platform:linux/amd64 User:}`, metadata: this.metadata() } }, ''));
  }

  private metadata(): State['metadata'] {
    return {
      build: { numberOfArtifacts: this.opts.artifacts.length, builders: [{ type: 'DOCKER', count: this.opts.artifacts.length }], type: 'LOCAL' },
      deploy: { deployers: [{ type: 'KUBECTL', count: 1 }], cluster: 'OTHER' },
    };
  }

  /** Starts an iteration (or queues one after the running one). */
  private kick(build: boolean, deploy: boolean): Promise<void> {
    if (deploy) {
      this.needsDeploy = this.needsDeploy || !build;
    }
    const run = async () => {
      while (this.loopRunning) {
        await this.loopRunning;
      }
      if (this.stopped) {
        return;
      }
      const p = this.runIteration(build, deploy).finally(() => {
        if (this.loopRunning === p) {
          this.loopRunning = undefined;
        }
      });
      this.loopRunning = p;
      await p;
    };
    return run();
  }

  private async runIteration(build: boolean, deploy: boolean): Promise<void> {
    const toBuild = build ? this.opts.artifacts.filter((a) => this.pendingBuild.has(a)) : [];
    if (toBuild.length === 0 && !(deploy && this.needsDeploy)) {
      return;
    }
    const iteration = this.iteration++;
    this.emit(this.entry({ devLoopEvent: { iteration, status: IN_PROGRESS } }, 'Update initiated'));
    if (toBuild.length > 0) {
      this.resetOnBuild();
      for (const a of toBuild) {
        this.pendingBuild.delete(a);
        this.setArtifact(a, IN_PROGRESS);
        this.emit(this.entry({ buildEvent: { artifact: a, status: IN_PROGRESS, hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`));
        await this.step();
        if (this.stopped) {
          return;
        }
        const failure = this.failures.get(a);
        if (failure !== undefined) {
          this.failures.delete(a);
          const err: ActionableErr = { errCode: 'BUILD_UNKNOWN', message: failure, suggestions: [{ suggestionCode: 'FIX_USER_BUILD_ERR', action: `Fix the build of ${a}: run \`skaffold build\` to see the whole output` }] };
          this.setArtifact(a, 'Failed');
          this.state.buildState!.statusCode = 'BUILD_UNKNOWN';
          this.emit(this.entry({ buildEvent: { artifact: a, status: 'Failed', err: failure, errCode: 'BUILD_UNKNOWN', actionableErr: err, hostPlatform: 'linux/amd64' } }, `Build failed for artifact ${a}`));
          const loopErr: ActionableErr = { errCode: 'BUILD_UNKNOWN', message: `build [${a}] failed: ${failure}` };
          this.emit(this.entry({ devLoopEvent: { iteration, status: 'Failed', err: loopErr } }, 'Update failed with error code BUILD_UNKNOWN'));
          this.pendingBuild.add(a);
          return;
        }
        this.setArtifact(a, 'Complete');
        this.emit(this.entry({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`));
      }
      this.needsDeploy = true;
    }
    if (deploy && this.needsDeploy) {
      this.needsDeploy = false;
      const ok = await this.deploy(iteration);
      if (!ok) {
        return;
      }
    }
    this.emit(this.entry({ devLoopEvent: { iteration, status: 'Succeeded' } }, 'Update succeeded'));
  }

  private async deploy(iteration: number): Promise<boolean> {
    this.resetOnDeploy();
    this.state.deployState!.status = IN_PROGRESS;
    this.emit(this.entry({ deployEvent: { status: IN_PROGRESS } }, 'Deploy started'));
    await this.step();
    if (this.stopped) {
      return false;
    }
    this.state.statusCheckState!.status = 'Started';
    this.emit(this.entry({ statusCheckEvent: { status: 'Started' } }, 'Status check started'));
    const deployments = this.opts.artifacts.map(deploymentOf);
    const pods = deployments.map((d) => `Pod/${d}-${hex(10)}-${hex(5)}`);
    for (let i = 0; i < deployments.length; i++) {
      const message = `creating container ${deployments[i]}`;
      this.setResource(pods[i], IN_PROGRESS);
      this.emit(this.entry({ resourceStatusCheckEvent: { resource: pods[i], status: IN_PROGRESS, message, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message } } }, `Resource ${pods[i]} status updated to In Progress`));
    }
    await this.step();
    let failed: { resource: string; message: string } | undefined;
    for (const d of deployments) {
      if (this.stopped) {
        return false;
      }
      const failure = this.statusCheckFailures.get(d);
      if (failure !== undefined) {
        this.statusCheckFailures.delete(d);
        const err: ActionableErr = { errCode: 'STATUSCHECK_CONTAINER_TERMINATED', message: failure, suggestions: [{ suggestionCode: 'CHECK_CONTAINER_LOGS', action: `Try checking container logs: kubectl logs deployment/${d}` }] };
        this.setResource(`deployment/${d}`, 'Failed');
        this.emit(this.entry({ resourceStatusCheckEvent: { resource: `deployment/${d}`, status: 'Failed', message: failure, err: failure, statusCode: 'STATUSCHECK_CONTAINER_TERMINATED', actionableErr: err } }, `Resource deployment/${d} status failed with ${failure}`));
        failed = { resource: `deployment/${d}`, message: failure };
        break;
      }
      this.setResource(`deployment/${d}`, 'Succeeded');
      this.emit(this.entry({ resourceStatusCheckEvent: { resource: `deployment/${d}`, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }, `Resource deployment/${d} status completed successfully`));
      await this.step();
    }
    if (failed) {
      const err: ActionableErr = { errCode: 'STATUSCHECK_CONTAINER_TERMINATED', message: `${failed.resource} failed. Error: ${failed.message}.` };
      this.state.statusCheckState!.status = 'Failed';
      this.state.statusCheckState!.statusCode = 'STATUSCHECK_CONTAINER_TERMINATED';
      this.emit(this.entry({ statusCheckEvent: { status: 'Failed', err: err.message, errCode: err.errCode, actionableErr: err } }, 'Status check failed'));
      this.state.deployState!.status = 'Failed';
      this.emit(this.entry({ deployEvent: { status: 'Failed', err: err.message, errCode: err.errCode, actionableErr: err } }, 'Deploy failed'));
      this.emit(this.entry({ devLoopEvent: { iteration, status: 'Failed', err } }, `Update failed with error code ${err.errCode}`));
      return false;
    }
    this.state.statusCheckState!.status = 'Succeeded';
    this.state.statusCheckState!.statusCode = 'STATUSCHECK_SUCCESS';
    this.emit(this.entry({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded'));
    this.state.deployState!.status = 'Complete';
    this.state.deployState!.statusCode = 'DEPLOY_SUCCESS';
    this.emit(this.entry({ deployEvent: { status: 'Complete' } }, 'Deploy completed'));
    await this.step();
    const service = deployments[0];
    const port: PortEvent = {
      localPort: this.opts.firstLocalPort, remotePort: 8080, namespace: 'default', resourceType: 'service',
      resourceName: service, address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 },
    };
    this.state.forwardedPorts![String(port.localPort)] = port;
    this.emit(this.entry({ portEvent: port }, `Forwarding container ${service} to local port ${port.localPort}`));
    return true;
  }

  /** Skaffold's ResetStateOnBuild: artifacts back to Not Started; deploy, checks, sync, test, ports reset. */
  private resetOnBuild(): void {
    const s = this.state;
    s.buildState = { ...s.buildState, artifacts: Object.fromEntries(this.opts.artifacts.map((a) => [a, NOT_STARTED])), statusCode: 'OK' };
    s.deployState = { ...s.deployState, status: NOT_STARTED, statusCode: 'OK' };
    s.statusCheckState = { status: NOT_STARTED, resources: {}, statusCode: 'OK' };
    s.fileSyncState = { ...s.fileSyncState, status: NOT_STARTED };
    s.testState = { status: NOT_STARTED, statusCode: 'OK' };
    s.forwardedPorts = {};
  }

  /** Skaffold's ResetStateOnDeploy: status-check resources, ports and debugging containers reset. */
  private resetOnDeploy(): void {
    const s = this.state;
    s.deployState = { ...s.deployState, status: NOT_STARTED };
    s.statusCheckState = { status: NOT_STARTED, resources: {}, statusCode: 'OK' };
    s.forwardedPorts = {};
    s.debuggingContainers = [];
  }

  private setArtifact(a: string, status: string): void {
    this.state.buildState!.artifacts![a] = status;
  }

  private setResource(r: string, status: string): void {
    this.state.statusCheckState!.resources![r] = status;
  }

  private entry(event: Event, text: string): LogEntry {
    const now = Date.now();
    const hr = Number(process.hrtime.bigint() % 1_000_000n);
    return { timestamp: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 + hr }, event, entry: text };
  }

  private async step(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.timers.delete(t); resolve(); }, this.opts.stepMs);
      this.timers.set(t, resolve);
    });
    while (this.frozen && !this.stopped) {
      await new Promise<void>((resolve) => this.thawWaiters.push(resolve));
    }
  }

  private send(entry: LogEntry): void {
    for (const call of this.subscribers) {
      call.write(entry);
    }
    // grpc-go resets a connection's ping strikes whenever it sends data.
    for (const info of this.sessions.values()) {
      if (info.streams > 0) {
        info.strikes = 0;
      }
    }
  }

  // ---- control RPCs ----

  private execute(intent: Intent | undefined): grpc.StatusObject | undefined {
    if (!intent) {
      return { code: grpc.status.INVALID_ARGUMENT, details: 'intent is required', metadata: new grpc.Metadata() };
    }
    if (intent.build || intent.devloop) {
      if (this.opts.autoBuild && !intent.devloop) {
        this.resetOnBuild();
      } else {
        void this.kick(true, intent.devloop === true || this.opts.autoDeploy);
      }
    }
    if (intent.deploy || intent.devloop) {
      if (this.opts.autoDeploy && !intent.devloop) {
        this.resetOnDeploy();
      } else {
        void this.kick(false, true);
      }
    }
    return undefined;
  }

  private setAuto(phase: 'build' | 'sync' | 'deploy', request: { state?: { enabled?: boolean } } | undefined): grpc.StatusObject | undefined {
    const enabled = request?.state?.enabled;
    if (request?.state === undefined || (request.state as { val?: string }).val === undefined && enabled === undefined) {
      return { code: grpc.status.INVALID_ARGUMENT, details: 'state is required', metadata: new grpc.Metadata() };
    }
    const value = enabled === true;
    const key = phase === 'build' ? 'autoBuild' : phase === 'sync' ? 'autoSync' : 'autoDeploy';
    if (this.opts[key] === value) {
      return { code: grpc.status.ALREADY_EXISTS, details: `auto ${phase} is already ${value}`, metadata: new grpc.Metadata() };
    }
    this.opts[key] = value;
    if (phase === 'build') {
      this.state.buildState!.autoTrigger = value;
    } else if (phase === 'sync') {
      this.state.fileSyncState!.autoTrigger = value;
    } else {
      this.state.deployState!.autoTrigger = value;
    }
    if (value && (this.pendingBuild.size > 0 || this.needsDeploy)) {
      // Enabling wakes the loop to process what is pending.
      void this.kick(this.opts.autoBuild, this.opts.autoDeploy);
    }
    return undefined;
  }

  // ---- transport ----

  private async listen(port: number): Promise<void> {
    const definition = loadSkaffoldPackageDefinition();
    const service = (grpc.loadPackageDefinition(definition) as unknown as { proto: { SkaffoldService: grpc.ServiceClientConstructor } }).proto.SkaffoldService.service;
    const server = new grpc.Server();
    const unary = (method: string, handler: (request: unknown) => grpc.StatusObject | undefined, reply: () => object = () => ({})) =>
      (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const run = () => {
          const error = handler(call.request);
          this.calls.push({ method, request: call.request, code: error?.code ?? grpc.status.OK });
          if (error) {
            callback(error);
          } else {
            callback(null, reply());
          }
        };
        if (this.frozen) {
          this.held.push(run);
        } else {
          run();
        }
      };
    server.addService(service, {
      GetState: unary('GetState', () => undefined, () => JSON.parse(JSON.stringify(this.state)) as object),
      Execute: unary('Execute', (r) => this.execute((r as { intent?: Intent }).intent)),
      AutoBuild: unary('AutoBuild', (r) => this.setAuto('build', r as { state?: { enabled?: boolean } })),
      AutoSync: unary('AutoSync', (r) => this.setAuto('sync', r as { state?: { enabled?: boolean } })),
      AutoDeploy: unary('AutoDeploy', (r) => this.setAuto('deploy', r as { state?: { enabled?: boolean } })),
      Handle: unary('Handle', (r) => {
        const event = r as Event;
        if (event.event_type === 'terminationEvent') {
          return { code: grpc.status.INVALID_ARGUMENT, details: 'termination events cannot be injected', metadata: new grpc.Metadata() };
        }
        this.emit(this.entry(event, ''));
        return undefined;
      }),
      Events: (call: grpc.ServerWritableStream<unknown, LogEntry>) => {
        const start = () => {
          this.calls.push({ method: 'Events', request: {}, code: grpc.status.OK });
          for (const entry of this.history) {
            call.write(entry);
          }
          this.subscribers.add(call);
        };
        call.on('cancelled', () => this.subscribers.delete(call));
        call.on('close', () => this.subscribers.delete(call));
        if (this.frozen) {
          this.held.push(start);
        } else {
          start();
        }
      },
      // Deprecated by Skaffold; it answers as Events does for the server-streaming half.
      EventLog: (call: grpc.ServerDuplexStream<LogEntry, LogEntry>) => {
        for (const entry of this.history) {
          call.write(entry);
        }
        call.end();
      },
    });
    this.port = await new Promise<number>((resolve, reject) => {
      const attempt = (tries: number) => server.bindAsync(`${this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (err && tries > 0) {
          setTimeout(() => attempt(tries - 1), 50);
        } else if (err) {
          reject(err);
        } else {
          resolve(bound);
        }
      });
      attempt(20);
    });
    this.server = server;
    this.enforceKeepalivePolicy(server);
  }

  /**
   * grpc-go's default enforcement policy, which Skaffold's server has: a client ping less
   * than MinTime (5 min) after the previous one is a strike (2 h when the connection has no
   * stream); sending data resets the strikes; more than 2 strikes -> GOAWAY ENHANCE_YOUR_CALM
   * "too_many_pings" and the connection is closed.
   */
  private enforceKeepalivePolicy(server: grpc.Server): void {
    const http2Servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
    if (!(http2Servers instanceof Map) || http2Servers.size === 0) {
      throw new Error('grpc-js internals changed: cannot enforce keepalive policy in the fake');
    }
    for (const h2 of http2Servers.keys()) {
      h2.on('connection', (socket: import('net').Socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      h2.on('session', (session: http2.ServerHttp2Session) => {
        const info = { lastPingAt: 0, strikes: 0, streams: 0 };
        this.sessions.set(session, info);
        session.on('stream', (stream) => {
          info.streams++;
          stream.on('close', () => { info.streams--; });
        });
        session.on('close', () => this.sessions.delete(session));
        (session as unknown as NodeJS.EventEmitter).on('ping', () => {
          const now = Date.now();
          const window = info.streams > 0 ? this.opts.keepaliveMinTimeMs : 2 * 60 * 60_000;
          if (info.lastPingAt !== 0 && now - info.lastPingAt < window) {
            info.strikes++;
            this.pingStrikes++;
          }
          info.lastPingAt = now;
          if (info.strikes > 2 && !session.closed) {
            this.goawaysSent++;
            session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from('too_many_pings'));
            session.destroy();
          }
        });
      });
    }
  }
}
