import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * The gate's call paths drawn as one layered graph (SVG, no script): callers left of callees,
 * the changed function filled, regulated roots outlined, calls resolved by name only dashed, each
 * node striped in its zone's colour and calls that cross a zone boundary marked. A text list of the
 * same paths follows the drawing, for screen readers and for copying.
 */

export interface DrawnPath {
  /** Call order, caller first. */
  nodes: string[];
  /** Position of the changed node in `nodes`; the root is at the other end. */
  changed: number;
  /** Edges resolved by name only: `i` is the call nodes[i] → nodes[i + 1]. */
  nameOnly: number[];
  /** Zone of each node, null outside every zone. */
  zones: (string | null)[];
}

/** Paths drawn at most; the rest are listed in the text only. */
export const MAX_DRAWN_PATHS = 40;

const NODE_H = 26;
const ROW_GAP = 14;
const COL_GAP = 56;
const CHAR_W = 7.4;
const PAD = 12;
const LABEL_MAX = 44;
/** Zone colours are classes `z0`…`z7` in the stylesheet: a CSP without 'unsafe-inline' ignores style attributes. */
const ZONE_CLASSES = 8;

interface Node {
  id: string;
  layer: number;
  changed: boolean;
  root: boolean;
  zone: string | null;
  x: number;
  y: number;
  w: number;
}

const short = (id: string): string => (id.length <= LABEL_MAX ? id : `…${id.slice(id.length - LABEL_MAX + 1)}`);

/** The drawing and the text list; an empty fragment when there is no path. */
export function renderPathGraph(paths: DrawnPath[], opts: { idPrefix?: string } = {}): HtmlEscapedString | Promise<HtmlEscapedString> {
  if (paths.length === 0) return html``;
  const drawn = paths.slice(0, MAX_DRAWN_PATHS);
  const nodes = new Map<string, Node>();
  const edges = new Map<string, { from: string; to: string; nameOnly: boolean }>();
  for (const p of drawn) {
    p.nodes.forEach((id, i) => {
      const n = nodes.get(id) ?? { id, layer: 0, changed: false, root: false, zone: null, x: 0, y: 0, w: 0 };
      if (i === p.changed) n.changed = true;
      if (p.nodes.length > 1 && i === (p.changed === 0 ? p.nodes.length - 1 : 0)) n.root = true;
      if (p.nodes.length === 1) n.root = true;
      n.zone ??= p.zones[i] ?? null;
      nodes.set(id, n);
      if (i > 0) {
        const from = p.nodes[i - 1]!;
        const key = `${from}\u0000${id}`;
        const prev = edges.get(key);
        edges.set(key, { from, to: id, nameOnly: (prev?.nameOnly ?? false) || p.nameOnly.includes(i - 1) });
      }
    });
  }
  // longest-path layering, bounded so a cycle in the union of paths cannot loop
  for (let round = 0; round < nodes.size; round++) {
    let moved = false;
    for (const e of edges.values()) {
      const a = nodes.get(e.from)!;
      const b = nodes.get(e.to)!;
      if (b.layer < a.layer + 1 && a.layer + 1 < nodes.size) {
        b.layer = a.layer + 1;
        moved = true;
      }
    }
    if (!moved) break;
  }
  const layers: Node[][] = [];
  for (const n of nodes.values()) (layers[n.layer] ??= []).push(n);
  let x = PAD;
  let height = 0;
  for (const col of layers) {
    if (!col) continue;
    col.sort((a, b) => (a.zone ?? '\uffff').localeCompare(b.zone ?? '\uffff') || a.id.localeCompare(b.id));
    const w = Math.max(...col.map((n) => Math.ceil(short(n.id).length * CHAR_W) + 24));
    col.forEach((n, i) => {
      n.x = x;
      n.y = PAD + i * (NODE_H + ROW_GAP);
      n.w = w;
    });
    height = Math.max(height, PAD * 2 + col.length * (NODE_H + ROW_GAP));
    x += w + COL_GAP;
  }
  const zoneNames = [...new Set([...nodes.values()].map((n) => n.zone).filter((z): z is string => z !== null))].sort();
  const colour = (z: string): string => `z${zoneNames.indexOf(z) % ZONE_CLASSES}`;
  const prefix = opts.idPrefix ?? 'paths';
  const legendChars = 78 + zoneNames.reduce((n, z) => n + z.length + 8, 0);
  const width = Math.max(x - COL_GAP + PAD, PAD * 2 + Math.ceil(legendChars * 6.4));
  const legendH = 22;

  const edgeSvg = [...edges.values()].map((e) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const x1 = a.x + a.w;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const forward = x2 > x1;
    const d = forward
      ? `M${x1},${y1} C${x1 + COL_GAP / 2},${y1} ${x2 - COL_GAP / 2},${y2} ${x2 - 2},${y2}`
      : `M${x1},${y1} C${x1 + COL_GAP},${height + 10} ${x2 - COL_GAP},${height + 10} ${x2 - 2},${y2}`;
    const crosses = a.zone !== b.zone;
    const mid = { x: (x1 + x2) / 2, y: (y1 + y2) / 2 };
    const into = b.zone === null ? 'leaves zone ' + (a.zone ?? '') : `enters zone ${b.zone}`;
    return html`<path class="${e.nameOnly ? 'edge name-only' : 'edge'}" d="${d}" marker-end="url(#${prefix}-arrow)"
        ><title>${e.from} ${e.nameOnly ? '⇢' : '→'} ${e.to}${e.nameOnly ? ' (resolved by name only)' : ''}</title></path
      >${
        crosses && forward
          ? html`<rect class="boundary" x="${mid.x - 5}" y="${mid.y - 5}" width="10" height="10" transform="rotate(45 ${mid.x} ${mid.y})"
              ><title>zone boundary: ${into}</title></rect
            >`
          : ''
      }`;
  });
  const nodeSvg = [...nodes.values()].map(
    (n) =>
      html`<g class="${['node', n.changed ? 'changed' : '', n.root ? 'root' : ''].filter(Boolean).join(' ')}"
        ><title>${n.id}${n.changed ? ' (changed)' : ''}${n.root ? ' (regulated root)' : ''}${n.zone ? ` — zone ${n.zone}` : ''}</title
        ><rect class="box" x="${n.x}" y="${n.y}" width="${n.w}" height="${NODE_H}" rx="5"></rect>${
          n.zone ? html`<rect class="zone-stripe ${colour(n.zone)}" x="${n.x}" y="${n.y}" width="7" height="${NODE_H}" rx="2"></rect>` : ''
        }<text x="${n.x + 12}" y="${n.y + NODE_H / 2 + 4}">${short(n.id)}</text></g
      >`,
  );
  const legendItems = [
    html`<tspan class="legend-changed">■ changed</tspan>`,
    html`<tspan dx="14" class="legend-root">□ regulated root</tspan>`,
    html`<tspan dx="14">— typed call</tspan>`,
    html`<tspan dx="14">- - name-only call</tspan>`,
    html`<tspan dx="14" class="legend-boundary">◆ zone boundary</tspan>`,
    ...zoneNames.map((z) => html`<tspan dx="14" class="${colour(z)}">▌zone ${z}</tspan>`),
  ];
  const totalH = height + legendH + 20;
  const desc = drawn.map((p) => pathText(p)).join('; ');
  return html`<figure class="path-graph">
      <svg
        xmlns="http://www.w3.org/2000/svg"
        role="img"
        aria-labelledby="${prefix}-title ${prefix}-desc"
        width="${width}"
        height="${totalH}"
        viewBox="0 0 ${width} ${totalH}"
      >
        <title id="${prefix}-title">Call paths from regulated roots to the change</title>
        <desc id="${prefix}-desc">${desc}</desc>
        <defs>
          <marker id="${prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrow"></path>
          </marker>
        </defs>
        ${edgeSvg}${nodeSvg}
        <text class="legend" x="${PAD}" y="${height + 24}">${legendItems}</text>
      </svg>
      <figcaption>
        ${paths.length > MAX_DRAWN_PATHS ? `The first ${MAX_DRAWN_PATHS} of ${paths.length} paths are drawn; all are listed below.` : `${paths.length} path(s).`}
      </figcaption>
    </figure>
    <ol class="path-list">
      ${paths.map((p) => html`<li><code>${pathText(p)}</code></li>`)}
    </ol>`;
}

/** A path as text, `⇢` for a call resolved by name only, the changed node marked. */
export function pathText(p: DrawnPath): string {
  let s = '';
  p.nodes.forEach((n, i) => {
    if (i > 0) s += p.nameOnly.includes(i - 1) ? ' ⇢ ' : ' → ';
    s += n + (i === p.changed ? ' (changed)' : '');
  });
  return s;
}
