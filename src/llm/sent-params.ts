import type { CallShape, CompletionParams } from './types.js';

/** The sampling and length parameters of an llm_call entry (the audit schema's `params`). */
export interface RecordedParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  seed?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The parameters a request body actually carried, read back from the body as sent (Chat Completions
 * and Messages keep them at the top level, Bedrock Converse in `inferenceConfig`). A parameter the
 * body does not carry is absent: the server used its own default (a reasoning model that accepts
 * only its default temperature, a setting the server refused earlier in the run, a seed the API has
 * no field for). Pure.
 */
export function paramsOfBody(body: unknown): RecordedParams {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const inf = b.inferenceConfig && typeof b.inferenceConfig === 'object' ? (b.inferenceConfig as Record<string, unknown>) : undefined;
  const temperature = num(b.temperature) ?? num(inf?.temperature);
  const maxTokens = num(b.max_tokens) ?? num(b.max_completion_tokens) ?? num(inf?.maxTokens);
  const topP = num(b.top_p) ?? num(inf?.topP);
  const seed = num(b.seed);
  return {
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/** What a call would have sent under `shape`, for a call that failed before its body was built. Pure. */
export function paramsOfShape(params: CompletionParams, shape: CallShape): RecordedParams {
  return {
    ...(params.temperature !== undefined && shape.sendTemperature ? { temperature: params.temperature } : {}),
    max_tokens: params.maxTokens,
    ...(params.topP !== undefined && shape.sendTopP ? { top_p: params.topP } : {}),
    ...(params.seed !== undefined && shape.sendSeed ? { seed: params.seed } : {}),
  };
}
