import type { UsageSummary } from '../llm/gateway.js';

/**
 * Models, tokens and cost of a review as every output format shows them: per stage and for the
 * run, with each returned model that is not the requested one (provider.pin_model).
 */
export interface UsageLine {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens the provider served from its cache (part of inputTokens). */
  cachedInputTokens: number;
  /** Cost of the priced calls in `currency`; absent when no call was priced. */
  cost?: number;
  /** Calls of a model the price table does not name. */
  unpricedCalls: number;
}

export interface StageUsageLine extends UsageLine {
  stage: string;
  provider?: string;
  /** The model requested (pinned by topology or configuration). */
  model?: string;
  /** What the provider returned (file paths reduced to the file name). */
  modelsReturned: string[];
}

export interface ModelMismatch {
  stage: string;
  provider?: string;
  requested: string;
  returned: string;
}

export interface ReportUsage {
  /** `provider.currency`; null when no price table is configured. */
  currency: string | null;
  pinModel: 'warn' | 'fail';
  stages: StageUsageLine[];
  total: UsageLine;
  modelMismatches: ModelMismatch[];
}

function line(u: UsageSummary): UsageLine {
  return {
    calls: u.calls,
    inputTokens: u.tokens.input,
    outputTokens: u.tokens.output,
    cachedInputTokens: u.tokens.cachedInput,
    ...(u.cost !== undefined ? { cost: u.cost } : {}),
    unpricedCalls: u.unpricedCalls,
  };
}

export function reportUsage(
  stages: readonly { name: string; provider?: string; model?: string; usage?: UsageSummary }[],
  total: UsageSummary,
  opts: { currency?: string; priced: boolean; pinModel?: 'warn' | 'fail' },
): ReportUsage {
  const empty: UsageSummary = { calls: 0, tokens: { input: 0, output: 0, cachedInput: 0 }, unpricedCalls: 0, modelsReturned: [], mismatches: [] };
  return {
    currency: opts.priced ? (opts.currency ?? 'USD') : null,
    pinModel: opts.pinModel ?? 'warn',
    stages: stages.map((s) => ({
      stage: s.name,
      ...(s.provider ? { provider: s.provider } : {}),
      ...(s.model ? { model: s.model } : {}),
      modelsReturned: s.usage?.modelsReturned ?? [],
      ...line(s.usage ?? empty),
    })),
    total: line(total),
    modelMismatches: stages.flatMap((s) =>
      (s.usage?.mismatches ?? []).map((m) => ({ stage: s.name, ...(s.provider ? { provider: s.provider } : {}), requested: s.model ?? '', returned: m })),
    ),
  };
}

/** `1234 in (200 cached) / 56 out`, and the cost when priced: one line per stage or run. */
export function usageText(u: UsageLine, currency: string | null): string {
  const cached = u.cachedInputTokens > 0 ? ` (${u.cachedInputTokens} cached)` : '';
  const cost = u.cost !== undefined && currency ? ` · ${formatCost(u.cost, currency)}` : '';
  const unpriced = currency && u.unpricedCalls > 0 ? ` · ${u.unpricedCalls} call(s) not priced` : '';
  return `${u.inputTokens} in${cached} / ${u.outputTokens} out tokens in ${u.calls} call(s)${cost}${unpriced}`;
}

export function formatCost(x: number, currency: string): string {
  return `${x.toFixed(x < 1 ? 4 : 2)} ${currency}`;
}
