/**
 * End to end, as a person sees it, in a real VS Code (code-server in headless Chromium):
 *
 * 1. The CodeLens on skaffold.yaml: each artifact's build above its `image:` line.
 * 2. Manual mode: with auto build off, a saved file marks the artifacts built from it (row,
 *    lens, status bar) until Skaffold builds them.
 * 3. An event log a CI run left behind, opened from the Explorer's context menu: a read-only
 *    session in the views, beside the live one.
 *
 * Against the fake Skaffold (v1 and v2 on one port), in a copy of the example workspace
 * (test/integration/workspace) with a real Skaffold's event log beside it (the recording
 * build-fail-rebuild). Screenshots: test-results/e2e/after-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { harness, Workbench } from './harness';

const root = path.resolve(__dirname, '..', '..', '..');
let workspace: string;
let fake: FakeSkaffold;
let wb: Workbench;
let page: Page;

/** Opens a workspace file in an editor by Quick Open, as a person does. */
async function openFile(name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: name }).first().click();
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor();
}

/** The CodeLens texts of the editor now shown. */
async function lensTexts(): Promise<string[]> {
  return page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
}

before(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'skaffold-e2e-after-'));
  fs.cpSync(path.join(root, 'test', 'integration', 'workspace'), workspace, { recursive: true });
  for (const f of ['events.json', 'events.json.v2']) {
    fs.copyFileSync(path.join(root, 'test', 'fixtures', 'recorded', 'build-fail-rebuild', f), path.join(workspace, f === 'events.json' ? 'ci-events.json' : 'ci-events.json.v2'));
  }
  fs.writeFileSync(path.join(workspace, 'settings-export.json'), '{"not": "a Skaffold event"}\n');
  fake = await FakeSkaffold.start({ stepMs: 200 });
  wb = await harness.openWorkbench({
    workspace,
    viewport: { width: 1280, height: 860 },
    settings: { 'skaffold.address': fake.address, 'workbench.colorTheme': 'Default Dark Modern', 'editor.minimap.enabled': false },
  });
  page = wb.page;
});

after(async () => {
  await wb?.close();
  await fake?.stop();
  if (workspace) {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('the CodeLens on skaffold.yaml says each artifact\'s last build, with its actions', async () => {
  await wb.openContainer('Skaffold');
  await fake.runDevLoop();
  await wb.waitRows('Artifacts', (rows) => rows.length === 2 && rows.every((r) => r.includes(', built')), 'showed both built');
  await openFile('skaffold.yaml');
  const lenses = await wb.waitFor(async () => {
    const texts = await lensTexts();
    return texts.filter((t) => /built/.test(t)).length === 2 ? texts : undefined;
  }, 'a lens on each image line');
  assert.ok(lenses.every((t) => /Show Output/.test(t)), JSON.stringify(lenses));
  assert.ok(lenses.every((t) => !/Build Now/.test(t)), 'auto build is on: no Build Now');
  await wb.screenshot('after-1-codelens');
});

test('manual mode: a saved file marks its artifacts on the rows, the lens and the status bar until Skaffold builds them', async () => {
  await wb.runCommand('Skaffold: Toggle Auto Build');
  await wb.waitFor(async () => (await lensTexts()).some((t) => /Build Now/.test(t)), 'Build Now once auto build is off');
  const changed = path.join(workspace, 'src', 'handler.go');
  // Saved until the watcher (started once auto build is off) has seen it.
  await wb.waitFor(async () => {
    fs.writeFileSync(changed, `package main\n\n// saved at ${Date.now()}\n`);
    const rows = await wb.viewRows('Artifacts');
    return rows.length === 2 && rows.every((r) => /1 file changed since its last build/.test(r)) ? rows : undefined;
  }, 'both artifacts marked', 20_000);
  await wb.waitStatus(/· 2 to build/);
  await wb.waitFor(async () => (await lensTexts()).filter((t) => /1 file changed/.test(t)).length === 2, 'the lenses say so');
  await wb.screenshot('after-2-pending-changes');

  await fake.changeFile('example/app');
  await wb.runCommand('Skaffold: Build Now');
  await wb.waitStatus(/· 1 to build/);
  const rows = await wb.waitRows('Artifacts', (r) => r.some((x) => x.startsWith('example/app') && !/file changed/.test(x)), 'example/app built and unmarked');
  assert.ok(rows.some((r) => r.startsWith('example/worker') && /1 file changed/.test(r)), `the worker was not rebuilt: ${JSON.stringify(rows)}`);
});

test('an event log from CI, opened from the Explorer\'s context menu, shows as a read-only session beside the live one', async () => {
  await wb.runCommand('View: Show Explorer');
  // Offered on an event log only, not on any JSON file.
  const other = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: /^settings-export\.json$/ }).first();
  await other.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Copy Path' }).waitFor();
  assert.equal(await page.getByRole('menuitem', { name: 'Open Skaffold Event Log…' }).count(), 0, 'not on a JSON file that is no event log');
  await page.keyboard.press('Escape');
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: /^ci-events\.json$/ }).first();
  await row.click({ button: 'right' });
  const item = page.getByRole('menuitem', { name: 'Open Skaffold Event Log…' });
  await item.waitFor();
  await item.hover();
  await item.click();
  await item.waitFor({ state: 'hidden' });
  // The command shows the Skaffold views itself, and says what it read.
  const sessions = await wb.waitRows('Artifacts', (rows) => rows.some((r) => /^Skaffold session ci-events\.json, ready$/.test(r)), 'the file\'s session row');
  assert.ok(sessions.some((r) => r.startsWith(`Skaffold session ${fake.address}`)), `the live session stays: ${JSON.stringify(sessions)}`);
  await wb.waitRows('Dev Loop History', (rows) => rows.some((r) => /fail/i.test(r)), 'the failed iteration in the history');
  await wb.waitStatus(/Skaffold(?!.*ci-events)/);
  await wb.waitNotification(/Read 32 events from ci-events\.json, and Skaffold's output from ci-events\.json\.v2\./);
  // Two sessions of one project: each lens on skaffold.yaml names its session.
  await wb.waitFor(async () => (await lensTexts()).some((t) => /ci-events\.json: built/.test(t)), 'the lenses name each session');
  await page.locator('.notifications-toasts .notification-list-item').filter({ hasText: /Opening ci-events/ }).waitFor({ state: 'hidden' });
  await wb.screenshot('after-3-event-log');
});
