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
 * The parts: trend.ts (the numbers), texts.ts (the words, escaping), chart.ts (the SVG), css.ts.
 */
import { IterationRecord } from '../../state/model';
import { Status } from '../../wire/protocol';
import { chart, errorText, legend, outcomeText } from './chart';
import { CSS } from './css';
import { describeTrend, escapeHtml, line, safeLocale, texts, Texts, TimelineOptions } from './texts';
import { phaseDurations, summarizeTrend, TIMELINE_PHASES, totalMs } from './trend';

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
