import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Finding } from '../../protocol/findings.js';
import type { RunRecord } from '../run-record.js';
import { renderPathGraph, type DrawnPath } from './path-graph.js';

/**
 * The run page: everything the log records about one run, as server-rendered HTML. Every text that
 * came from a PR, a model or a forge goes through the template's escaping; URLs become links only
 * when they are http(s).
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Where the console links entries and blobs; the standalone report has no links. */
export interface RunLinks {
  entry?: (index: number) => string;
  blob?: (address: string) => string;
}

export function outcomeBadge(status: string | null | undefined): Html {
  if (!status) return html`<span class="badge muted">unfinished</span>`;
  const cls = status === 'pass' ? 'ok' : status === 'approval_required' || status === 'cancelled' ? 'warn' : 'bad';
  return html`<span class="badge ${cls}">${status.replace('_', ' ')}</span>`;
}

export function gateBadge(flagged: boolean | null | undefined): Html {
  if (flagged === null || flagged === undefined) return html`<span class="badge muted">no gate</span>`;
  return flagged ? html`<span class="badge warn">flagged</span>` : html`<span class="badge ok">not flagged</span>`;
}

/** A link only for http(s) URLs: PR text and forge fields must never become `javascript:` links. */
export function safeLink(url: string | undefined, text?: string): Html {
  if (!url) return html``;
  return /^https?:\/\//i.test(url) ? html`<a href="${url}" rel="noreferrer noopener">${text ?? url}</a>` : html`${text ?? url}`;
}

const entryRef = (links: RunLinks, index: number): Html => (links.entry ? html`<a href="${links.entry(index)}">#${index}</a>` : html`#${index}`);
const blobRef = (links: RunLinks, address: string | null | undefined): Html =>
  !address
    ? html`—`
    : links.blob
      ? html`<a class="mono" href="${links.blob(address)}">${address.slice(0, 19)}…</a>`
      : html`<span class="mono">${address}</span>`;

const fmtMs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** The paths of a gate decision in the form the drawing takes (older entries lack the facts: no marks). */
export function drawnPaths(gate: RunRecord['gate']): DrawnPath[] {
  if (!gate?.paths) return [];
  return gate.paths.map((nodes, i) => {
    const f = gate.path_facts?.[i];
    return { nodes, changed: f?.changed ?? nodes.length - 1, nameOnly: f?.name_only ?? [], zones: f?.zones ?? nodes.map(() => null) };
  });
}

export function renderRunBody(rec: RunRecord, links: RunLinks = {}): Html {
  const s = rec.started;
  const f = rec.finished;
  const pr = s?.pr;
  return html`<h1>Run <span class="mono">${rec.runId}</span> ${outcomeBadge(f?.status)}</h1>
    <section aria-labelledby="facts-h">
      <h2 id="facts-h">Change</h2>
      <dl class="facts">
        <dt>Command</dt>
        <dd>${s?.command ?? '—'}</dd>
        <dt>Repository</dt>
        <dd>${pr?.repository ?? s?.repo ?? '—'}</dd>
        <dt>Base…head</dt>
        <dd class="mono">${s?.base ?? '?'}…${s?.head ?? '?'}</dd>
        ${
          pr
            ? html`<dt>Pull request</dt>
                <dd>
                  ${safeLink(pr.url, `${pr.provider} #${pr.number}`)}${pr.title ? html` ${pr.title}` : ''}${pr.head_ref ? html` <span class="muted">${pr.head_ref} → ${pr.base_ref ?? '?'}</span>` : ''}
                </dd>`
            : ''
        }
        ${
          s?.author
            ? html`<dt>Author</dt>
                <dd>${s.author}</dd>`
            : ''
        }
        ${
          s?.ci_run
            ? html`<dt>CI run</dt>
                <dd>${safeLink(s.ci_run)}</dd>`
            : ''
        }
        <dt>Started</dt>
        <dd>${s?.time ?? '—'} ${s ? entryRef(links, s.index) : ''}</dd>
        <dt>Outcome</dt>
        <dd>
          ${f ? html`${outcomeBadge(f.status)} exit ${f.exit_code}, ${fmtMs(f.duration_ms)}${f.error_class ? html` <span class="mono">${f.error_class}</span>` : ''} ${entryRef(links, f.index)}` : 'the run has not finished (or its end was not recorded)'}
        </dd>
        <dt>Change hash</dt>
        <dd class="mono">${rec.gate?.change_hash ?? s?.change_hash ?? '—'}</dd>
        ${
          s?.config_hash
            ? html`<dt>Configuration</dt>
                <dd><span class="mono">${s.config_hash}</span>${s.config_source ? html` (from ${s.config_source})` : ''}</dd>`
            : ''
        }
        ${
          s?.incremental_from
            ? html`<dt>Incremental from</dt>
                <dd class="mono">${s.incremental_from}</dd>`
            : ''
        }
        ${
          s?.bulwark_version
            ? html`<dt>Bulwark</dt>
                <dd>${s.bulwark_version}</dd>`
            : ''
        }
      </dl>
    </section>
    ${renderGate(rec, links)} ${renderStages(rec)} ${renderFindings(rec)} ${renderCalls(rec, links)} ${renderCoverage(rec)} ${renderMutation(rec, links)}
    ${renderWitnessRefusals(rec, links)} ${renderApprovals(rec, links)} ${renderBoundary(rec, links)} ${renderReports(rec)}
    ${rec.missingBlobs.length ? html`<p class="muted">Blobs not stored (moved out by retention or missing): ${rec.missingBlobs.map((b) => html`<span class="mono">${b}</span> `)}</p>` : ''}`;
}

function renderGate(rec: RunRecord, links: RunLinks): Html {
  const g = rec.gate;
  if (!g)
    return html`<section aria-labelledby="gate-h">
      <h2 id="gate-h">Gate decision</h2>
      <p class="muted">No gate decision recorded.</p>
    </section>`;
  return html`<section aria-labelledby="gate-h">
    <h2 id="gate-h">Gate decision ${gateBadge(g.flagged)} ${entryRef(links, g.index)}</h2>
    ${g.roots_warning ? html`<p role="alert"><span class="badge bad">roots</span> ${g.roots_warning}</p>` : ''}
    ${g.layer ? html`<p>Decided by the <strong>${g.layer}</strong> layer${g.signal_score !== undefined ? html` (signal score ${g.signal_score}${g.signal_threshold !== undefined ? html`, threshold ${g.signal_threshold}` : ''})` : ''}.</p>` : ''}
    ${g.classifier ? html`<p>Classifier: ${g.classifier}</p>` : ''}
    ${g.zones.length ? html`<p>Zones: ${g.zones.map((z) => html`<span class="badge muted">${z}</span> `)}</p>` : ''}
    ${g.zone_routes?.length ? html`<p>Zone routes: ${g.zone_routes.map((r) => html`${r.zone} → ${r.provider} (${r.region}) `)}</p>` : ''}
    ${
      g.reasons.length
        ? html`<ul>
            ${g.reasons.map((r) => html`<li>${r}</li>`)}
          </ul>`
        : html`<p class="muted">No reason to require approval.</p>`
    }
    ${g.changed_functions !== undefined ? html`<p class="muted">${g.changed_functions} changed function(s) analysed.</p>` : ''}
    ${
      g.unparsable?.length
        ? html`<p>Files that could not be analysed:</p>
            <ul>
              ${g.unparsable.map((u) => html`<li class="mono">${u}</li>`)}
            </ul>`
        : ''
    }
    ${
      g.paths?.length
        ? html`<h3>Call paths</h3>
            ${renderPathGraph(drawnPaths(g), { idPrefix: 'gate' })}`
        : ''
    }
  </section>`;
}

function renderStages(rec: RunRecord): Html {
  if (rec.stages.length === 0) return html``;
  return html`<section aria-labelledby="stages-h">
    <h2 id="stages-h">Stages</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Duration</th>
          <th scope="col" class="num">Model calls</th>
          <th scope="col" class="num">Tokens in</th>
          <th scope="col" class="num">Tokens out</th>
          <th scope="col">Models</th>
          <th scope="col" class="num">Findings</th>
        </tr>
      </thead>
      <tbody>
        ${rec.stages.map(
          (st) =>
            html`<tr>
              <td>${st.name}${st.degraded.length ? html` <span class="badge warn" title="${st.degraded.join(', ')}">degraded sandbox</span>` : ''}</td>
              <td>${st.status}${st.errorClass ? html` <span class="mono">${st.errorClass}</span>` : ''}</td>
              <td class="num">${fmtMs(st.durationMs)}</td>
              <td class="num">${st.calls}</td>
              <td class="num">${fmtInt(st.tokensIn)}</td>
              <td class="num">${fmtInt(st.tokensOut)}</td>
              <td>${st.models.join(', ')}</td>
              <td class="num">${st.findings ?? '—'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function renderFinding(rec: RunRecord, f: Finding): Html {
  const ex = rec.excerpts.get(`${f.file}:${f.line}`);
  const sev = f.severity === 'critical' || f.severity === 'high' ? 'bad' : f.severity === 'medium' ? 'warn' : 'muted';
  return html`<article class="finding">
    <p>
      <span class="badge ${sev}">${f.severity}</span> <strong>${f.category}</strong>
      <span class="where mono">${f.file}${f.line > 0 ? `:${f.line}${f.endLine && f.endLine !== f.line ? `-${f.endLine}` : ''}` : ''}</span>
      <span class="muted">stage ${f.stage}, confidence ${f.confidence.toFixed(2)}</span>
    </p>
    <pre>${f.message}</pre>
    ${
      ex
        ? html`<pre class="excerpt" aria-label="code at ${f.file} line ${f.line}">
${ex.lines.map((l, i) => {
              const n = ex.start + i;
              return html`<span class="${n >= ex.focus[0] && n <= ex.focus[1] ? 'l focus' : 'l'}"><span class="n">${n}</span>${l}</span>`;
            })}</pre>`
        : ''
    }
    ${
      f.suggestion !== undefined
        ? html`<p class="muted">Suggested replacement:</p>
            <pre>${f.suggestion}</pre>`
        : ''
    }
  </article>`;
}

function renderFindings(rec: RunRecord): Html {
  return html`<section aria-labelledby="findings-h">
    <h2 id="findings-h">Findings (${rec.findings.length})</h2>
    ${rec.findings.length ? rec.findings.map((f) => renderFinding(rec, f)) : html`<p class="muted">No stage reported a finding.</p>`}
  </section>`;
}

function renderCalls(rec: RunRecord, links: RunLinks): Html {
  if (rec.calls.length === 0) return html``;
  return html`<section aria-labelledby="calls-h">
    <h2 id="calls-h">Model calls (${rec.calls.length})</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Entry</th>
          <th scope="col">Stage / agent</th>
          <th scope="col">Provider</th>
          <th scope="col">Model</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Latency</th>
          <th scope="col" class="num">Tokens</th>
          <th scope="col">Prompt and response</th>
        </tr>
      </thead>
      <tbody>
        ${rec.calls.map((c) => {
          const returned = c.model_returned;
          const mismatch = returned !== null && returned !== c.model_requested;
          return html`<tr>
            <td>${entryRef(links, c.index)}</td>
            <td>${c.stage} / ${c.agent_id}</td>
            <td>${c.provider}</td>
            <td>
              ${c.model_requested}${mismatch ? html` <span class="badge warn" title="the provider reported another model">returned ${returned}</span>` : ''}
            </td>
            <td>
              ${c.status}${c.error_class ? html` <span class="mono">${c.error_class}</span>` : ''}${c.partial ? html` <span class="badge warn">partial</span>` : ''}${c.output_mode ? html`<br /><span class="muted">${c.output_mode}</span>` : ''}${c.zone ? html`<br /><span class="muted">zone ${c.zone}${c.region ? ` (${c.region})` : ''}</span>` : ''}
            </td>
            <td class="num">${fmtMs(c.latency_ms)}</td>
            <td class="num">${fmtInt(c.tokens_in)} + ${fmtInt(c.tokens_out)}</td>
            <td>${blobRef(links, c.blob)}<br /><span class="muted mono" title="input hash">${c.input_hash.slice(0, 19)}…</span></td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

function renderCoverage(rec: RunRecord): Html {
  const c = rec.coverage;
  if (!c) return html``;
  const counts = { reviewed: 0, clipped: 0, skipped: 0 };
  for (const f of c.files) counts[f.status]++;
  return html`<section aria-labelledby="coverage-h">
    <h2 id="coverage-h">Coverage</h2>
    <p>
      ${counts.reviewed} file(s) reviewed, ${counts.clipped} clipped, ${counts.skipped}
      skipped${c.tokens_used !== undefined ? `; ${fmtInt(c.tokens_used)} of ${c.tokens_budget !== undefined ? fmtInt(c.tokens_budget) : '?'} context tokens used` : ''}.
    </p>
    ${
      counts.clipped + counts.skipped > 0
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              ${c.files
                .filter((f) => f.status !== 'reviewed')
                .map(
                  (f) =>
                    html`<tr>
                      <td class="mono">${f.path}</td>
                      <td>${f.status}</td>
                      <td>${f.reason ?? ''}</td>
                    </tr>`,
                )}
            </tbody>
          </table>`
        : ''
    }
    ${rec.redactions.length ? html`<p>Redactions before text reached a model: ${rec.redactions.map((r) => html`${r.stage ?? 'run'}: ${r.count} (${r.rules.join(', ')}) `)}</p>` : ''}
  </section>`;
}

function renderMutation(rec: RunRecord, links: RunLinks): Html {
  if (rec.mutation.length === 0) return html``;
  return html`<section aria-labelledby="mutation-h">
    <h2 id="mutation-h">Mutation testing</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Entry</th>
          <th scope="col">Score</th>
          <th scope="col" class="num">Killed</th>
          <th scope="col" class="num">Survived</th>
          <th scope="col" class="num">Timeout</th>
          <th scope="col" class="num">Error</th>
          <th scope="col" class="num">Skipped</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        ${rec.mutation.map(
          (m) =>
            html`<tr>
              <td>${entryRef(links, m.index)}</td>
              <td>
                ${m.score === null ? '—' : `${(m.score * 100).toFixed(0)} %`} (minimum ${(m.min_score * 100).toFixed(0)}
                %)${m.blocking ? html` <span class="badge bad">blocking</span>` : ''}
              </td>
              <td class="num">${m.killed}</td>
              <td class="num">${m.survived}</td>
              <td class="num">${m.timeout}</td>
              <td class="num">${m.error}</td>
              <td class="num">${m.skipped_non_compiling + m.skipped_equivalent + m.skipped_over_limit}</td>
              <td>${blobRef(links, m.details_blob)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function renderWitnessRefusals(rec: RunRecord, links: RunLinks): Html {
  if (rec.witnessRefusals.length === 0) return html``;
  return html`<section aria-labelledby="witnesses-h">
    <h2 id="witnesses-h">Witnesses that did not cosign</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Entry</th>
          <th scope="col">Witness</th>
          <th scope="col" class="num">Checkpoint size</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        ${rec.witnessRefusals.map(
          (w) =>
            html`<tr>
              <td>${entryRef(links, w.index)}</td>
              <td class="mono">${w.witness}</td>
              <td class="num">${w.checkpoint_size}</td>
              <td>${w.reason}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function renderApprovals(rec: RunRecord, links: RunLinks): Html {
  return html`<section aria-labelledby="approvals-h">
    <h2 id="approvals-h">Approvals</h2>
    ${
      rec.approvals.length
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">Entry</th>
                <th scope="col">Time</th>
                <th scope="col">Reviewer</th>
                <th scope="col">Decision</th>
                <th scope="col">Method</th>
                <th scope="col">Key</th>
                <th scope="col">Zones</th>
              </tr>
            </thead>
            <tbody>
              ${rec.approvals.map(
                (a) =>
                  html`<tr>
                    <td>${entryRef(links, a.index)}</td>
                    <td>${a.time}</td>
                    <td>${a.reviewer}</td>
                    <td>${a.decision}</td>
                    <td>${a.method}</td>
                    <td class="mono">${a.key_fingerprint ?? '—'}</td>
                    <td>${(a.zones ?? []).join(', ')}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No approval recorded for this change.</p>`
    }
  </section>`;
}

function renderBoundary(rec: RunRecord, links: RunLinks): Html {
  if (rec.boundary.length === 0) return html``;
  return html`<section aria-labelledby="boundary-h">
    <h2 id="boundary-h">Sandbox boundary (${rec.boundary.length})</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Entry</th>
          <th scope="col">Stage</th>
          <th scope="col">Event</th>
        </tr>
      </thead>
      <tbody>
        ${rec.boundary.map(
          (b) =>
            html`<tr>
              <td>${entryRef(links, b.index)}</td>
              <td>${b.stage ?? '—'}</td>
              <td>
                ${
                  b.kind === 'egress'
                    ? `egress ${b.decision} ${b.host}:${b.port}${b.reason ? ` — ${b.reason}` : ''}`
                    : `${b.layer} denied ${b.operation}${b.target ? ` ${b.target}` : ''}${b.detail ? ` — ${b.detail}` : ''}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function renderReports(rec: RunRecord): Html {
  if (rec.reports.length === 0) return html``;
  return html`<section aria-labelledby="reports-h">
    <h2 id="reports-h">Stage reports</h2>
    ${rec.reports.map(
      (r) =>
        html`<h3>${r.stage}</h3>
          <pre>${r.markdown}</pre>`,
    )}
  </section>`;
}
