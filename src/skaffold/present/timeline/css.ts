/** The timeline document's one style sheet (allowed by its nonce: no style attribute anywhere). */
export const CSS = `
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
