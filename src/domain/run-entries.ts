import { clipName, clipText, ENTRY_LIMITS, type EntryInput, type EntryOf } from './audit-entries.js';

/**
 * Builders of the entries that frame a run. Call sites hand over what they know; the builders
 * own the clipping to the entry schema's limits, so every command records the same shape.
 */

type Input<K extends EntryOf<'run_started' | 'run_finished' | 'gate_decision' | 'witness_refusal'>['kind']> = Extract<EntryInput, { kind: K }>;

/** What the gate decided, in the structure every gate result has. */
export interface GateDecisionFacts {
  flagged: boolean;
  reasons: readonly { message: string }[];
  zones: readonly { name: string }[];
  paths: readonly {
    nodes: readonly string[];
    direction?: 'root-reaches-changed' | 'changed-reaches-root';
    nameOnlyAt?: readonly number[];
    zoneAt?: readonly (string | null)[];
  }[];
  changedFunctions: readonly { id: string }[];
  unparsable: readonly { file: string; revision: string; reason: string }[];
  layer?: 'static' | 'signals' | 'classifier' | undefined;
  signals?: { score: number; threshold: number } | undefined;
  classifier?:
    | {
        status: string;
        regulated?: boolean | undefined;
        confidence?: number | undefined;
        rationale?: string | undefined;
        error?: string | undefined;
        provider: string;
        model: string;
      }
    | undefined;
  rootsWarning?: string | undefined;
}

const zoneName = (z: string | null | undefined): string | null => (z ? clipName(z) : null);

/** Residency routes recorded with a decision. */
export interface ZoneRouteFacts {
  zone: string;
  provider: string;
  region: string;
}

export function gateDecisionEntry(runId: string, gate: GateDecisionFacts, changeHash?: string, routes?: readonly ZoneRouteFacts[]): Input<'gate_decision'> {
  const kept = gate.paths.slice(0, ENTRY_LIMITS.list);
  const c = gate.classifier;
  return {
    kind: 'gate_decision',
    run_id: runId,
    flagged: gate.flagged,
    reasons: gate.reasons.slice(0, ENTRY_LIMITS.list).map((r) => clipText(r.message)),
    zones: gate.zones.map((z) => clipName(z.name)),
    paths: kept.map((p) => p.nodes.map((n) => clipName(n))),
    ...(kept.length > 0 && kept.every((p) => p.direction !== undefined)
      ? {
          path_facts: kept.map((p) => ({
            changed: p.direction === 'root-reaches-changed' ? p.nodes.length - 1 : 0,
            name_only: [...(p.nameOnlyAt ?? [])],
            zones: p.nodes.map((_, i) => zoneName(p.zoneAt?.[i])),
          })),
        }
      : {}),
    changed_functions: new Set(gate.changedFunctions.map((f) => f.id)).size,
    unparsable: gate.unparsable.map((u) => clipText(`${u.file} (${u.revision}): ${u.reason}`)),
    ...(changeHash ? { change_hash: changeHash } : {}),
    ...(gate.layer ? { layer: gate.layer } : {}),
    ...(gate.signals ? { signal_score: Math.max(0, Math.round(gate.signals.score)), signal_threshold: gate.signals.threshold } : {}),
    ...(c
      ? {
          classifier: clipText(
            c.status === 'ok'
              ? `${c.provider}/${c.model}: ${c.regulated ? 'regulated' : 'not regulated'} (confidence ${c.confidence}): ${c.rationale ?? ''}`
              : `${c.provider}/${c.model} failed: ${c.error ?? 'error'}`,
          ),
        }
      : {}),
    ...(routes && routes.length > 0
      ? { zone_routes: routes.map((r) => ({ zone: clipName(r.zone), provider: clipName(r.provider), region: clipName(r.region || '-') })) }
      : {}),
    ...(gate.rootsWarning ? { roots_warning: clipText(gate.rootsWarning) } : {}),
  };
}

/** A gate that could not run is a flag with its reason, never a pass. */
export function gateUnavailableEntry(runId: string, reason: string): Input<'gate_decision'> {
  return { kind: 'gate_decision', run_id: runId, flagged: true, reasons: [clipText(reason)], zones: [] };
}

export type RunStartedFacts = Omit<Input<'run_started'>, 'kind' | 'run_id' | 'command'>;

export function runStartedEntry(runId: string, command: string, facts: RunStartedFacts): Input<'run_started'> {
  return {
    kind: 'run_started',
    run_id: runId,
    command: clipName(command),
    ...facts,
    ...(facts.repo !== undefined ? { repo: clipText(facts.repo) } : {}),
  };
}

/** Tokens and cost of a run's or a stage's model calls (the gateway's UsageSummary fits). */
export interface UsageFacts {
  calls: number;
  tokens: { input: number; output: number; cachedInput: number };
  cost?: number;
  unpricedCalls: number;
  mismatches?: readonly string[];
}

type UsageEntryFields = Pick<Input<'run_finished'>, 'llm_calls' | 'tokens_in' | 'tokens_out' | 'tokens_cached' | 'cost' | 'currency' | 'unpriced_calls'>;

/** The usage fields of run_finished and stage_finished; nothing when no model was called. */
export function usageEntryFields(u: UsageFacts | undefined, currency?: string): UsageEntryFields {
  if (!u || u.calls === 0) return {};
  return {
    llm_calls: u.calls,
    tokens_in: u.tokens.input,
    tokens_out: u.tokens.output,
    tokens_cached: u.tokens.cachedInput,
    ...(u.cost !== undefined ? { cost: u.cost, ...(currency ? { currency: clipName(currency) } : {}) } : {}),
    ...(u.unpricedCalls > 0 ? { unpriced_calls: u.unpricedCalls } : {}),
  };
}

export interface RunFinishedFacts {
  status: EntryOf<'run_finished'>['status'];
  exitCode: number;
  durationMs: number;
  findings?: number;
  errorClass?: string;
  /** The run's model calls: tokens, cost and model mismatches. */
  usage?: UsageFacts;
  currency?: string;
}

export function runFinishedEntry(runId: string, f: RunFinishedFacts): Input<'run_finished'> {
  return {
    kind: 'run_finished',
    run_id: runId,
    status: f.status,
    exit_code: f.exitCode,
    duration_ms: Math.max(0, Math.round(f.durationMs)),
    ...(f.findings !== undefined ? { findings: f.findings } : {}),
    ...(f.errorClass !== undefined ? { error_class: clipName(f.errorClass || 'error') } : {}),
    ...usageEntryFields(f.usage, f.currency),
    ...(f.usage?.mismatches && f.usage.mismatches.length > 0
      ? { model_mismatches: f.usage.mismatches.slice(0, ENTRY_LIMITS.list).map((m) => clipName(m)) }
      : {}),
  };
}

/** A witness that did not cosign a run's checkpoint: its name, the checkpoint's size and why. */
export function witnessRefusalEntry(runId: string, r: { witness: string; treeSize: number; error?: string }): Input<'witness_refusal'> {
  return {
    kind: 'witness_refusal',
    run_id: runId,
    witness: clipName(r.witness || 'witness'),
    checkpoint_size: r.treeSize,
    reason: clipText(r.error ?? 'refused'),
  };
}
