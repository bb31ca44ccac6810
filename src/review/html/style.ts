/**
 * The one stylesheet of the console and the HTML report. Colours keep WCAG AA contrast (4.5:1 for
 * text) on their backgrounds; nothing is loaded from elsewhere (system fonts only).
 */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --link: #0550ae; --bad: #a40e26; --bad-bg: #ffebe9; --warn: #7d4e00; --warn-bg: #fff8c5; --ok: #116329; --ok-bg: #dafbe1; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; }
nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .6rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.muted { color: var(--muted); background: var(--panel); }
.finding { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .6rem 0; }
.finding .where { color: var(--muted); }
.excerpt { margin: .4rem 0 0; padding: 0; }
.excerpt span.l { display: block; }
.excerpt span.l.focus { background: var(--warn-bg); }
.excerpt span.n { display: inline-block; width: 3.5em; color: var(--muted); user-select: none; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-bottom: .8rem; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, textarea, button { font: inherit; color: var(--fg); }
input, select, textarea { border: 1px solid var(--line); border-radius: 4px; padding: .2rem .4rem; background: #fff; }
button { border: 1px solid #1f6feb; background: #0969da; color: #fff; border-radius: 4px; padding: .25rem .8rem; cursor: pointer; }
textarea { width: 100%; min-height: 10rem; }
.pager { display: flex; gap: 1rem; margin: .6rem 0; }
.muted { color: var(--muted); }
.path-graph { margin: .4rem 0; overflow-x: auto; }
.path-graph svg { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.path-graph .node rect.box { fill: #fff; stroke: #8c959f; stroke-width: 1; }
.path-graph .node.changed rect.box { fill: var(--bad-bg); stroke: var(--bad); stroke-width: 2; }
.path-graph .node.root rect.box { stroke: #0550ae; stroke-width: 2.5; }
.path-graph .z0 { fill: #7c3aed; } .path-graph .z1 { fill: #0f766e; } .path-graph .z2 { fill: #b45309; } .path-graph .z3 { fill: #be185d; }
.path-graph .z4 { fill: #1d4ed8; } .path-graph .z5 { fill: #4d7c0f; } .path-graph .z6 { fill: #9f1239; } .path-graph .z7 { fill: #0e7490; }
.path-graph text { font: 12px ui-monospace, Menlo, Consolas, monospace; fill: var(--fg); }
.path-graph .edge { fill: none; stroke: #57606a; stroke-width: 1.4; }
.path-graph .edge.name-only { stroke-dasharray: 6 4; stroke: #8a4600; }
.path-graph .arrow { fill: #57606a; }
.path-graph .boundary { fill: #fff; stroke: #7c3aed; stroke-width: 2; }
.path-graph .legend { font: 12px system-ui, sans-serif; fill: var(--muted); }
.path-graph .legend-changed { fill: var(--bad); }
.path-graph .legend-root { fill: #0550ae; }
.path-graph .legend-boundary { fill: #7c3aed; }
.chart { margin: .4rem 0 1rem; }
.chart .bar { fill: #0969da; }
.chart .bar.alt { fill: #8a4600; }
.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.chart .axis { stroke: #8c959f; }
.frame-agent td.attr { color: var(--bad); font-weight: 600; }
.frame-human td.attr { color: var(--ok); font-weight: 600; }
.report-note { color: var(--muted); font-size: 12px; margin-top: 2rem; }
`;
