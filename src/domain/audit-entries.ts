import { canonicalJson } from './canonical-json.js';
import { z } from 'zod';

/**
 * Audit entry schemas. An entry's identity is its canonical bytes (RFC 8785 JSON canonicalization,
 * UTF-8); the Merkle leaf is SHA-256(0x00 ‖ bytes). Every kind is a strict schema: unknown fields
 * are rejected so the log never carries free-form JSON. New kinds are added here by their owners.
 */

/** Version of the entry format. Bump when a schema changes incompatibly. */
export const ENTRY_VERSION = 1 as const;

/** UTC time with millisecond precision, always `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `Date#toISOString` gives). */
export const utcTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be UTC time YYYY-MM-DDTHH:MM:SS.mmmZ')
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s, 'not a valid UTC time');

/** A SHA-256 content address or hash: `sha256:<64 lowercase hex>`. */
export const sha256Ref = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>');

/**
 * Size limits of entry fields. Builders clip to these (see run-entries.ts); nothing else in the
 * code base restates the numbers.
 */
export const ENTRY_LIMITS = {
  /** ids, names, models, error classes */
  name: 256,
  /** free text: reasons, paths, URLs */
  text: 4096,
  /** items of long lists (gate reasons and paths) kept in one entry */
  list: 500,
} as const;

/** Clips free text to what an entry field holds (with an ellipsis when cut). */
export function clipText(s: string): string {
  return clipTo(s, ENTRY_LIMITS.text);
}

/** Clips a name/id to what an entry field holds (with an ellipsis when cut). */
export function clipName(s: string): string {
  return clipTo(s, ENTRY_LIMITS.name);
}

function clipTo(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

const id = z.string().min(1).max(ENTRY_LIMITS.name);
const name = z.string().min(1).max(ENTRY_LIMITS.name);
const text = z.string().max(ENTRY_LIMITS.text);
const count = z.number().int().nonnegative();
const ms = z.number().int().nonnegative();

function kind<K extends string, S extends z.ZodRawShape>(k: K, shape: S) {
  return z.strictObject({ v: z.literal(ENTRY_VERSION), kind: z.literal(k), time: utcTime, ...shape });
}

/** A cost in the configured price table's currency (`provider.currency`). */
const cost = z.number().nonnegative();

/** Tokens and cost of a stage or a run, summed over its model calls. */
const usageFields = {
  llm_calls: count.optional(),
  tokens_in: count.optional(),
  tokens_out: count.optional(),
  /** Prompt tokens served from the provider's cache (part of tokens_in). */
  tokens_cached: count.optional(),
  /** Sum over priced calls; absent when none was priced. */
  cost: cost.optional(),
  currency: name.optional(),
  /** Calls of models the price table does not name (their cost is not in `cost`). */
  unpriced_calls: count.optional(),
};

/**
 * The pull/merge request a run reviewed, as the CI event described it. The text comes from the
 * forge (and partly from the PR author): it is recorded as data for auditors to trace, never trusted.
 */
export const runPullRequestSchema = z.strictObject({
  provider: z.enum(['github', 'gitlab']),
  number: z.number().int().positive(),
  url: text.optional(),
  /** "owner/name" (GitHub) or project path (GitLab) of the base repository. */
  repository: text.optional(),
  base_ref: text.optional(),
  head_ref: text.optional(),
  /** The PR/MR title as the forge gave it (written by the PR author: data, never instructions). */
  title: text.optional(),
});

export const runStartedSchema = kind('run_started', {
  run_id: id,
  command: name,
  repo: text.optional(),
  base: text.optional(),
  head: text.optional(),
  change_hash: sha256Ref.optional(),
  config_hash: sha256Ref.optional(),
  topology_hash: sha256Ref.optional(),
  bulwark_version: name.optional(),
  /** Where the review's configuration was read from: the base revision, the head (a change that introduces Bulwark), or a --config file. */
  config_source: z.enum(['base', 'head', 'file']).optional(),
  /** CI run that executed Bulwark: a run/pipeline URL, or `github:<repo>/actions/runs/<id>`, `gitlab:<project>/pipelines/<id>`. */
  ci_run: text.optional(),
  pr: runPullRequestSchema.optional(),
  /** Who wrote the change: the PR/MR author's login, else the head commit's author email. */
  author: id.optional(),
  /**
   * An incremental review: the head of the earlier review of the same PR this run continued from.
   * The models saw only incremental_from..head; the gate and change_hash still cover base...head.
   */
  incremental_from: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/, 'must be a full commit SHA')
    .optional(),
  /** A `bulwark replay` run: the run whose recorded model calls it re-sent. */
  replay_of: id.optional(),
});

export const runFinishedSchema = kind('run_finished', {
  run_id: id,
  status: z.enum(['pass', 'blocking', 'approval_required', 'error', 'cancelled']),
  exit_code: z.number().int().min(0).max(255),
  duration_ms: ms,
  findings: count.optional(),
  error_class: name.optional(),
  ...usageFields,
  /** Returned models that are not the requested one (provider.pin_model), across the run. */
  model_mismatches: z.array(name).max(ENTRY_LIMITS.list).optional(),
});

export const stageStartedSchema = kind('stage_started', {
  run_id: id,
  stage: name,
  agent_id: name.optional(),
  sandbox_degraded: z.array(name).optional(),
});

export const stageFinishedSchema = kind('stage_finished', {
  run_id: id,
  stage: name,
  status: z.enum(['ok', 'failed', 'skipped', 'timeout']),
  duration_ms: ms,
  findings: count.optional(),
  error_class: name.optional(),
  output_blob: sha256Ref.optional(),
  ...usageFields,
});

export const llmParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: count.optional(),
  top_p: z.number().min(0).max(1).optional(),
  seed: z.number().int().nonnegative().optional(),
});

export const llmCallSchema = kind('llm_call', {
  run_id: id,
  stage: name,
  agent_id: name,
  provider: name,
  model_requested: name,
  /** Model/version string the provider reported; null when the call failed before a response. */
  model_returned: name.nullable(),
  /** The returned model is not the requested one (see docs/pipeline-and-providers.md, model pinning). */
  model_mismatch: z.boolean().optional(),
  params: llmParamsSchema,
  /** SHA-256 of the exact canonical request. */
  input_hash: sha256Ref,
  /** SHA-256 of the exact response body; null when there was no response. */
  output_hash: sha256Ref.nullable(),
  latency_ms: ms,
  tokens_in: count,
  tokens_out: count,
  tokens_cached: count.optional(),
  /** Cost at the configured price table; absent when the model has no price. */
  cost: cost.optional(),
  status: z.enum(['ok', 'error']),
  error_class: name.nullable(),
  /** Content address of the stored prompt/response blob (AuditLog.putBlob). */
  blob: sha256Ref.nullable(),
  /** How the structured result was asked for: native tool calls, a JSON schema, or text with a fenced JSON block. */
  output_mode: z.enum(['tools', 'json_schema', 'text']).optional(),
  /** On a call the server refused for a feature: how later calls to this provider and model are sent instead (once per run). */
  reshaped: z.strictObject({ setting: name, from: name, to: name }).optional(),
  /** The call streamed and was cut off (idle timeout, deadline): the blob holds the partial output. */
  partial: z.boolean().optional(),
  /** The gate zone(s) whose residency rules chose this call's provider, and the region/endpoint it went to. */
  zone: name.optional(),
  region: name.optional(),
});

export const gateDecisionSchema = kind('gate_decision', {
  run_id: id,
  flagged: z.boolean(),
  reasons: z.array(text),
  zones: z.array(name),
  paths: z.array(z.array(name)).optional(),
  /**
   * What a drawing of each path needs, in the order of `paths`: the position of the changed node,
   * the edges resolved by name only (`i` is the call from node i to node i + 1) and the zone each
   * node lies in (null outside every zone).
   */
  path_facts: z.array(z.strictObject({ changed: count, name_only: z.array(count), zones: z.array(name.nullable()) })).optional(),
  changed_functions: count.optional(),
  unparsable: z.array(text).optional(),
  change_hash: sha256Ref.optional(),
  /** Which layer decided: the call graph and rules, the signal pre-filter, or the classifier. */
  layer: z.enum(['static', 'signals', 'classifier']).optional(),
  /** The signal score and threshold the pre-filter used. */
  signal_score: count.optional(),
  signal_threshold: z.number().min(0).optional(),
  /** The classifier's answer: its rationale, or why it failed. */
  classifier: text.optional(),
  /** Residency routes of the run's model calls: zone(s), provider and region. */
  zone_routes: z.array(z.strictObject({ zone: name, provider: name, region: name })).optional(),
  /** The configured roots matched nothing in the head revision. */
  roots_warning: text.optional(),
});

export const approvalSchema = kind('approval', {
  run_id: id.optional(),
  reviewer: id,
  change_hash: sha256Ref,
  decision: z.enum(['approve', 'reject']),
  method: z.enum(['cli', 'github']),
  /** The signature as produced (e.g. an `ssh-keygen -Y sign` armored block); empty never allowed. */
  signature: z.string().min(1).max(16384),
  key_fingerprint: name.optional(),
  zones: z.array(name).optional(),
  comment: text.optional(),
  source_ref: text.optional(),
});

export const sandboxDenialSchema = kind('sandbox_denial', {
  run_id: id.optional(),
  stage: name.optional(),
  layer: z.enum(['landlock', 'seccomp', 'seatbelt', 'rlimit', 'launcher', 'channel', 'other']),
  operation: name,
  target: text.optional(),
  detail: text.optional(),
});

export const egressSchema = kind('egress', {
  run_id: id.optional(),
  stage: name.optional(),
  host: name,
  port: z.number().int().min(0).max(65535),
  method: name.optional(),
  path: text.optional(),
  decision: z.enum(['allow', 'deny']),
  reason: text.optional(),
  status: z.number().int().optional(),
  bytes_out: count.optional(),
  bytes_in: count.optional(),
});

export const overrideSchema = kind('override', {
  run_id: id.optional(),
  actor: id,
  what: name,
  reason: text,
});

export const deploySchema = kind('deploy', {
  commit: z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a hex commit id'),
  env: name,
  url: text.optional(),
  actor: id.optional(),
  run_id: id.optional(),
});

/** A retention step on stored blobs. `purged` blobs are legitimately absent; verify says so. */
export const retentionMoveSchema = kind('retention_move', {
  blobs: z.array(sha256Ref).min(1),
  to: z.enum(['warm', 'cold', 'purged']),
  archive: text.optional(),
  archive_hash: sha256Ref.optional(),
  policy: text,
});

export const coverageSchema = kind('coverage', {
  run_id: id,
  files: z.array(
    z.strictObject({
      path: text,
      status: z.enum(['reviewed', 'clipped', 'skipped']),
      reason: text.optional(),
    }),
  ),
  tokens_budget: count.optional(),
  tokens_used: count.optional(),
});

export const redactionSchema = kind('redaction', {
  run_id: id,
  stage: name.optional(),
  count: count,
  rules: z.array(name),
});

/**
 * The log's checkpoint signing key changed: `statement` is a C2SP signed note naming the origin and
 * both keys, signed by the old key (it hands over) and the new one (it accepts). A verifier that
 * trusts either key follows it to the other; nothing else makes a new key count for a known log.
 */
export const keyRotationSchema = kind('key_rotation', {
  old_key: name,
  new_key: name,
  statement: text,
});

/** One mutation-testing run of a change: the counts; per-mutant details are in `details_blob`. */
export const mutationRunSchema = kind('mutation_run', {
  run_id: id,
  stage: name.optional(),
  base: name,
  head: name,
  test_command: text,
  generated: count,
  killed: count,
  survived: count,
  timeout: count,
  error: count,
  skipped_non_compiling: count,
  skipped_equivalent: count,
  skipped_over_limit: count,
  /** Killed + timeout over judged mutants, 0..1; null when none was judged. */
  score: z.number().min(0).max(1).nullable(),
  min_score: z.number().min(0).max(1),
  findings: count,
  blocking: z.boolean(),
  wall_ms: ms,
  details_blob: sha256Ref,
});

/**
 * A witness did not cosign a run's checkpoint (it refused, answered something else, or did not
 * answer in time). A refusal may be the evidence of a split view (the witness cosigned another
 * tree of that size), so it is kept in the log, not only printed.
 */
export const witnessRefusalSchema = kind('witness_refusal', {
  run_id: id,
  witness: name,
  checkpoint_size: count,
  reason: text,
});

export const entrySchema = z.discriminatedUnion('kind', [
  runStartedSchema,
  runFinishedSchema,
  stageStartedSchema,
  stageFinishedSchema,
  llmCallSchema,
  gateDecisionSchema,
  approvalSchema,
  sandboxDenialSchema,
  egressSchema,
  overrideSchema,
  deploySchema,
  retentionMoveSchema,
  coverageSchema,
  redactionSchema,
  keyRotationSchema,
  mutationRunSchema,
  witnessRefusalSchema,
]);

export type Entry = z.infer<typeof entrySchema>;
export type EntryKind = Entry['kind'];
export const ENTRY_KINDS = entrySchema.options.map((o) => o.shape.kind.value);
export type EntryOf<K extends EntryKind> = Extract<Entry, { kind: K }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What callers append: `v` is added for them and `time` defaults to now. */
export type EntryInput = DistributiveOmit<Entry, 'v' | 'time'> & { time?: string };

/** Columns stored next to the bytes for queries; verify checks they agree with the bytes. */
export interface QueryColumns {
  kind: EntryKind;
  /** Epoch milliseconds of `time`. */
  timeMs: number;
  runId: string | null;
}

/** Completes, validates and freezes an input into an Entry. Throws EntryError naming the field. */
export function makeEntry(input: EntryInput, now: () => Date = () => new Date()): Entry {
  const candidate = { ...input, v: ENTRY_VERSION, time: input.time ?? now().toISOString() };
  return parseEntry(candidate);
}

export class EntryError extends Error {
  override name = 'EntryError';
}

/** Validates an object as an Entry; the error names the kind, the field path and the problem. */
export function parseEntry(value: unknown): Entry {
  const res = entrySchema.safeParse(value);
  if (!res.success) {
    const issue = res.error.issues[0];
    const k = typeof value === 'object' && value !== null ? String((value as { kind?: unknown }).kind) : typeof value;
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(entry)';
    throw new EntryError(`invalid ${k} entry: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return res.data;
}

/** RFC 8785 canonical UTF-8 bytes of an entry. */
export function canonicalBytes(entry: Entry): Uint8Array {
  return Buffer.from(canonicalJson(entry), 'utf8');
}

/** Parses canonical bytes back to an Entry, rejecting bytes that are not exactly canonical. */
export function decodeEntry(bytes: Uint8Array): Entry {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch {
    throw new EntryError('entry bytes are not JSON');
  }
  const entry = parseEntry(raw);
  if (canonicalJson(raw) !== s) throw new EntryError('entry bytes are not in RFC 8785 canonical form');
  return entry;
}

export function queryColumns(entry: Entry): QueryColumns {
  const runId = 'run_id' in entry && typeof entry.run_id === 'string' ? entry.run_id : null;
  return { kind: entry.kind, timeMs: Date.parse(entry.time), runId };
}

/** Blob content addresses an entry refers to (verify checks each is present or purged per policy). */
export function blobRefs(entry: Entry): string[] {
  switch (entry.kind) {
    case 'llm_call':
      return entry.blob ? [entry.blob] : [];
    case 'stage_finished':
      return entry.output_blob ? [entry.output_blob] : [];
    case 'mutation_run':
      return [entry.details_blob];
    default:
      return [];
  }
}

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REF_RE = /^sha256:[0-9a-f]{64}$/;
const KIND_SET: ReadonlySet<string> = new Set(ENTRY_KINDS);

/** What verify needs from an entry, read without the full schema (see inspectEntryText). */
export interface EntryEnvelope {
  columns: QueryColumns;
  time: string;
  blobRefs: string[];
  retention?: { to: string; blobs: string[] };
}

/**
 * Reads the envelope of stored entry text: JSON object, v, known kind, UTC time, run_id, blob
 * references. With `full`, also validates the kind's whole schema and that the text is exactly
 * RFC 8785 canonical. The envelope alone is what the tree, column, time and blob checks need, and
 * it is several times cheaper than the full schema on a million entries.
 */
export function inspectEntryText(text: string, full: boolean): EntryEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EntryError('entry bytes are not JSON');
  }
  if (full) {
    const entry = parseEntry(raw);
    if (canonicalJson(raw) !== text) throw new EntryError('entry bytes are not in RFC 8785 canonical form');
    const refs = blobRefs(entry);
    return {
      columns: queryColumns(entry),
      time: entry.time,
      blobRefs: refs,
      ...(entry.kind === 'retention_move' ? { retention: { to: entry.to, blobs: entry.blobs } } : {}),
    };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EntryError('entry is not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.v !== ENTRY_VERSION) throw new EntryError(`entry version ${JSON.stringify(o.v)} is not ${ENTRY_VERSION}`);
  if (typeof o.kind !== 'string' || !KIND_SET.has(o.kind)) throw new EntryError(`unknown entry kind ${JSON.stringify(o.kind)}`);
  const time = o.time;
  if (typeof time !== 'string' || !TIME_RE.test(time)) throw new EntryError(`invalid ${o.kind} entry: time: must be UTC time YYYY-MM-DDTHH:MM:SS.mmmZ`);
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) throw new EntryError(`invalid ${o.kind} entry: time: not a valid UTC time`);
  if (o.run_id !== undefined && typeof o.run_id !== 'string') throw new EntryError(`invalid ${o.kind} entry: run_id: must be a string`);
  const refs: string[] = [];
  const ref = (v: unknown, field: string) => {
    if (v === null || v === undefined) return;
    if (typeof v !== 'string' || !REF_RE.test(v)) throw new EntryError(`invalid ${String(o.kind)} entry: ${field}: must be sha256:<64 lowercase hex>`);
    refs.push(v);
  };
  if (o.kind === 'llm_call') ref(o.blob, 'blob');
  else if (o.kind === 'stage_finished') ref(o.output_blob, 'output_blob');
  else if (o.kind === 'mutation_run') ref(o.details_blob, 'details_blob');
  let retention: EntryEnvelope['retention'];
  if (o.kind === 'retention_move') {
    if (!Array.isArray(o.blobs) || typeof o.to !== 'string') throw new EntryError('invalid retention_move entry: blobs/to');
    const blobs = o.blobs.map((b, i) => {
      if (typeof b !== 'string' || !REF_RE.test(b)) throw new EntryError(`invalid retention_move entry: blobs.${i}: must be sha256:<64 lowercase hex>`);
      return b;
    });
    retention = { to: o.to, blobs };
  }
  return {
    columns: { kind: o.kind as EntryKind, timeMs, runId: typeof o.run_id === 'string' ? o.run_id : null },
    time,
    blobRefs: refs,
    ...(retention ? { retention } : {}),
  };
}
