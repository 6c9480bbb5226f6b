/**
 * The dev-loop timeline's chart: an inline SVG stacked bar per iteration (a segment per phase,
 * an outline for the whole iteration), its axis and legend. Attributes hold only our own class
 * names and formatted numbers; every text is escaped (texts.ts).
 */
import { IterationRecord } from '../../state/model';
import { Status } from '../../wire/protocol';
import { escapeHtml, line, num, Texts } from './texts';
import { finished, phaseDurations, TIMELINE_PHASES, TimelinePhase, totalMs } from './trend';

// ------------------------------------------------------------------------------------ chart

/** The outcome as shown: the server's string, or running (the newest), or no result (an older one whose end never came). */
export function outcomeText(r: IterationRecord, newest: boolean, t: Texts): string {
  return finished(r) ? line(r.outcome, 60) : t.label(newest ? 'running' : 'unfinished');
}


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

export function errorText(r: IterationRecord, max: number): string {
  const e = r.error;
  if (!e) {
    return '';
  }
  const message = line(e.message, max);
  const code = line(e.code, 80);
  return code && code !== message ? `${message} (${code})` : message;
}

export function tooltip(r: IterationRecord, newest: boolean, t: Texts, durations: Record<TimelinePhase, number | undefined>): string {
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

export function chart(iterations: readonly IterationRecord[], t: Texts): string {
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

export function legend(t: Texts): string {
  const items = [...TIMELINE_PHASES].reverse().map((p) => `<li><span class="swatch swatch-${p}"></span>${escapeHtml(t.label(`phase.${p}`))}</li>`);
  items.push(`<li><span class="swatch swatch-failed"></span>${escapeHtml(t.label('legend.failed'))}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}

