/**
 * Entry of the extension-host suite, with the @vscode/test-electron contract: VS Code calls
 * `run()` and ends the session when it settles. Works the same under code-server
 * (scripts/vscode-host/run-integration.js) and desktop VS Code (`--electron`).
 *
 * Runs every `*.test.js` under out/test/integration/ with mocha (bdd), prints each result
 * prefixed with MARK (the runner forwards those browser-console lines to its stdout), and
 * writes { passed, failed, skipped, failures } to SKAFFOLD_TEST_RESULT_FILE (skipped: mocha's
 * pending tests; `pending` is the same count under mocha's name, for older readers).
 * SKAFFOLD_TEST_GREP runs only the tests whose full title contains it.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Lines the runner forwards from the browser console to its stdout. */
export const MARK = '[skaffold-test]';

function say(text: string): void {
  for (const line of text.split('\n')) {
    console.log(`${MARK} ${line}`);
  }
}

interface Result {
  passed: number;
  failed: number;
  skipped: number;
  pending: number;
  durationMs: number;
  failures: { title: string; message: string }[];
}

function writeResult(result: Result): void {
  const file = process.env.SKAFFOLD_TEST_RESULT_FILE;
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  }
}

/** Every `*.test.js` in `dir` and below (the example workspace holds none). */
function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      return e.name === 'workspace' ? [] : testFiles(p);
    }
    return e.name.endsWith('.test.js') ? [p] : [];
  }).sort();
}

/**
 * A reporter of our own: the browser console shows printf-style arguments unformatted, and
 * one console line per result keeps the forwarded output readable.
 */
class LineReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.on('suite', (suite) => {
      if (suite.title) {
        say(suite.fullTitle());
      }
    });
    runner.on('pass', (t) => say(`  ✔ ${t.title} (${t.duration ?? 0} ms)`));
    runner.on('fail', (t, err: Error) => say(`  ✘ ${t.title}\n${String(err?.stack ?? err).split('\n').map((l) => `      ${l}`).join('\n')}`));
    runner.on('pending', (t) => say(`  - ${t.title} (skipped)`));
  }
}

export function run(): Promise<void> {
  const started = Date.now();
  const result: Result = { passed: 0, failed: 0, skipped: 0, pending: 0, durationMs: 0, failures: [] };
  const finish = (): void => {
    result.durationMs = Date.now() - started;
    writeResult(result);
    say(`extension host: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped in ${(result.durationMs / 1000).toFixed(1)} s`);
  };
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: LineReporter });
  if (process.env.SKAFFOLD_TEST_GREP) {
    mocha.grep(process.env.SKAFFOLD_TEST_GREP);
  }
  for (const file of testFiles(__dirname)) {
    mocha.addFile(file);
  }
  return new Promise<void>((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        finish();
        if (failures > 0) {
          reject(new Error(`${failures} extension-host test(s) failed`));
        } else {
          resolve();
        }
      });
    } catch (err) {
      // A test file that does not load (a syntax error, a missing module) throws here.
      result.failed++;
      result.failures.push({ title: 'loading the test files', message: String((err as Error)?.message ?? err) });
      say(`could not load the tests:\n${String((err as Error)?.stack ?? err)}`);
      finish();
      reject(err);
      return;
    }
    runner.on('pass', () => { result.passed++; });
    runner.on('pending', () => { result.skipped++; result.pending++; });
    runner.on('fail', (t, err: Error) => {
      result.failed++;
      result.failures.push({ title: t.fullTitle(), message: String(err?.message ?? err).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ') });
    });
  });
}
