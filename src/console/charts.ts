import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** A bar chart over days, drawn as SVG on the server (no script); the same numbers follow as a table. */
export interface BarSeries {
  label: string;
  /** One value per category (same order as `categories`). */
  values: number[];
}

const W = 720;
const H = 180;
const LEFT = 56;
const BOTTOM = 28;

export function barChart(title: string, categories: string[], series: BarSeries, unit: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const max = Math.max(1, ...series.values);
  const n = Math.max(1, categories.length);
  const slot = (W - LEFT - 8) / n;
  const bw = Math.max(2, slot * 0.7);
  const plotH = H - BOTTOM - 10;
  const id = `c-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  const every = Math.ceil(n / 10);
  return html`<figure class="chart">
    <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
      <title id="${id}">${title}</title>
      <line class="axis" x1="${LEFT}" y1="${10 + plotH}" x2="${W - 4}" y2="${10 + plotH}"></line>
      <text x="${LEFT - 6}" y="16" text-anchor="end">${fmt(max)}</text>
      <text x="${LEFT - 6}" y="${10 + plotH}" text-anchor="end">0</text>
      ${series.values.map((v, i) => {
        const h = (v / max) * plotH;
        const x = LEFT + i * slot + (slot - bw) / 2;
        return html`<rect class="bar" x="${x.toFixed(1)}" y="${(10 + plotH - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}"
          ><title>${categories[i]}: ${fmt(v)} ${unit}</title></rect
        >`;
      })}
      ${categories.map((c, i) => (i % every === 0 ? html`<text x="${(LEFT + i * slot + slot / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle">${c.slice(5)}</text>` : ''))}
    </svg>
    <figcaption>${title} (${unit})</figcaption>
  </figure>`;
}

const fmt = (v: number): string => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1));

/** The p-th percentile (0–100) of values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
