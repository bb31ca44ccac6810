import { UsageError } from '../domain/errors.js';
import { decodeEntry, type Entry } from '../domain/audit-entries.js';
import type { LogStore } from './store.js';

/**
 * Incident timeline: everything the log knows about one commit — the runs that reviewed it, every
 * model call (prompt/response hashes and blob addresses), the gate decision, approvals of its
 * change hash and its deployments — in time order. And commit trailers that attribute a commit to
 * the Bulwark run that reviewed it.
 */

export interface TimelineEvent {
  index: number;
  time: string;
  kind: Entry['kind'];
  runId: string | null;
  summary: string;
  /** Hashes an investigator follows: input/output hash, blob, change hash, signature key. */
  refs: Record<string, string>;
}

export interface IncidentReport {
  commit: string;
  runs: { runId: string; head: string | null; changeHash: string | null; status: string | null }[];
  deployments: { index: number; time: string; env: string; url: string | null }[];
  timeline: TimelineEvent[];
}

function matchesCommit(full: string | undefined, query: string): boolean {
  if (!full) return false;
  const f = full.toLowerCase();
  return f.startsWith(query) || query.startsWith(f);
}

function describe(e: Entry): { summary: string; refs: Record<string, string> } {
  switch (e.kind) {
    case 'run_started':
      return {
        summary: `run started (${e.command}) ${e.base ?? '?'}...${e.head ?? '?'}${e.pr ? ` ${e.pr.provider} PR #${e.pr.number}${e.pr.url ? ` ${e.pr.url}` : ''}` : ''}${e.author ? ` by ${e.author}` : ''}${e.ci_run ? ` ci ${e.ci_run}` : ''}`,
        refs: e.change_hash ? { change_hash: e.change_hash } : {},
      };
    case 'run_finished':
      return { summary: `run finished: ${e.status} (exit ${e.exit_code})${e.error_class ? ` ${e.error_class}` : ''}`, refs: {} };
    case 'stage_started':
      return { summary: `stage ${e.stage} started`, refs: {} };
    case 'stage_finished':
      return { summary: `stage ${e.stage} ${e.status}`, refs: e.output_blob ? { output_blob: e.output_blob } : {} };
    case 'llm_call':
      return {
        summary: `model call ${e.stage}/${e.agent_id}: ${e.provider} ${e.model_returned ?? e.model_requested} ${e.status}, ${e.tokens_in}+${e.tokens_out} tokens, ${e.latency_ms} ms`,
        refs: { input_hash: e.input_hash, ...(e.output_hash ? { output_hash: e.output_hash } : {}), ...(e.blob ? { blob: e.blob } : {}) },
      };
    case 'gate_decision':
      return {
        summary: `gate: ${e.flagged ? 'flagged' : 'pass'}${e.zones.length ? ` zones ${e.zones.join(',')}` : ''}${e.reasons.length ? ` — ${e.reasons.join('; ')}` : ''}`,
        refs: e.change_hash ? { change_hash: e.change_hash } : {},
      };
    case 'approval':
      return {
        summary: `${e.decision} by ${e.reviewer} (${e.method})`,
        refs: { change_hash: e.change_hash, ...(e.key_fingerprint ? { key: e.key_fingerprint } : {}) },
      };
    case 'deploy':
      return { summary: `deployed ${e.commit} to ${e.env}${e.url ? ` ${e.url}` : ''}${e.actor ? ` by ${e.actor}` : ''}`, refs: {} };
    case 'override':
      return { summary: `override ${e.what} by ${e.actor}: ${e.reason}`, refs: {} };
    case 'sandbox_denial':
      return { summary: `sandbox denied ${e.layer}:${e.operation}${e.target ? ` ${e.target}` : ''}`, refs: {} };
    case 'egress':
      return { summary: `egress ${e.decision} ${e.host}:${e.port}`, refs: {} };
    case 'witness_refusal':
      return { summary: `witness ${e.witness} did not cosign the checkpoint of size ${e.checkpoint_size}: ${e.reason}`, refs: {} };
    default:
      return { summary: e.kind, refs: {} };
  }
}

export async function incidentReport(store: LogStore, commit: string): Promise<IncidentReport> {
  const query = commit.toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(query)) throw new UsageError(`--commit "${commit}" is not a hex commit id (at least 7 digits)`);
  const size = await store.size();
  const all: { index: number; entry: Entry }[] = [];
  for await (const batch of store.readEntries(0, size)) for (const row of batch) all.push({ index: row.index, entry: decodeEntry(row.bytes) });

  const runIds = new Set<string>();
  const changeHashes = new Set<string>();
  for (const { entry } of all) {
    if (entry.kind === 'run_started' && matchesCommit(entry.head, query)) {
      runIds.add(entry.run_id);
      if (entry.change_hash) changeHashes.add(entry.change_hash);
    }
  }
  for (const { entry } of all) if (entry.kind === 'gate_decision' && runIds.has(entry.run_id) && entry.change_hash) changeHashes.add(entry.change_hash);

  const relevant = all.filter(({ entry }) => {
    if (entry.kind === 'deploy') return matchesCommit(entry.commit, query);
    if (entry.kind === 'approval') return changeHashes.has(entry.change_hash) || (entry.run_id !== undefined && runIds.has(entry.run_id));
    const rid = 'run_id' in entry ? entry.run_id : undefined;
    return typeof rid === 'string' && runIds.has(rid);
  });
  const timeline = relevant
    .map(({ index, entry }) => ({
      index,
      time: entry.time,
      kind: entry.kind,
      runId: 'run_id' in entry && typeof entry.run_id === 'string' ? entry.run_id : null,
      ...describe(entry),
    }))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.index - b.index));
  const runs = [...runIds].map((runId) => {
    const start = all.find((e) => e.entry.kind === 'run_started' && e.entry.run_id === runId)!.entry as Extract<Entry, { kind: 'run_started' }>;
    const fin = all.filter((e) => e.entry.kind === 'run_finished' && e.entry.run_id === runId).at(-1)?.entry as
      Extract<Entry, { kind: 'run_finished' }> | undefined;
    return { runId, head: start.head ?? null, changeHash: start.change_hash ?? null, status: fin?.status ?? null };
  });
  const deployments = relevant
    .filter((e) => e.entry.kind === 'deploy')
    .map(({ index, entry }) => {
      const d = entry as Extract<Entry, { kind: 'deploy' }>;
      return { index, time: d.time, env: d.env, url: d.url ?? null };
    });
  return { commit: query, runs, deployments, timeline };
}

/** Entry text (PR URLs, authors, reasons, comments) is partly written by PR authors: never let it drive the terminal. */
const terminalSafe = (s: string): string =>
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped before reaching a terminal
  s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function formatIncidentText(r: IncidentReport): string {
  const lines = [`incident report for commit ${r.commit}`];
  if (r.runs.length === 0) lines.push('  no Bulwark run reviewed this commit');
  for (const run of r.runs) lines.push(`  run ${run.runId}: head ${run.head ?? '?'} change ${run.changeHash ?? '?'} status ${run.status ?? 'unfinished'}`);
  if (r.deployments.length === 0) lines.push('  no deployment recorded');
  lines.push('', 'timeline (UTC):');
  for (const t of r.timeline) {
    lines.push(`  ${t.time}  #${t.index}  ${t.runId ?? '-'}  ${t.summary}`);
    for (const [k, v] of Object.entries(t.refs)) lines.push(`      ${k} ${v}`);
  }
  return lines.map(terminalSafe).join('\n') + '\n';
}

/**
 * Commit trailers (git interpret-trailers format) attributing a commit to the run that reviewed it.
 * Throws for an unknown run: a trailer must never name a review that did not happen.
 */
export async function runTrailers(store: LogStore, runId: string): Promise<string[]> {
  const rows = await store.queryEntries({ runId });
  const entries = rows.map((r) => ({ index: r.index, entry: decodeEntry(r.bytes) }));
  const start = entries.find((e) => e.entry.kind === 'run_started');
  if (!start || start.entry.kind !== 'run_started') throw new UsageError(`run ${runId} is not in the audit log ${store.location}`);
  const gate = entries.filter((e) => e.entry.kind === 'gate_decision').at(-1)?.entry as Extract<Entry, { kind: 'gate_decision' }> | undefined;
  const changeHash = gate?.change_hash ?? start.entry.change_hash;
  const trailers = [`Reviewed-by-Agent: bulwark run ${runId}`];
  if (changeHash) trailers.push(`Bulwark-Change-Hash: ${changeHash}`);
  trailers.push(`Bulwark-Audit-Index: ${start.index}`);
  if (gate) trailers.push(`Bulwark-Gate: ${gate.flagged ? 'flagged' : 'pass'}${gate.zones.length ? ` (${gate.zones.join(', ')})` : ''}`);
  if (changeHash) {
    const approvals = (await store.queryEntries({ kind: 'approval' }))
      .map((r) => decodeEntry(r.bytes))
      .filter((e): e is Extract<Entry, { kind: 'approval' }> => e.kind === 'approval' && e.change_hash === changeHash && e.decision === 'approve');
    for (const reviewer of [...new Set(approvals.map((a) => a.reviewer))].sort()) trailers.push(`Bulwark-Approved-by: ${reviewer}`);
  }
  return trailers;
}
