/**
 * The words of the dev-loop timeline: its labels (replaceable, for translation), number and
 * duration formats for a locale, the trend summary in words, and the escaping every string
 * goes through (server text cleaned and bounded by base/text.ts, then HTML-escaped).
 */
import { oneLine } from '../../base/text';
import { IterationRecord } from '../../state/model';
import { TimelinePhase, TrendSummary } from './trend';

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

/** Server text as one bounded line (base/text.ts). */
export function line(value: unknown, max: number): string {
  return oneLine(value, max);
}

/** A number for an attribute: finite, at most two decimals, never a server string. */
export function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '0';
}

// ------------------------------------------------------------------------------------ texts

export interface Texts {
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

export function safeLocale(locale: string | undefined): string {
  return locale && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$/.test(locale) ? locale : 'en';
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(locale, options);
  } catch {
    return new Intl.NumberFormat('en', options);
  }
}

export function texts(options: Pick<TimelineOptions, 'locale' | 'labels' | 'causes'>): Texts {
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

