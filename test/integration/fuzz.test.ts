/// <reference types="mocha" />
/**
 * Fuzzing through the real views, inside a real VS Code extension host: fake Skaffolds
 * (real gRPC servers on 127.0.0.1) send random and adversarial LogEntries and GetState replies
 * (test/unit/arbitraries, restricted to what protobufjs can encode) to two attached sessions,
 * and after each case every row of the Artifacts, Resources and Forwarded Ports trees is read
 * as VS Code reads it (getChildren, recursively, and getTreeItem), with the status bar item and
 * the log line of every entry the sessions logged.
 *
 * A case is one burst of 1-12 entries to one of the two sessions, then a tree walk; every
 * ROTATE cases a session is replaced by a new attach to a new fake Skaffold, whose GetState
 * is random and whose history (replayed on subscribe) holds random entries too. Default 300
 * cases; SKAFFOLD_FUZZ_HOST_RUNS to change it, SKAFFOLD_FUZZ_SEED (as the unit fuzz) to vary
 * or reproduce the inputs. The run stops early after BUDGET_MS, saying how many cases ran.
 *
 * What was found is collected per kind, and each kind is its own test below, so that one
 * problem does not hide another; each failure names the case and one offending value.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import fc from 'fast-check';
import { marked } from 'marked';
import type { SkaffoldExtensionApi } from '../../src/extension';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import type { LogEntry, State } from '../../src/skaffold/wire/protocol';
import type { SkaffoldSession } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { adversarialShortString, DEFAULT_SEED, eventArbitraries, wirePort } from '../unit/arbitraries';
import { api, eventually, hovered } from './helpers';

const NOWHERE = '127.0.0.1:1';

function envNumber(name: string): number | undefined {
  const text = process.env[name]?.trim();
  const n = text ? Number(text) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

const SEED = envNumber('SKAFFOLD_FUZZ_SEED') ?? DEFAULT_SEED;
const CASES = Math.max(1, envNumber('SKAFFOLD_FUZZ_HOST_RUNS') ?? 300);
const ROTATE = 40;
const BUDGET_MS = 60_000;

/** What must never reach a label, a description or a log line. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A value as JSON, with the invisible characters spelled out (\u2028, \u202e, \x85...). */
function show(value: unknown, max = 300): string {
  const text = typeof value === 'string' ? value.slice(0, max) : JSON.stringify(value)?.slice(0, max) ?? String(value);
  return JSON.stringify(text).replace(new RegExp(CONTROL.source, 'gu'), (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

const wire = eventArbitraries(adversarialShortString, wirePort, true);
const caseArb = fc.record({
  slot: fc.nat({ max: 1 }),
  entries: fc.array(wire.entry, { minLength: 1, maxLength: 12 }),
  // Used when this case starts a new session: its GetState and its replayed history.
  state: fc.option(wire.state, { nil: undefined }),
  history: fc.array(wire.entry, { maxLength: 8 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

// ------------------------------------------------------------------------ markdown as VS Code

interface MdToken { type: string; raw?: string; [key: string]: unknown }

function walkTokens(tokens: unknown, visit: (t: MdToken) => void): void {
  if (!Array.isArray(tokens)) {
    return;
  }
  for (const t of tokens) {
    if (Array.isArray(t)) {
      walkTokens(t, visit);
    } else if (t && typeof t === 'object') {
      if (typeof (t as MdToken).type === 'string') {
        visit(t as MdToken);
      }
      for (const key of ['tokens', 'items', 'header', 'rows', 'cells']) {
        walkTokens((t as MdToken)[key], visit);
      }
    }
  }
}

const OUR_TOKENS = new Set(['paragraph', 'strong', 'hr', 'br', 'text', 'escape', 'space']);

/** Why this markdown is not inert, rendered by marked (the renderer VS Code vendors), or undefined. */
function markdownProblem(md: string): string | undefined {
  let problem: string | undefined;
  walkTokens(marked.lexer(md, { gfm: true }), (t) => {
    if (!problem && !OUR_TOKENS.has(t.type)) {
      problem = `a ${t.type} token ${JSON.stringify(t.raw)}`;
    }
  });
  if (problem) {
    return problem;
  }
  const html = marked.parse(md, { async: false, gfm: true });
  const tag = [...html.matchAll(/<[^>]*>?/g)].map((m) => m[0]).find((t) => !/^<\/?(p|strong|hr|br)>$/.test(t));
  if (tag) {
    return `the tag ${JSON.stringify(tag)}`;
  }
  for (let i = md.indexOf('$'); i >= 0; i = md.indexOf('$', i + 1)) {
    let slashes = 0;
    while (i - slashes - 1 >= 0 && md[i - slashes - 1] === '\\') {
      slashes++;
    }
    if (slashes % 2 === 0) {
      return `an unescaped $ at ${JSON.stringify(md.slice(Math.max(0, i - 20), i + 20))}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------- test

type Kind = 'throws' | 'tooltip kind' | 'tooltip markdown' | 'label' | 'description' | 'accessibility' | 'context value' | 'status bar' | 'log line';

describe(`fuzz: random adversarial events through the real views (seed 0x${SEED.toString(16)}, ${CASES} cases)`, () => {
  let ext: SkaffoldExtensionApi;
  const slots: { fake?: FakeSkaffold; session?: SkaffoldSession; cases: number }[] = [{ cases: 0 }, { cases: 0 }];
  const found = new Map<Kind, { count: number; first: string }>();
  const stats = { cases: 0, entries: 0, sessions: 0, rows: 0, tooltips: 0, logLines: 0 };
  let current = -1;

  function note(kind: Kind, detail: string): void {
    const f = found.get(kind);
    if (f) {
      f.count++;
    } else {
      found.set(kind, { count: 1, first: `case ${current}: ${detail.slice(0, 1500)}` });
    }
  }

  function expectNone(kind: Kind): void {
    assert.ok(stats.cases > 0, 'the fuzz ran');
    const f = found.get(kind);
    assert.ok(!f, f && `${f.count} time(s) in ${stats.cases} cases; first: ${f.first}`);
  }

  before(async () => {
    ext = await api();
    await vscode.workspace.getConfiguration().update('skaffold.address', NOWHERE, vscode.ConfigurationTarget.Global);
    await eventually('the configured session to have nothing to show', () => ext.session.address === NOWHERE && ext.session.status !== 'connected' && ext.session.state.artifacts.size === 0);
  });

  after(async () => {
    for (const slot of slots) {
      await retire(slot);
    }
    await vscode.workspace.getConfiguration().update('skaffold.address', undefined, vscode.ConfigurationTarget.Global);
  });

  async function retire(slot: (typeof slots)[number]): Promise<void> {
    if (slot.session && ext.manager.get(slot.session.id)) {
      ext.manager.remove(slot.session);
    }
    await slot.fake?.stop();
    slot.session = undefined;
    slot.fake = undefined;
  }

  /** A new fake Skaffold with the case's GetState and history, and a session attached to it. */
  async function renew(slot: (typeof slots)[number], c: Case): Promise<void> {
    await retire(slot);
    const fake = await FakeSkaffold.start({ port: 0 });
    if (c.state) {
      fake.state = c.state as State;
    }
    for (const e of c.history) {
      fake.emit(e);
    }
    slot.fake = fake;
    slot.session = await vscode.commands.executeCommand<SkaffoldSession>('skaffold.attach', fake.address);
    assert.ok(slot.session, 'skaffold.attach returned the session');
    slot.cases = 0;
    stats.sessions++;
    stats.entries += c.history.length;
  }

  /** Resolves once the session has applied everything sent before `sentinel`. */
  async function applied(session: SkaffoldSession, sentinel: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (session.state.skaffoldInfo !== sentinel) {
      if (Date.now() > deadline) {
        throw new Error(`case ${current}: the session did not apply its events (status ${session.status}: ${session.lastError?.message ?? ''})`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  function checkItem(view: string, item: vscode.TreeItem, isSession: boolean): void {
    stats.rows++;
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    if (CONTROL.test(label) || label.length > 1000) {
      note('label', `${view} row label ${show(label, 300)} (${label.length} long)`);
    }
    if (typeof item.description === 'string' && (CONTROL.test(item.description) || item.description.length > 1000)) {
      note('description', `${view} row ${show(label, 80)}: description ${show(item.description, 300)}`);
    }
    const a11y = item.accessibilityInformation?.label;
    if (a11y !== undefined && CONTROL.test(a11y)) {
      note('accessibility', `${view} row ${show(label, 80)}: accessibility label ${show(a11y, 300)}`);
    }
    if (!isSession && item.contextValue?.includes(';')) {
      // `;` separates the flags the menus' `when` clauses match (`viewItem =~ /;stoppable\b/`).
      note('context value', `${view} row ${show(label, 80)}: contextValue ${show(item.contextValue, 300)}`);
    }
    const tip = item.tooltip;
    if (tip instanceof vscode.MarkdownString) {
      stats.tooltips++;
      if (tip.isTrusted || tip.supportHtml || tip.supportThemeIcons) {
        note('tooltip kind', `${view} row ${show(label, 80)}: isTrusted ${JSON.stringify(tip.isTrusted)}, supportHtml ${tip.supportHtml}, supportThemeIcons ${tip.supportThemeIcons}`);
      }
      const problem = markdownProblem(tip.value);
      if (problem) {
        note('tooltip markdown', `${view} row ${show(label, 80)}: ${problem} in ${show(tip.value, 600)}`);
      }
    } else if (typeof tip === 'string') {
      // A plain string tooltip is shown as text, never as markdown: only one line is asked of it.
      if (CONTROL.test(tip)) {
        note('tooltip kind', `${view} row ${show(label, 80)}: plain tooltip with a control character ${show(tip, 300)}`);
      }
    } else if (tip !== undefined) {
      note('tooltip kind', `${view} row ${show(label, 80)}: a tooltip of another kind`);
    }
  }

  async function walk(view: string, provider: vscode.TreeDataProvider<unknown>, parent?: unknown, depth = 0): Promise<void> {
    const children = (await provider.getChildren(parent)) ?? [];
    for (const child of children) {
      const item = await hovered(provider, child);
      checkItem(view, item, (child as { kind?: string }).kind === 'session');
      if (depth < 4) {
        await walk(view, provider, child, depth + 1);
      }
    }
  }

  async function walkEverything(): Promise<void> {
    for (const [view, provider] of [['artifacts', ext.views.artifacts], ['resources', ext.views.resources], ['ports', ext.views.ports]] as const) {
      try {
        await walk(view, provider as vscode.TreeDataProvider<unknown>);
      } catch (err) {
        note('throws', `reading ${view}: ${String((err as Error)?.stack ?? err)}`);
      }
    }
    const item = (ext.statusBar as unknown as { item: vscode.StatusBarItem }).item;
    if (CONTROL.test(item.text)) {
      note('status bar', `text ${show(item.text)}`);
    }
    if (item.tooltip instanceof vscode.MarkdownString) {
      const problem = item.tooltip.isTrusted || item.tooltip.supportHtml ? 'trusted or HTML' : markdownProblem(item.tooltip.value);
      if (problem) {
        note('status bar', `tooltip: ${problem} in ${show(item.tooltip.value, 600)}`);
      }
    }
  }

  it('runs every case through two attached sessions and the real trees; nothing throws', async function () {
    this.timeout(BUDGET_MS + 60_000);
    const started = Date.now();
    const logs = ext.manager.onDidLog(({ record }) => {
      stats.logLines++;
      const line = describeEntry(record.entry);
      if (CONTROL.test(line)) {
        note('log line', `${show(line, 300)} from ${show(record.entry, 600)}`);
      }
    });
    try {
      const cases = fc.sample(caseArb, { seed: SEED, numRuns: CASES });
      for (const [i, c] of cases.entries()) {
        current = i;
        const slot = slots[c.slot];
        if (!slot.session || slot.cases >= ROTATE) {
          await renew(slot, c);
        }
        for (const e of c.entries) {
          slot.fake!.emit(e as LogEntry);
        }
        const sentinel = `fuzz case ${i}`;
        const now = Date.now();
        slot.fake!.emit({ timestamp: { seconds: String(Math.floor(now / 1000) + 1), nanos: (now % 1000) * 1e6 }, event: { metaEvent: { entry: sentinel } }, entry: '' });
        await applied(slot.session!, sentinel);
        slot.cases++;
        stats.entries += c.entries.length;
        await walkEverything();
        stats.cases++;
        if (Date.now() - started > BUDGET_MS) {
          break;
        }
      }
    } finally {
      logs.dispose();
      console.log(`[skaffold-test] fuzz: seed 0x${SEED.toString(16)}, ${stats.cases}/${CASES} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ${stats.entries} entries, ${stats.sessions} sessions, ${stats.rows} rows and ${stats.tooltips} tooltips read, ${stats.logLines} log lines`);
    }
    expectNone('throws');
  });

  it('every tooltip is an untrusted MarkdownString (no isTrusted, supportHtml or theme icons) or plain one-line text', () => expectNone('tooltip kind'));

  it('every tooltip renders (marked) with no link, image or HTML, only our own tags, no unescaped theme icon', () => expectNone('tooltip markdown'));

  it('row labels have no control character, line break or bidi override', () => expectNone('label'));

  it('row descriptions have no control character, line break or bidi override', () => expectNone('description'));

  it('row accessibility labels have no control character, line break or bidi override', () => expectNone('accessibility'));

  it('server text cannot add flags to a row\'s contextValue (no `;`)', () => expectNone('context value'));

  it('the status bar item: text on one line, tooltip untrusted and inert', () => expectNone('status bar'));

  it('the log line of every entry the sessions logged is one line', () => expectNone('log line'));
});
