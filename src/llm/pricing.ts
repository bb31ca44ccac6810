import type { Price } from './config.js';

/** Token counts of one call or a sum of calls. `cachedInput` is part of `input`. */
export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
}

/**
 * The price of a model from the configured table: a row for this provider first, then one for any
 * provider; the requested name first, then the returned one. Undefined = not priced.
 */
export function priceFor(table: readonly Price[] | undefined, provider: string, requested: string, returned?: string): Price | undefined {
  if (!table || table.length === 0) return undefined;
  const names = [requested, ...(returned !== undefined && returned !== requested ? [returned] : [])];
  for (const name of names) {
    const rows = table.filter((p) => p.model === name);
    const hit = rows.find((p) => p.provider === provider) ?? rows.find((p) => p.provider === undefined);
    if (hit) return hit;
  }
  return undefined;
}

/** Cost of the tokens at a price (per million tokens); cached prompt tokens at the cached price when the table has one. */
export function costOf(t: TokenCounts, p: Price): number {
  const cached = Math.min(t.cachedInput, t.input);
  const fresh = t.input - cached;
  return (fresh * p.input_per_mtok + cached * (p.cached_input_per_mtok ?? p.input_per_mtok) + t.output * p.output_per_mtok) / 1_000_000;
}

/** Costs are recorded and shown to a millionth of the currency unit (no float noise in the log). */
export function roundCost(x: number): number {
  return Math.round(x * 1_000_000) / 1_000_000;
}
