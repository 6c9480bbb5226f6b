/**
 * End to end, as a person sees it: Skaffold sessions started, stopped and attached from the
 * command palette of a real VS Code (code-server in headless Chromium), with the stand-in
 * `skaffold` executable (test/fakes/bin/skaffold) as the Skaffold that runs.
 *
 * 1. "Skaffold: Start skaffold dev": the profile pick, the terminal, the artifacts.
 * 2. "Skaffold: Stop Skaffold": Skaffold cleans up and exits, the views say so.
 * 3. A Skaffold started outside VS Code, found by "Skaffold: Attach to Running Skaffold…":
 *    its artifacts under its own session row, next to the ended one.
 * 4. `skaffold.executable` pointing nowhere: "was not found", with a Set Path button.
 *
 * The workspace is a temporary folder `shop` with a skaffold.yaml that has two profiles, so
 * that the launch asks for them. `skaffold.address` points at port 1, where nothing listens:
 * the configured session stays hidden. Screenshots: test-results/e2e/sessions-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { freePort, harness, Workbench } from './harness';
import { toastShown } from './helpers';

const root = path.resolve(__dirname, '..', '..', '..');
const STANDIN = path.join(root, 'test', 'fakes', 'bin', 'skaffold');
const MISSING = './bin/skaffold-missing';
const QUICK_INPUT = '.quick-input-widget';
const QUICK_ROWS = '.quick-input-list .monaco-list-row';

let base: string;
let workspace: string;
let cleanupFile: string;
let wb: Workbench;
let page: Page;
/** What test 1 started and test 2 stopped. */
let launched: { pid: number; port: number } | undefined;
/** The Skaffold started outside VS Code (test 3). */
let outside: ChildProcess | undefined;
let outsidePort = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes serving `--rpc-port` whose working folder is this test's workspace, from /proc. */
function skaffoldsInWorkspace(): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
      if (!argv.some((a) => path.basename(a) === 'skaffold') || !argv.includes('--rpc-port')) {
        continue;
      }
      if (fs.readlinkSync(`/proc/${entry}/cwd`) === workspace) {
        out.push({ pid: Number(entry), argv });
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** The text of the terminal's rendered rows (DOM renderer: `terminal.integrated.gpuAcceleration` off). */
async function terminalText(): Promise<string> {
  const rows = page.locator('[id="workbench.parts.panel"] .xterm-rows');
  return (await rows.count()) > 0 ? rows.first().innerText() : '';
}

/** The rows of a view with their depth: `[level, aria-label]`. */
async function treeRows(title: string): Promise<[number, string][]> {
  return wb.pane(title).locator('.monaco-list-row')
    .evaluateAll((rows) => rows.map((r) => [Number(r.getAttribute('aria-level') ?? 0), (r.getAttribute('aria-label') ?? '').trim()] as [number, string]));
}

/** The quick pick now open, once its placeholder matches. */
async function waitQuickPick(placeholder: RegExp): Promise<void> {
  await wb.waitFor(async () => {
    const input = page.locator(`${QUICK_INPUT} input`).first();
    return (await input.isVisible()) && placeholder.test((await input.getAttribute('placeholder')) ?? '');
  }, `a quick pick asking ${placeholder}`, 15_000);
}

async function quickRowStates(): Promise<string[]> {
  return page.locator(QUICK_ROWS).evaluateAll((rows) => rows.map((r) => `${r.getAttribute('aria-label')}=${r.getAttribute('aria-checked')}`));
}

before(async () => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-sessions-')));
  workspace = path.join(base, 'shop');
  fs.mkdirSync(workspace);
  const yaml = fs.readFileSync(path.join(root, 'test', 'integration', 'workspace', 'skaffold.yaml'), 'utf8');
  fs.writeFileSync(path.join(workspace, 'skaffold.yaml'), `${yaml.trimEnd()}\nprofiles:\n  - name: local\n  - name: staging\n`);
  cleanupFile = path.join(base, 'cleanup.txt');
  wb = await harness.openWorkbench({
    workspace,
    viewport: { width: 1280, height: 860 },
    settings: {
      'skaffold.address': '127.0.0.1:1', // nothing listens there: the configured session stays hidden
      'skaffold.executable': STANDIN,
      'terminal.integrated.gpuAcceleration': 'off', // rows in the DOM, to be read
    },
    env: {
      SKAFFOLD_STANDIN_STEP_MS: '150',
      SKAFFOLD_STANDIN_ARTIFACTS: 'shop/frontend,shop/cart',
      SKAFFOLD_STANDIN_CLEANUP_FILE: cleanupFile,
    },
  });
  page = wb.page;
});

after(async () => {
  if (outside?.pid !== undefined && outside.exitCode === null && outside.signalCode === null) {
    const exited = new Promise((resolve) => outside?.once('exit', resolve));
    outside.kill('SIGINT');
    const hard = setTimeout(() => outside?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
  }
  // A Skaffold the extension started runs in a process group of its own: code-server's
  // stop does not reach it if a test failed before "Stop Skaffold".
  const leftovers = workspace ? skaffoldsInWorkspace() : [];
  await wb?.close();
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (base) {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('Start skaffold dev from the palette: it asks for profiles, opens its terminal and the artifacts fill in', async () => {
  await wb.openContainer('Skaffold');
  await wb.runCommand('Skaffold: Start skaffold dev');

  await waitQuickPick(/^Profiles to activate/);
  assert.deepEqual(await quickRowStates(), ['local=false', 'staging=false']);
  const local = page.locator(`${QUICK_ROWS}[aria-label="local"]`);
  await local.click();
  assert.equal(await local.getAttribute('aria-checked'), 'true');
  await page.locator(`${QUICK_INPUT} .monaco-button`, { hasText: 'OK' }).click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });

  // The terminal, named after the session, and the process it runs.
  await page.locator('[id="workbench.parts.panel"]').getByText('Skaffold dev · shop · profile local').first().waitFor({ timeout: 15_000 });
  const proc = await wb.waitFor(() => skaffoldsInWorkspace()[0], 'the stand-in Skaffold to run', 15_000);
  const portArg = proc.argv[proc.argv.indexOf('--rpc-port') + 1];
  assert.match(portArg, /^\d+$/);
  assert.deepEqual(proc.argv.slice(proc.argv.indexOf('dev')), ['dev', '--rpc-port', portArg, '--profile', 'local']);
  launched = { pid: proc.pid, port: Number(portArg) };

  const artifacts = await wb.waitRows('Artifacts', (rows) => rows.length === 2 && rows.every((r) => r.includes(', built')), 'showed both artifacts built');
  assert.deepEqual(artifacts.map((r) => r.split(',')[0]), ['shop/frontend', 'shop/cart']);
  // The view's description names the session (as its terminal does), not its address.
  assert.match(await wb.pane('Artifacts').locator('.pane-header').innerText(), /dev · shop · profile local · #0$/);
  await wb.waitStatus(/^\S*\s*Skaffold$/); // one session, ready
  const text = await wb.waitFor(async () => {
    const t = await terminalText();
    return t.includes('Watching for changes...') ? t : undefined;
  }, 'the terminal to show Skaffold watching');
  assert.match(text, /Deployments stabilized in/);
  // Skaffold has deployed and forwarded: the other two views show it too.
  const resources = await wb.waitRows('Resources', (rows) => rows.some((r) => r.startsWith('Status check, passed')), 'showed the status check', 5000);
  assert.ok(resources.some((r) => r.startsWith('Deploy, deployed')), `Deploy, deployed in ${resources.join(' | ')}`);
  await wb.waitRows('Forwarded Ports', (rows) => rows.some((r) => /^Port \d+ on localhost, forwarded to service frontend port 8080/.test(r)), 'showed the forwarded port', 5000);
  await wb.screenshot('sessions-1-started');
});

test('Stop Skaffold from the palette: Skaffold cleans up and exits, the views keep its last state and say so', async () => {
  assert.ok(launched, 'test 1 started Skaffold');
  const { pid, port } = launched;
  assert.ok(alive(pid));
  await wb.runCommand('Skaffold: Stop Skaffold');
  assert.match(await wb.waitStatus(/exited/), /Skaffold: exited \(code 0\)$/);
  await wb.waitFor(() => !alive(pid), `pid ${pid} to be gone`, 10_000);
  assert.equal(fs.readFileSync(cleanupFile, 'utf8'), 'cleaned up');
  assert.deepEqual(skaffoldsInWorkspace(), []);

  const rows = await wb.viewRows('Artifacts');
  assert.deepEqual(rows.map((r) => r.split(',')[0]), ['shop/frontend', 'shop/cart'], 'the last state stays shown');
  await wb.waitFor(async () => (await wb.pane('Artifacts').innerText()).includes(`Skaffold dev on port ${port} exited.`), 'the view to say Skaffold exited');
  const text = await wb.waitFor(async () => {
    const t = await terminalText();
    return t.includes('Skaffold exited with code 0') ? t : undefined;
  }, 'the terminal to say Skaffold exited');
  assert.match(text, /Cleaning up\.\.\.\s+- deployment\.apps "frontend" deleted\s+- deployment\.apps "cart" deleted/);
  await wb.screenshot('sessions-2-stopped');
});

test('Attach to a Skaffold started outside VS Code: listed by port and pid, its artifacts under its own session row', async () => {
  outsidePort = await freePort();
  const child = spawn(STANDIN, ['dev', '--rpc-port', String(outsidePort)], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SKAFFOLD_STANDIN_STEP_MS: '150', SKAFFOLD_STANDIN_ARTIFACTS: 'shop/api,shop/web,shop/db' },
  });
  outside = child;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  await wb.waitFor(() => output.includes('Watching for changes...') || child.exitCode !== null, 'the outside Skaffold to start', 15_000);
  assert.equal(child.exitCode, null, `the outside Skaffold exited early:\n${output}`);
  const pid = child.pid as number;

  await wb.runCommand('Skaffold: Attach to Running Skaffold…');
  await waitQuickPick(/^Attach to a running Skaffold/);
  const row = page.locator(QUICK_ROWS).filter({ hasText: `127.0.0.1:${outsidePort} · pid ${pid}` });
  await row.waitFor({ timeout: 15_000 }); // the list of processes arrives after the pick opens
  assert.equal((await row.locator('.label-name').first().innerText()).trim(), 'dev · shop');
  assert.equal(await row.locator('.codicon-rocket').count(), 1);
  const labels = await page.locator(QUICK_ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  assert.ok(!labels.some((l) => new RegExp(`pid ${launched?.pid}\\b`).test(l)), 'the stopped Skaffold is not offered');
  assert.ok(labels.some((l) => l.includes('127.0.0.1:1') && l.includes('skaffold.address')), 'the configured address is offered');
  assert.ok(labels.some((l) => l.includes('Enter an address')));
  await wb.screenshot('sessions-3-attach-pick');
  await row.click();

  // Two sessions shown: one row each, its artifacts under it.
  const expected: [number, string][] = [
    [1, 'Skaffold session dev · shop · profile local, exited (code 0)'],
    [2, 'shop/frontend'], [2, 'shop/cart'],
    [1, 'Skaffold session dev · shop, ready'],
    [2, 'shop/api'], [2, 'shop/web'], [2, 'shop/db'],
  ];
  let rows: [number, string][] = [];
  await wb.waitFor(async () => {
    rows = (await treeRows('Artifacts')).map(([level, label]) => [level, level === 1 ? label : label.split(',')[0]]);
    return JSON.stringify(rows) === JSON.stringify(expected);
  }, 'the Artifacts view to group both sessions').catch((err: Error) => {
    throw new Error(`${err.message}; rows were ${JSON.stringify(rows)}`);
  });
  const attached = await treeRows('Artifacts');
  assert.ok(attached.slice(4).every(([, label]) => label.includes(', built')), JSON.stringify(attached));
  assert.match(await wb.pane('Artifacts').locator('.pane-header').innerText(), /2 sessions/);
  await wb.waitStatus(/Skaffold \(2\)/);
  await wb.screenshot('sessions-4-attached');
});

test('Start skaffold dev with skaffold.executable pointing nowhere: "was not found", with Set Path', async () => {
  // A person sets it in the Settings editor: a machine-overridable setting is under the
  // Remote tab in a remote window (which code-server's workbench is).
  await wb.runCommand('Preferences: Open User Settings');
  await page.locator('.settings-editor').waitFor();
  await page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .suggest-input-container input').first().waitFor();
  await page.keyboard.type('skaffold.executable');
  await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: 'Remote' }).click();
  const input = page.locator('.settings-editor .setting-item-contents[data-key="skaffold.executable"] input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(MISSING);
  const machineSettings = path.join(wb.host.runDir, 'data', 'Machine', 'settings.json');
  await wb.waitFor(() => fs.existsSync(machineSettings) && fs.readFileSync(machineSettings, 'utf8').includes(MISSING), 'the setting to be saved', 10_000);

  const sessionsBefore = (await treeRows('Artifacts')).filter(([level]) => level === 1).length;
  await wb.runCommand('Skaffold: Start skaffold dev');
  await waitQuickPick(/^Profiles to activate/);
  assert.deepEqual(await quickRowStates(), ['local=true', 'staging=false'], 'the last answer is preselected');
  await page.keyboard.press('Enter');

  const toast = await wb.waitNotification(/was not found/);
  const message = await toast.locator('.notification-list-item-message').innerText();
  assert.equal(message, `The Skaffold executable "${MISSING}" was not found. Install Skaffold or set skaffold.executable to its path.`);
  const setPath = toast.getByRole('button', { name: 'Set Path' });
  await setPath.waitFor();
  await toastShown(toast);
  await wb.screenshot('sessions-5-not-found');
  assert.deepEqual(skaffoldsInWorkspace().map((p) => p.pid), [outside?.pid], 'nothing new was started');
  assert.equal((await treeRows('Artifacts')).filter(([level]) => level === 1).length, sessionsBefore, 'no new session');

  await setPath.click();
  await toast.waitFor({ state: 'hidden' });
  await wb.waitFor(async () => (await page.locator('.settings-editor .suggest-input-container').innerText()).includes('skaffold.executable'),
    'the Settings editor to search skaffold.executable');
  await wb.screenshot('sessions-6-set-path');
});

test('the workbench reported no error from the Skaffold views while sessions came, went and were grouped', () => {
  // VS Code logs a row it cannot place ("TreeError [skaffold.resources] Data tree node not
  // found") when a refresh names a row under a parent it no longer has.
  const treeErrors = wb.consoleLog.filter((line) => /TreeError \[skaffold\./.test(line));
  assert.deepEqual(treeErrors, []);
});
