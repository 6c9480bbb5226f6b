/**
 * End to end, as a person sees it: a real VS Code (code-server) in headless Chromium with the
 * extension loaded, the fake Skaffold building, failing and recovering, read off the rendered
 * Skaffold views and status bar, and a command run from the palette. Screenshots go to
 * test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { eventually, toastShown } from './helpers';

// Plain CommonJS helpers shared with `npm start`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../../scripts/vscode-host/host.js') as {
  startHost(o: { workspace: string; settings?: object }): Promise<{ url: string; port: number; stop(): Promise<void> }>;
  launchBrowser(): Promise<Browser>;
};

const root = path.resolve(__dirname, '..', '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const shots = path.join(root, 'test-results', 'e2e');

let fake: FakeSkaffold;
let server: { url: string; port: number; stop(): Promise<void> };
let browser: Browser;
let page: Page;

const CONTAINER = '[id="workbench.view.extension.skaffold"]';
const STATUS = '[id="workbench.parts.statusbar"] .statusbar-item';

async function shot(name: string): Promise<void> {
  fs.mkdirSync(shots, { recursive: true });
  await page.mouse.move(800, 120); // no hover tooltip over the views
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

/** The Skaffold status bar entry's text, as rendered. */
async function statusText(): Promise<string> {
  const texts = await page.locator(STATUS).allInnerTexts();
  return texts.find((t) => t.includes('Skaffold')) ?? '';
}

async function waitStatus(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await statusText();
    if (pattern.test(last)) {
      return last;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`status bar never matched ${pattern}; last "${last}"`);
}

/** The rows of one Skaffold view, by their accessible labels. */
async function viewRows(title: string): Promise<string[]> {
  const pane = page.locator(`${CONTAINER} .pane`).filter({ has: page.locator(`.pane-header[aria-label^="${title}"]`) });
  return pane.locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => (r.getAttribute('aria-label') ?? '').trim()));
}

async function waitRows(title: string, check: (rows: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await viewRows(title);
    if (check(rows)) {
      return rows;
    }
    await page.waitForTimeout(100);
  }
  await shot(`failure-${title}`);
  throw new Error(`${title}: never ${what}; rows were ${JSON.stringify(rows)}`);
}

async function palette(command: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${command}`);
  // Click the row itself: fuzzy matching may rank a longer title first ("Build and Deploy Now").
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  await row.click();
}

before(async () => {
  fake = await FakeSkaffold.start({ stepMs: 700 });
  server = await host.startHost({ workspace, settings: { 'skaffold.address': fake.address, 'workbench.colorTheme': 'Default Dark Modern' } });
  browser = await host.launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`]];
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.stop();
});

test('the Skaffold container opens from the activity bar with its four views', async () => {
  await page.locator('[id="workbench.parts.activitybar"] .action-item a[aria-label^="Skaffold"]').click({ timeout: 60_000 });
  await page.locator(CONTAINER).waitFor();
  const headers = await page.locator(`${CONTAINER} .pane-header`).allInnerTexts();
  assert.deepEqual(headers.map((h) => h.split('\n')[0].trim().toUpperCase()), ['ARTIFACTS', 'RESOURCES', 'FORWARDED PORTS', 'DEV LOOP HISTORY']);
  await waitStatus(/Skaffold/);
});

test('while Skaffold builds, the status bar counts and the rows spin; then everything is ready', async () => {
  const loop = fake.runDevLoop();
  const building = await waitStatus(/building \d\/\d/);
  assert.match(building, /Skaffold: building [01]\/[12]/);
  await waitRows('Artifacts', (rows) => rows.some((r) => r.startsWith('example/') && r.includes(', building')), 'showed a build in progress');
  await shot('1-building');
  await loop;
  await waitStatus(/^\S*\s*Skaffold$/);
  const artifacts = await waitRows('Artifacts', (rows) => rows.length === 2 && rows.every((r) => r.includes(', built')), 'showed both built');
  assert.deepEqual(artifacts.map((r) => r.split(',')[0]), ['example/app', 'example/worker']);
  const resources = await waitRows('Resources', (rows) => rows.some((r) => r.startsWith('Deployment app, ready')), 'showed the deployments');
  assert.ok(resources.some((r) => /^Deploy, deployed/.test(r)));
  const ports = await waitRows('Forwarded Ports', (rows) => rows.length === 1, 'showed the port');
  assert.match(ports[0], /^Port 47480 on localhost, forwarded to service app port 8080/);
  await shot('2-ready');
});

test('a failed build shows in the status bar with the artifact, and its row expands to the error', async () => {
  fake.failNextBuild('example/app', 'step 3/5: go build: ./main.go:9:2: undefined: handler');
  const change = fake.changeFile('example/app');
  assert.match(await waitStatus(/failed/), /Skaffold: example\/app failed/);
  const rows = await waitRows('Artifacts', (r) => r.some((x) => x.includes('undefined: handler')), 'showed the error line');
  assert.ok(rows.some((r) => r.startsWith('example/app, build failed')));
  assert.ok(rows.some((r) => r.includes('error code: BUILD_UNKNOWN')));
  await change;
  await shot('3-failed');
});

test('the next change recovers: the error goes away and the loop is ready again', async () => {
  await fake.changeFile('example/app');
  await waitStatus(/^\S*\s*Skaffold$/);
  const rows = await waitRows('Artifacts', (r) => r.length === 2, 'dropped the error lines');
  assert.ok(rows[0].startsWith('example/app, built'), rows[0]);
  assert.ok(rows[1].startsWith('example/worker, up to date, built in iteration 0'), `the other artifact was not rebuilt: ${rows[1]}`);
});

test('Deploy Now while auto deploy is on: the user is told it would not run and can turn auto off', async () => {
  await palette('Skaffold: Deploy Now');
  const toast = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: 'Auto deploy is on' });
  await toast.waitFor({ timeout: 10_000 });
  assert.match(await toast.locator('.notification-list-item-message').innerText(), /Skaffold does not run a manual deploy while it is/);
  await toastShown(toast);
  await shot('4-auto-on-warning');
  await toast.getByRole('button', { name: 'Turn Auto Deploy Off and Run' }).click();
  await eventually('the manual deploy to reach Skaffold', () => fake.calls.some((c) => c.method === 'Execute'));
  assert.equal(fake.state.deployState?.autoTrigger, false, 'auto deploy turned off first');
  assert.deepEqual(fake.calls.filter((c) => c.method === 'AutoDeploy' || c.method === 'Execute').map((c) => c.method), ['AutoDeploy', 'Execute']);
  await palette('Skaffold: Toggle Auto Deploy');
  await eventually('auto deploy back on', () => fake.state.deployState?.autoTrigger === true);
});

test('a command from the palette reaches Skaffold: Toggle Auto Build', async () => {
  await palette('Skaffold: Toggle Auto Build');
  await eventually('auto build off', () => fake.state.buildState?.autoTrigger === false);
  assert.ok(fake.calls.some((c) => c.method === 'AutoBuild'));
  await fake.changeFile('example/worker');
  await palette('Skaffold: Build Now');
  await waitRows('Artifacts', (r) => r.some((x) => x.startsWith('example/worker, built')), 'built the worker on request', 20_000);
  assert.ok(fake.calls.filter((c) => c.method === 'Execute').length >= 2);
  await shot('5-manual-build');
});

test('Skaffold exiting: the views keep the last state and say so', async () => {
  await fake.stop();
  await waitStatus(/ended/);
  const rows = await viewRows('Artifacts');
  assert.equal(rows.length, 2);
  await shot('6-ended');
});
