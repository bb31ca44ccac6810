import { html } from 'hono/html';
import type { ConsoleContext } from '../context.js';
import { layout, type Html } from '../layout.js';

/** Approvals shown at most per table. */
const MAX_ROWS = 500;

/**
 * Who approved which change hash, when and with which key; and the runs that asked for approval
 * with no approval of their change recorded since. Signatures and whether the approvers satisfy
 * each zone's rules are checked by `bulwark gate status --run ID`; this page lists what
 * the log records.
 */
export function approvalsPage(ctx: ConsoleContext): Html {
  const approved = new Set(ctx.index.approvals.filter((a) => a.decision === 'approve').map((a) => a.changeHash));
  const pending = ctx.index.order.filter((r) => r.status === 'approval_required' && r.changeHash !== null && !approved.has(r.changeHash)).reverse();
  const recent = ctx.index.approvals.slice(-MAX_ROWS).reverse();
  const runsOf = new Map<string, string[]>();
  for (const r of ctx.index.order) if (r.changeHash) runsOf.set(r.changeHash, [...(runsOf.get(r.changeHash) ?? []), r.runId]);
  const body = html`<h1>Approvals</h1>
    <section aria-labelledby="pending-h">
      <h2 id="pending-h">Waiting for approval (${pending.length})</h2>
      ${
        pending.length
          ? html`<table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Started (UTC)</th>
                  <th scope="col">Repository</th>
                  <th scope="col">Zones</th>
                  <th scope="col">Change hash</th>
                </tr>
              </thead>
              <tbody>
                ${pending.slice(0, MAX_ROWS).map(
                  (r) =>
                    html`<tr>
                      <td><a class="mono" href="/runs/${encodeURIComponent(r.runId)}">${r.runId}</a></td>
                      <td>${r.time.slice(0, 19).replace('T', ' ')}</td>
                      <td>${r.repository ?? '—'}</td>
                      <td>${r.zones.join(', ')}</td>
                      <td class="mono">${r.changeHash}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No run is waiting for an approval.</p>`
      }
    </section>
    <section aria-labelledby="recorded-h">
      <h2 id="recorded-h">Recorded approvals (${ctx.index.approvals.length})</h2>
      <p class="muted">
        Method <code>cli</code> carries an SSH signature, <code>github</code> is an imported pull-request review (not signed).
        <code>bulwark gate status --run ID</code> re-verifies the signatures against the allowed signers and checks each zone's rules.
      </p>
      ${
        recent.length
          ? html`<table>
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Reviewer</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Method</th>
                  <th scope="col">Key</th>
                  <th scope="col">Zones</th>
                  <th scope="col">Change hash</th>
                  <th scope="col">Runs</th>
                </tr>
              </thead>
              <tbody>
                ${recent.map(
                  (a) =>
                    html`<tr>
                      <td><a href="/audit/entries/${a.index}">#${a.index}</a></td>
                      <td>${a.time.slice(0, 19).replace('T', ' ')}</td>
                      <td>${a.reviewer}</td>
                      <td>${a.decision}</td>
                      <td>${a.method}</td>
                      <td class="mono">${a.key ?? '—'}</td>
                      <td>${a.zones.join(', ')}</td>
                      <td class="mono">${a.changeHash}</td>
                      <td>
                        ${(runsOf.get(a.changeHash) ?? []).slice(-3).map((id) => html`<a class="mono" href="/runs/${encodeURIComponent(id)}">${id}</a> `)}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No approval recorded.</p>`
      }
    </section>`;
  return layout('Approvals', '/approvals', body);
}
