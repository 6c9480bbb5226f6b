/**
 * End to end, as a person sees it, in a real VS Code (code-server in headless Chromium):
 *
 * 1. A build fails: the failure is a problem in the Problems panel, on skaffold.yaml.
 * 2. "Skaffold: Show Container Logs": the container's logs in an output channel, with a line
 *    from an earlier dev-loop iteration that Skaffold itself no longer has.
 * 3. "Skaffold: Show Dev Loop Timeline": the chart of the iterations, screenshot taken.
 *
 * Against the fake Skaffold (v1 and v2 on one port) with the example workspace
 * test/integration/workspace. Screenshots: test-results/e2e/insight-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { harness, Workbench } from './harness';

const root = path.resolve(__dirname, '..', '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');

let fake: FakeSkaffold;
let wb: Workbench;
let page: Page;
let firstPod: string;

/** The pod of the app deployment, as the fake named it in its last deploy. */
function appPod(): string {
  const pod = Object.keys(fake.state.statusCheckState?.resources ?? {}).find((r) => r.startsWith('Pod/app-'));
  assert.ok(pod, 'the fake deployed an app pod');
  return pod.slice('Pod/'.length);
}

before(async () => {
  fake = await FakeSkaffold.start({ stepMs: 300 });
  wb = await harness.openWorkbench({
    workspace,
    viewport: { width: 1280, height: 860 },
    settings: { 'skaffold.address': fake.address, 'workbench.colorTheme': 'Default Dark Modern' },
  });
  page = wb.page;
});

after(async () => {
  await wb?.close();
  await fake?.stop();
});

test('a failed build shows in the Problems panel, on the artifact\'s line of skaffold.yaml', async () => {
  await wb.openContainer('Skaffold');
  await fake.runDevLoop();
  await wb.waitRows('Artifacts', (rows) => rows.length === 2 && rows.every((r) => r.includes(', built')), 'showed both built');
  firstPod = appPod();
  fake.appLog(firstPod, 'app', 'listening on :8080 (first iteration)');

  fake.failNextBuild('example/app', {
    message: 'step 3/5: go build: ./main.go:9:2: undefined: handler',
    errCode: 'BUILD_DOCKER_UNKNOWN',
    suggestions: [{ suggestionCode: 'CHECK_DOCKER_RUNNING', action: 'Check if docker is running' }],
  });
  await fake.changeFile('example/app');
  await wb.waitStatus(/failed/);
  await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const problems = page.locator('.markers-panel .monaco-list-row');
  const rows = await wb.waitFor(async () => {
    const texts = await problems.allInnerTexts();
    return texts.some((t) => /undefined: handler/.test(t)) ? texts : undefined;
  }, 'the build failure in Problems');
  assert.ok(rows.some((t) => /skaffold\.yaml/.test(t)), `the file row: ${JSON.stringify(rows)}`);
  const problem = rows.find((t) => /undefined: handler/.test(t))!;
  assert.match(problem, /example\/app/);
  assert.match(problem, /skaffold/);
  await wb.screenshot('insight-1-problems');
});

test('Show Container Logs opens a container\'s logs, kept after Skaffold moved on to another iteration', async () => {
  // The first pod logged in the first iteration; the fix is a new iteration with a new pod,
  // and Skaffold's own buffer of application logs now starts over.
  const first = firstPod;
  await fake.changeFile('example/app');
  await wb.waitStatus(/^\S*\s*Skaffold$/);
  fake.appLog(appPod(), 'app', 'GET /healthz 200 (after the fix)');
  assert.ok(!JSON.stringify(fake.appLogBuffer).includes('first iteration'), 'Skaffold no longer has the first line');
  await wb.runCommand('Skaffold: Show Container Logs');
  // Both pods of the app logged: pick the first one.
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: first }).first().click({ timeout: 10_000 });
  await page.locator('.view-lines', { hasText: 'listening on :8080 (first iteration)' }).first().waitFor({ timeout: 30_000 });
  // The channel the Output panel shows: the selected entry of its channel picker.
  const channels = await page.locator('select.monaco-select-box').evaluateAll((selects) =>
    selects.map((s) => {
      const select = s as unknown as { options: { text: string }[]; selectedIndex: number };
      return select.options[select.selectedIndex]?.text ?? '';
    }));
  assert.ok(channels.includes(`Skaffold: ${first}/app`), `the container's channel among ${JSON.stringify(channels)}`);
  await wb.screenshot('insight-2-container-logs');
});

test('the dev-loop timeline shows each iteration\'s phases', async () => {
  await wb.runCommand('Skaffold: Show Dev Loop Timeline');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await wb.waitFor(async () => (await frame.locator('svg.chart').count()) === 1, 'the chart');
  const bars = await frame.locator('svg.chart title').evaluateAll((titles) => titles.map((t) => t.textContent ?? ''));
  assert.ok(bars.some((t) => /#1/.test(t) && /Failed/.test(t)), `the failed iteration among ${JSON.stringify(bars)}`);
  assert.match(await frame.locator('body').innerText(), /Build/);
  await wb.screenshot('insight-3-timeline');
});
