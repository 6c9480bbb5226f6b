/**
 * The dev-loop timeline as one HTML document for a VS Code webview: a stacked-bar chart (inline
 * SVG, one bar per iteration, a segment per phase), a short summary of which phase is slow and
 * whether it is getting slower, and the same data as an accessible table.
 *
 * Safety: the document runs no script at all and loads nothing (Content-Security-Policy
 * `default-src 'none'`, the one style element allowed by its nonce, no style attributes).
 * Every string that came from Skaffold (artifact names, statuses, error messages and codes)
 * and every label is cleaned (control characters), bounded and HTML-escaped; attributes hold
 * only our own class names and formatted numbers. Pure: usable from plain Node and tests.
 */
import { cleanText } from '../wire/errors';
import { IterationPhases, IterationRecord, PhaseTiming } from '../state/model';
import { Status } from '../wire/protocol';

export type TimelinePhase = keyof IterationPhases;

/** The phases in the order Skaffold runs them: stacked from the bottom of a bar. */
export const TIMELINE_PHASES: readonly TimelinePhase[] = ['sync', 'build', 'deploy', 'statusCheck'];

/** English texts; `labels` overrides any of them. `{name}` is replaced by a value. */
export const DEFAULT_TIMELINE_LABELS = {
  title: 'Skaffold dev loop timeline',
  empty: 'No dev-loop iterations yet. Each one appears here as Skaffold builds, syncs and deploys.',
  summaryHeading: 'Summary',
  chartTitle: 'Duration of each iteration by phase',
  tableCaption: 'Iterations, newest first.',
  chartNote: 'Deploy excludes the status check Skaffold runs within it. An outline shows the whole iteration.',
  'phase.sync': 'Sync',
  'phase.build': 'Build',
  'phase.deploy': 'Deploy',
  'phase.statusCheck': 'Status check',
  'column.iteration': 'Iteration',
  'column.trigger': 'Trigger',
  'column.total': 'Total',
  'column.outcome': 'Outcome',
  'column.error': 'Error',
  'trigger.initial': 'initial',
  'trigger.rebuild': 'rebuild',
  'trigger.sync': 'sync',
  'trigger.redeploy': 'redeploy',
  'trigger.other': 'other',
  'legend.failed': 'Failed',
  running: 'running',
  unfinished: 'no result',
  none: '—',
  iteration: '#{n}',
  seconds: '{value} s',
  axis: 'seconds',
  tooltipHeading: 'Iteration #{n} ({trigger}): {outcome}',
  tooltipTotal: 'Total: {value}',
  tooltipPhase: '{phase}: {value}',
  tooltipArtifact: 'Built {name}: {value}',
  tooltipMoreArtifacts: '… and {count} more',
  tooltipError: 'Error: {message}',
  'summary.slowest': 'Slowest phase: {phase}, median {value} over the last {count} iterations that ran it.',
  'summary.slowestOne': 'Slowest phase: {phase}, {value} (one iteration ran it).',
  'summary.slower': '{phase}: {recent}, up from {previous}.',
  'summary.faster': '{phase}: {recent}, down from {previous}.',
  'summary.steady': 'No phase is getting slower.',
  'summary.tooFew': 'Too few iterations yet to tell whether a phase is getting slower.',
  'summary.failed': '{failed} of the last {count} iterations failed.',
  'summary.running': 'Iteration #{n} is running.',
};

export type TimelineLabel = keyof typeof DEFAULT_TIMELINE_LABELS;

export interface TimelineOptions {
  /** The webview's cspSource. Accepted for symmetry with other webviews; nothing is loaded, so it is not used. */
  cspSource: string;
  /** The nonce of the one style element (letters, digits, + / = _ - only; anything else is dropped). */
  nonce: string;
  title?: string;
  /** BCP 47 tag for number formatting and the document's lang (default en). */
  locale?: string;
  labels?: Partial<Record<string, string>>;
  /**
   * What started each iteration, by its v1 number, when known (the files Skaffold saw change,
   * an Execute sent from VS Code): shown beside the trigger. Escaped like every other text.
   */
  causes?: ReadonlyMap<number, string>;
}

// ---------------------------------------------------------------------------------- escaping

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;', '`': '&#96;' };

/** Text for HTML content or a quoted attribute: & < > " ' and ` escaped. Non-strings give ''. */
export function escapeHtml(text: unknown): string {
  const s = typeof text === 'string' ? text : typeof text === 'number' || typeof text === 'boolean' ? String(text) : '';
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/** Server text as one bounded line: control characters and bidi overrides gone, whitespace collapsed. */
function line(value: unknown, max: number): string {
  return cleanText(value, max).replace(/\s+/g, ' ').trim();
}

/** A number for an attribute: finite, at most two decimals, never a server string. */
function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '0';
}

// ---------------------------------------------------------------------------------- durations

/**
 * The time each phase took, as the chart stacks it: deploy without the part of it the status
 * check overlaps (Skaffold v2 checks status inside its deploy; stacking both would count that
 * time twice). undefined where the events did not give a duration.
 */
export function phaseDurations(r: IterationRecord): Record<TimelinePhase, number | undefined> {
  const { sync, build, deploy, statusCheck } = r.phases ?? {};
  return {
    sync: ms(sync),
    build: ms(build),
    deploy: deploy && ms(deploy) !== undefined ? Math.max(0, ms(deploy)! - overlap(deploy, statusCheck)) : undefined,
    statusCheck: ms(statusCheck),
  };
}

function ms(p: PhaseTiming | undefined): number | undefined {
  const d = p?.durationMs;
  return typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : undefined;
}

function overlap(a: PhaseTiming, b: PhaseTiming | undefined): number {
  if (!b || ms(b) === undefined || a.startedAt === undefined || a.endedAt === undefined || b.startedAt === undefined || b.endedAt === undefined) {
    return 0;
  }
  return Math.max(0, Math.min(a.endedAt, b.endedAt) - Math.max(a.startedAt, b.startedAt));
}

function finished(r: IterationRecord): boolean {
  return r.outcome !== Status.InProgress;
}

/** The outcome as shown: the server's string, or running (the newest), or no result (an older one whose end never came). */
function outcomeText(r: IterationRecord, newest: boolean, t: Texts): string {
  return finished(r) ? line(r.outcome, 60) : t.label(newest ? 'running' : 'unfinished');
}

function totalMs(r: IterationRecord): number | undefined {
  const d = r.durationMs;
  return typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : undefined;
}

// --------------------------------------------------------------------------------------- trend

/** How many finished iterations each side of the comparison takes. */
export const TREND_WINDOW = 5;
/** Fewer samples than this on either side: no claim about a trend. */
export const TREND_MIN_SAMPLES = 3;
/** A change is meaningful when the medians differ by this factor... */
export const TREND_RATIO = 1.25;
/** ...and by at least this much (ms): below it, it is noise in any dev loop. */
export const TREND_MIN_DELTA_MS = 300;

export interface PhaseTrend {
  phase: TimelinePhase;
  /** Median duration over the last (up to TREND_WINDOW) finished iterations that ran the phase. */
  recentMs: number;
  recentCount: number;
  /** The same over the TREND_WINDOW before those, when there were any. */
  previousMs?: number;
  previousCount: number;
  direction: 'slower' | 'faster' | 'steady' | 'unknown';
}

export interface TrendSummary {
  /** Per phase that has samples, in TIMELINE_PHASES order. */
  phases: PhaseTrend[];
  /** The phase with the greatest recent median. */
  slowest?: TimelinePhase;
  /** Failed iterations among the last (up to) 2 × TREND_WINDOW finished ones, and how many those are. */
  failed: number;
  considered: number;
  /** The iteration running now (the newest, unfinished), if any. */
  running?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Which phase is slow and whether it is getting slower: per phase, the median of the last
 * TREND_WINDOW finished iterations that ran it against the median of the TREND_WINDOW before.
 * The initial iteration builds everything, so it is left out unless it is all there is; a
 * phase that failed is left out of that phase's samples (a failure is quick, not fast).
 */
export function summarizeTrend(iterations: readonly IterationRecord[]): TrendSummary {
  const done = iterations.filter(finished);
  const later = done.filter((r) => r.trigger !== 'initial');
  const pool = later.length > 0 ? later : done;
  const phases: PhaseTrend[] = [];
  for (const phase of TIMELINE_PHASES) {
    const samples: number[] = [];
    for (const r of pool) {
      const d = phaseDurations(r)[phase];
      if (d !== undefined && r.phases?.[phase]?.status !== Status.Failed) {
        samples.push(d);
      }
    }
    if (samples.length === 0) {
      continue;
    }
    const recent = samples.slice(-TREND_WINDOW);
    const previous = samples.slice(-2 * TREND_WINDOW, -TREND_WINDOW);
    const recentMs = median(recent);
    const previousMs = previous.length > 0 ? median(previous) : undefined;
    let direction: PhaseTrend['direction'] = 'unknown';
    if (previousMs !== undefined && recent.length >= TREND_MIN_SAMPLES && previous.length >= TREND_MIN_SAMPLES) {
      const delta = recentMs - previousMs;
      if (delta >= TREND_MIN_DELTA_MS && recentMs >= previousMs * TREND_RATIO) {
        direction = 'slower';
      } else if (-delta >= TREND_MIN_DELTA_MS && previousMs >= recentMs * TREND_RATIO) {
        direction = 'faster';
      } else {
        direction = 'steady';
      }
    }
    phases.push({ phase, recentMs, recentCount: recent.length, previousMs, previousCount: previous.length, direction });
  }
  let slowest: PhaseTrend | undefined;
  for (const p of phases) {
    if (!slowest || p.recentMs > slowest.recentMs) {
      slowest = p;
    }
  }
  const lastDone = done.slice(-2 * TREND_WINDOW);
  const newest = iterations[iterations.length - 1];
  return {
    phases,
    slowest: slowest?.phase,
    failed: lastDone.filter((r) => r.outcome === Status.Failed).length,
    considered: lastDone.length,
    running: newest && !finished(newest) ? newest.iteration : undefined,
  };
}

// ------------------------------------------------------------------------------------ texts

interface Texts {
  label(key: TimelineLabel, values?: Record<string, string | number>): string;
  /** The iteration's trigger, with its cause when one is known ("rebuild · src/a.txt modified"). */
  trigger(r: IterationRecord): string;
  seconds(ms: number | undefined): string;
  axisSeconds(ms: number, stepMs: number): string;
  count(n: number): string;
  /** An iteration number, without grouping: `12`. */
  int(n: number): string;
  /** `#12`. */
  iteration(n: number): string;
}

function safeLocale(locale: string | undefined): string {
  return locale && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$/.test(locale) ? locale : 'en';
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(locale, options);
  } catch {
    return new Intl.NumberFormat('en', options);
  }
}

function texts(options: Pick<TimelineOptions, 'locale' | 'labels' | 'causes'>): Texts {
  const locale = safeLocale(options.locale);
  const oneDecimal = numberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const whole = numberFormat(locale, { maximumFractionDigits: 0 });
  const integer = numberFormat(locale, { maximumFractionDigits: 0, useGrouping: false });
  const label = (key: TimelineLabel, values?: Record<string, string | number>): string => {
    const given = options.labels?.[key];
    const template = typeof given === 'string' ? line(given, 500) : DEFAULT_TIMELINE_LABELS[key];
    // One pass, so that a value containing "{n}" is not substituted again.
    return values ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m)) : template;
  };
  const seconds = (ms: number | undefined): string => {
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      return label('none');
    }
    const s = ms / 1000;
    return label('seconds', { value: s < 100 ? oneDecimal.format(s) : whole.format(s) });
  };
  const trigger = (r: IterationRecord): string => {
    const kind = label(`trigger.${r.trigger}` as TimelineLabel) ?? r.trigger;
    const cause = options.causes?.get(r.iteration);
    const text = cause === undefined ? '' : line(cause, 200);
    return text ? `${kind} · ${text}` : kind;
  };
  return {
    label,
    trigger,
    seconds,
    axisSeconds: (ms, stepMs) => label('seconds', { value: (stepMs < 1000 ? oneDecimal : whole).format(ms / 1000) }),
    count: (n) => whole.format(n),
    int: (n) => (Number.isFinite(n) ? integer.format(n) : '?'),
    iteration: (n) => label('iteration', { n: Number.isFinite(n) ? integer.format(n) : '?' }),
  };
}

/** The summary as plain sentences (not escaped): what the document shows above the chart. */
export function describeTrend(summary: TrendSummary, options: Pick<TimelineOptions, 'locale' | 'labels'> = {}): string[] {
  const t = texts(options);
  const phaseName = (p: TimelinePhase) => t.label(`phase.${p}`);
  const out: string[] = [];
  if (summary.running !== undefined) {
    out.push(t.label('summary.running', { n: t.int(summary.running) }));
  }
  const slowest = summary.phases.find((p) => p.phase === summary.slowest);
  if (slowest) {
    out.push(slowest.recentCount === 1
      ? t.label('summary.slowestOne', { phase: phaseName(slowest.phase), value: t.seconds(slowest.recentMs) })
      : t.label('summary.slowest', { phase: phaseName(slowest.phase), value: t.seconds(slowest.recentMs), count: t.count(slowest.recentCount) }));
  }
  let compared = false;
  let slower = false;
  for (const p of summary.phases) {
    compared ||= p.direction !== 'unknown';
    if (p.direction === 'slower' || p.direction === 'faster') {
      slower ||= p.direction === 'slower';
      out.push(t.label(p.direction === 'slower' ? 'summary.slower' : 'summary.faster', {
        phase: phaseName(p.phase), recent: t.seconds(p.recentMs), previous: t.seconds(p.previousMs),
      }));
    }
  }
  if (summary.phases.length > 0) {
    out.push(!compared ? t.label('summary.tooFew') : slower ? '' : t.label('summary.steady'));
  }
  if (summary.failed > 0) {
    out.push(t.label('summary.failed', { failed: t.count(summary.failed), count: t.count(summary.considered) }));
  }
  return out.filter((s) => s.length > 0);
}

// ------------------------------------------------------------------------------------ chart

const PLOT_HEIGHT = 200;
const TOP = 12;
const LEFT = 56;
const RIGHT = 12;
const BOTTOM = 30;

/** A round axis step (100 ms, 200, 500, 1 s, 2 s, 5 s, 10 s...) giving about five ticks up to `maxMs`. */
function axisStep(maxMs: number): number {
  const raw = Math.max(maxMs, 100) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw) {
      return Math.max(100, m * power);
    }
  }
  return 10 * power;
}

function errorText(r: IterationRecord, max: number): string {
  const e = r.error;
  if (!e) {
    return '';
  }
  const message = line(e.message, max);
  const code = line(e.code, 80);
  return code && code !== message ? `${message} (${code})` : message;
}

function tooltip(r: IterationRecord, newest: boolean, t: Texts, durations: Record<TimelinePhase, number | undefined>): string {
  const lines = [t.label('tooltipHeading', {
    n: t.int(r.iteration),
    trigger: t.trigger(r),
    outcome: outcomeText(r, newest, t),
  })];
  if (totalMs(r) !== undefined) {
    lines.push(t.label('tooltipTotal', { value: t.seconds(totalMs(r)) }));
  }
  for (const phase of [...TIMELINE_PHASES].reverse()) {
    if (r.phases?.[phase]) {
      lines.push(t.label('tooltipPhase', { phase: t.label(`phase.${phase}`), value: t.seconds(durations[phase]) }));
    }
  }
  const artifacts = Array.isArray(r.artifacts) ? r.artifacts : [];
  for (const a of artifacts.slice(0, 5)) {
    lines.push(t.label('tooltipArtifact', { name: line(a.name, 120), value: a.status === Status.InProgress ? t.label('running') : t.seconds(a.durationMs) }));
  }
  if (artifacts.length > 5) {
    lines.push(t.label('tooltipMoreArtifacts', { count: t.count(artifacts.length - 5) }));
  }
  const error = errorText(r, 200);
  if (error) {
    lines.push(t.label('tooltipError', { message: error }));
  }
  return lines.map(escapeHtml).join('\n');
}

function chart(iterations: readonly IterationRecord[], t: Texts): string {
  const n = iterations.length;
  const slot = n <= 20 ? 32 : n <= 60 ? 18 : 11;
  const barWidth = Math.max(4, Math.round(slot * 0.7));
  const width = Math.max(320, LEFT + n * slot + RIGHT);
  const height = TOP + PLOT_HEIGHT + BOTTOM;
  const baseline = TOP + PLOT_HEIGHT;
  const all = iterations.map((r) => phaseDurations(r));
  let maxMs = 0;
  iterations.forEach((r, i) => {
    const stacked = TIMELINE_PHASES.reduce((sum, p) => sum + (all[i][p] ?? 0), 0);
    maxMs = Math.max(maxMs, stacked, totalMs(r) ?? 0);
  });
  const step = axisStep(maxMs);
  const axisMax = Math.max(step, Math.ceil(maxMs / step) * step);
  const scale = PLOT_HEIGHT / axisMax;
  const out: string[] = [];
  out.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" role="img" aria-labelledby="chart-title">`);
  out.push(`<title id="chart-title">${escapeHtml(t.label('chartTitle'))}</title>`);
  out.push('<g class="axis">');
  for (let v = 0; v <= axisMax + 1e-9; v += step) {
    const y = baseline - v * scale;
    out.push(`<line class="grid" x1="${num(LEFT)}" y1="${num(y)}" x2="${num(width - RIGHT)}" y2="${num(y)}"/>`);
    out.push(`<text class="tick" x="${num(LEFT - 6)}" y="${num(y + 4)}" text-anchor="end">${escapeHtml(t.axisSeconds(v, step))}</text>`);
  }
  out.push(`<text class="axis-label" x="12" y="${num(TOP + PLOT_HEIGHT / 2)}" transform="rotate(-90 12 ${num(TOP + PLOT_HEIGHT / 2)})" text-anchor="middle">${escapeHtml(t.label('axis'))}</text>`);
  out.push('</g>');
  const labelEvery = Math.max(1, Math.ceil(36 / slot));
  iterations.forEach((r, i) => {
    const x = LEFT + i * slot + (slot - barWidth) / 2;
    const d = all[i];
    const failed = r.outcome === Status.Failed;
    const newest = i === n - 1;
    const state = finished(r) ? '' : newest ? ' running' : ' unfinished';
    out.push(`<g class="bar${failed ? ' failed' : ''}${state}" data-index="${i}">`);
    out.push(`<title>${tooltip(r, newest, t, d)}</title>`);
    const total = totalMs(r);
    if (total !== undefined) {
      out.push(`<rect class="total" x="${num(x - 1)}" y="${num(baseline - total * scale)}" width="${num(barWidth + 2)}" height="${num(total * scale)}" data-ms="${num(total)}"/>`);
    }
    let y = baseline;
    for (const phase of TIMELINE_PHASES) {
      const v = d[phase];
      if (v === undefined) {
        continue;
      }
      const h = v * scale;
      y -= h;
      out.push(`<rect class="seg seg-${phase}" x="${num(x)}" y="${num(y)}" width="${num(barWidth)}" height="${num(h)}" data-ms="${num(v)}"/>`);
    }
    if (failed) {
      out.push(`<rect class="fail-mark" x="${num(x)}" y="${num(baseline + 2)}" width="${num(barWidth)}" height="4"/>`);
    }
    out.push('</g>');
    if (i % labelEvery === 0 || i === n - 1) {
      out.push(`<text class="xlabel" x="${num(x + barWidth / 2)}" y="${num(baseline + 20)}" text-anchor="middle">${escapeHtml(t.iteration(r.iteration))}</text>`);
    }
  });
  out.push(`<line class="baseline" x1="${num(LEFT)}" y1="${num(baseline)}" x2="${num(width - RIGHT)}" y2="${num(baseline)}"/>`);
  out.push('</svg>');
  return out.join('');
}

function legend(t: Texts): string {
  const items = [...TIMELINE_PHASES].reverse().map((p) => `<li><span class="swatch swatch-${p}"></span>${escapeHtml(t.label(`phase.${p}`))}</li>`);
  items.push(`<li><span class="swatch swatch-failed"></span>${escapeHtml(t.label('legend.failed'))}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}

function table(iterations: readonly IterationRecord[], t: Texts): string {
  const head = [
    `<th scope="col">${escapeHtml(t.label('column.iteration'))}</th>`,
    `<th scope="col">${escapeHtml(t.label('column.trigger'))}</th>`,
    ...[...TIMELINE_PHASES.map((p) => t.label(`phase.${p}`)), t.label('column.total')].map((h) => `<th scope="col" class="num">${escapeHtml(h)}</th>`),
    `<th scope="col">${escapeHtml(t.label('column.outcome'))}</th>`,
    `<th scope="col">${escapeHtml(t.label('column.error'))}</th>`,
  ];
  const rows: string[] = [];
  for (let i = iterations.length - 1; i >= 0; i--) {
    const r = iterations[i];
    const d = phaseDurations(r);
    const failed = r.outcome === Status.Failed;
    const cells = [
      `<th scope="row">${escapeHtml(t.iteration(r.iteration))}</th>`,
      `<td>${escapeHtml(t.trigger(r))}</td>`,
      ...TIMELINE_PHASES.map((p) => `<td class="num">${escapeHtml(t.seconds(d[p]))}</td>`),
      `<td class="num">${escapeHtml(t.seconds(totalMs(r)))}</td>`,
      `<td>${escapeHtml(outcomeText(r, i === iterations.length - 1, t))}</td>`,
      `<td class="error">${escapeHtml(errorText(r, 300))}</td>`,
    ];
    rows.push(`<tr${failed ? ' class="failed"' : ''}>${cells.join('')}</tr>`);
  }
  return `<table><caption>${escapeHtml(t.label('tableCaption'))}</caption><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #ccc); background: var(--vscode-editor-background, transparent); padding: 0 16px 16px; }
h1 { font-size: 1.3em; font-weight: 600; }
h2 { font-size: 1.1em; font-weight: 600; }
.summary li { margin: 2px 0; }
.scroll { overflow-x: auto; }
.chart { display: block; }
.chart text { fill: var(--vscode-descriptionForeground, #999); font-size: 11px; }
.grid { stroke: var(--vscode-charts-lines, rgba(128, 128, 128, 0.35)); stroke-width: 1; }
.baseline { stroke: var(--vscode-foreground, #ccc); stroke-width: 1; }
.total { fill: none; stroke: var(--vscode-charts-lines, rgba(128, 128, 128, 0.6)); stroke-dasharray: 2 2; }
.seg-sync, .swatch-sync { fill: var(--vscode-charts-green, #89d185); background: var(--vscode-charts-green, #89d185); }
.seg-build, .swatch-build { fill: var(--vscode-charts-blue, #3794ff); background: var(--vscode-charts-blue, #3794ff); }
.seg-deploy, .swatch-deploy { fill: var(--vscode-charts-purple, #b180d7); background: var(--vscode-charts-purple, #b180d7); }
.seg-statusCheck, .swatch-statusCheck { fill: var(--vscode-charts-orange, #d18616); background: var(--vscode-charts-orange, #d18616); }
.fail-mark, .swatch-failed { fill: var(--vscode-charts-red, #f14c4c); background: var(--vscode-charts-red, #f14c4c); }
.bar.failed .seg { stroke: var(--vscode-charts-red, #f14c4c); stroke-width: 1; }
.bar.running .seg, .bar.unfinished .seg { opacity: 0.6; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.note { color: var(--vscode-descriptionForeground, #999); font-size: 0.9em; }
table { border-collapse: collapse; margin-top: 16px; }
caption { text-align: left; padding: 4px 0; color: var(--vscode-descriptionForeground, #999); }
th, td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid var(--vscode-editorWidget-border, rgba(128, 128, 128, 0.35)); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td, tr.failed th { color: var(--vscode-errorForeground, #f14c4c); }
td.error { max-width: 40em; overflow-wrap: anywhere; }
`;

/**
 * The complete document. Never throws: iterations are what the reducer made (strings bounded),
 * and whatever they hold is shown as text.
 */
export function renderTimelineHtml(iterations: readonly IterationRecord[], options: TimelineOptions): string {
  const t = texts(options);
  const nonce = String(options.nonce ?? '').replace(/[^A-Za-z0-9+/=_-]/g, '').slice(0, 128);
  const title = options.title !== undefined ? line(options.title, 200) : t.label('title');
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "script-src 'none'",
    "img-src 'none'",
    "font-src 'none'",
    "connect-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const list = Array.isArray(iterations) ? iterations : [];
  let body: string;
  if (list.length === 0) {
    body = `<p class="empty">${escapeHtml(t.label('empty'))}</p>`;
  } else {
    const summary = describeTrend(summarizeTrend(list), options);
    body = [
      `<section class="summary" aria-labelledby="summary-heading"><h2 id="summary-heading">${escapeHtml(t.label('summaryHeading'))}</h2>`,
      `<ul>${summary.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul></section>`,
      `<figure>${legend(t)}<div class="scroll">${chart(list, t)}</div><figcaption class="note">${escapeHtml(t.label('chartNote'))}</figcaption></figure>`,
      table(list, t),
    ].join('\n');
  }
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(safeLocale(options.locale))}">`,
    '<head>',
    '<meta charset="UTF-8">',
    // Not escaped: made of our constants and the nonce, reduced above to characters that need none.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<title>${escapeHtml(title)}</title>`,
    `<style nonce="${escapeHtml(nonce)}">${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
