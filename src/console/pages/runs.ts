import { html } from 'hono/html';
import { gitSourceReader, loadRunRecord } from '../../review/run-record.js';
import { gateBadge, outcomeBadge, renderRunBody } from '../../review/html/run-page.js';
import type { ConsoleContext } from '../context.js';
import { layout, query, type Html } from '../layout.js';
import { listRuns, type RunFilter } from '../run-index.js';

export const RUNS_PER_PAGE = 50;
const OUTCOMES = ['pass', 'blocking', 'approval_required', 'error', 'cancelled', 'unfinished'];

export function runsPage(ctx: ConsoleContext, q: Record<string, string | undefined>): Html {
  const filter: RunFilter = {
    ...(q.repo ? { repository: q.repo } : {}),
    ...(q.from && /^\d{4}-\d{2}-\d{2}$/.test(q.from) ? { from: q.from } : {}),
    ...(q.to && /^\d{4}-\d{2}-\d{2}$/.test(q.to) ? { to: q.to } : {}),
    ...(q.outcome && OUTCOMES.includes(q.outcome) ? { outcome: q.outcome } : {}),
    ...(q.gate === 'flagged' || q.gate === 'not-flagged' ? { gate: q.gate } : {}),
    ...(q.model ? { model: q.model } : {}),
  };
  const page = Math.max(0, Math.min(1_000_000, Number.parseInt(q.page ?? '0', 10) || 0));
  const { rows, total } = listRuns(ctx.index, filter, page, RUNS_PER_PAGE);
  const keep = { repo: q.repo, from: q.from, to: q.to, outcome: q.outcome, gate: q.gate, model: q.model };
  const body = html`<h1>Runs</h1>
    <form class="filters" method="get" action="/runs" role="search" aria-label="Filter runs">
      <label>Repository<input name="repo" value="${q.repo ?? ''}" /></label>
      <label>From (UTC)<input name="from" type="date" value="${filter.from ?? ''}" /></label>
      <label>To (UTC)<input name="to" type="date" value="${filter.to ?? ''}" /></label>
      <label
        >Outcome<select name="outcome">
          <option value="">any</option>
          ${OUTCOMES.map((o) => html`<option value="${o}" ${filter.outcome === o ? html` selected` : ''}>${o.replace('_', ' ')}</option>`)}
        </select></label
      >
      <label
        >Gate<select name="gate">
          <option value="">any</option>
          <option value="flagged" ${filter.gate === 'flagged' ? html` selected` : ''}>flagged</option>
          <option value="not-flagged" ${filter.gate === 'not-flagged' ? html` selected` : ''}>not flagged</option>
        </select></label
      >
      <label>Model<input name="model" value="${q.model ?? ''}" /></label>
      <button type="submit">Filter</button>
    </form>
    <p class="muted">${total.toLocaleString('en-US')} run(s) match; ${ctx.index.size.toLocaleString('en-US')} entries in the log.</p>
    <table>
      <thead>
        <tr>
          <th scope="col">Started (UTC)</th>
          <th scope="col">Run</th>
          <th scope="col">Repository</th>
          <th scope="col">PR</th>
          <th scope="col">Head</th>
          <th scope="col">Outcome</th>
          <th scope="col">Gate</th>
          <th scope="col">Models</th>
          <th scope="col" class="num">Tokens</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <td>${r.time.slice(0, 19).replace('T', ' ')}</td>
              <td><a href="/runs/${encodeURIComponent(r.runId)}" class="mono">${r.runId}</a></td>
              <td>${r.repository ?? '—'}</td>
              <td>${r.pr !== null ? `#${r.pr}` : '—'}${r.title ? html` ${r.title}` : ''}</td>
              <td class="mono">${r.head ? r.head.slice(0, 12) : '—'}</td>
              <td>${outcomeBadge(r.status)}</td>
              <td>${gateBadge(r.flagged)}${r.zones.length ? html` <span class="muted">${r.zones.join(', ')}</span>` : ''}</td>
              <td>${[...r.models].join(', ')}</td>
              <td class="num">${(r.tokensIn + r.tokensOut).toLocaleString('en-US')}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager" aria-label="Pages">
      ${page > 0 ? html`<a href="/runs${query({ ...keep, page: page - 1 })}">Newer</a>` : ''}${(page + 1) * RUNS_PER_PAGE < total ? html`<a href="/runs${query({ ...keep, page: page + 1 })}">Older</a>` : ''}
    </nav>`;
  return layout('Runs', '/runs', body);
}

export async function runPage(ctx: ConsoleContext, runId: string): Promise<Html | null> {
  const summary = ctx.index.runs.get(runId);
  const source = ctx.repoDir && summary?.head ? gitSourceReader(ctx.repoDir, summary.head) : undefined;
  const rec = await loadRunRecord(ctx.store, runId, source ? { source } : {});
  if (!rec) return null;
  const body = html`${renderRunBody(rec, {
      entry: (i) => `/audit/entries/${i}`,
      blob: (a) => `/audit/blobs/${encodeURIComponent(a)}`,
    })}
    <p>
      <a href="/runs/${encodeURIComponent(runId)}/report.html">Download this page as a self-contained HTML report</a
      >${summary?.head ? html` · <a href="/incidents${query({ commit: summary.head })}">Incident timeline of ${summary.head.slice(0, 12)}</a>` : ''}
    </p>`;
  return layout(`Run ${runId}`, '/runs', body);
}
