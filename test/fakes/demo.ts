/**
 * The demo session: the fake Skaffold playing a realistic, endless dev loop: the first loop,
 * then file changes that rebuild one artifact, now and then a broken build and its fix, and a
 * crashing deployment that the next change repairs. Each running pod logs a request line
 * every two seconds (container logs, over the v2 API).
 *
 *   node out/test/fakes/demo.js [--port 50051] [--host 127.0.0.1] [--step-ms 800]
 */
import { FakeSkaffold } from './skaffoldFake';

export interface Demo {
  fake: FakeSkaffold;
  stop(): Promise<void>;
}

export async function startDemo(options: { port?: number; host?: string; stepMs?: number; log?: (line: string) => void } = {}): Promise<Demo> {
  const log = options.log ?? (() => undefined);
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
    for (let round = 1; running; round++) {
      await pause(8000);
      if (!running) {
        break;
      }
      const artifact = fake.artifacts[round % fake.artifacts.length];
      if (round % 5 === 2) {
        log(`demo: a broken change to ${artifact}`);
        fake.failNextBuild(artifact, `step 4/6: RUN go build ./...\n./main.go:${10 + round}:2: undefined: handleRequest`);
      } else if (round % 5 === 4) {
        log(`demo: ${artifact}'s container will crash`);
        fake.failNextStatusCheck(artifact, `container ${artifact.split('/')[1]} terminated with exit code 1`);
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
  startDemo({ port: Number(arg('--port') ?? 50051), host: arg('--host'), stepMs: Number(arg('--step-ms') ?? 800), log: console.log }).then((demo) => {
    console.log(`Fake Skaffold listening on ${demo.fake.address} (demo session). Ctrl-C stops it.`);
    const stop = () => void demo.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (err: Error) => {
    console.error(`Could not start the fake Skaffold: ${err.message}`);
    process.exit(1);
  });
}
