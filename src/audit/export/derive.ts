import type { Entry, EntryOf } from '../../domain/audit-entries.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { toCsv, type CsvValue } from './csv.js';

/**
 * The evidence tables of a bundle, derived only from the log entries it contains. Pure and
 * deterministic (rows in log-index order, fixed formats), so `bulwark audit verify --bundle`
 * re-derives every table from the bundle's `entries.jsonl` and compares bytes: a table cannot say
 * anything the signed log does not.
 */

export interface IndexedEntry {
  index: number;
  entry: Entry;
}

export const DERIVED_FILES = ['changes.csv', 'approvals.csv', 'llm_calls.jsonl', 'gate_decisions.csv', 'exceptions.csv'] as const;
export type DerivedFile = (typeof DERIVED_FILES)[number];

type Of<K extends Entry['kind']> = { index: number; entry: EntryOf<K> };

function ofKind<K extends Entry['kind']>(all: readonly IndexedEntry[], kind: K): Of<K>[] {
  return all.filter((e) => e.entry.kind === kind) as Of<K>[];
}

const list = (xs: readonly string[] | undefined): string => (xs ?? []).join(';');
const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function runIdOf(e: Entry): string | undefined {
  return 'run_id' in e && typeof e.run_id === 'string' ? e.run_id : undefined;
}

/** Overrides that mark an emergency change (break-glass deploys skip the normal approval path). */
const EMERGENCY = /emergency|break[-_ ]?glass/i;

export const CHANGES_COLUMNS = [
  'run_id',
  'log_index',
  'started',
  'command',
  'repo',
  'pr_number',
  'pr_url',
  'author',
  'ci_run',
  'base',
  'head',
  'change_hash',
  'ai_involved',
  'llm_calls',
  'models',
  'gate_result',
  'gate_zones',
  'gate_paths',
  'approvals',
  'author_not_approver',
  'run_status',
  'deploy_time',
  'deploy_env',
  'emergency',
] as const;

/**
 * Layouts of changes.csv. `v1` is what bundles had before run_started recorded the PR and author
 * (no pr_number, pr_url, author columns): verifying such a bundle re-derives that layout, so a tool
 * update never turns an old, intact bundle into a failed verification.
 */
export const CHANGES_LAYOUTS = {
  current: CHANGES_COLUMNS,
  v1: CHANGES_COLUMNS.filter((c) => c !== 'pr_number' && c !== 'pr_url' && c !== 'author'),
} as const;
export type ChangesLayout = keyof typeof CHANGES_LAYOUTS;

/** The layout a bundle's changes.csv was written in, from its header line (current when unknown). */
export function changesLayoutOf(csv: string): ChangesLayout {
  const end = csv.indexOf('\r\n');
  const header = end < 0 ? csv : csv.slice(0, end);
  return header === CHANGES_LAYOUTS.v1.join(',') ? 'v1' : 'current';
}

function changesCsv(all: readonly IndexedEntry[], layout: ChangesLayout = 'current'): string {
  const starts = ofKind(all, 'run_started');
  const byRun = new Map<string, IndexedEntry[]>();
  for (const e of all) {
    const id = runIdOf(e.entry);
    if (id === undefined) continue;
    let arr = byRun.get(id);
    if (!arr) byRun.set(id, (arr = []));
    arr.push(e);
  }
  const approvals = ofKind(all, 'approval');
  const deploys = ofKind(all, 'deploy');
  const rows: CsvValue[][] = starts.map(({ index, entry: s }) => {
    const mine = byRun.get(s.run_id) ?? [];
    const gates = mine.filter((e) => e.entry.kind === 'gate_decision') as Of<'gate_decision'>[];
    const gate = gates[gates.length - 1]?.entry;
    const changeHash = gate?.change_hash ?? s.change_hash;
    const calls = mine.filter((e) => e.entry.kind === 'llm_call') as Of<'llm_call'>[];
    const models = sortedUnique(calls.map((c) => `${c.entry.provider}/${c.entry.model_returned ?? c.entry.model_requested}`));
    const finished = (mine.filter((e) => e.entry.kind === 'run_finished') as Of<'run_finished'>[]).at(-1)?.entry;
    const appr = approvals.filter((a) => a.entry.run_id === s.run_id || (changeHash !== undefined && a.entry.change_hash === changeHash));
    const matching = appr.filter((a) => a.entry.change_hash === changeHash);
    const approvers = matching.filter((a) => a.entry.decision === 'approve').map((a) => `${a.entry.reviewer}(${a.entry.method})`);
    const deploy = s.head ? deploys.find((d) => s.head!.startsWith(d.entry.commit) || d.entry.commit.startsWith(s.head!)) : undefined;
    const emergency = mine.some((e) => e.entry.kind === 'override' && (EMERGENCY.test(e.entry.what) || EMERGENCY.test(e.entry.reason)));
    const author = s.author?.toLowerCase();
    return [
      s.run_id,
      index,
      s.time,
      s.command,
      s.repo,
      s.pr?.number,
      s.pr?.url,
      s.author,
      s.ci_run,
      s.base,
      s.head,
      changeHash,
      calls.length > 0,
      calls.length,
      models.join(';'),
      gate ? (gate.flagged ? 'flagged' : 'pass') : 'none',
      list(gate?.zones),
      (gate?.paths ?? []).map((p) => p.join(' > ')).join(';'),
      approvers.join(';'),
      // Every recorded approval passed the author check when it was made (CLI: commit authors;
      // GitHub: PR author). Here, from the log alone: false when an approver is the author the run
      // recorded (case-insensitive) or an approval is for another change; empty without approvals.
      appr.length === 0
        ? null
        : matching.length === appr.length && !matching.some((a) => a.entry.decision === 'approve' && a.entry.reviewer.toLowerCase() === author),
      finished?.status ?? 'unfinished',
      deploy?.entry.time,
      deploy?.entry.env,
      emergency,
    ];
  });
  const columns: readonly string[] = CHANGES_LAYOUTS[layout];
  const pick = CHANGES_COLUMNS.map((c, i) => (columns.includes(c) ? i : -1)).filter((i) => i >= 0);
  return toCsv(columns, layout === 'current' ? rows : rows.map((r) => pick.map((i) => r[i])));
}

function approvalsCsv(all: readonly IndexedEntry[]): string {
  return toCsv(
    ['log_index', 'time', 'run_id', 'change_hash', 'reviewer', 'decision', 'method', 'key_fingerprint', 'zones', 'source_ref', 'comment', 'signature'],
    ofKind(all, 'approval').map(({ index, entry: a }) => [
      index,
      a.time,
      a.run_id,
      a.change_hash,
      a.reviewer,
      a.decision,
      a.method,
      a.key_fingerprint,
      list(a.zones),
      a.source_ref,
      a.comment,
      a.signature,
    ]),
  );
}

function gateCsv(all: readonly IndexedEntry[]): string {
  return toCsv(
    ['log_index', 'time', 'run_id', 'flagged', 'zones', 'reasons', 'paths', 'changed_functions', 'unparsable', 'change_hash'],
    ofKind(all, 'gate_decision').map(({ index, entry: g }) => [
      index,
      g.time,
      g.run_id,
      g.flagged,
      list(g.zones),
      list(g.reasons),
      (g.paths ?? []).map((p) => p.join(' > ')).join(';'),
      g.changed_functions,
      list(g.unparsable),
      g.change_hash,
    ]),
  );
}

function exceptionsCsv(all: readonly IndexedEntry[]): string {
  const rows: CsvValue[][] = [];
  for (const { index, entry: e } of all) {
    switch (e.kind) {
      case 'override':
        rows.push([
          index,
          e.time,
          e.run_id,
          EMERGENCY.test(e.what) || EMERGENCY.test(e.reason) ? 'emergency_override' : 'override',
          e.what,
          `${e.actor}: ${e.reason}`,
        ]);
        break;
      case 'run_finished':
        if (e.status === 'error') rows.push([index, e.time, e.run_id, 'run_failed', e.error_class ?? '', `exit ${e.exit_code}`]);
        else if (e.status === 'cancelled') rows.push([index, e.time, e.run_id, 'run_cancelled', '', `exit ${e.exit_code}`]);
        break;
      case 'stage_finished':
        if (e.status === 'failed' || e.status === 'timeout')
          rows.push([index, e.time, e.run_id, 'stage_failed', e.stage, e.status + (e.error_class ? `: ${e.error_class}` : '')]);
        else if (e.status === 'skipped') rows.push([index, e.time, e.run_id, 'review_skipped', e.stage, 'stage skipped']);
        break;
      case 'coverage': {
        const skipped = e.files.filter((f) => f.status !== 'reviewed');
        if (skipped.length > 0)
          rows.push([
            index,
            e.time,
            e.run_id,
            'review_incomplete',
            `${skipped.length} file(s)`,
            skipped.map((f) => `${f.path}: ${f.status}${f.reason ? ` (${f.reason})` : ''}`).join(';'),
          ]);
        break;
      }
      case 'sandbox_denial':
        rows.push([index, e.time, e.run_id, 'sandbox_denial', `${e.layer}:${e.operation}`, e.target ?? e.detail ?? '']);
        break;
      case 'egress':
        if (e.decision === 'deny') rows.push([index, e.time, e.run_id, 'egress_denied', `${e.host}:${e.port}`, e.reason ?? '']);
        break;
      case 'llm_call':
        if (e.status === 'error') rows.push([index, e.time, e.run_id, 'llm_call_failed', `${e.provider}/${e.model_requested}`, e.error_class ?? '']);
        break;
      case 'witness_refusal':
        rows.push([index, e.time, e.run_id, 'witness_refusal', e.witness, `checkpoint size ${e.checkpoint_size}: ${e.reason}`]);
        break;
      default:
        break;
    }
  }
  return toCsv(['log_index', 'time', 'run_id', 'type', 'subject', 'detail'], rows);
}

function llmCallsJsonl(all: readonly IndexedEntry[]): string {
  return ofKind(all, 'llm_call')
    .map(({ index, entry }) => canonicalJson({ log_index: index, ...entry }) + '\n')
    .join('');
}

export function deriveTables(all: readonly IndexedEntry[], opts: { changesLayout?: ChangesLayout } = {}): Record<DerivedFile, string> {
  return {
    'changes.csv': changesCsv(all, opts.changesLayout),
    'approvals.csv': approvalsCsv(all),
    'llm_calls.jsonl': llmCallsJsonl(all),
    'gate_decisions.csv': gateCsv(all),
    'exceptions.csv': exceptionsCsv(all),
  };
}

export function rowCounts(all: readonly IndexedEntry[]): Record<string, number> {
  const count = (k: Entry['kind']): number => all.filter((e) => e.entry.kind === k).length;
  const tables = deriveTables(all);
  return {
    entries: all.length,
    changes: count('run_started'),
    approvals: count('approval'),
    llm_calls: count('llm_call'),
    gate_decisions: count('gate_decision'),
    exceptions: tables['exceptions.csv'].split('\r\n').length - 2,
    deploys: count('deploy'),
  };
}
