/**
 * End to end, at the sidebar's default width: the demo session (`npm start`'s fake Skaffold)
 * read off the rendered views as a person reads them. Every artifact, resource and port row
 * shows its name and status word in full (its label is not cut: the label's scroll width does
 * not exceed its client width), through the first loop, a rebuild of one artifact and a
 * failed build, where what still runs keeps its last result. The extension is installed as a
 * user has it (no "[Extension Development Host]" title): the last screenshot is the README's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Demo, startDemo } from '../fakes/demo';
import { freePort, harness, Workbench } from './harness';

const root = path.resolve(__dirname, '..', '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const VIEWS = ['Artifacts', 'Resources', 'Forwarded Ports'];

let demo: Demo;
let wb: Workbench;

interface RenderedRow {
  aria: string;
  name: string;
  description: string;
  scrollWidth: number;
  clientWidth: number;
}

/** Every rendered row of a view: its accessible label, label parts and the label's widths. */
async function rendered(title: string): Promise<RenderedRow[]> {
  return wb.pane(title).locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => {
    const label = r.querySelector('.monaco-icon-label-container');
    return {
      aria: r.getAttribute('aria-label') ?? '',
      name: r.querySelector('.label-name')?.textContent ?? '',
      description: r.querySelector('.label-description')?.textContent ?? '',
      scrollWidth: label?.scrollWidth ?? 0,
      clientWidth: label?.clientWidth ?? 0,
    };
  }));
}

/**
 * Asserts that every artifact, resource and port row of the three views shows its whole
 * name and status: rows of Skaffold's error text and suggestions (server text, any length,
 * whole in their tooltip) are left out.
 */
async function assertReadable(when: string): Promise<RenderedRow[]> {
  const all: RenderedRow[] = [];
  for (const view of VIEWS) {
    const rows = await rendered(view);
    assert.ok(rows.length > 0, `${when}: ${view} shows rows`);
    for (const row of rows.filter((r) => !/^(Error|Suggestion|Skaffold's error code)/.test(r.aria))) {
      assert.ok(row.clientWidth > 0, `${when}: ${view} row "${row.aria}" is laid out`);
      assert.ok(row.scrollWidth <= row.clientWidth,
        `${when}: ${view} row "${row.name}  ${row.description}" is cut (${row.scrollWidth} px of text in ${row.clientWidth} px)`);
      all.push(row);
    }
  }
  return all;
}

before(async () => {
  // The demo's fake, driven step by step here (its own loop waits an hour between changes).
  demo = await startDemo({ port: await freePort(), stepMs: 60, pauseMs: 3_600_000 });
  wb = await harness.openWorkbench({ workspace, installed: true, settings: { 'skaffold.address': demo.fake.address, 'workbench.colorTheme': 'Default Dark Modern' } });
});

after(async () => {
  await wb?.close();
  await demo?.stop();
});

test('the first loop, at the default sidebar width: every row names what it is and says its status in one word, uncut', async () => {
  await wb.openContainer('Skaffold');
  const sidebar = await wb.page.locator('[id="workbench.parts.sidebar"]').evaluate((e) => e.getBoundingClientRect().width);
  assert.ok(sidebar >= 200 && sidebar <= 320, `the sidebar is at its default width (${sidebar} px)`);
  await wb.waitStatus(/^\S*\s*Skaffold$/, 60_000);
  await wb.waitRows('Forwarded Ports', (rows) => rows.length === 1, 'showed the port');
  const artifacts = await wb.waitRows('Artifacts', (rows) => rows.length === 3 && rows.every((r) => /, built/.test(r)), 'showed the three images built');
  assert.deepEqual(artifacts.map((r) => r.split(',')[0]), ['example/app', 'example/worker', 'example/frontend']);
  const words = await wb.waitFor(async () => {
    const shown = (await assertReadable('after the first loop')).map((r) => `${r.name} ${r.description}`);
    return shown.includes('deployment/app ready') && shown.includes('localhost:47480 app:8080') ? shown : undefined;
  }, 'the views to show the first loop');
  assert.ok(words.includes('Deploy deployed') && words.includes('Status check passed'), words.join(' | '));
  assert.ok(words.includes('deployment/app ready'), words.join(' | '));
  assert.ok(words.some((w) => /^[0-9a-f]+-[0-9a-z]+ running$/.test(w)), `a pod under its deployment runs: ${words.join(' | ')}`);
  assert.ok(words.includes('localhost:47480 app:8080'), words.join(' | '));
  await wb.screenshot('readable-1-ready');
});

test('a rebuild of one artifact: the others read up to date with the iteration that built them, uncut', async () => {
  await demo.fake.changeFile('example/app');
  await wb.waitRows('Artifacts', (rows) => rows.some((r) => r.startsWith('example/app, built')) && rows.some((r) => r.startsWith('example/worker, up to date, built in iteration 0')), 'showed app rebuilt, worker up to date');
  // Its redeploy stopped the forward and forwards again once the check passed.
  await wb.waitRows('Dev Loop History', (rows) => rows.some((r) => /^Iteration 1, rebuild, .*succeeded/.test(r)), 'showed iteration 1 succeeded');
  await wb.waitRows('Forwarded Ports', (rows) => rows.length === 1, 'forwarded the port again');
  await wb.waitStatus(/^\S*\s*Skaffold$/);
  const words = await wb.waitFor(async () => {
    const shown = (await assertReadable('after a rebuild')).map((r) => `${r.name} ${r.description}`);
    return shown.includes('example/app built') && shown.includes('example/worker up to date · #0') ? shown : undefined;
  }, 'the views to show the rebuild');
  assert.ok(words.includes('example/app built'), words.join(' | '));
  assert.ok(words.includes('example/worker up to date · #0'), words.join(' | '));
  await wb.screenshot('readable-2-rebuilt');
});

test('a failed build: the failure is one word on the row, and what still runs keeps its last result; this is the README screenshot', async () => {
  demo.fake.failNextBuild('example/worker', 'step 4/6: RUN go build ./...\n./main.go:14:2: undefined: handleRequest');
  await demo.fake.changeFile('example/worker');
  await wb.waitStatus(/example\/worker failed/);
  await wb.waitRows('Artifacts', (rows) => rows.some((r) => r.startsWith('Still running the build from iteration 0')), 'showed what still runs');
  // Each view redraws on its own: read them once all show this iteration.
  const wanted = ['example/worker failed', 'example/app up to date · #1', 'Deploy deployed · #1', 'deployment/app ready · #1', 'localhost:47480 app:8080 · #1'];
  const words = await wb.waitFor(async () => {
    const shown = (await assertReadable('after a failed build')).map((r) => `${r.name} ${r.description}`);
    return wanted.every((w) => shown.includes(w)) ? shown : undefined;
  }, `the views to show ${wanted.join(', ')}`);
  assert.ok(words.includes('example/worker failed'), words.join(' | '));
  assert.ok(words.includes('example/app up to date · #1'), words.join(' | '));
  assert.ok(words.includes('Deploy deployed · #1') && words.includes('deployment/app ready · #1'), `the deployment still runs: ${words.join(' | ')}`);
  assert.ok(words.includes('localhost:47480 app:8080 · #1'), `its port is still forwarded: ${words.join(' | ')}`);
  assert.doesNotMatch(words.join(' | '), /Not Started|not built/i);
  // The Dev Loop History view is the fourth; its rows are short too.
  await wb.waitRows('Dev Loop History', (rows) => rows.some((r) => /^Iteration 2, rebuild, .*failed/.test(r)), 'showed iteration 2 failed');
  await wb.screenshot('readable-3-failed');
  // The README's picture: the same, cut to the activity bar and the sidebar.
  await wb.page.screenshot({ path: path.join(root, 'test-results', 'e2e', 'readable-readme.png'), clip: { x: 0, y: 0, width: 360, height: 800 } });
});
