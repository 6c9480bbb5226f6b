/**
 * Property-based fuzzing of everything that turns Skaffold's (untrusted) events into what a
 * person sees: the reducer, the presentation helpers, the log line and the tooltip markdown.
 * Inputs come from ./arbitraries: every Event member and State field in the shapes
 * @grpc/proto-loader decodes, random and adversarial strings (huge, control characters,
 * markdown, HTML, `command:` / `javascript:` links, theme icons), unknown enum values and
 * event kinds, missing fields, negative and huge ports and iterations.
 *
 * How cases are counted: SKAFFOLD_FUZZ_RUNS (default 100,000) is the total number of fast-check
 * cases of this file, split between the properties by RUN_SHARES (each test's name gives its
 * count). A case is one generated input, so not every case goes through the whole pipeline:
 * - reducer: a GetState and a batch of 0-24 LogEntries (10,000 cases, about 48,000 entries);
 * - a session's Ownership: the same entries cut into batches written in place, the state handed
 *   out between them (3,000 cases);
 * - full pipeline: the same, then every row's description, label and summary, and every
 *   tooltip built as the views build theirs and rendered with marked (6,000 cases, about
 *   29,000 entries and 50,000 tooltips): 100,000 of these alone would take about 2 minutes;
 * - GetState reconciliation after a batch (5,000), one LogEntry -> its log line (2 x 14,000),
 *   one tooltip of random strings (13,000), the status bar's markdown (2 x 6,000), one
 *   PortState (11,000), one session address (2,000), one string or duration (10,000).
 * The run prints the totals (cases run, LogEntries, markdown documents rendered). It takes
 * about 40 s on a 2-core machine.
 *
 * Seed: 0x5ca1d unless SKAFFOLD_FUZZ_SEED is set (decimal, 0x hex, or `random`: then printed in
 * the test names). On a failure fast-check prints the seed, the path and the shrunk
 * counterexample; the same seed (and at least as many runs) reproduces it:
 * `SKAFFOLD_FUZZ_SEED=<seed> node --test out/test/unit/fuzz.test.js`. To fuzz longer:
 * `SKAFFOLD_FUZZ_RUNS=1000000` (or SKAFFOLD_FUZZ_SEED=random, repeatedly).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { marked } from 'marked';
import { Bound, bounded, cleanText, isLoopbackHost, oneLine, UNSAFE_CHARACTER, Width } from '../../src/skaffold/base/text';
import { describeEntry } from '../../src/skaffold/present/eventLine';
import { escapeMarkdown, InertMarkdown } from '../../src/skaffold/present/markdown';
import {
  ArtifactState, emptyChange, ErrorInfo, initialState, mergeChange, PhaseState, PortState, ResourceState, SessionState, StateChange,
} from '../../src/skaffold/state/model';
import {
  formatDuration, groupResources, portLabel, portUrl, sessionDescription, sessionSummary, summarize,
} from '../../src/skaffold/present/labels';
import { artifactRow, currentIteration, phaseRow, portRow, resourceRow } from '../../src/skaffold/present/rows';
import { applyBatch, Ownership, reduce } from '../../src/skaffold/state/reducer';
import { stateFromServer } from '../../src/skaffold/state/fromProto';
import { reconcileStatuses, reconcileTriggers } from '../../src/skaffold/state/reconcile';
import type { SessionProcess, SessionStatus } from '../../src/skaffold/session/session';
import { ADVERSARIAL, adversarialString, arb, DEFAULT_SEED, portNumber } from './arbitraries';

// ------------------------------------------------------------------------------ seed and count

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) {
    throw new Error(`not an integer: ${text}`);
  }
  return n;
}

/** SKAFFOLD_FUZZ_SEED=random picks one (printed in every test name, to reproduce what it finds). */
const SEED = process.env.SKAFFOLD_FUZZ_SEED?.trim() === 'random'
  ? Math.floor(Math.random() * 2 ** 31)
  : parseNumber(process.env.SKAFFOLD_FUZZ_SEED) ?? DEFAULT_SEED;
const RUNS = Math.max(1, parseNumber(process.env.SKAFFOLD_FUZZ_RUNS) ?? 100_000);

/** Each property's share of RUNS (sums to 1). */
const RUN_SHARES = {
  reducer: 0.10,
  ownership: 0.03,
  views: 0.06,
  reconcile: 0.05,
  logLine: 0.14,
  logLineBreaks: 0.14,
  markdown: 0.13,
  statusBarSafe: 0.06,
  statusBarFaithful: 0.06,
  ports: 0.11,
  sessionAddress: 0.02,
  oneLine: 0.10,
} as const;

const totals = { cases: 0, events: 0, markdown: 0 };

function runs(share: keyof typeof RUN_SHARES): number {
  return Math.max(1, Math.round(RUNS * RUN_SHARES[share]));
}

/** fc.assert, counting the cases run (up to the first failure, whose report names the seed, the path and the shrunk counterexample). */
function check<T>(share: keyof typeof RUN_SHARES, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void): void {
  const details = fc.check(fc.property(arbitrary, predicate), { seed: SEED, numRuns: runs(share), includeErrorInReport: true });
  totals.cases += details.numRuns;
  if (details.failed) {
    throw new Error(fc.defaultReportMessage(details));
  }
}

const label = (share: keyof typeof RUN_SHARES) => `(seed 0x${SEED.toString(16)}, ${runs(share)} cases)`;

after(() => {
  // node:test prints this with the results: how much was fuzzed, and how to reproduce it.
  console.log(`fuzz: seed 0x${SEED.toString(16)}, ${totals.cases} cases run (of ${RUNS}; a failing property stops at its first counterexample), ${totals.events} LogEntries through the reducer or describeEntry, ${totals.markdown} markdown documents rendered with marked`);
});

// ---------------------------------------------------------------------------------- invariants

/** assert.ok with a message built only on failure: the messages quote the input, and most checks pass. */
function ensure(condition: unknown, message: () => string): asserts condition {
  if (!condition) {
    assert.fail(message());
  }
}

/** What must never reach a one-line label, description or log line. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A string as JSON, with the invisible characters JSON leaves as they are (U+2028, U+202E, U+0085...) spelled out. */
function show(text: string, max = 300): string {
  return JSON.stringify(text.slice(0, max)).replace(new RegExp(CONTROL.source, 'gu'), (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

function assertOneLine(text: unknown, max: number, what: string): void {
  assert.equal(typeof text, 'string', `${what} is a string`);
  const s = text as string;
  const bad = CONTROL.exec(s);
  ensure(!bad, () => `${what} has no control character, line break or bidi override; found U+${bad?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} in ${show(s, 300)}`);
  ensure(s.length <= max, () => `${what} is at most ${max} long, is ${s.length}`);
}

/** The bounds the state keeps (base/text.ts Bound, used by state/fromProto.ts and the reducer): a cut text ends with "…" within the bound. */
const BOUND = {
  name: Bound.name, text: Bound.text, status: Bound.word, code: Bound.word, action: Bound.text, platform: Bound.word, platforms: Bound.name,
  version: 64, short: Bound.word, namespace: Bound.name, workingDir: Bound.path, suggestions: 20, debugPorts: 50,
};

function assertText(value: unknown, max: number, what: string, optional = true): void {
  if (value === undefined && optional) {
    return;
  }
  assert.equal(typeof value, 'string', `${what} is a string`);
  ensure((value as string).length <= max, () => `${what} is bounded to ${max}, is ${(value as string).length}`);
}

function assertTime(value: unknown, what: string): void {
  ensure(value === undefined || (typeof value === 'number' && Number.isFinite(value)), () => `${what} is a finite time or absent: ${String(value)}`);
}

function assertError(e: ErrorInfo | undefined, what: string): void {
  if (e === undefined) {
    return;
  }
  assertText(e.message, BOUND.text, `${what}.message`, false);
  assertText(e.code, BOUND.code, `${what}.code`);
  ensure(Array.isArray(e.suggestions) && e.suggestions.length <= BOUND.suggestions, () => `${what}: at most ${BOUND.suggestions} suggestions`);
  for (const s of e.suggestions) {
    assertText(s.action, BOUND.action, `${what} suggestion`, false);
    ensure(s.action.length > 0, () => `${what}: no empty suggestion`);
    assertText(s.code, BOUND.code, `${what} suggestion code`);
  }
}

function assertPhase(p: PhaseState | undefined, what: string): void {
  if (!p) {
    return;
  }
  assertText(p.status, BOUND.status, `${what}.status`, false);
  assertText(p.message, BOUND.text, `${what}.message`);
  assertText(p.code, BOUND.code, `${what}.code`);
  assertTime(p.at, `${what}.at`);
  assertError(p.error, `${what}.error`);
}

/** Every string of the state is bounded as the reducer promises, and every map is keyed as the views expect. */
function assertWellFormed(s: SessionState): void {
  for (const [key, a] of s.artifacts) {
    assert.equal(key, a.name, 'artifacts are keyed by their name');
    assertText(a.name, BOUND.name, 'artifact name', false);
    assert.ok(a.name.length > 0, 'no artifact without a name');
    assertText(a.status, BOUND.status, 'artifact status', false);
    ensure(Number.isInteger(a.iteration), () => `artifact iteration is an integer: ${a.iteration}`);
    assertTime(a.startedAt, 'artifact startedAt');
    assertError(a.error, 'artifact error');
    assertText(a.hostPlatform, BOUND.platform, 'hostPlatform');
    assertText(a.targetPlatforms, BOUND.platforms, 'targetPlatforms');
    const last = a.lastResult;
    if (last) {
      assertText(last.status, BOUND.status, 'last result status', false);
      assertTime(last.at, 'last result at');
      ensure(last.durationMs === undefined || (Number.isFinite(last.durationMs) && last.durationMs >= 0), () => `duration is absent or finite and not negative: ${last.durationMs}`);
      assertError(last.error, 'last result error');
    }
  }
  for (const [key, r] of s.resources) {
    assert.equal(key, r.name, 'resources are keyed by their name');
    assertText(r.name, BOUND.name, 'resource name', false);
    assert.ok(r.name.length > 0, 'no resource without a name');
    assertText(r.status, BOUND.status, 'resource status', false);
    assertText(r.message, BOUND.text, 'resource message');
    assertText(r.code, BOUND.code, 'resource code');
    assertTime(r.at, 'resource at');
    assertError(r.error, 'resource error');
  }
  for (const [key, p] of s.ports) {
    ensure(typeof key === 'number' && Number.isInteger(key) && key >= 1 && key <= 65535, () => `port keys are integers in 1..65535: ${String(key)}`);
    assert.equal(key, p.localPort, 'ports are keyed by their local port');
    assertText(p.address, BOUND.short, 'port address', false);
    assertText(p.resourceType, BOUND.short, 'port resourceType');
    assertText(p.resourceName, BOUND.name, 'port resourceName');
    assertText(p.namespace, BOUND.namespace, 'port namespace');
    assertText(p.podName, BOUND.name, 'port podName');
    assertText(p.containerName, BOUND.name, 'port containerName');
    assertText(p.portName, BOUND.short, 'port portName');
    if (typeof p.targetPort === 'string') {
      assertText(p.targetPort, BOUND.short, 'named target port');
    } else {
      ensure(p.targetPort === undefined || (typeof p.targetPort === 'number' && p.targetPort > 0), () => `target port: ${String(p.targetPort)}`);
    }
  }
  for (const [key, c] of s.debugContainers) {
    assert.equal(key, c.key, 'debug containers are keyed by their key');
    assertText(c.status, BOUND.status, 'debug container status', false);
    assertText(c.podName, BOUND.name, 'debug podName');
    assertText(c.containerName, BOUND.name, 'debug containerName');
    assertText(c.namespace, BOUND.namespace, 'debug namespace');
    assertText(c.artifact, BOUND.name, 'debug artifact');
    assertText(c.runtime, BOUND.short, 'debug runtime');
    assertText(c.workingDir, BOUND.workingDir, 'debug workingDir');
    const ports = Object.entries(c.debugPorts);
    ensure(ports.length <= BOUND.debugPorts, () => `at most ${BOUND.debugPorts} debug ports, got ${ports.length}`);
    for (const [name, port] of ports) {
      assertText(name, BOUND.short, 'debug port name', false);
      assert.equal(typeof port, 'number');
    }
  }
  assertPhase(s.deploy, 'deploy');
  assertPhase(s.statusCheck, 'statusCheck');
  assertPhase(s.fileSync, 'fileSync');
  assertText(s.fileSync.image, BOUND.name, 'fileSync image');
  assert.ok(s.fileSync.fileCount === undefined || Number.isInteger(s.fileSync.fileCount));
  assertPhase(s.test, 'test');
  assertPhase(s.termination, 'termination');
  ensure(Number.isInteger(s.devLoop.iteration), () => `dev loop iteration is an integer: ${s.devLoop.iteration}`);
  assertText(s.devLoop.status, BOUND.status, 'dev loop status', false);
  assertError(s.devLoop.error, 'dev loop error');
  assertTime(s.devLoop.at, 'dev loop at');
  assertTime(s.devLoop.startedAt, 'dev loop startedAt');
  assertText(s.skaffoldInfo, BOUND.text, 'skaffoldInfo');
  assertText(s.skaffoldVersion, BOUND.version, 'skaffoldVersion');
  assert.ok(Number.isInteger(s.unknownEvents) && s.unknownEvents >= 0);
  assertTime(s.lastEventAt, 'lastEventAt');
  for (const v of Object.values(s.autoTrigger)) {
    assert.ok(v === undefined || typeof v === 'boolean');
  }
}

/** The state as plain data, Maps in their order (the views show that order). */
function snapshot(s: SessionState): unknown {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Map ? [...v.entries()] : v]));
}

function changeSnapshot(c: StateChange): unknown {
  return { sections: [...c.sections].sort(), all: [...c.all].sort(), artifacts: [...c.artifacts].sort(), resources: [...c.resources].sort(), ports: [...c.ports].sort((a, b) => a - b) };
}

// ------------------------------------------------------------------------------------ markdown

const ALLOWED_TOKENS = new Set(['paragraph', 'strong', 'hr', 'br', 'text', 'escape', 'space']);
const ALLOWED_TAG = /^<\/?(p|strong|hr|br)>$/;

interface MdToken { type: string; [key: string]: unknown }

function walkTokens(tokens: unknown, visit: (t: MdToken) => void): void {
  if (!Array.isArray(tokens)) {
    return;
  }
  for (const t of tokens) {
    if (Array.isArray(t)) {
      walkTokens(t, visit); // table rows
    } else if (t && typeof t === 'object' && typeof (t as MdToken).type === 'string') {
      visit(t as MdToken);
      for (const key of ['tokens', 'items', 'header', 'rows', 'cells']) {
        walkTokens((t as MdToken)[key], visit);
      }
    } else if (t && typeof t === 'object' && Array.isArray((t as { tokens?: unknown }).tokens)) {
      walkTokens((t as { tokens: unknown }).tokens, visit); // table cells
    }
  }
}

function decodeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': '\'', amp: '&' })[e]!);
}

/** A `$` with an even number of backslashes before it (none included) is a theme icon waiting to happen. */
function unescapedDollar(md: string): number {
  for (let i = md.indexOf('$'); i >= 0; i = md.indexOf('$', i + 1)) {
    let slashes = 0;
    while (i - slashes - 1 >= 0 && md[i - slashes - 1] === '\\') {
      slashes++;
    }
    if (slashes % 2 === 0) {
      return i;
    }
  }
  return -1;
}

/** What a reader sees: the text of the HTML, line breaks as newlines. */
function visibleText(html: string): string {
  return decodeHtml(html.replace(/<br>/g, '\n').replace(/<[^>]*>/g, ''));
}

interface Rendered { md: string; tokens: MdToken[]; html: string }

/** Markdown as VS Code renders it: marked (the version VS Code vendors), GFM on. */
function render(md: string): Rendered {
  totals.markdown++;
  return { md, tokens: marked.lexer(md, { gfm: true }) as unknown as MdToken[], html: marked.parse(md, { async: false, gfm: true }) };
}

/**
 * What no server string may ever become: no link, image or HTML token anywhere, no element of
 * the input's HTML (`<a`, `<img`, `<script`, any tag with attributes) in the output, no
 * unescaped `$(` theme icon.
 */
function assertSafe({ md, tokens, html }: Rendered): void {
  walkTokens(tokens, (t) => {
    ensure(t.type !== 'link' && t.type !== 'image' && t.type !== 'html', () => `no ${t.type} token: ${JSON.stringify(t.raw)} in ${show(md, 500)}`);
  });
  for (const [tag] of html.matchAll(/<[^>]*>?/g)) {
    ensure(/^<\/?[a-z][a-z0-9]*>$/.test(tag) && !/^<\/?(a|img|script|iframe|style|svg|object|embed|input|form)>$/.test(tag), () => `no HTML element from the input, found ${JSON.stringify(tag)} in ${show(html, 500)}`);
  }
  const dollar = unescapedDollar(md);
  ensure(dollar === -1, () => `theme-icon syntax escaped: ${JSON.stringify(md.slice(Math.max(0, dollar - 20), dollar + 20))}`);
}

/** Only the structure our markdown makes (paragraphs, bold, rules, line breaks), and each expected text shown as it is. */
function assertFaithful({ md, tokens, html }: Rendered, expected: string[]): void {
  walkTokens(tokens, (t) => {
    ensure(ALLOWED_TOKENS.has(t.type), () => `only our own structure, not a ${t.type} token: ${JSON.stringify(t.raw)} in ${show(md, 500)}`);
  });
  for (const [tag] of html.matchAll(/<[^>]*>?/g)) {
    ensure(ALLOWED_TAG.test(tag), () => `only our own tags in the HTML, found ${JSON.stringify(tag)} in ${show(html, 500)}`);
  }
  const visible = visibleText(html);
  for (const text of expected) {
    ensure(visible.includes(text), () => `escaping loses nothing: ${show(text, 300)} is not in what is shown: ${show(visible, 600)}`);
  }
}

/** Both: inert, and faithful to the text. */
function assertInert(md: string, expected: string[]): void {
  const r = render(md);
  assertSafe(r);
  assertFaithful(r, expected);
}

/** A tooltip as src/views/*View.ts build theirs (the extension-host fuzz reads the real ones), and the texts it must show. */
class Tip {
  readonly md = new InertMarkdown();
  readonly expected: string[] = [];

  heading(text: string): this {
    this.md.heading(text);
    this.expected.push(oneLine(text, Width.line));
    return this;
  }

  line(name: string, value: string | number | undefined): this {
    this.md.line(name, value);
    if (value !== undefined && value !== '') {
      this.expected.push(`${name}: ${oneLine(value, Width.detail)}`.trimEnd());
    }
    return this;
  }

  error(e: ErrorInfo | undefined, title: string): this {
    this.md.error(e, title);
    if (e) {
      this.expected.push(`${title}${e.code ? ` (${oneLine(e.code, Width.code)})` : ''}: ${oneLine(e.message, Width.message)}`.trimEnd());
      for (const s of e.suggestions) {
        this.expected.push(`• ${oneLine(s.action, Width.detail)}`.trimEnd());
      }
    }
    return this;
  }

  check(): void {
    assertInert(this.md.value, this.expected);
  }
}

// -------------------------------------------------------------------------------- the pipeline

const STATUSES: SessionStatus[] = ['disconnected', 'connecting', 'connected', 'reconnecting', 'ended', 'failed'];

const processArb: fc.Arbitrary<SessionProcess | undefined> = fc.option(fc.record({
  pid: fc.option(fc.integer({ min: -1, max: 2 ** 22 }), { nil: undefined }),
  state: fc.constantFrom('starting', 'running', 'stopping', 'exited'),
  exitCode: fc.option(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constant(null)), { nil: undefined }),
  signal: fc.option(fc.oneof(fc.constantFrom('SIGINT', 'SIGKILL', null), adversarialString), { nil: undefined }),
}, { noNullPrototype: true }) as fc.Arbitrary<SessionProcess>, { nil: undefined });

/** Everything the views show of a state, checked as one line each, and every tooltip rendered. */
function checkPresentation(s: SessionState, process: SessionProcess | undefined): void {
  for (const a of s.artifacts.values()) {
    const row = artifactRow(a, currentIteration(s));
    assertOneLine(row.description, 200, 'artifact description');
    assertOneLine(row.accessible, 600, 'artifact accessible label');
    artifactTip(a).check();
  }
  const groups = groupResources(s.resources.values());
  const seen = groups.flatMap((g) => [g.resource, ...g.children]);
  assert.equal(seen.length, s.resources.size, 'every resource is shown exactly once');
  assert.deepEqual(new Set(seen), new Set(s.resources.values()));
  for (const g of groups) {
    for (const c of g.children) {
      ensure(/^pods?\//i.test(c.name), () => `only pods are grouped under an owner: ${c.name}`);
    }
  }
  for (const r of s.resources.values()) {
    resourceTip(r).check();
    const row = resourceRow(r, s);
    assertOneLine(row.description, 200, 'resource description');
    assertOneLine(row.accessible, 800, 'resource accessible label');
  }
  for (const key of ['deploy', 'statusCheck', 'fileSync', 'test'] as const) {
    assertOneLine(phaseRow(key, s[key], currentIteration(s)).description, 200, 'phase description');
  }
  for (const [name, p] of [['Deploy', s.deploy], ['Status check', s.statusCheck], ['File sync', s.fileSync], ['Test', s.test]] as const) {
    new Tip().heading(name).line('Status', p.status).line('Message', p.message).line('Code', p.code).line('Updated', p.at ? new Date(p.at).toLocaleTimeString() : undefined).error(p.error, 'Failed').check();
  }
  for (const p of s.ports.values()) {
    assertOneLine(portLabel(p), 400, 'port label');
    assertOneLine(portRow(p, currentIteration(s)).accessible, 800, 'port accessible label');
    assertPortUrl(p);
    portTip(p).check();
  }
  for (const status of STATUSES) {
    assertOneLine(summarize(status, s).text, 100, 'summary');
    assertOneLine(sessionSummary({ status, state: s, process }).text, 100, 'session summary');
    assertOneLine(sessionDescription({ address: '127.0.0.1:50051', status, state: s }), 200, 'session description');
  }
}

function artifactTip(a: ArtifactState): Tip {
  const tip = new Tip().heading(a.name).line('Status', a.status).line('Iteration', a.iteration >= 0 ? `#${a.iteration}` : undefined);
  if (a.lastResult) {
    tip.line('Last build', `${a.lastResult.status} in #${a.lastResult.iteration}${a.lastResult.durationMs !== undefined ? ` after ${formatDuration(a.lastResult.durationMs)}` : ''}`);
    if (a.lastResult.at) {
      tip.line('Finished', new Date(a.lastResult.at).toLocaleTimeString());
    }
  }
  return tip.line('Platform', a.targetPlatforms ?? a.hostPlatform).error(a.error, 'Build failed');
}

function resourceTip(r: ResourceState): Tip {
  return new Tip().heading(r.name).line('Status', r.status).line('Message', r.message).line('Code', r.code)
    .line('Updated', r.at ? new Date(r.at).toLocaleTimeString() : undefined).error(r.error, 'Failed');
}

function portTip(p: PortState): Tip {
  return new Tip().heading(portUrl(p) ?? `port ${p.localPort}`).line('Resource', `${p.resourceType ?? ''}/${p.resourceName ?? ''}`)
    .line('Namespace', p.namespace).line('Pod', p.podName).line('Container', p.containerName).line('Port name', p.portName)
    .line('Remote port', p.targetPort).line('Bound to', p.address);
}

function assertPortUrl(p: PortState): void {
  const url = portUrl(p);
  if (url !== undefined) {
    const m = /^http:\/\/(localhost|127(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):([1-9]\d{0,4})$/.exec(url);
    ensure(m && Number(m[2]) <= 65535 && isLoopbackHost(m[1]), () => `only http://<loopback host>:<1..65535>, got ${JSON.stringify(url)}`);
    assert.equal(Number(m[2]), p.localPort, 'the URL opens the forwarded port');
    assert.ok(isLoopbackHost(p.address), 'only for a forward on a loopback address');
  }
}

const batchArb = fc.record({
  server: fc.option(arb.state, { nil: undefined }),
  entries: fc.array(arb.entry, { maxLength: 24 }),
  split: fc.nat(),
  process: processArb,
});

test(`reducer: any events and GetState never throw, stay bounded and well keyed, leave their input unchanged, and a batch equals its entries one by one ${label('reducer')}`, () => {
  check('reducer', batchArb, ({ server, entries, split }) => {
    totals.events += entries.length;
    const s0 = server ? stateFromServer(server) : initialState();
    assertWellFormed(s0);
    const before = structuredClone(snapshot(s0));

    const batchChange = emptyChange();
    const batched = applyBatch(s0, entries, batchChange);
    const oneByOneChange = emptyChange();
    const oneByOne = entries.reduce((s, e) => {
      const r = reduce(s, e);
      mergeChange(oneByOneChange, r.change);
      return r.state;
    }, s0);
    assert.deepEqual(snapshot(batched), snapshot(oneByOne), 'applying a batch equals applying its entries one by one');
    assert.deepEqual(changeSnapshot(batchChange), changeSnapshot(oneByOneChange), 'and reports the same change');
    const k = entries.length === 0 ? 0 : split % (entries.length + 1);
    const inTwo = applyBatch(applyBatch(s0, entries.slice(0, k), emptyChange()), entries.slice(k), emptyChange());
    assert.deepEqual(snapshot(inTwo), snapshot(batched), 'however the stream is cut into batches');
    assert.deepEqual(snapshot(s0), before, 'the reducer is pure: the state it was given is unchanged');
    assertWellFormed(batched);
  });
});

const ownershipArb = fc.record({
  server: fc.option(arb.state, { nil: undefined }),
  entries: fc.array(arb.entry, { maxLength: 24 }),
  cuts: fc.array(fc.record({ at: fc.nat(), handOut: fc.boolean() }), { maxLength: 6 }),
  inPlace: fc.boolean(),
});

/** What a handed-out state promises to keep: all of it as it was, but the resources in place. */
function handedOutView(s: SessionState, inPlace: boolean): unknown {
  // In place, the resources (map and objects) are the live ones: written after a hand-out too.
  return Object.fromEntries(Object.entries(s).filter(([k]) => !(inPlace && k === 'resources')).map(([k, v]) => [k, v instanceof Map ? [...v.entries()] : v]));
}

test(`reducer with an Ownership across batches: the same state as one by one; a handed-out state keeps its maps (and, not in place, everything) ${label('ownership')}`, () => {
  check('ownership', ownershipArb, ({ server, entries, cuts, inPlace }) => {
    totals.events += entries.length;
    const s0 = server ? stateFromServer(server) : initialState();
    const oneByOne = entries.reduce((s, e) => reduce(s, e).state, s0);
    const given = structuredClone(handedOutView(s0, inPlace));
    const givenResources = [...s0.resources.keys()];
    const own = new Ownership(inPlace);
    const points = [...new Set(cuts.map((c) => (entries.length === 0 ? 0 : c.at % (entries.length + 1))))].sort((a, b) => a - b);
    const handed: { state: SessionState; view: unknown }[] = [];
    let state = s0;
    let from = 0;
    for (const [i, at] of [...points, entries.length].entries()) {
      state = applyBatch(state, entries.slice(from, at), emptyChange(), own);
      from = at;
      if (cuts[i]?.handOut) {
        own.release();
        handed.push({ state, view: structuredClone(handedOutView(state, inPlace)) });
      }
    }
    assert.deepEqual(snapshot(state), snapshot(oneByOne), 'batches written in place end where the entries one by one do');
    for (const h of handed) {
      assert.deepEqual(handedOutView(h.state, inPlace), h.view, 'a handed-out state is not written to afterwards');
    }
    assert.deepEqual(handedOutView(s0, inPlace), given, 'the state it was given keeps its maps (not in place: all of it)');
    assert.deepEqual([...s0.resources.keys()], givenResources, 'the state it was given keeps its resources map, in place too');
    assertWellFormed(state);
  });
});

test(`views of any reduced state: descriptions, labels and summaries are one bounded line; tooltips render with no link, image or HTML and lose no text ${label('views')}`, () => {
  check('views', batchArb, ({ server, entries, process }) => {
    totals.events += entries.length;
    const s = applyBatch(server ? stateFromServer(server) : initialState(), entries, emptyChange());
    checkPresentation(s, process);
  });
});

test(`GetState reconciliation: never throws, stays bounded, pure, and takes Skaffold's triggers and statuses ${label('reconcile')}`, () => {
  const arbitrary = fc.record({ server: fc.option(arb.state, { nil: undefined }), entries: fc.array(arb.entry, { maxLength: 12 }), reconcileWith: arb.state });
  check('reconcile', arbitrary, ({ server, entries, reconcileWith }) => {
    totals.events += entries.length;
    const s = applyBatch(server ? stateFromServer(server) : initialState(), entries, emptyChange());
    const before = structuredClone(snapshot(s));
    const triggers = reconcileTriggers(s, reconcileWith);
    const statuses = reconcileStatuses(s, reconcileWith);
    assert.deepEqual(snapshot(s), before, 'reconciling leaves the state it was given unchanged');
    for (const r of [triggers, statuses]) {
      assertWellFormed(r.state);
      const expected = {
        build: reconcileWith.buildState ? reconcileWith.buildState.autoTrigger === true : undefined,
        sync: reconcileWith.fileSyncState ? reconcileWith.fileSyncState.autoTrigger === true : undefined,
        deploy: reconcileWith.deployState ? reconcileWith.deployState.autoTrigger === true : undefined,
      };
      const { build, sync, deploy } = r.state.autoTrigger;
      assert.deepEqual({ build, sync, deploy }, expected, 'the auto triggers are Skaffold\'s');
    }
    // Each artifact Skaffold names ends with the status it gives (the last one, when two
    // names are the same once bounded).
    const wanted = new Map<string, string>();
    for (const [raw, status] of Object.entries(reconcileWith.buildState?.artifacts ?? {})) {
      if (raw.length > 0) {
        wanted.set(bounded(raw, Bound.name)!, bounded(status, Bound.word) ?? '');
      }
    }
    for (const [name, status] of wanted) {
      assert.equal(statuses.state.artifacts.get(name)?.status, status, `artifact ${show(name, 80)} has Skaffold's status`);
      assert.ok(triggers.state.artifacts.has(name), 'an artifact Skaffold names is shown');
    }
  });
});

// ------------------------------------------------------------------------------- the log line

test(`log lines: describeEntry never throws and stays bounded, whatever the LogEntry ${label('logLine')}`, () => {
  check('logLine', arb.entry, (e) => {
    totals.events++;
    const line = describeEntry(e);
    assert.equal(typeof line, 'string');
    ensure(line.length <= Width.message, () => `a log line is at most ${Width.message} long, is ${line.length}`);
    ensure(!UNSAFE_CHARACTER.test(line), () => `no control, bidi or invisible character: ${show(line, 300)}`);
  });
});

test(`log lines: each event is one line, with no newline, tab or line separator from the server ${label('logLineBreaks')}`, () => {
  check('logLineBreaks', arb.entry, (e) => {
    totals.events++;
    assertOneLine(describeEntry(e), Width.message, 'log line');
  });
});

// ------------------------------------------------------------------------------------ markdown

const anyValue = fc.oneof(adversarialString, fc.integer(), fc.double(), fc.constant(undefined));
const errorArb: fc.Arbitrary<ErrorInfo | undefined> = fc.option(fc.record({
  message: adversarialString,
  code: fc.option(adversarialString, { nil: undefined }),
  suggestions: fc.array(fc.record({ code: fc.option(adversarialString, { nil: undefined }), action: adversarialString }, { noNullPrototype: true }), { maxLength: 4 }),
}, { noNullPrototype: true }), { nil: undefined });

const tooltipArb = fc.record({
  heading: adversarialString,
  lines: fc.array(fc.tuple(fc.constantFrom('Status', 'Message', 'Code', 'Remote port', 'Bound to'), anyValue), { maxLength: 5 }),
  error: errorArb,
  title: fc.constantFrom('Error', 'Failed', 'Build failed'),
});

test(`tooltips: InertMarkdown of any strings renders (marked) with no link, image, HTML or theme icon, only <p> <strong> <hr> <br>, and shows every text ${label('markdown')}`, () => {
  // The hand-picked attacks, each alone and in every position, before the random ones.
  for (const evil of ADVERSARIAL) {
    const tip = new Tip().heading(evil).line('Status', evil).line('Message', `x ${evil} y`).error({ message: evil, code: evil, suggestions: [{ action: evil, code: evil }] }, 'Failed');
    tip.check();
    assertInert(`a ${escapeMarkdown(oneLine(evil, Width.name))} b`, [`a ${oneLine(evil, Width.name)} b`]);
  }
  assertInert(new InertMarkdown().heading('[x](command:workbench.action.terminal.new)').value, ['[x](command:workbench.action.terminal.new)']);
  assertInert(new InertMarkdown().heading('x'.repeat(100_000)).value, [`${'x'.repeat(Width.line - 1)}…`]);
  check('markdown', tooltipArb, ({ heading, lines, error, title }) => {
    const tip = new Tip().heading(heading);
    for (const [name, value] of lines) {
      tip.line(name, value);
    }
    tip.error(error, title).check();
  });
});

/**
 * statusBar.ts: the first line is ours, then the session's last error, whose server part is
 * toSkaffoldError's cleanText(details, Width.line): at most 300 characters, control characters gone, tabs
 * and newlines kept.
 */
const statusBarLines = fc.array(adversarialString, { maxLength: 6 })
  .map((parts) => ['Skaffold at 127.0.0.1:50051: not connected', ...cleanText(parts.join('\n'), Width.line).split('\n'), 'Click to show the Skaffold views.']);

function statusBarMarkdown(lines: string[]): Rendered {
  return render(lines.map(escapeMarkdown).join('  \n'));
}

test(`status bar tooltip: lines escaped one by one and joined as the status bar does render with no link, image, HTML or theme icon ${label('statusBarSafe')}`, () => {
  check('statusBarSafe', statusBarLines, (lines) => assertSafe(statusBarMarkdown(lines)));
});

test(`status bar tooltip: only paragraphs and line breaks, and every line shown as it is ${label('statusBarFaithful')}`, () => {
  check('statusBarFaithful', statusBarLines, (lines) => {
    assertFaithful(statusBarMarkdown(lines), lines.map((l) => l.trim()));
  });
});

// ------------------------------------------------------------------------ ports and one-liners

const portStateArb: fc.Arbitrary<PortState> = fc.record({
  localPort: portNumber,
  address: arb.address,
  resourceType: fc.option(adversarialString, { nil: undefined }),
  resourceName: fc.option(adversarialString, { nil: undefined }),
  podName: fc.option(adversarialString, { nil: undefined }),
  namespace: fc.option(adversarialString, { nil: undefined }),
  targetPort: fc.option(fc.oneof(portNumber, adversarialString), { nil: undefined }),
  iteration: fc.nat(1000),
  epoch: fc.nat(1000),
}, { requiredKeys: ['localPort', 'address', 'iteration', 'epoch'], noNullPrototype: true });

test(`ports: portUrl is http://<loopback>:<1..65535> or nothing, whatever the address and port; labels are one bounded line ${label('ports')}`, () => {
  check('ports', portStateArb, (p) => {
    assertPortUrl(p);
    if (!isLoopbackHost(p.address) || !Number.isInteger(p.localPort) || p.localPort < 1 || p.localPort > 65535) {
      assert.equal(portUrl(p), undefined, `no URL for ${JSON.stringify(p.address)}:${p.localPort}`);
    }
    assertOneLine(portLabel({ ...p, localPort: Number.isInteger(p.localPort) && p.localPort >= 1 && p.localPort <= 65535 ? p.localPort : 1 }), 400, 'port label');
  });
});

test(`session description: one line whatever the address the session was given ${label('sessionAddress')}`, () => {
  check('sessionAddress', fc.tuple(adversarialString, fc.option(adversarialString, { nil: undefined }), fc.constantFrom<SessionStatus>(...STATUSES)), ([address, name, status]) => {
    assertOneLine(sessionDescription({ name, address, status, state: initialState() }), 400, 'session description');
  });
});

test(`base/text oneLine and formatDuration: any input gives one bounded line, and cleaning it again changes nothing ${label('oneLine')}`, () => {
  const widths = fc.oneof(fc.constantFrom(...Object.values(Width)), fc.integer({ min: 0, max: 2000 }));
  check('oneLine', fc.tuple(adversarialString, widths, fc.oneof(fc.double(), fc.integer(), fc.constant(undefined))), ([text, width, ms]) => {
    const line = oneLine(text, width);
    assertOneLine(line, width, 'oneLine');
    assert.equal(line, line.trim(), 'trimmed');
    assert.ok(!/\s\s/.test(line), 'whitespace runs collapsed');
    assert.equal(oneLine(line, width), line, 'idempotent');
    const multi = cleanText(text, width);
    ensure(multi.length <= width && !UNSAFE_CHARACTER.test(multi.replace(/[\t\n]/g, '')), () => `cleanText is bounded and keeps only tab and newline: ${show(multi)}`);
    assert.equal(cleanText(multi, width), multi, 'cleanText is idempotent');
    assertOneLine(formatDuration(ms), 40, 'duration');
  });
});
