import { z } from 'zod';
import { decodeBlob } from '../audit/blobs.js';
import type { LogStore } from '../audit/store.js';
import { decodeEntry, type Entry, type EntryOf } from '../domain/audit-entries.js';
import { compareFindings, findingSchema, type Finding } from '../protocol/findings.js';
import { showFileCapped } from './git.js';

/**
 * One run as the audit log records it: what an auditor sees on the console's run page and in the
 * self-contained HTML report. Everything comes from the log (entries and stored blobs), never from
 * the runner's memory, so the page shows exactly what verify covers.
 */
export interface RunRecord {
  runId: string;
  started: (EntryOf<'run_started'> & { index: number }) | null;
  finished: (EntryOf<'run_finished'> & { index: number }) | null;
  stages: StageRecord[];
  calls: (EntryOf<'llm_call'> & { index: number })[];
  gate: (EntryOf<'gate_decision'> & { index: number }) | null;
  coverage: (EntryOf<'coverage'> & { index: number }) | null;
  redactions: (EntryOf<'redaction'> & { index: number })[];
  /** Mutation-testing runs of this run (a `mutate` run, or a mutation stage). */
  mutation: (EntryOf<'mutation_run'> & { index: number })[];
  /** Witnesses that did not cosign the run's checkpoint. */
  witnessRefusals: (EntryOf<'witness_refusal'> & { index: number })[];
  /** Sandbox denials and egress decisions of this run. */
  boundary: (EntryOf<'sandbox_denial' | 'egress'> & { index: number })[];
  /** Approvals recorded for the run's change hash (or naming the run). */
  approvals: (EntryOf<'approval'> & { index: number })[];
  /** Findings of every stage, from the stage output blobs, most severe first. */
  findings: Finding[];
  /** Stage reports (Markdown) from the stage output blobs. */
  reports: { stage: string; markdown: string }[];
  /** Blobs the entries refer to that are not stored (moved out by retention, or missing). */
  missingBlobs: string[];
  /** Code around each finding, when a source was given: key `file:line`. */
  excerpts: Map<string, Excerpt>;
  /** Index of every entry of the run, in log order. */
  entryIndices: number[];
}

export interface StageRecord {
  name: string;
  startIndex: number | null;
  startTime: string | null;
  finishTime: string | null;
  status: EntryOf<'stage_finished'>['status'] | 'unfinished';
  durationMs: number | null;
  findings: number | null;
  errorClass: string | null;
  outputBlob: string | null;
  degraded: string[];
  calls: number;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  models: string[];
}

export interface Excerpt {
  /** First line number shown (1-based). */
  start: number;
  lines: string[];
  /** Lines the finding points at (1-based), highlighted. */
  focus: [number, number];
}

/** Reads a file of the reviewed head; null when it cannot (no repository, file gone). */
export type SourceReader = (file: string) => Promise<string | null>;

/** Largest file read for excerpts. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/**
 * Files of the reviewed head from a local clone. Finding paths come from model output: they reach
 * git only as `<commit>:<path>`, for a full commit id and a relative path without `..`.
 */
export function gitSourceReader(repoDir: string, commit: string): SourceReader | undefined {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  return async (file) => {
    if (file.includes('\0') || file.startsWith('/') || file.split('/').includes('..')) return null;
    const blob = await showFileCapped(repoDir, commit, file, MAX_SOURCE_BYTES).catch(() => null);
    if (!blob || blob.truncated || blob.bytes.includes(0)) return null;
    return blob.bytes.toString('utf8');
  };
}

const stageOutputSchema = z.object({ stage: z.string(), markdown: z.string().optional(), findings: z.array(z.unknown()).optional() });

/** Lines of context shown around a finding. */
const EXCERPT_CONTEXT = 3;
/** A finding spanning more lines is shown by its first lines only. */
const EXCERPT_MAX_LINES = 40;

/** The run's record, or null when the log holds no entry of it. */
export async function loadRunRecord(store: LogStore, runId: string, opts: { source?: SourceReader } = {}): Promise<RunRecord | null> {
  const rows = await store.queryEntries({ runId });
  if (rows.length === 0) return null;
  const entries = rows.map((r) => ({ index: r.index, entry: decodeEntry(r.bytes) }));
  const rec: RunRecord = {
    runId,
    started: null,
    finished: null,
    stages: [],
    calls: [],
    gate: null,
    coverage: null,
    redactions: [],
    mutation: [],
    witnessRefusals: [],
    boundary: [],
    approvals: [],
    findings: [],
    reports: [],
    missingBlobs: [],
    excerpts: new Map(),
    entryIndices: entries.map((e) => e.index),
  };
  const stages = new Map<string, StageRecord>();
  const stage = (name: string): StageRecord => {
    let s = stages.get(name);
    if (!s) {
      s = {
        name,
        startIndex: null,
        startTime: null,
        finishTime: null,
        status: 'unfinished',
        durationMs: null,
        findings: null,
        errorClass: null,
        outputBlob: null,
        degraded: [],
        calls: 0,
        tokensIn: 0,
        tokensOut: 0,
        latencyMs: 0,
        models: [],
      };
      stages.set(name, s);
    }
    return s;
  };
  for (const { index, entry } of entries) absorb(rec, stage, index, entry);
  rec.stages = [...stages.values()];

  const changeHash = rec.gate?.change_hash ?? rec.started?.change_hash;
  for (const row of await store.queryEntries({ kind: 'approval' })) {
    const e = decodeEntry(row.bytes);
    if (e.kind === 'approval' && ((changeHash !== undefined && e.change_hash === changeHash) || e.run_id === runId))
      rec.approvals.push({ ...e, index: row.index });
  }

  for (const s of rec.stages) {
    if (!s.outputBlob) continue;
    const stored = await store.getBlob(s.outputBlob);
    if (!stored) {
      rec.missingBlobs.push(s.outputBlob);
      continue;
    }
    const parsed = stageOutputSchema.safeParse(JSON.parse(decodeBlob(stored).toString('utf8')));
    if (!parsed.success) continue;
    if (parsed.data.markdown) rec.reports.push({ stage: s.name, markdown: parsed.data.markdown });
    for (const f of parsed.data.findings ?? []) {
      const ok = findingSchema.safeParse(f);
      if (ok.success) rec.findings.push(ok.data);
    }
  }
  rec.findings.sort(compareFindings);
  if (opts.source) await addExcerpts(rec, opts.source);
  return rec;
}

function absorb(rec: RunRecord, stage: (name: string) => StageRecord, index: number, entry: Entry): void {
  switch (entry.kind) {
    case 'run_started':
      rec.started ??= { ...entry, index };
      return;
    case 'run_finished':
      rec.finished = { ...entry, index };
      return;
    case 'stage_started': {
      const s = stage(entry.stage);
      s.startIndex = index;
      s.startTime = entry.time;
      s.degraded = entry.sandbox_degraded ?? [];
      return;
    }
    case 'stage_finished': {
      const s = stage(entry.stage);
      s.finishTime = entry.time;
      s.status = entry.status;
      s.durationMs = entry.duration_ms;
      s.findings = entry.findings ?? null;
      s.errorClass = entry.error_class ?? null;
      s.outputBlob = entry.output_blob ?? null;
      return;
    }
    case 'llm_call': {
      rec.calls.push({ ...entry, index });
      const s = stage(entry.stage);
      s.calls++;
      s.tokensIn += entry.tokens_in;
      s.tokensOut += entry.tokens_out;
      s.latencyMs += entry.latency_ms;
      const model = entry.model_returned ?? entry.model_requested;
      if (!s.models.includes(model)) s.models.push(model);
      return;
    }
    case 'gate_decision':
      rec.gate = { ...entry, index };
      return;
    case 'coverage':
      rec.coverage = { ...entry, index };
      return;
    case 'redaction':
      rec.redactions.push({ ...entry, index });
      return;
    case 'mutation_run':
      rec.mutation.push({ ...entry, index });
      return;
    case 'witness_refusal':
      rec.witnessRefusals.push({ ...entry, index });
      return;
    case 'sandbox_denial':
    case 'egress':
      rec.boundary.push({ ...entry, index });
      return;
    default:
      return;
  }
}

async function addExcerpts(rec: RunRecord, source: SourceReader): Promise<void> {
  const files = new Map<string, string[] | null>();
  for (const f of rec.findings) {
    if (f.line < 1) continue;
    let lines = files.get(f.file);
    if (lines === undefined) {
      const text = await source(f.file);
      lines = text === null ? null : text.split('\n');
      files.set(f.file, lines);
    }
    if (!lines || f.line > lines.length) continue;
    const end = Math.min(f.endLine ?? f.line, f.line + EXCERPT_MAX_LINES - 1, lines.length);
    const start = Math.max(1, f.line - EXCERPT_CONTEXT);
    const stop = Math.min(lines.length, end + EXCERPT_CONTEXT);
    rec.excerpts.set(`${f.file}:${f.line}`, { start, lines: lines.slice(start - 1, stop), focus: [f.line, end] });
  }
}
