/**
 * The timeline webview's document (src/skaffold/present/timelineHtml.ts): a strict CSP and no script,
 * every server string inert, bars proportional to the durations, and a summary that says which
 * phase is slow and whether it is getting slower only when the data says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanText } from '../../src/skaffold/base/text';
import { IterationRecord, IterationTrigger, PhaseTiming } from '../../src/skaffold/state/model';
import { renderTimelineHtml } from '../../src/skaffold/present/timeline/document';
import { describeTrend, escapeHtml } from '../../src/skaffold/present/timeline/texts';
import { phaseDurations, summarizeTrend, TIMELINE_PHASES, TimelinePhase } from '../../src/skaffold/present/timeline/trend';
import { ADVERSARIAL, adversarialString, DEFAULT_SEED } from './arbitraries';

const OPTIONS = { cspSource: 'https://example.vscode-cdn.net', nonce: 'n0nce123' };
const T0 = Date.UTC(2026, 10, 24, 13, 40);

function phase(startedAt: number, durationMs: number | undefined, status = 'Complete'): PhaseTiming {
  return { startedAt, endedAt: durationMs === undefined ? undefined : startedAt + durationMs, durationMs, status };
}

/** An iteration: build, then deploy with a status check inside it (as Skaffold v2 runs them). */
function record(iteration: number, ms: { build?: number; sync?: number; deploy?: number; statusCheck?: number }, extra: Partial<IterationRecord> = {}): IterationRecord {
  const start = T0 + iteration * 60_000;
  let t = start;
  const phases: IterationRecord['phases'] = {};
  if (ms.sync !== undefined) {
    phases.sync = phase(t, ms.sync, 'Succeeded');
    t += ms.sync;
  }
  if (ms.build !== undefined) {
    phases.build = phase(t, ms.build);
    t += ms.build;
  }
  if (ms.deploy !== undefined) {
    const check = ms.statusCheck ?? 0;
    phases.deploy = phase(t, ms.deploy + check);
    if (ms.statusCheck !== undefined) {
      phases.statusCheck = phase(t + ms.deploy, check, 'Succeeded');
    }
    t += ms.deploy + check;
  }
  const trigger: IterationTrigger = iteration === 0 ? 'initial' : ms.build !== undefined ? 'rebuild' : ms.deploy !== undefined ? 'redeploy' : ms.sync !== undefined ? 'sync' : 'other';
  return {
    iteration, trigger, inferred: false, startedAt: start, endedAt: t + 50, durationMs: t + 50 - start, outcome: 'Succeeded', error: undefined,
    phases, artifacts: ms.build !== undefined ? [{ name: 'example/app', status: 'Complete', startedAt: start, durationMs: ms.build }] : [], ...extra,
  };
}

// ---------------------------------------------------------------------- a tiny HTML inspector

const ALLOWED_TAGS = new Set(['!DOCTYPE', 'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'section', 'ul', 'li', 'p', 'figure', 'figcaption', 'div', 'span',
  'svg', 'g', 'rect', 'line', 'text', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td']);
const NUMBER = /^-?\d+(\.\d+)?$/;
const ALLOWED_ATTRIBUTES: Record<string, RegExp> = {
  class: /^[A-Za-z][A-Za-z -]*$/, id: /^[a-z-]+$/, lang: /^[A-Za-z0-9-]+$/, charset: /^UTF-8$/, 'http-equiv': /^Content-Security-Policy$/,
  content: /^[A-Za-z0-9 ;:'=,.+/_-]+$/, name: /^viewport$/, nonce: /^[A-Za-z0-9+/=_-]*$/, xmlns: /^http:\/\/www\.w3\.org\/2000\/svg$/,
  width: NUMBER, height: NUMBER, viewBox: /^[\d. -]+$/, role: /^img$/, 'aria-labelledby': /^[a-z-]+$/, x: NUMBER, y: NUMBER, x1: NUMBER, y1: NUMBER,
  x2: NUMBER, y2: NUMBER, 'text-anchor': /^(end|middle)$/, transform: /^rotate\([\d. -]+\)$/, 'data-index': /^\d+$/, 'data-ms': NUMBER, scope: /^(row|col)$/,
};

interface Tag { name: string; closing: boolean; attributes: Record<string, string>; raw: string }

/** Every tag of the document, each checked: a known element, only known attributes, each value of its expected form. */
function tags(html: string): Tag[] {
  const out: Tag[] = [];
  const withoutStyle = html.replace(/(<style[^>]*>)[^<]*(<\/style>)/, '$1$2');
  let rest = withoutStyle;
  for (const m of withoutStyle.matchAll(/<(\/?)([!A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z][A-Za-z0-9:-]*(?:="[^"]*")?)*)\s*\/?>/g)) {
    const [raw, slash, name, attrs] = m;
    assert.ok(ALLOWED_TAGS.has(name), `only our elements, found <${slash}${name}> in ${raw}`);
    const attributes: Record<string, string> = {};
    for (const a of attrs.matchAll(/\s+([A-Za-z][A-Za-z0-9:-]*)(?:="([^"]*)")?/g)) {
      const [, key, value = ''] = a;
      if (name === '!DOCTYPE') {
        continue;
      }
      assert.ok(key in ALLOWED_ATTRIBUTES, `only our attributes, found ${key} in ${raw}`);
      assert.match(value, ALLOWED_ATTRIBUTES[key], `${key} holds only its kind of value: ${raw}`);
      attributes[key] = value;
    }
    out.push({ name, closing: slash === '/', attributes, raw });
    rest = rest.replace(raw, '');
  }
  assert.ok(!rest.includes('<') && !rest.includes('>'), `every < and > is one of our tags; left over: ${JSON.stringify(rest.slice(Math.max(0, rest.search(/[<>]/) - 60), rest.search(/[<>]/) + 60))}`);
  return out;
}

function decode(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|#96|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': '\'', '#96': '`', amp: '&' })[e]!);
}

/** The text a reader sees (tags removed, entities decoded), tooltips included. */
function visible(html: string): string {
  return decode(html.replace(/<style[^>]*>[^<]*<\/style>/, '').replace(/<[^>]*>/g, ' '));
}

function csp(html: string): Map<string, string[]> {
  const metas = tags(html).filter((t) => t.name === 'meta' && t.attributes['http-equiv'] === 'Content-Security-Policy');
  assert.equal(metas.length, 1, 'exactly one CSP meta');
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style'), 'the policy comes before the style it governs');
  const directives = new Map<string, string[]>();
  for (const d of metas[0].attributes.content.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, ...values] = d.split(/\s+/);
    directives.set(name, values);
  }
  return directives;
}

function segments(html: string): { index: number; phase: string; y: number; height: number; ms: number }[] {
  const out: { index: number; phase: string; y: number; height: number; ms: number }[] = [];
  let index = -1;
  for (const t of tags(html)) {
    if (t.name === 'g' && !t.closing && t.attributes['data-index'] !== undefined) {
      index = Number(t.attributes['data-index']);
    }
    const m = /^seg seg-(\w+)$/.exec(t.attributes.class ?? '');
    if (t.name === 'rect' && m) {
      out.push({ index, phase: m[1], y: Number(t.attributes.y), height: Number(t.attributes.height), ms: Number(t.attributes['data-ms']) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ the tests

test('escapeHtml escapes & < > " \' and backticks, and gives nothing for what is not text', () => {
  assert.equal(escapeHtml('<a href="x" onclick=\'y\'>&`</a>'), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'already escaped text is escaped again: it is text');
  assert.equal(escapeHtml(42), '42');
  assert.equal(escapeHtml(undefined), '');
  assert.equal(escapeHtml({ toString: () => '<script>' }), '', 'an object\'s toString is not called');
});

test('the document has a strict Content-Security-Policy and no script at all', () => {
  for (const iterations of [[], [record(0, { build: 1000, deploy: 300, statusCheck: 2000 })]]) {
    const html = renderTimelineHtml(iterations, OPTIONS);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    const policy = csp(html);
    assert.deepEqual(policy.get('default-src'), ["'none'"]);
    assert.deepEqual(policy.get('style-src'), [`'nonce-${OPTIONS.nonce}'`], 'styles only by nonce');
    assert.ok(!policy.has('script-src') || (policy.get('script-src')!.length === 1 && policy.get('script-src')![0] === "'none'"), 'no script source');
    for (const [name, values] of policy) {
      for (const v of values) {
        assert.ok(!/unsafe|https?:|\*|data:|blob:/.test(v), `${name} ${v}: nothing inline, remote, wildcard or data`);
      }
    }
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/\son\w+=/i.test(html), 'no event handler attribute');
    assert.ok(!/\sstyle=/i.test(html), 'no style attribute (the policy would block it anyway)');
    assert.ok(!/\s(href|src|xlink:href)=/i.test(html), 'nothing linked or loaded');
    assert.ok(!/@import|url\(/i.test(html), 'the style loads nothing');
    assert.equal((html.match(/<style nonce="n0nce123">/g) ?? []).length, 1, 'one style element, with the nonce');
    tags(html);
  }
  // A nonce with anything but base64 characters cannot break out of the policy.
  const html = renderTimelineHtml([], { ...OPTIONS, nonce: `abc'; script-src *; x="` });
  assert.deepEqual(csp(html).get('style-src'), ["'nonce-abcscript-srcx='"]);
  assert.ok(!csp(html).has('script-src') || csp(html).get('script-src')![0] === "'none'");
});

test('no iterations: a message, no chart and no table', () => {
  const html = renderTimelineHtml([], OPTIONS);
  assert.match(visible(html), /No dev-loop iterations yet/);
  assert.ok(!html.includes('<svg') && !html.includes('<table'));
  assert.match(renderTimelineHtml([], { ...OPTIONS, labels: { empty: 'Noch nichts' } }), /Noch nichts/);
});

test('bars: one per iteration, segments stacked in phase order, heights proportional to the durations', () => {
  const iterations = [
    record(0, { build: 2000, deploy: 700, statusCheck: 2200 }),
    record(1, { build: 1000 }, { outcome: 'Failed', error: { message: 'build failed', code: 'BUILD_UNKNOWN', suggestions: [] } }),
    record(2, { build: 4000, deploy: 400, statusCheck: 2200 }),
    record(3, { sync: 300 }),
  ];
  const html = renderTimelineHtml(iterations, OPTIONS);
  const segs = segments(html);
  const scale = segs[0].height / segs[0].ms;
  assert.ok(scale > 0);
  for (const s of segs) {
    assert.ok(Math.abs(s.height - s.ms * scale) < 0.02, `height ${s.height} for ${s.ms} ms is proportional (${scale} px/ms)`);
  }
  const of = (index: number, p: TimelinePhase) => segs.find((s) => s.index === index && s.phase === p);
  assert.equal(of(0, 'build')?.ms, 2000);
  assert.equal(of(0, 'deploy')?.ms, 700, 'deploy without the status check inside it');
  assert.equal(of(0, 'statusCheck')?.ms, 2200);
  assert.equal(of(2, 'build')!.height, 2 * of(0, 'build')!.height, 'twice the time, twice the height');
  assert.equal(of(3, 'sync')?.ms, 300);
  assert.equal(of(1, 'deploy'), undefined, 'no segment for a phase that did not run');
  // Stacked bottom-up in the order Skaffold runs them, each on top of the one below.
  for (const index of [0, 2]) {
    const [b, d, c] = [of(index, 'build')!, of(index, 'deploy')!, of(index, 'statusCheck')!];
    assert.ok(Math.abs(b.y - d.height - d.y) < 0.02 && Math.abs(d.y - c.height - c.y) < 0.02, 'segments touch');
  }
  const bottoms = new Set([0, 1, 2, 3].map((index) => {
    const lowest = segs.filter((s) => s.index === index).reduce((a, b) => (a.y > b.y ? a : b));
    return (lowest.y + lowest.height).toFixed(1);
  }));
  assert.equal(bottoms.size, 1, 'every bar stands on the same baseline');
  // Bars go left to right in order.
  const xs = tags(html).filter((t) => t.name === 'rect' && t.attributes.class === 'seg seg-build').map((t) => Number(t.attributes.x));
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
  // The failed one is marked; each bar has a tooltip naming it.
  assert.equal((html.match(/<g class="bar failed"/g) ?? []).length, 1);
  assert.equal((html.match(/class="fail-mark"/g) ?? []).length, 1);
  assert.equal((html.match(/<g class="bar[^"]*" data-index="\d+"><title>Iteration #\d+/g) ?? []).length, 4);
  assert.match(html, /<title>Iteration #1 \(rebuild\): Failed\nTotal: 1\.1 s\nBuild: 1\.0 s\nBuilt example\/app: 1\.0 s\nError: build failed \(BUILD_UNKNOWN\)<\/title>/);
  // An axis in seconds.
  const ticks = tags(html).filter((t) => t.attributes.class === 'tick');
  assert.ok(ticks.length >= 3);
  assert.match(visible(html), /\b0 s\b.*\b2 s\b.*\b4 s\b/s);
});

test('the table has the same data: trigger, each phase, total, outcome and error, newest first', () => {
  const iterations = [record(0, { build: 2000, deploy: 700, statusCheck: 2200 }), record(1, { build: 1000 }, { outcome: 'Failed', error: { message: 'build failed', code: 'BUILD_UNKNOWN', suggestions: [] } })];
  const html = renderTimelineHtml(iterations, OPTIONS);
  const table = html.slice(html.indexOf('<table'));
  assert.match(table, /<th scope="col">Iteration<\/th><th scope="col">Trigger<\/th><th scope="col" class="num">Sync<\/th><th scope="col" class="num">Build<\/th><th scope="col" class="num">Deploy<\/th><th scope="col" class="num">Status check<\/th><th scope="col" class="num">Total<\/th><th scope="col">Outcome<\/th><th scope="col">Error<\/th>/);
  const rows = [...table.matchAll(/<tr[^>]*><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/g)].map((m) => [m[1], ...[...m[2].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => decode(c[1]))]);
  assert.deepEqual(rows, [
    ['#1', 'rebuild', '—', '1.0 s', '—', '—', '1.1 s', 'Failed', 'build failed (BUILD_UNKNOWN)'],
    ['#0', 'initial', '—', '2.0 s', '0.7 s', '2.2 s', '5.0 s', 'Succeeded', ''],
  ]);
  assert.match(table, /<tr class="failed"><th scope="row">#1/);
});

test('that deploy excludes the status check is said once, in the note under the chart', () => {
  const html = renderTimelineHtml([record(0, { build: 2000, deploy: 700, statusCheck: 2200 })], OPTIONS);
  const sentence = 'Deploy excludes the status check Skaffold runs within it.';
  assert.equal(visible(html).split(sentence).length - 1, 1, 'said exactly once');
  assert.match(html, /<figcaption class="note">Deploy excludes the status check Skaffold runs within it\./);
  assert.match(html, /<caption>Iterations, newest first\.<\/caption>/);
});

test('what started an iteration, when known, is shown beside its trigger in the table and the bar\'s tooltip', () => {
  const html = renderTimelineHtml([record(0, { build: 2000 }), record(1, { build: 1000 })], { ...OPTIONS, causes: new Map([[1, 'src/<a>.txt modified']]) });
  const table = html.slice(html.indexOf('<table'));
  assert.match(table, /<th scope="row">#1<\/th><td>rebuild · src\/&lt;a&gt;\.txt modified<\/td>/);
  assert.match(table, /<th scope="row">#0<\/th><td>initial<\/td>/);
  assert.match(html, /<title>Iteration #1 \(rebuild · src\/&lt;a&gt;\.txt modified\): Succeeded/);
});

test('a running iteration shows what it did so far; an older one whose end never came has no result', () => {
  const running = record(2, { build: 1000 }, { outcome: 'In Progress', endedAt: undefined, durationMs: undefined });
  const html = renderTimelineHtml([record(0, { build: 1000 }), { ...record(1, { build: 500 }), outcome: 'In Progress', endedAt: undefined, durationMs: undefined }, running], OPTIONS);
  assert.match(html, /<g class="bar running" data-index="2">/);
  assert.match(html, /<g class="bar unfinished" data-index="1">/);
  assert.match(visible(html), /Iteration #2 is running\./);
  assert.match(html, /<td>running<\/td>/);
  assert.match(html, /<td>no result<\/td>/);
});

const hostile = fc.oneof(
  fc.constantFrom('</style><script>alert(1)</script>', '" onload="x', '\' onmouseover=\'x', 'javascript:alert(1)', '`${x}`', '<svg onload=alert(1)>', '</title><script>x</script>',
    ']]><script>x</script>', '&lt;script&gt;', '<!--', '-->', '{n}{phase}{value}', ...ADVERSARIAL),
  adversarialString,
);

test('property: every string from the server (artifact names, statuses, errors, codes) and every label is shown as inert text', () => {
  fc.assert(fc.property(
    fc.record({ name: hostile, outcome: hostile, message: hostile, code: hostile, action: hostile, label: hostile, title: hostile, status: hostile }),
    ({ name, outcome, message, code, action, label, title, status }) => {
      const bad = record(1, { build: 1200, deploy: 300, statusCheck: 900 }, {
        outcome,
        error: { message, code, suggestions: [{ action }] },
        artifacts: [{ name, status, durationMs: 1200 }],
      });
      bad.phases.build!.status = status;
      const html = renderTimelineHtml([record(0, { build: 1000 }), bad], { ...OPTIONS, title, labels: { 'phase.build': label, 'trigger.rebuild': label, running: label } });
      const found = tags(html); // every tag ours, every attribute ours with a value of its kind
      assert.ok(!found.some((t) => t.name === 'script'));
      assert.equal(found.filter((t) => t.name === 'style').length, 2, 'one style element (open and close)');
      assert.equal(found.filter((t) => t.name === 'meta' && t.attributes['http-equiv']).length, 1, 'one policy');
      const shown = visible(html);
      const asShown = (s: string, max: number) => cleanText(s, max).replace(/\s+/g, ' ').trim();
      for (const [text, max] of [[name, 120], [message, 200], [code, 80], [title, 200], [label, 500]] as const) {
        assert.ok(shown.includes(asShown(text, max)), `shown as text, not lost: ${JSON.stringify(asShown(text, max)).slice(0, 200)}`);
      }
      if (outcome !== 'In Progress') {
        assert.ok(shown.includes(asShown(outcome, 60)));
      }
    },
  ), { seed: DEFAULT_SEED, numRuns: 400 });
});

test('hostile strings, one by one, never become markup', () => {
  for (const evil of ['</style><script>alert(1)</script>', '" onload="x', 'javascript:alert(1)', '`x`', '</title></g></svg><script>1</script>', ...ADVERSARIAL]) {
    const r = record(1, { build: 1000 }, { outcome: evil, error: { message: evil, code: evil, suggestions: [] }, artifacts: [{ name: evil, status: evil, durationMs: 1 }] });
    const html = renderTimelineHtml([r], { ...OPTIONS, title: evil, locale: evil, labels: { title: evil, summaryHeading: evil, 'column.error': evil }, causes: new Map([[1, evil]]) });
    tags(html);
    assert.ok(!/<script/i.test(html));
    assert.ok(!html.includes('`'), 'backticks escaped too');
    const lang = /<html lang="([^"]*)">/.exec(html)?.[1];
    assert.ok(lang === 'en' || (lang === evil && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(evil)), `a locale that is not a language tag is not used: ${lang}`);
  }
});

test('summarizeTrend: the slowest phase, and "slower" only when the last 5 differ meaningfully from the 5 before', () => {
  const loop = (builds: number[]) => [record(0, { build: 9000, deploy: 500, statusCheck: 1500 }), ...builds.map((b, i) => record(i + 1, { build: b, deploy: 500, statusCheck: 1500 }))];
  // Builds went from about 2.0 s to about 3.1 s.
  const slower = summarizeTrend(loop([2000, 1900, 2100, 2000, 2050, 3100, 3000, 3200, 3100, 3150]));
  const build = slower.phases.find((p) => p.phase === 'build')!;
  assert.deepEqual([build.direction, build.recentMs, build.previousMs, build.recentCount, build.previousCount], ['slower', 3100, 2000, 5, 5]);
  assert.equal(slower.slowest, 'build');
  assert.equal(slower.phases.find((p) => p.phase === 'statusCheck')?.direction, 'steady');
  assert.deepEqual(describeTrend(slower), ['Slowest phase: Build, median 3.1 s over the last 5 iterations that ran it.', 'Build: 3.1 s, up from 2.0 s.']);
  // Noise is not a trend: 2.0 -> 2.2 s, or 100 -> 200 ms.
  const noisy = summarizeTrend(loop([2000, 1900, 2100, 2000, 2050, 2200, 2150, 2250, 2200, 2300]));
  assert.equal(noisy.phases.find((p) => p.phase === 'build')?.direction, 'steady');
  assert.deepEqual(describeTrend(noisy).slice(-1), ['No phase is getting slower.']);
  const tiny = summarizeTrend(loop([100, 100, 100, 100, 100, 200, 200, 200, 200, 200]));
  assert.equal(tiny.phases.find((p) => p.phase === 'build')?.direction, 'steady', 'twice as slow but only by 100 ms');
  // Faster is said too.
  const faster = summarizeTrend(loop([3100, 3000, 3200, 3100, 3150, 2000, 1900, 2100, 2000, 2050]));
  assert.equal(faster.phases.find((p) => p.phase === 'build')?.direction, 'faster');
  assert.ok(describeTrend(faster).includes('Build: 2.0 s, down from 3.1 s.'));
  // Too few iterations: no claim. The initial loop (which builds everything) is not a sample.
  const few = summarizeTrend(loop([2000, 3000, 4000]));
  assert.ok(few.phases.every((p) => p.direction === 'unknown'));
  assert.equal(few.phases.find((p) => p.phase === 'build')?.recentMs, 3000, 'the initial 9 s build is left out');
  assert.ok(describeTrend(few).includes('Too few iterations yet to tell whether a phase is getting slower.'));
  // Only the initial loop: it is all there is.
  assert.equal(summarizeTrend(loop([])).phases.find((p) => p.phase === 'build')?.recentMs, 9000);
  assert.deepEqual(describeTrend(summarizeTrend(loop([]))), ['Slowest phase: Build, 9.0 s (one iteration ran it).', 'Too few iterations yet to tell whether a phase is getting slower.']);
  assert.deepEqual(summarizeTrend([]), { phases: [], slowest: undefined, failed: 0, considered: 0, running: undefined });
  assert.deepEqual(describeTrend(summarizeTrend([])), []);
});

test('summarizeTrend: a failed phase is not a sample (a failure is quick, not fast), failures are counted, running ones left out', () => {
  const list = [record(0, { build: 1000 })];
  for (let i = 1; i <= 10; i++) {
    const failed = i % 4 === 0;
    const r = record(i, { build: failed ? 50 : 2000 }, failed ? { outcome: 'Failed' } : {});
    if (failed) {
      r.phases.build!.status = 'Failed';
    }
    list.push(r);
  }
  list.push(record(11, { build: 10 }, { outcome: 'In Progress', endedAt: undefined, durationMs: undefined }));
  const s = summarizeTrend(list);
  assert.equal(s.phases.find((p) => p.phase === 'build')?.recentMs, 2000);
  assert.equal(s.failed, 2);
  assert.equal(s.considered, 10);
  assert.equal(s.running, 11);
  assert.ok(describeTrend(s).includes('2 of the last 10 iterations failed.'));
});

test('phaseDurations: deploy without the status check it overlaps; the others as recorded', () => {
  const r = record(1, { sync: 100, build: 1000, deploy: 400, statusCheck: 2200 });
  assert.deepEqual(phaseDurations(r), { sync: 100, build: 1000, deploy: 400, statusCheck: 2200 });
  // Skaffold v1 checked status after the deploy ended: nothing to take off.
  const after: IterationRecord = { ...r, phases: { deploy: phase(T0, 500), statusCheck: phase(T0 + 600, 1000, 'Succeeded') } };
  assert.deepEqual(phaseDurations(after), { sync: undefined, build: undefined, deploy: 500, statusCheck: 1000 });
  const unknown: IterationRecord = { ...r, phases: { deploy: { status: 'In Progress', startedAt: T0 } } };
  assert.equal(phaseDurations(unknown).deploy, undefined);
  assert.deepEqual(TIMELINE_PHASES, ['sync', 'build', 'deploy', 'statusCheck']);
});

test('labels and locale: overridable texts, numbers formatted for the locale', () => {
  const iterations = [record(0, { build: 3100 }), record(1, { build: 2500 })];
  const html = renderTimelineHtml(iterations, { ...OPTIONS, locale: 'de', title: 'Zeitleiste', labels: { 'phase.build': 'Bauen', 'column.trigger': 'Auslöser', seconds: '{value} Sek.' } });
  assert.match(html, /<html lang="de">/);
  assert.match(html, /<title>Zeitleiste<\/title>/);
  assert.match(html, /<h1>Zeitleiste<\/h1>/);
  assert.match(html, /<th scope="col" class="num">Bauen<\/th>/);
  assert.match(html, /2,5 Sek\./, 'a decimal comma in German');
  assert.match(html, /Auslöser/);
  // An unknown (but well-formed) locale falls back without throwing.
  assert.doesNotThrow(() => renderTimelineHtml(iterations, { ...OPTIONS, locale: 'xx-Zzzz-999' }));
});

test('200 iterations render in a bounded document', () => {
  const iterations = Array.from({ length: 200 }, (_, i) => record(i, { build: 1000 + (i % 7) * 100, deploy: 300, statusCheck: 2000 }));
  const html = renderTimelineHtml(iterations, OPTIONS);
  assert.ok(html.length < 400_000, `${html.length} characters`);
  assert.equal(segments(html).length, 600);
  assert.equal((html.match(/<tr>/g) ?? []).length + (html.match(/<tr class/g) ?? []).length, 201, 'a header row and one per iteration');
});
