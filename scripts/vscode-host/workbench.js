// The harness for end-to-end tests: a real VS Code (code-server) with this repository loaded
// as the extension under development, in headless Chromium, and helpers that read the
// workbench the way a person does (rows of a view, the status bar, a notification) and drive
// it (the command palette, the activity bar). Used from test/e2e/*.test.ts:
//
//   // eslint-disable-next-line @typescript-eslint/no-require-imports
//   const { openWorkbench } = require('../../../scripts/vscode-host/workbench.js');
//   const wb = await openWorkbench({ settings: { 'skaffold.address': fake.address } });
//   await wb.openContainer('Skaffold');
//   await wb.waitFor(async () => (await wb.viewRows('Artifacts')).length === 2, 'two artifacts');
//   await wb.runCommand('Skaffold: Build Now');
//   await wb.screenshot('built');
//   await wb.close();
//
// Selectors that work in VS Code 1.100 are in VSCODE-HOST.md (shared folder beside the project); ids contain dots,
// so they are written [id="..."].
'use strict';
const fs = require('fs');
const path = require('path');
const { startHost, launchBrowser, parseConsole } = require('./host');

const root = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(root, 'test-results', 'e2e');

const SELECTORS = {
  workbench: '.monaco-workbench',
  statusItems: '[id="workbench.parts.statusbar"] .statusbar-item',
  activityItem: (title) => `[id="workbench.parts.activitybar"] .action-item a[aria-label^="${title}"]`,
  container: (id) => `[id="workbench.view.extension.${id}"]`,
  quickInput: '.quick-input-widget input',
  quickRows: '.quick-input-list .monaco-list-row',
  toasts: '.notifications-toasts .notification-list-item',
  toastMessage: '.notification-list-item-message',
};

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Starts code-server and Chromium and opens the workbench on `workspace` (default: the
 * example workspace test/integration/workspace) with the extension under development.
 * Options: settings, env (reach the extension host), viewport, extensionDevelopmentPath
 * (default: the repository), installed (true: the repository installed as a user has the
 * extension, no "[Extension Development Host]" in the title; for screenshots of the product),
 * containerId (default 'skaffold'), shotsDir, and consoleLines: 'none' | 'errors' (default) |
 * 'all' — browser-console lines printed here.
 */
async function openWorkbench({
  workspace = path.join(root, 'test', 'integration', 'workspace'),
  settings = {},
  env = {},
  viewport = { width: 1280, height: 800 },
  extensionDevelopmentPath = root,
  installed = false,
  containerId = 'skaffold',
  shotsDir = SHOTS,
  consoleLines = process.env.SKAFFOLD_TEST_VERBOSE ? 'all' : 'errors',
  timeoutMs = 60_000,
} = {}) {
  const host = await startHost({ workspace, settings, env, ...(installed ? { extensionPath: root } : {}) });
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport });
    const wb = new Workbench(host, browser, page, { containerId, shotsDir });
    page.on('console', (msg) => wb._console(msg.text(), consoleLines));
    await page.goto(host.workbenchUrl(installed ? {} : { extensionDevelopmentPath }));
    await page.locator(SELECTORS.workbench).waitFor({ timeout: timeoutMs });
    return wb;
  } catch (err) {
    await browser?.close();
    await host.stop();
    throw err;
  }
}

class Workbench {
  constructor(host, browser, page, { containerId, shotsDir }) {
    /** { url, port, runDir, logsDir, stop() } from host.js */
    this.host = host;
    this.browser = browser;
    /** The playwright Page: everything the helpers do not cover. */
    this.page = page;
    this.containerId = containerId;
    this.shotsDir = shotsDir;
    /** Every browser-console line, for a failure report. */
    this.consoleLog = [];
  }

  _console(text, mode) {
    this.consoleLog.push(text);
    if (mode === 'none') {
      return;
    }
    const parsed = parseConsole(text);
    if (mode === 'all') {
      console.log(parsed ? `[${parsed.level.toLowerCase()}] ${parsed.text}` : `[browser] ${text}`);
    } else if (parsed?.level === 'ERR' && /skaffold/i.test(parsed.text)) {
      console.log(`[extension host] ${parsed.text}`);
    }
  }

  /** Polls `check` (sync or async) every 100 ms until it returns truthy; returns that value. */
  async waitFor(check, what, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    for (;;) {
      try {
        const value = await check();
        if (value) {
          return value;
        }
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) {
        await this.screenshot(`timeout-${what}`).catch(() => undefined);
        throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  /** Clicks the activity bar icon whose title starts with `title` and waits for its container. */
  async openContainer(title = 'Skaffold', containerId = this.containerId) {
    await this.page.locator(SELECTORS.activityItem(title)).click({ timeout: 60_000 });
    await this.page.locator(SELECTORS.container(containerId)).waitFor();
    await this.parkPointer(); // or the icon's tooltip shows in every screenshot
  }

  /** The section headers of the open container, e.g. ['ARTIFACTS', 'RESOURCES', 'FORWARDED PORTS']. */
  async viewTitles(containerId = this.containerId) {
    const texts = await this.page.locator(`${SELECTORS.container(containerId)} .pane-header`).allInnerTexts();
    return texts.map((t) => t.split('\n')[0].trim().toUpperCase());
  }

  /** A view's pane, by its title as shown ("Artifacts"). */
  pane(title, containerId = this.containerId) {
    return this.page.locator(`${SELECTORS.container(containerId)} .pane`)
      .filter({ has: this.page.locator(`.pane-header[aria-label^="${title}"]`) });
  }

  /** The rows of a view, by their accessible labels ("example/app, Complete · 2.1s"). */
  async viewRows(title, containerId = this.containerId) {
    return this.pane(title, containerId).locator('.monaco-list-row')
      .evaluateAll((rows) => rows.map((r) => (r.getAttribute('aria-label') ?? '').trim()));
  }

  /** Waits until `check(rows)` holds for a view's rows; returns the rows. */
  async waitRows(title, check, what, timeoutMs = 30_000) {
    let rows = [];
    try {
      return await this.waitFor(async () => {
        rows = await this.viewRows(title);
        return check(rows) ? rows : undefined;
      }, `${title} ${what}`, timeoutMs);
    } catch (err) {
      throw new Error(`${err.message}; rows were ${JSON.stringify(rows)}`);
    }
  }

  /** The welcome text of a view (its viewsWelcome content), or '' when it shows rows. */
  async welcomeText(title, containerId = this.containerId) {
    const welcome = this.pane(title, containerId).locator('.welcome-view-content');
    return (await welcome.count()) > 0 ? welcome.first().innerText() : '';
  }

  /** The texts of every status bar item. */
  async statusBarTexts() {
    return this.page.locator(SELECTORS.statusItems).allInnerTexts();
  }

  /** The first status bar item whose text matches `pattern` (default /Skaffold/), or ''. */
  async statusText(pattern = /Skaffold/) {
    return (await this.statusBarTexts()).find((t) => pattern.test(t)) ?? '';
  }

  /** Waits until the Skaffold status bar item's text matches `pattern`; returns the text. */
  async waitStatus(pattern, timeoutMs = 30_000, item = /Skaffold/) {
    let last = '';
    try {
      return await this.waitFor(async () => {
        last = await this.statusText(item);
        return pattern.test(last) ? last : undefined;
      }, `the status bar to match ${pattern}`, timeoutMs);
    } catch (err) {
      throw new Error(`${err.message}; it said "${last}"`);
    }
  }

  /**
   * Runs a command from the palette by its full title ("Skaffold: Build Now"): the row whose
   * label is exactly that title, since fuzzy matching may rank a longer one first.
   */
  async runCommand(title) {
    await this.page.keyboard.press('F1');
    const input = this.page.locator(SELECTORS.quickInput);
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator(SELECTORS.quickRows)
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
      .first();
    await row.click({ timeout: 10_000 });
  }

  /** The messages of the notification toasts on screen. */
  async notifications() {
    return this.page.locator(`${SELECTORS.toasts} ${SELECTORS.toastMessage}`).allInnerTexts();
  }

  /** Waits for a toast whose text matches `pattern`; returns its locator (buttons inside). */
  async waitNotification(pattern, timeoutMs = 10_000) {
    const toast = this.page.locator(SELECTORS.toasts).filter({ hasText: pattern }).first();
    await toast.waitFor({ timeout: timeoutMs });
    return toast;
  }

  /** Moves the pointer off the sidebars and waits for any hover tooltip to go away. */
  async parkPointer() {
    await this.page.mouse.move((this.page.viewportSize()?.width ?? 1280) - 20, 120);
    await this.page.locator('.workbench-hover').first().waitFor({ state: 'hidden', timeout: 2000 }).catch(() => undefined);
  }

  /** Saves test-results/e2e/<name>.png, the pointer parked where no tooltip shows. */
  async screenshot(name) {
    fs.mkdirSync(this.shotsDir, { recursive: true });
    await this.parkPointer();
    const file = path.join(this.shotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes the browser and stops code-server (also when either is already gone). */
  async close() {
    try {
      await this.browser.close();
    } finally {
      await this.host.stop();
    }
  }
}

module.exports = { openWorkbench, Workbench, SELECTORS };
