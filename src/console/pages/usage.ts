import { html } from 'hono/html';
import { barChart, percentile } from '../charts.js';
import type { ConsoleContext } from '../context.js';
import { layout, type Html } from '../layout.js';

const DAY_MS = 86_400_000;

/** Model calls per provider/model over the last days: calls, latency and tokens, drawn and tabled. */
export function usagePage(ctx: ConsoleContext, q: { days?: string }): Html {
  const days = Math.min(366, Math.max(1, Number.parseInt(q.days ?? '30', 10) || 30));
  const cells = [...ctx.index.usage.values()];
  const newest = cells.reduce((m, c) => (c.day > m ? c.day : m), new Date().toISOString().slice(0, 10));
  const end = Date.parse(`${newest}T00:00:00.000Z`);
  const dayList = Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
  const inRange = new Set(dayList);
  const models = [...new Set(cells.filter((c) => inRange.has(c.day)).map((c) => c.model))].sort();
  const sections = models.map((model) => {
    const byDay = new Map(cells.filter((c) => c.model === model && inRange.has(c.day)).map((c) => [c.day, c]));
    const calls = dayList.map((d) => byDay.get(d)?.calls ?? 0);
    const p50 = dayList.map((d) => percentile(byDay.get(d)?.latencyMs ?? [], 50));
    const tokens = dayList.map((d) => (byDay.get(d)?.tokensIn ?? 0) + (byDay.get(d)?.tokensOut ?? 0));
    const all = [...byDay.values()];
    const latencies = all.flatMap((c) => c.latencyMs);
    return html`<section aria-label="${model}">
      <h2>${model}</h2>
      <p>
        ${all.reduce((n, c) => n + c.calls, 0).toLocaleString('en-US')} call(s), ${all.reduce((n, c) => n + c.errors, 0)} failed; latency p50
        ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms; ${all.reduce((n, c) => n + c.tokensIn, 0).toLocaleString('en-US')} tokens in,
        ${all.reduce((n, c) => n + c.tokensOut, 0).toLocaleString('en-US')} out.
      </p>
      ${barChart(`${model} calls per day`, dayList, { label: 'calls', values: calls }, 'calls')}
      ${barChart(`${model} median latency per day`, dayList, { label: 'p50', values: p50 }, 'ms')}
      ${barChart(`${model} tokens per day`, dayList, { label: 'tokens', values: tokens }, 'tokens')}
    </section>`;
  });
  const body = html`<h1>Usage</h1>
    <form class="filters" method="get" action="/usage">
      <label>Days<input name="days" type="number" min="1" max="366" value="${days}" /></label><button type="submit">Show</button>
    </form>
    <p class="muted">From the log's <code>llm_call</code> entries, ${dayList[0]} to ${dayList.at(-1)} (UTC).</p>
    ${models.length ? sections : html`<p class="muted">No model call in this period.</p>`}`;
  return layout('Usage', '/usage', body);
}
