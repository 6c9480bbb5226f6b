/**
 * The demo session: the fake Skaffold playing a realistic, endless and calm dev loop. The first
 * loop builds and deploys everything and forwards a port; then, every `pauseMs` (20 s) after
 * the previous iteration ended, a file change rebuilds one artifact and redeploys. In every
 * eight rounds one change breaks a build and one makes a container crash; the round after each
 * failure (half a pause later) fixes it, so a port is forwarded again. Each running pod logs a
 * request line every two seconds (container logs, over the v2 API).
 *
 *   node out/test/fakes/demo.js [--port 50051] [--host 127.0.0.1] [--step-ms 800] [--pause-ms 20000]
 */
import { FakeSkaffold } from './skaffoldFake';

export interface Demo {
  fake: FakeSkaffold;
  stop(): Promise<void>;
}

export interface DemoOptions {
  port?: number;
  host?: string;
  /** One simulated step (a build, a status-check poll); default 800 ms. */
  stepMs?: number;
  /** The quiet time after an iteration before the next change; default 20 s (half after a failure). */
  pauseMs?: number;
  log?: (line: string) => void;
}

/** What one round of the eight does, after the first loop. */
type Round = 'change' | 'broken build' | 'crash' | 'fix';

/** Eight rounds: one broken build and one crashing container, each fixed by the next round. */
const ROUNDS: readonly Round[] = ['change', 'change', 'broken build', 'fix', 'change', 'crash', 'fix', 'change'];

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? (() => undefined);
  const pauseMs = options.pauseMs ?? 20_000;
  const fake = await FakeSkaffold.start({
    port: options.port ?? 50051,
    host: options.host ?? '127.0.0.1',
    stepMs: options.stepMs ?? 800,
    artifacts: ['example/app', 'example/worker', 'example/frontend'],
  });
  let running = true;
  let wake: (() => void) | undefined;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    wake = () => { clearTimeout(t); resolve(); };
  });
  let requests = 0;
  const chatter = setInterval(() => {
    for (const resource of Object.keys(fake.state.statusCheckState?.resources ?? {})) {
      const pod = /^Pod\/(.+)$/.exec(resource)?.[1];
      if (pod) {
        const container = pod.replace(/-[0-9a-f]+-[0-9a-f]+$/, '');
        fake.appLog(pod, container, `GET /api/items/${++requests} 200 ${(3 + (requests * 7) % 40)}ms`);
      }
    }
  }, 2000);
  const loop = (async () => {
    await fake.runDevLoop();
    let broken: string | undefined;
    for (let round = 0; running; round++) {
      // A failure is fixed sooner: half a pause, long enough to look at it.
      await pause(broken ? pauseMs / 2 : pauseMs);
      if (!running) {
        break;
      }
      const kind = ROUNDS[round % ROUNDS.length];
      // The fix goes to the artifact that broke; other rounds take the artifacts in turn.
      const artifact = kind === 'fix' && broken ? broken : fake.artifacts[(kind === 'crash' ? round + 1 : round) % fake.artifacts.length];
      broken = undefined;
      if (kind === 'broken build') {
        log(`demo: a broken change to ${artifact} (its build fails)`);
        fake.failNextBuild(artifact, `step 4/6: RUN go build ./...\n./main.go:${12 + (round % 30)}:2: undefined: handleRequest`);
        broken = artifact;
      } else if (kind === 'crash') {
        log(`demo: a change to ${artifact} that makes its container crash`);
        fake.failNextStatusCheck(artifact, `container ${artifact.split('/')[1]} terminated with exit code 1`);
        broken = artifact;
      } else if (kind === 'fix') {
        log(`demo: a change to ${artifact} that fixes it`);
      } else {
        log(`demo: a change to ${artifact}`);
      }
      await fake.changeFile(artifact);
    }
  })();
  return {
    fake,
    stop: async () => {
      running = false;
      clearInterval(chatter);
      wake?.();
      await fake.stop();
      await loop.catch(() => undefined);
    },
  };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const value = Number(arg(name) ?? fallback);
    if (!Number.isFinite(value) || value < 0) {
      console.error(`${name} must be a number of milliseconds, not "${arg(name)}"`);
      process.exit(2);
    }
    return value;
  };
  startDemo({
    port: number('--port', 50051),
    host: arg('--host'),
    stepMs: number('--step-ms', 800),
    pauseMs: number('--pause-ms', 20_000),
    log: console.log,
  }).then((demo) => {
    console.log(`Fake Skaffold listening on ${demo.fake.address} (demo session). Ctrl-C stops it.`);
    const stop = () => void demo.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (err: Error) => {
    console.error(`Could not start the fake Skaffold: ${err.message}`);
    process.exit(1);
  });
}
