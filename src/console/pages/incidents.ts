import { html } from 'hono/html';
import { incidentReport } from '../../audit/incident.js';
import { blameTrace, type BlamedFrame } from '../blame.js';
import type { ConsoleContext } from '../context.js';
import { layout, type Html } from '../layout.js';

/** Largest stack trace accepted (bytes). */
export const MAX_TRACE_BYTES = 256 * 1024;

const refLink = (k: string, v: string): Html =>
  k === 'blob' || k === 'output_blob'
    ? html`<a class="mono" href="/audit/blobs/${encodeURIComponent(v)}">${k} ${v.slice(0, 19)}…</a>`
    : html`<span class="mono">${k} ${v.slice(0, 23)}…</span>`;

/**
 * Incidents: for a commit (or what a deployment shipped), every run that reviewed it, each prompt
 * by hash with its blob, approvals and deployments in time order; and a pasted stack trace with
 * each frame's line attributed to an agent-written or a human-written commit.
 */
export async function incidentsPage(
  ctx: ConsoleContext,
  q: { commit?: string },
  trace?: { text: string; rev: string; frames: BlamedFrame[] | string },
): Promise<Html> {
  const commit = q.commit?.trim().toLowerCase();
  let timeline: Html = html``;
  if (commit) {
    if (!/^[0-9a-f]{7,64}$/.test(commit))
      timeline = html`<p role="alert"><span class="badge bad">error</span> "${commit}" is not a hex commit id (at least 7 digits).</p>`;
    else {
      const r = await incidentReport(ctx.store, commit);
      timeline = html`<h2>Commit <span class="mono">${commit}</span></h2>
        ${r.runs.length ? html`<p>Reviewed by ${r.runs.map((run) => html`<a class="mono" href="/runs/${encodeURIComponent(run.runId)}">${run.runId}</a> (${run.status ?? 'unfinished'}) `)}</p>` : html`<p class="muted">No Bulwark run reviewed this commit.</p>`}
        ${r.deployments.length ? html`<p>Deployed: ${r.deployments.map((d) => html`${d.env} at ${d.time} `)}</p>` : html`<p class="muted">No deployment recorded.</p>`}
        <table>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col" class="num">Entry</th>
              <th scope="col">Event</th>
              <th scope="col">Hashes</th>
            </tr>
          </thead>
          <tbody>
            ${r.timeline.map(
              (t) =>
                html`<tr>
                  <td>${t.time.replace('T', ' ').slice(0, 23)}</td>
                  <td class="num"><a href="/audit/entries/${t.index}">#${t.index}</a></td>
                  <td>${t.summary}</td>
                  <td>${Object.entries(t.refs).map(([k, v]) => html`${refLink(k, v)}<br />`)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
    }
  }
  const traceForm = ctx.repoDir
    ? html`<form method="post" action="/incidents/trace">
        <p><label for="trace">Stack trace (Python, Java, Node/TypeScript or Go)</label><textarea id="trace" name="trace">${trace?.text ?? ''}</textarea></p>
        <p>
          <label>Revision that ran <input name="rev" value="${trace?.rev ?? 'HEAD'}" /></label> <button type="submit">Attribute frames</button>
        </p>
      </form>`
    : html`<p class="muted">Start the console with <code>--repo DIR</code> (a clone of the repository) to attribute stack-trace frames to commits.</p>`;
  let frames: Html = html``;
  if (trace) {
    if (typeof trace.frames === 'string') frames = html`<p role="alert"><span class="badge bad">error</span> ${trace.frames}</p>`;
    else if (trace.frames.length === 0) frames = html`<p class="muted">No frame with a file and line was found in the paste.</p>`;
    else {
      const agent = trace.frames.filter((f) => f.attribution?.agent).length;
      frames = html`<p>
          ${trace.frames.length} frame(s): ${agent} from agent-attributed commits, ${trace.frames.filter((f) => f.attribution && !f.attribution.agent).length}
          from human ones, ${trace.frames.filter((f) => !f.attribution).length} unattributed.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Frame</th>
              <th scope="col">File:line</th>
              <th scope="col">Commit</th>
              <th scope="col">Written by</th>
              <th scope="col">Why</th>
              <th scope="col">Reviewed by</th>
            </tr>
          </thead>
          <tbody>
            ${trace.frames.map(
              (f) =>
                html`<tr class="${f.attribution ? (f.attribution.agent ? 'frame-agent' : 'frame-human') : ''}">
                  <td class="mono">${f.text}</td>
                  <td class="mono">${f.path ?? f.file}:${f.line}</td>
                  <td>${f.commit ? html`<a class="mono" href="/incidents?commit=${f.commit}">${f.commit.slice(0, 12)}</a> ${f.summary ?? ''}` : '—'}</td>
                  <td class="attr">
                    ${f.attribution ? (f.attribution.agent ? 'agent' : 'human') : html`<span class="muted">${f.problem ?? 'unknown'}</span>`}
                  </td>
                  <td>${f.attribution ? html`${f.attribution.why}<br /><span class="muted">${f.author ?? ''}</span>` : ''}</td>
                  <td>
                    ${f.attribution?.reviewedBy ? html`<a class="mono" href="/runs/${encodeURIComponent(f.attribution.reviewedBy)}">${f.attribution.reviewedBy}</a>` : '—'}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`;
    }
  }
  const body = html`<h1>Incidents</h1>
    <form class="filters" method="get" action="/incidents" role="search" aria-label="Incident timeline">
      <label>Commit or deployed commit<input name="commit" value="${q.commit ?? ''}" /></label><button type="submit">Show timeline</button>
    </form>
    ${timeline}
    <h2>Which lines of a stack trace came from an agent?</h2>
    <p class="muted">
      Each frame's line is blamed at the revision that ran; a commit counts as agent-written when its author is a bot or agent account or it carries an agent
      trailer (<code>Co-authored-by</code> naming an agent, <code>Generated-by</code>, <code>Assisted-by</code>, <code>AI-Assisted</code>, <code>Agent</code>).
      <code>Reviewed-by-Agent: bulwark run …</code> links the Bulwark review.
    </p>
    ${traceForm}${frames}`;
  return layout('Incidents', '/incidents', body);
}

export async function traceFrames(ctx: ConsoleContext, text: string, rev: string): Promise<BlamedFrame[] | string> {
  if (!ctx.repoDir) return 'the console has no repository (--repo)';
  try {
    return await blameTrace(ctx.repoDir, rev, text);
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
}
