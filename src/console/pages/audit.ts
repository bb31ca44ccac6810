import { html } from 'hono/html';
import { decodeBlob } from '../../audit/blobs.js';
import { inclusionProofRanges, leafHash, resolveRanges, verifyInclusion } from '../../audit/merkle.js';
import { openCheckpoint, parseCheckpointBody, parseNote, type VerifierKey } from '../../audit/note.js';
import type { StoredCheckpoint } from '../../audit/store.js';
import { verifyLog } from '../../audit/verify.js';
import { parseSignatureLine, verifyCosignature, witnessLabel } from '../../audit/witness/cosignature.js';
import { decodeEntry, ENTRY_KINDS } from '../../domain/audit-entries.js';
import type { ConsoleContext } from '../context.js';
import { listBundles } from '../evidence.js';
import { layout, query, type Html } from '../layout.js';

const ENTRIES_PER_PAGE = 50;
/** Entries a filtered listing looks through per request before offering to continue. */
const SCAN_LIMIT = 200_000;

/** Starts a verify unless one runs; the page shows the newest result. */
export function startVerify(ctx: ConsoleContext): void {
  if (ctx.verify.running || ctx.trustedKeys.length === 0) return;
  ctx.verify.running = (async () => {
    try {
      const report = await verifyLog({ store: ctx.store, trustedKeys: ctx.trustedKeys, ...(ctx.witnesses ? { witnesses: ctx.witnesses } : {}) });
      ctx.verify.last = { at: new Date().toISOString(), report };
      ctx.verify.error = null;
    } catch (e) {
      ctx.verify.error = (e as Error).message;
    } finally {
      ctx.verify.running = null;
    }
  })();
}

function describeCheckpoint(cp: StoredCheckpoint | undefined, keys: VerifierKey[]): Html {
  if (!cp) return html`<p>No checkpoint has been signed yet.</p>`;
  let signer = 'no trusted key given';
  try {
    const parsed = parseNote(cp.note);
    const body = parseCheckpointBody(parsed.text);
    if (keys.length) {
      try {
        signer = `signed by trusted key ${openCheckpoint(cp.note, keys).key.name}`;
      } catch (e) {
        signer = `NOT signed by a trusted key: ${(e as Error).message}`;
      }
    }
    return html`<dl class="facts">
      <dt>Origin</dt>
      <dd class="mono">${body.origin}</dd>
      <dt>Tree size</dt>
      <dd>${body.treeSize.toLocaleString('en-US')}</dd>
      <dt>Root hash</dt>
      <dd class="mono">${body.rootHash.toString('hex')}</dd>
      <dt>Signed</dt>
      <dd>${new Date(cp.createdMs).toISOString()} (checkpoint ${cp.seq})</dd>
      <dt>Signature</dt>
      <dd>${signer}</dd>
    </dl>`;
  } catch (e) {
    return html`<p>The newest checkpoint does not parse: ${(e as Error).message}</p>`;
  }
}

/** The cosignatures stored with a checkpoint, each checked against the witness keys the console was given. */
async function describeCosignatures(ctx: ConsoleContext, cp: StoredCheckpoint | undefined): Promise<Html> {
  const policy = ctx.witnesses;
  const required = policy
    ? html`<p>Verify requires cosignatures from ${policy.quorum} of: ${policy.keys.map((k) => html`<span class="mono">${witnessLabel(k)}</span> `)}</p>`
    : html`<p class="muted">No witness key given (start the console with <code>--witness KEY</code>): cosignatures are listed, not checked.</p>`;
  if (!cp) return required;
  const lines = (await ctx.store.listCosignatures()).filter((c) => c.seq === cp.seq);
  if (lines.length === 0)
    return html`${required}
      <p class="muted">The newest checkpoint carries no witness cosignature.</p>`;
  const body = parseNote(cp.note).text;
  const rows = lines.map((c) => {
    let status: Html = html`<span class="badge muted">not checked</span>`;
    try {
      const sig = parseSignatureLine(c.line);
      const key = policy?.keys.find((k) => k.name === sig.name && k.keyId.equals(sig.keyId));
      if (key) {
        const at = verifyCosignature(sig, body, key);
        status = html`<span class="badge ok">valid</span> cosigned ${new Date(at * 1000).toISOString()}`;
      }
    } catch (e) {
      status = html`<span class="badge bad">invalid</span> ${(e as Error).message}`;
    }
    return html`<tr>
      <td class="mono">${c.witness}</td>
      <td>${status}</td>
    </tr>`;
  });
  return html`${required}
    <table>
      <thead>
        <tr>
          <th scope="col">Witness</th>
          <th scope="col">Cosignature of checkpoint ${cp.seq}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

export async function auditPage(ctx: ConsoleContext): Promise<Html> {
  const checkpoints = await ctx.store.listCheckpoints();
  const last = checkpoints.at(-1);
  const v = ctx.verify.last;
  const bundles = ctx.evidenceDir ? listBundles(ctx.evidenceDir) : [];
  const body = html`<h1>Audit log</h1>
    <dl class="facts">
      <dt>Location</dt>
      <dd class="mono">${ctx.location}</dd>
      <dt>Entries</dt>
      <dd>${ctx.index.size.toLocaleString('en-US')}</dd>
      <dt>Checkpoints</dt>
      <dd>${checkpoints.length}</dd>
      <dt>Trust anchors</dt>
      <dd>
        ${ctx.trustedKeys.length ? ctx.trustedKeys.map((k) => html`<span class="mono">${k.name}+${k.keyId.toString('hex')}</span> `) : html`none — start the console with <code>--trusted-key FILE</code>; the console never trusts a key because the log names it`}
      </dd>
    </dl>
    <section aria-labelledby="cp-h">
      <h2 id="cp-h">Newest checkpoint</h2>
      ${describeCheckpoint(last, ctx.trustedKeys)}
    </section>
    <section aria-labelledby="witness-h">
      <h2 id="witness-h">Witnesses</h2>
      ${await describeCosignatures(ctx, last)}
    </section>
    <section aria-labelledby="verify-h">
      <h2 id="verify-h">Verification</h2>
      ${ctx.verify.running ? html`<p><span class="badge muted">running</span> A verify of the whole log is in progress; reload to see its result.</p>` : ''}
      ${ctx.verify.error ? html`<p><span class="badge bad">error</span> ${ctx.verify.error}</p>` : ''}
      ${
        v
          ? html`<p>
                ${v.report.ok ? html`<span class="badge ok">verified</span>` : html`<span class="badge bad">FAILED</span>`} at ${v.at}:
                ${v.report.treeSize.toLocaleString('en-US')} entries, ${v.report.signedSize.toLocaleString('en-US')} covered by a valid signed checkpoint,
                ${v.report.unsignedTail} not yet signed; blobs ${v.report.blobs.checked} checked, ${v.report.blobs.purged} purged, ${v.report.blobs.archived}
                archived.
              </p>
              ${v.report.witnesses ? html`<p>Witnesses: ${v.report.witnesses.cosignedBy.length} valid cosignature(s) on the checkpoint of size ${v.report.witnesses.treeSize}, ${v.report.witnesses.quorum} required.</p>` : ''}
              ${
                v.report.problems.length
                  ? html`<ul>
                      ${v.report.problems.slice(0, 50).map((p) => html`<li><span class="mono">${p.code}</span>${p.index !== undefined ? html` at <a href="/audit/entries/${p.index}">#${p.index}</a>` : ''}: ${p.message}</li>`)}
                    </ul>`
                  : ''
              }`
          : html`<p class="muted">${ctx.trustedKeys.length ? 'Not verified yet in this session.' : 'Verify needs a trust anchor.'}</p>`
      }
      ${ctx.trustedKeys.length ? html`<form method="post" action="/audit/verify"><button type="submit">Verify the whole log now</button></form>` : ''}
    </section>
    <section aria-labelledby="browse-h">
      <h2 id="browse-h">Entries</h2>
      <p><a href="/audit/entries">Browse entries</a>, newest first, by kind or run; each entry page shows its inclusion proof in the newest checkpoint.</p>
    </section>
    <section aria-labelledby="evidence-h">
      <h2 id="evidence-h">Evidence bundles</h2>
      ${
        ctx.evidenceDir === null
          ? html`<p class="muted">
              Start the console with <code>--evidence-dir DIR</code> (where <code>bulwark audit export</code> writes the weekly bundles) to download them here.
              The console holds no signing key, so it serves bundles, it does not make them.
            </p>`
          : bundles.length
            ? html`<ul>
                ${bundles.map((b) => html`<li><a href="/audit/evidence/${encodeURIComponent(b.name)}.tar">${b.name}</a> <span class="muted">${b.period}</span></li>`)}
              </ul>`
            : html`<p class="muted">No bundle in the evidence directory yet.</p>`
      }
    </section>`;
  return layout('Audit log', '/audit', body);
}

export async function entriesPage(ctx: ConsoleContext, q: Record<string, string | undefined>): Promise<Html> {
  const size = ctx.index.size;
  const kind = q.kind && /^[a-z_]{1,40}$/.test(q.kind) ? q.kind : undefined;
  const run = q.run && q.run.length <= 256 ? q.run : undefined;
  const before = Math.min(size, Math.max(0, Number.parseInt(q.before ?? String(size), 10) || size));
  const rows: { index: number; kind: string; time: string; runId: string | null; text: string }[] = [];
  let cursor = before;
  if (run) {
    for (const r of await ctx.store.queryEntries({ runId: run })) if (r.index < before && (!kind || r.kind === kind)) rows.push(row(r));
    rows.reverse();
    rows.splice(ENTRIES_PER_PAGE);
    cursor = rows.at(-1)?.index ?? 0;
  } else {
    const floor = Math.max(0, before - SCAN_LIMIT);
    while (cursor > floor && rows.length < ENTRIES_PER_PAGE) {
      const start = Math.max(floor, cursor - (kind ? 5000 : ENTRIES_PER_PAGE));
      const chunk: typeof rows = [];
      for await (const batch of ctx.store.readEntries(start, cursor)) for (const r of batch) if (!kind || r.kind === kind) chunk.push(row(r));
      chunk.reverse();
      for (const r of chunk) {
        if (rows.length >= ENTRIES_PER_PAGE) break;
        rows.push(r);
        cursor = r.index;
      }
      if (rows.length < ENTRIES_PER_PAGE) cursor = start;
    }
  }
  const body = html`<h1>Audit entries</h1>
    <form class="filters" method="get" action="/audit/entries" role="search" aria-label="Filter entries">
      <label
        >Kind<select name="kind">
          <option value="">any</option>
          ${ENTRY_KINDS.map((k) => html`<option value="${k}" ${kind === k ? html` selected` : ''}>${k}</option>`)}
        </select></label
      >
      <label>Run<input name="run" value="${run ?? ''}" /></label><button type="submit">Show</button>
    </form>
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">Index</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Kind</th>
          <th scope="col">Run</th>
          <th scope="col">Entry</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <td class="num"><a href="/audit/entries/${r.index}">${r.index}</a></td>
              <td>${r.time.slice(0, 23).replace('T', ' ')}</td>
              <td>${r.kind}</td>
              <td>${r.runId ? html`<a class="mono" href="/runs/${encodeURIComponent(r.runId)}">${r.runId}</a>` : '—'}</td>
              <td class="mono">${r.text.length > 160 ? `${r.text.slice(0, 159)}…` : r.text}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager" aria-label="Pages">
      ${cursor > 0 && (rows.length === ENTRIES_PER_PAGE || !run) ? html`<a href="/audit/entries${query({ kind, run, before: cursor })}">Older</a>` : ''}
    </nav>`;
  return layout('Audit entries', '/audit', body);
}

function row(r: { index: number; kind: string; timeMs: number; runId: string | null; bytes: Uint8Array }) {
  return { index: r.index, kind: r.kind, time: new Date(r.timeMs).toISOString(), runId: r.runId, text: Buffer.from(r.bytes).toString('utf8') };
}

export async function entryPage(ctx: ConsoleContext, index: number): Promise<Html | null> {
  const stored = await ctx.store.getEntry(index);
  if (!stored) return null;
  let pretty: string;
  let problem: string | null = null;
  let blobs: string[] = [];
  try {
    const e = decodeEntry(stored.bytes);
    pretty = JSON.stringify(e, null, 2);
    blobs = e.kind === 'llm_call' && e.blob ? [e.blob] : e.kind === 'stage_finished' && e.output_blob ? [e.output_blob] : [];
  } catch (err) {
    pretty = Buffer.from(stored.bytes).toString('utf8');
    problem = (err as Error).message;
  }
  const leaf = leafHash(stored.bytes);
  const cps = (await ctx.store.listCheckpoints()).filter((c) => c.treeSize > index);
  const cp = cps.at(-1);
  let proofHtml: Html = html`<p class="muted">No signed checkpoint covers this entry yet.</p>`;
  if (cp) {
    const body = parseCheckpointBody(parseNote(cp.note).text);
    const proof = await resolveRanges(inclusionProofRanges(index, body.treeSize), (refs) => ctx.store.getNodes(refs));
    let result: Html;
    try {
      verifyInclusion(index, body.treeSize, leaf, proof, body.rootHash);
      let signer = 'no trust anchor given, so the checkpoint signature is not checked';
      if (ctx.trustedKeys.length) {
        try {
          signer = `checkpoint signed by trusted key ${openCheckpoint(cp.note, ctx.trustedKeys).key.name}`;
        } catch (e) {
          signer = `checkpoint NOT signed by a trusted key: ${(e as Error).message}`;
        }
      }
      result = html`<p>
        <span class="badge ok">included</span> The proof leads from this entry's leaf hash to the root of checkpoint ${cp.seq} (tree size ${body.treeSize});
        ${signer}.
      </p>`;
    } catch (e) {
      result = html`<p><span class="badge bad">proof fails</span> ${(e as Error).message}</p>`;
    }
    proofHtml = html`${result}
      <p class="muted">RFC 9162 inclusion proof, ${proof.length} hash(es), leaf first; check offline with <code>bulwark audit proof --index ${index}</code>.</p>
      <ol class="mono">
        ${proof.map((h) => html`<li>${Buffer.from(h).toString('hex')}</li>`)}
      </ol>
      <pre>${cp.note}</pre>`;
  }
  const body = html`<h1>Entry #${index} <span class="muted">${stored.kind}</span></h1>
    ${problem ? html`<p><span class="badge bad">invalid</span> ${problem}</p>` : ''}
    <dl class="facts">
      <dt>Leaf hash</dt>
      <dd class="mono">${leaf.toString('hex')}</dd>
      ${
        stored.runId
          ? html`<dt>Run</dt>
              <dd><a class="mono" href="/runs/${encodeURIComponent(stored.runId)}">${stored.runId}</a></dd>`
          : ''
      }
      ${
        blobs.length
          ? html`<dt>Blob</dt>
              <dd>${blobs.map((b) => html`<a class="mono" href="/audit/blobs/${encodeURIComponent(b)}">${b}</a>`)}</dd>`
          : ''
      }
    </dl>
    <h2>Entry</h2>
    <pre>${pretty}</pre>
    <h2>Inclusion proof</h2>
    ${proofHtml}
    <nav class="pager" aria-label="Neighbours">
      ${index > 0 ? html`<a href="/audit/entries/${index - 1}">Previous entry</a>` : ''}${index + 1 < ctx.index.size ? html`<a href="/audit/entries/${index + 1}">Next entry</a>` : ''}
    </nav>`;
  return layout(`Entry ${index}`, '/audit', body);
}

/** Largest blob shown inline; larger ones are offered as a download only. */
const MAX_INLINE_BLOB = 2 * 1024 * 1024;

export async function blobBytes(ctx: ConsoleContext, address: string): Promise<Buffer | null> {
  if (!/^sha256:[0-9a-f]{64}$/.test(address)) return null;
  const stored = await ctx.store.getBlob(address);
  return stored ? decodeBlob(stored) : null;
}

export async function blobPage(ctx: ConsoleContext, address: string): Promise<Html | null> {
  const data = await blobBytes(ctx, address);
  if (!data) return null;
  let text = data.byteLength > MAX_INLINE_BLOB ? null : data.toString('utf8');
  if (text !== null) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: shown as stored
    }
  }
  const body = html`<h1>Blob <span class="mono">${address}</span></h1>
    <p>
      ${data.byteLength.toLocaleString('en-US')} bytes; its content matches its address (checked when read).
      <a href="/audit/blobs/${encodeURIComponent(address)}/raw">Download</a>
    </p>
    ${text !== null ? html`<pre>${text}</pre>` : html`<p class="muted">Too large to show inline.</p>`}`;
  return layout('Blob', '/audit', body);
}
