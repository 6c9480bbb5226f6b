/**
 * A fake Skaffold: a real gRPC server on our proto that behaves as Skaffold's does
 * (shared/skaffold/API-NOTES.md and the recordings of real sessions): the same events in the
 * same order with the same status strings and sentences, the same state resets, the history
 * replayed to every subscriber, Execute and Auto* semantics, and grpc-go's keepalive
 * enforcement. It can be stopped, restarted on the same port (a new Skaffold process) and
 * frozen (a process that accepts connections but answers nothing).
 *
 * On the same port it serves the v2 API (proto.v2.SkaffoldV2Service) as Skaffold v2 does: each
 * v1 event of the dev loop comes with its v2 counterparts (TaskEvents "Build-2" with v2
 * iterations = v1 + 1, subtask events, Skaffold's own output as SkaffoldLogEvents, partial lines
 * included), Events replays the whole v2 history, ApplicationLogs replays the current
 * iteration's container logs (cleared when a dev loop starts), Execute/Auto* answer OK and do
 * nothing. With `serveV2: false` it is a Skaffold v1.x: every v2 call answers UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'http2';
import { randomUUID } from 'crypto';
import {
  ActionableErr, Event, Intent, loadSkaffoldPackageDefinition, LogEntry, PortEvent, State, Suggestion, Timestamp,
} from '../../src/skaffold/wire/protocol';
import {
  LogLevel, loadSkaffoldV2PackageDefinition, parseTaskId, PortForwardEvent, V2Event, V2Metadata, V2State,
} from '../../src/skaffold/wire/protocolV2';

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
  /** Serve the v2 API as well (default true); false behaves like Skaffold v1.x (UNIMPLEMENTED). */
  serveV2?: boolean;
}

/** How the next build of an artifact fails. */
export interface BuildFailure {
  /** The error (default "building custom artifact: exit status 1"); may have several lines. */
  message?: string;
  /** default BUILD_UNKNOWN */
  errCode?: string;
  /**
   * Sent with the error at every level (artifact, build task, dev loop), as Skaffold does.
   * Default: one FIX_USER_BUILD_ERR suggestion on the artifact's error only.
   */
  suggestions?: Suggestion[];
}

export interface RecordedCall {
  method: string;
  request: unknown;
  code: number;
}

type Deferred = () => void;

// Parsed when this module loads, not in the first start(): parsing the v2 proto in the middle
// of a test shifts that test's timing (and its garbage) into the connections it measures.
loadSkaffoldV2PackageDefinition();

const NOT_STARTED = 'Not Started';
const IN_PROGRESS = 'In Progress';
const DEFAULT_BUILD_FAILURE = 'building custom artifact: exit status 1';

/** v1 status strings in v2 spelling. */
function v2Status(status: string | undefined): string | undefined {
  switch (status) {
    case NOT_STARTED: return 'NotStarted';
    case IN_PROGRESS: case 'Started': return 'InProgress';
    case 'Complete': return 'Succeeded';
    default: return status;
  }
}

function mapValues(record: Record<string, string> | undefined, f: (v: string) => string | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, f(v) ?? v]));
}

function timestampNow(): Timestamp {
  const now = Date.now();
  const hr = Number(process.hrtime.bigint() % 1_000_000n);
  return { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 + hr };
}

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
  /** The v2 history (Events replays it), ApplicationLogEvents excluded. */
  historyV2: V2Event[] = [];
  /** The container logs of the current iteration (ApplicationLogs replays them). */
  appLogBuffer: V2Event[] = [];
  /** v2 calls, apart from the v1 ones in `calls`. */
  readonly v2Calls: RecordedCall[] = [];
  /** Metadata.runID of this "process" (a new one after restart()). */
  runId = '';
  pingStrikes = 0;
  goawaysSent = 0;
  port = 0;

  private readonly opts: Required<FakeOptions>;
  private server: grpc.Server | undefined;
  private subscribers = new Set<grpc.ServerWritableStream<unknown, LogEntry>>();
  private v2Subscribers = new Set<grpc.ServerWritableStream<unknown, V2Event>>();
  private appLogSubscribers = new Set<grpc.ServerWritableStream<unknown, V2Event>>();
  private heldV2: { event: V2Event; appLog: boolean }[] = [];
  /** The v2 number of the newest dev loop (v1 iteration + 1); 0 before the first. */
  private v2Iteration = 0;
  private frozen = false;
  private held: Deferred[] = [];
  private heldEvents: LogEntry[] = [];
  private thawWaiters: Deferred[] = [];
  private iteration = 0;
  private loopRunning: Promise<void> | undefined;
  private pendingBuild = new Set<string>();
  private needsDeploy = false;
  private failures = new Map<string, Required<Pick<BuildFailure, 'message' | 'errCode'>> & { suggestions?: Suggestion[] }>();
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
      serveV2: opts.serveV2 ?? true,
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

  /** Open v2 Events streams. */
  get v2SubscriberCount(): number {
    return this.v2Subscribers.size;
  }

  /** Open v2 ApplicationLogs streams. */
  get appLogSubscriberCount(): number {
    return this.appLogSubscribers.size;
  }

  // ---- scenario controls ----

  /** The first dev loop (iteration 0): build every artifact, deploy, check, forward. */
  runDevLoop(): Promise<void> {
    for (const a of this.opts.artifacts) {
      this.pendingBuild.add(a);
    }
    return this.kick(true, true);
  }

  /**
   * Like saving a file of the artifact: Skaffold logs "files modified: [...]" (v2), then
   * rebuilds it when auto build is on, else waits for Execute. `files` defaults to one file
   * named after the artifact (example/app: src/app.txt).
   */
  changeFile(artifact: string, files: string[] = [`src/${deploymentOf(artifact)}.txt`]): Promise<void> {
    this.skaffoldLog(this.devLoopTask(), '-1', `files modified: [${files.join(' ')}]\n`, 'INFO');
    this.pendingBuild.add(artifact);
    return this.opts.autoBuild ? this.kick(true, this.opts.autoDeploy) : Promise.resolve();
  }

  /**
   * The next build of the artifact fails (Skaffold keeps running; the next change recovers).
   * Either the message, or the failure with its code and suggestions.
   */
  failNextBuild(artifact: string, failure: string | BuildFailure = DEFAULT_BUILD_FAILURE, more: BuildFailure = {}): void {
    const f: BuildFailure = typeof failure === 'string' ? { ...more, message: failure } : failure;
    this.failures.set(artifact, { message: f.message ?? DEFAULT_BUILD_FAILURE, errCode: f.errCode ?? 'BUILD_UNKNOWN', suggestions: f.suggestions });
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

  /**
   * Appends a v2 event and sends it: an ApplicationLogEvent to the ApplicationLogs stream (and
   * the current iteration's buffer), anything else to the v2 history and Events. A DevLoop
   * TaskEvent going InProgress clears the container-log buffer, as in Skaffold. A timestamp is
   * added unless the event has the key `timestamp` (even undefined).
   */
  emitV2(event: V2Event): void {
    const e: V2Event = 'timestamp' in event ? event : { timestamp: timestampNow(), ...event };
    const appLog = e.applicationLogEvent !== undefined || e.event_type === 'applicationLogEvent';
    if (appLog) {
      this.appLogBuffer.push(e);
    } else {
      this.historyV2.push(e);
      const task = e.taskEvent;
      if (task?.status === 'InProgress' && parseTaskId(task.id)?.task === 'DevLoop') {
        this.appLogBuffer = [];
      }
    }
    if (this.frozen) {
      this.heldV2.push({ event: e, appLog });
      return;
    }
    this.sendV2(e, appLog);
  }

  /**
   * A line a container wrote: an ApplicationLogEvent with the prefix `[container]` and a
   * timestamp, and, as Skaffold prints it, a STANDARD line of the current dev loop in Events.
   */
  appLog(pod: string, container: string, message: string): void {
    const prefix = `[${container}]`;
    this.emitV2({ applicationLogEvent: { containerName: container, podName: pod, prefix, message, richFormattedMessage: `\u001b[36m${prefix}\u001b[0m ${message}` } });
    this.skaffoldLog(this.devLoopTask(), '-1', `${prefix} ${message}${message.endsWith('\n') ? '' : '\n'}`);
  }

  /** A piece of Skaffold's own output (v2 SkaffoldLogEvent); not necessarily a whole line. */
  skaffoldLog(taskId: string, subtaskId: string, message: string, level: LogLevel = 'STANDARD'): void {
    this.emitV2({ skaffoldLogEvent: { task_id: taskId, subtask_id: subtaskId, level, message } });
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const entry of this.heldEvents.splice(0)) {
      this.send(entry);
    }
    for (const { event, appLog } of this.heldV2.splice(0)) {
      this.sendV2(event, appLog);
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
    this.v2Subscribers.clear();
    this.appLogSubscribers.clear();
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
    this.historyV2 = [];
    this.appLogBuffer = [];
    this.runId = randomUUID();
    this.v2Iteration = 0;
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
    this.emit(this.entry({ metaEvent: { entry: this.startingText(), metadata: this.metadata() } }, ''));
    this.skaffoldLog('DevLoop-0', '-1', `Skaffold &{Version:${this.opts.version} ConfigVersion:skaffold/v4beta6 GoVersion:go1.21.0 Platform:linux/amd64}\n`, 'INFO');
    this.emitV2({ metaEvent: { entry: this.startingText(), metadata: this.v2Metadata() } });
  }

  private startingText(): string {
    return `Starting Skaffold: &{Version:${this.opts.version} ConfigVersion:skaffold/v4beta6 GitVersion: GitCommit:0000000 BuildDate:2023-08-01T00:00:00Z GoVersion:go1.21.0 Compiler:gc Platform:linux/amd64 User:}`;
  }

  private v2Metadata(): V2Metadata {
    return {
      build: { artifacts: this.opts.artifacts.map((name) => ({ type: 'DOCKER', name, context: '.' })), type: 'LOCAL' },
      deploy: { deployers: [{ type: 'KUBECTL', count: 1 }], cluster: 'OTHER' },
      runID: this.runId,
      render: {},
    };
  }

  /** The id of the current dev loop's task ("DevLoop-0" before the first). */
  private devLoopTask(): string {
    return `DevLoop-${this.v2Iteration}`;
  }

  private task(task: string, status: string, extra: { description?: string; actionableErr?: ActionableErr } = {}): void {
    this.emitV2({ taskEvent: { id: `${task}-${this.v2Iteration}`, task, iteration: this.v2Iteration, status, ...extra } });
  }

  /** Skaffold's GetState in v2 spelling, from the same state as v1's. */
  v2State(): V2State {
    const s = this.state;
    const ports: Record<string, PortForwardEvent> = {};
    for (const [k, p] of Object.entries(s.forwardedPorts ?? {})) {
      ports[k] = this.v2Port(p);
    }
    return {
      buildState: { artifacts: mapValues(s.buildState?.artifacts, v2Status), autoTrigger: s.buildState?.autoTrigger, statusCode: s.buildState?.statusCode },
      deployState: { status: v2Status(s.deployState?.status), autoTrigger: s.deployState?.autoTrigger, statusCode: s.deployState?.statusCode },
      forwardedPorts: ports,
      statusCheckState: { status: v2Status(s.statusCheckState?.status), resources: mapValues(s.statusCheckState?.resources, v2Status), statusCode: s.statusCheckState?.statusCode },
      fileSyncState: { status: v2Status(s.fileSyncState?.status), autoTrigger: s.fileSyncState?.autoTrigger },
      debuggingContainers: (s.debuggingContainers ?? []).map((d) => ({ ...d, status: d.status })),
      metadata: this.v2Metadata(),
      testState: { status: v2Status(s.testState?.status), statusCode: s.testState?.statusCode },
      renderState: { status: this.v2Iteration > 0 ? 'Succeeded' : 'NotStarted', statusCode: 'OK' },
      verifyState: { status: 'NotStarted', statusCode: 'OK' },
      execState: { status: 'NotStarted', statusCode: 'OK' },
    };
  }

  private v2Port(p: PortEvent): PortForwardEvent {
    return {
      task_id: `PortForward-${this.v2Iteration}`, localPort: p.localPort, podName: p.podName, containerName: p.containerName,
      namespace: p.namespace, portName: p.portName, resourceType: p.resourceType, resourceName: p.resourceName,
      address: p.address, targetPort: p.targetPort,
    };
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
    this.v2Iteration = iteration + 1;
    this.emit(this.entry({ devLoopEvent: { iteration, status: IN_PROGRESS } }, 'Update initiated'));
    this.task('DevLoop', 'InProgress');
    this.emitV2({ metaEvent: { entry: this.startingText(), metadata: this.v2Metadata() } });
    if (toBuild.length > 0) {
      this.resetOnBuild();
      const buildTask = `Build-${this.v2Iteration}`;
      const started = Date.now();
      this.task('Build', 'InProgress', { description: 'Build containers' });
      this.skaffoldLog(buildTask, '-1', 'Generating tags...\n');
      for (const a of toBuild) {
        // One line in two events, as Skaffold writes it.
        this.skaffoldLog(buildTask, a, ` - ${a} -> `);
        this.skaffoldLog(buildTask, a, `${a}:latest\n`);
      }
      this.skaffoldLog(buildTask, '-1', 'Checking cache...\n');
      for (const a of toBuild) {
        this.emitV2({ buildSubtaskEvent: { id: a, task_id: buildTask, artifact: a, step: 'Cache', status: 'InProgress', hostPlatform: 'linux/amd64' } });
        this.skaffoldLog(buildTask, a, ` - ${a}: `);
        this.emitV2({ buildSubtaskEvent: { id: a, task_id: buildTask, artifact: a, step: 'Cache', status: 'Failed', hostPlatform: 'linux/amd64' } });
        this.skaffoldLog(buildTask, a, 'Not found. Building\n');
      }
      this.skaffoldLog(buildTask, '-1', 'Starting build...\n');
      for (const a of toBuild) {
        this.pendingBuild.delete(a);
        this.setArtifact(a, IN_PROGRESS);
        this.emit(this.entry({ buildEvent: { artifact: a, status: IN_PROGRESS, hostPlatform: 'linux/amd64' } }, `Build started for artifact ${a}`));
        this.emitV2({ buildSubtaskEvent: { id: a, task_id: buildTask, artifact: a, step: 'Build', status: 'InProgress', hostPlatform: 'linux/amd64' } });
        this.skaffoldLog(buildTask, a, `Building [${a}]...\n`);
        this.skaffoldLog(buildTask, a, `building ${a}:latest\n`);
        await this.step();
        if (this.stopped) {
          return;
        }
        const failure = this.failures.get(a);
        if (failure !== undefined) {
          this.failures.delete(a);
          const { message, errCode } = failure;
          const suggestions = failure.suggestions ?? [{ suggestionCode: 'FIX_USER_BUILD_ERR', action: `Fix the build of ${a}: run \`skaffold build\` to see the whole output` }];
          const err: ActionableErr = { errCode, message, suggestions };
          this.setArtifact(a, 'Failed');
          this.state.buildState!.statusCode = errCode;
          this.emit(this.entry({ buildEvent: { artifact: a, status: 'Failed', err: message, errCode, actionableErr: err, hostPlatform: 'linux/amd64' } }, `Build failed for artifact ${a}`));
          const loopErr: ActionableErr = { errCode, message: `build [${a}] failed: ${message}`, ...(failure.suggestions ? { suggestions: failure.suggestions } : {}) };
          this.skaffoldLog(buildTask, a, `${message}${message.endsWith('\n') ? '' : '\n'}`);
          this.emitV2({ buildSubtaskEvent: { id: a, task_id: buildTask, artifact: a, step: 'Build', status: 'Failed', actionableErr: err, hostPlatform: 'linux/amd64' } });
          this.task('Build', 'Failed', { actionableErr: loopErr });
          this.skaffoldLog(this.devLoopTask(), '-1', `Skipping test and deploy due to build error:${loopErr.message}\n`, 'WARN');
          this.emit(this.entry({ devLoopEvent: { iteration, status: 'Failed', err: loopErr } }, `Update failed with error code ${errCode}`));
          this.task('DevLoop', 'Failed', { actionableErr: loopErr });
          this.skaffoldLog(this.devLoopTask(), '-1', 'Watching for changes...\n');
          this.pendingBuild.add(a);
          return;
        }
        this.setArtifact(a, 'Complete');
        this.emit(this.entry({ buildEvent: { artifact: a, status: 'Complete', hostPlatform: 'linux/amd64' } }, `Build completed for artifact ${a}`));
        this.skaffoldLog(buildTask, a, `Build [${a}] succeeded\n`);
        this.emitV2({ buildSubtaskEvent: { id: a, task_id: buildTask, artifact: a, step: 'Build', status: 'Succeeded', hostPlatform: 'linux/amd64' } });
      }
      this.skaffoldLog(buildTask, '-1', `Build completed in ${((Date.now() - started) / 1000).toFixed(3)} seconds\n`, 'INFO');
      this.task('Build', 'Succeeded');
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
    this.task('DevLoop', 'Succeeded');
    this.skaffoldLog(this.devLoopTask(), '-1', 'Watching for changes...\n');
  }

  private async deploy(iteration: number): Promise<boolean> {
    const deployTask = `Deploy-${this.v2Iteration}`;
    const started = Date.now();
    this.resetOnDeploy();
    this.task('Render', 'InProgress', { description: 'Render Manifests' });
    this.emitV2({ renderEvent: { id: '0', task_id: `Render-${this.v2Iteration}`, status: 'InProgress' } });
    this.emitV2({ renderEvent: { id: '0', task_id: `Render-${this.v2Iteration}`, status: 'Succeeded' } });
    this.task('Render', 'Succeeded');
    this.skaffoldLog(deployTask, '-1', 'Tags used in deployment:\n');
    for (const a of this.opts.artifacts) {
      this.skaffoldLog(deployTask, '-1', ` - ${a} -> `);
      this.skaffoldLog(deployTask, '-1', `${a}:${hex(12)}\n`);
    }
    this.state.deployState!.status = IN_PROGRESS;
    this.emit(this.entry({ deployEvent: { status: IN_PROGRESS } }, 'Deploy started'));
    this.task('Deploy', 'InProgress', { description: 'Deploy to cluster' });
    this.skaffoldLog(deployTask, '-1', 'Starting deploy...\n');
    this.emitV2({ deploySubtaskEvent: { id: '0', task_id: deployTask, status: 'InProgress' } });
    await this.step();
    if (this.stopped) {
      return false;
    }
    const deployments = this.opts.artifacts.map(deploymentOf);
    for (const d of deployments) {
      this.skaffoldLog(deployTask, '0', ' - ');
      this.skaffoldLog(deployTask, '0', `deployment.apps/${d} ${iteration === 0 ? 'created' : 'configured'}\n`);
    }
    this.state.statusCheckState!.status = 'Started';
    this.emit(this.entry({ statusCheckEvent: { status: 'Started' } }, 'Status check started'));
    this.task('StatusCheck', 'InProgress', { description: 'Status Checking Deployed Artifacts' });
    this.skaffoldLog(deployTask, '0', 'Waiting for deployments to stabilize...\n');
    const pods = deployments.map((d) => `Pod/${d}-${hex(10)}-${hex(5)}`);
    for (let i = 0; i < deployments.length; i++) {
      const message = `creating container ${deployments[i]}`;
      this.setResource(pods[i], IN_PROGRESS);
      this.emit(this.entry({ resourceStatusCheckEvent: { resource: pods[i], status: IN_PROGRESS, message, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message } } }, `Resource ${pods[i]} status updated to In Progress`));
      this.emitV2({ statusCheckSubtaskEvent: { id: pods[i], task_id: deployTask, resource: pods[i], status: 'InProgress', message, statusCode: 'STATUSCHECK_CONTAINER_CREATING', actionableErr: { errCode: 'STATUSCHECK_CONTAINER_CREATING', message } } });
      this.skaffoldLog(deployTask, pods[i], ` - ${pods[i]}: ${message}\n`);
    }
    await this.step();
    let failed: { resource: string; message: string } | undefined;
    for (const d of deployments) {
      if (this.stopped) {
        return false;
      }
      const resource = `deployment/${d}`;
      const failure = this.statusCheckFailures.get(d);
      if (failure !== undefined) {
        this.statusCheckFailures.delete(d);
        const err: ActionableErr = { errCode: 'STATUSCHECK_CONTAINER_TERMINATED', message: failure, suggestions: [{ suggestionCode: 'CHECK_CONTAINER_LOGS', action: `Try checking container logs: kubectl logs deployment/${d}` }] };
        this.setResource(resource, 'Failed');
        this.emit(this.entry({ resourceStatusCheckEvent: { resource, status: 'Failed', message: failure, err: failure, statusCode: 'STATUSCHECK_CONTAINER_TERMINATED', actionableErr: err } }, `Resource deployment/${d} status failed with ${failure}`));
        this.emitV2({ statusCheckSubtaskEvent: { id: resource, task_id: deployTask, resource, status: 'Failed', message: failure, statusCode: 'STATUSCHECK_CONTAINER_TERMINATED', actionableErr: err } });
        this.skaffoldLog(deployTask, resource, ` - ${resource}: ${failure}\n`);
        failed = { resource, message: failure };
        break;
      }
      this.setResource(resource, 'Succeeded');
      this.emit(this.entry({ resourceStatusCheckEvent: { resource, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }, `Resource deployment/${d} status completed successfully`));
      this.emitV2({ statusCheckSubtaskEvent: { id: resource, task_id: deployTask, resource, status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } });
      this.skaffoldLog(deployTask, resource, ` - ${resource} is ready.\n`);
      await this.step();
    }
    if (failed) {
      const err: ActionableErr = { errCode: 'STATUSCHECK_CONTAINER_TERMINATED', message: `${failed.resource} failed. Error: ${failed.message}.` };
      this.state.statusCheckState!.status = 'Failed';
      this.state.statusCheckState!.statusCode = 'STATUSCHECK_CONTAINER_TERMINATED';
      this.emit(this.entry({ statusCheckEvent: { status: 'Failed', err: err.message, errCode: err.errCode, actionableErr: err } }, 'Status check failed'));
      this.task('StatusCheck', 'Failed', { actionableErr: err });
      this.state.deployState!.status = 'Failed';
      this.emit(this.entry({ deployEvent: { status: 'Failed', err: err.message, errCode: err.errCode, actionableErr: err } }, 'Deploy failed'));
      this.emitV2({ deploySubtaskEvent: { id: '0', task_id: deployTask, status: 'Failed', actionableErr: err } });
      this.task('Deploy', 'Failed', { actionableErr: err });
      this.emit(this.entry({ devLoopEvent: { iteration, status: 'Failed', err } }, `Update failed with error code ${err.errCode}`));
      this.task('DevLoop', 'Failed', { actionableErr: err });
      this.skaffoldLog(this.devLoopTask(), '-1', 'Watching for changes...\n');
      return false;
    }
    this.state.statusCheckState!.status = 'Succeeded';
    this.state.statusCheckState!.statusCode = 'STATUSCHECK_SUCCESS';
    this.emit(this.entry({ statusCheckEvent: { status: 'Succeeded' } }, 'Status check succeeded'));
    this.task('StatusCheck', 'Succeeded');
    this.skaffoldLog(deployTask, '0', `Deployments stabilized in ${((Date.now() - started) / 1000).toFixed(3)} seconds\n`);
    this.state.deployState!.status = 'Complete';
    this.state.deployState!.statusCode = 'DEPLOY_SUCCESS';
    this.emit(this.entry({ deployEvent: { status: 'Complete' } }, 'Deploy completed'));
    this.emitV2({ deploySubtaskEvent: { id: '0', task_id: deployTask, status: 'Succeeded' } });
    this.skaffoldLog(deployTask, '-1', `Deploy completed in ${((Date.now() - started) / 1000).toFixed(3)} seconds\n`, 'INFO');
    this.task('Deploy', 'Succeeded');
    await this.step();
    const service = deployments[0];
    const port: PortEvent = {
      localPort: this.opts.firstLocalPort, remotePort: 8080, namespace: 'default', resourceType: 'service',
      resourceName: service, address: '127.0.0.1', targetPort: { type: 0, intVal: 8080 },
    };
    this.state.forwardedPorts![String(port.localPort)] = port;
    this.emit(this.entry({ portEvent: port }, `Forwarding container ${service} to local port ${port.localPort}`));
    this.task('PortForward', 'InProgress', { description: 'Port forward URLs' });
    this.skaffoldLog(`PortForward-${this.v2Iteration}`, `service/${service}`, `Port forwarding service/${service} in namespace default, remote port 8080 -> http://127.0.0.1:${port.localPort}\n`);
    this.emitV2({ portEvent: this.v2Port(port) });
    this.task('PortForward', 'Succeeded');
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
    return { timestamp: timestampNow(), event, entry: text };
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
    this.sentData();
  }

  private sendV2(event: V2Event, appLog: boolean): void {
    for (const call of appLog ? this.appLogSubscribers : this.v2Subscribers) {
      call.write(event);
    }
    this.sentData();
  }

  /** grpc-go resets a connection's ping strikes whenever it sends data. */
  private sentData(): void {
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
    const unary = this.unaryHandler(this.calls);
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
    if (this.opts.serveV2) {
      this.addV2Service(server);
    }
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

  /** proto.v2.SkaffoldV2Service, as Skaffold v2 answers it. */
  /** A unary handler that records the call in `calls` and, while frozen, holds its answer. */
  private unaryHandler(calls: RecordedCall[]) {
    return (method: string, handler: (request: unknown) => grpc.StatusObject | undefined, reply: () => object = () => ({})) =>
      (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const run = () => {
          const error = handler(call.request);
          calls.push({ method, request: call.request, code: error?.code ?? grpc.status.OK });
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
  }

  private addV2Service(server: grpc.Server): void {
    const service = (grpc.loadPackageDefinition(loadSkaffoldV2PackageDefinition()) as unknown as {
      proto: { v2: { SkaffoldV2Service: grpc.ServiceClientConstructor } };
    }).proto.v2.SkaffoldV2Service.service;
    const unary = this.unaryHandler(this.v2Calls);
    const stream = (method: string, subscribers: () => Set<grpc.ServerWritableStream<unknown, V2Event>>, replay: () => V2Event[]) =>
      (call: grpc.ServerWritableStream<unknown, V2Event>) => {
        const start = () => {
          this.v2Calls.push({ method, request: {}, code: grpc.status.OK });
          for (const event of replay()) {
            call.write(event);
          }
          subscribers().add(call);
        };
        call.on('cancelled', () => subscribers().delete(call));
        call.on('close', () => subscribers().delete(call));
        if (this.frozen) {
          this.held.push(start);
        } else {
          start();
        }
      };
    // v2's control RPCs answer OK and do nothing: control works only through v1.
    const nothing = () => undefined;
    server.addService(service, {
      GetState: unary('GetState', nothing, () => JSON.parse(JSON.stringify(this.v2State())) as object),
      Events: stream('Events', () => this.v2Subscribers, () => [...this.historyV2]),
      ApplicationLogs: stream('ApplicationLogs', () => this.appLogSubscribers, () => [...this.appLogBuffer]),
      Execute: unary('Execute', nothing),
      AutoBuild: unary('AutoBuild', nothing),
      AutoSync: unary('AutoSync', nothing),
      AutoDeploy: unary('AutoDeploy', nothing),
      Handle: unary('Handle', (r) => {
        const event = r as V2Event;
        if (event.event_type === 'terminationEvent') {
          return { code: grpc.status.INVALID_ARGUMENT, details: 'termination events cannot be injected', metadata: new grpc.Metadata() };
        }
        const injected: V2Event = { ...event, timestamp: event.timestamp ?? timestampNow() };
        delete injected.event_type;
        this.emitV2(injected);
        return undefined;
      }),
    });
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
