/**
 * Entry of the extension-host suite (the @vscode/test-electron contract: `run()` settles when
 * the tests end). Runs every `*.test.js` beside it with mocha, prints each result to the
 * console (forwarded by the runner) and writes { passed, failed } to SKAFFOLD_TEST_RESULT_FILE.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Lines the runner forwards from the browser console to its stdout. */
export const MARK = '[skaffold-test]';

function say(line: string): void {
  console.log(`${MARK} ${line}`);
}

export function run(): Promise<void> {
  // A reporter of our own: the browser console shows printf-style arguments unformatted.
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: class extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      runner.on('suite', (suite) => suite.title && say(suite.fullTitle()));
      runner.on('pass', (t) => say(`  ✔ ${t.title} (${t.duration ?? 0}ms)`));
      runner.on('fail', (t, err: Error) => say(`  ✘ ${t.title}\n${String(err.stack ?? err).split('\n').map((l) => `      ${l}`).join('\n')}`));
      runner.on('pending', (t) => say(`  - ${t.title} (skipped)`));
    }
  } });
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    const runner = mocha.run((failures) => {
      const file = process.env.SKAFFOLD_TEST_RESULT_FILE;
      if (file) {
        fs.writeFileSync(file, JSON.stringify({ passed, failed }));
      }
      say(`extension host: ${passed} passed, ${failed} failed`);
      if (failures > 0) {
        reject(new Error(`${failures} extension-host tests failed`));
      } else {
        resolve();
      }
    });
    runner.on('pass', () => { passed++; });
    runner.on('fail', () => { failed++; });
  });
}
