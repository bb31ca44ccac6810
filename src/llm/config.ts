import { z } from 'zod';
import { OUTPUT_MODES, type OutputMode } from '../protocol/completion.js';

export const PROVIDER_KINDS = ['anthropic', 'openai', 'bedrock', 'ollama'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const keySource = {
  /** Name of the environment variable holding the API key (default ANTHROPIC_API_KEY / OPENAI_API_KEY). */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  /** File holding the API key (first line), relative to the repository or absolute. */
  api_key_file: z.string().min(1).optional(),
};

const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

/** How stages hand in their result: "tools", "json_schema" or "text"; unset = detected from the server's answers. */
const outputMode = z.enum(OUTPUT_MODES).optional();

/** One `[[provider.pricing]]` row: what a model costs per million tokens. */
export const priceSchema = z
  .object({
    /** The model as requested (topology or [provider.<name>] model), or as the provider returns it. */
    model: z.string().min(1),
    /** Only this provider's calls (a model served by two providers may cost differently). */
    provider: z.enum(PROVIDER_KINDS).optional(),
    input_per_mtok: z.number().nonnegative(),
    output_per_mtok: z.number().nonnegative(),
    /** Prompt tokens served from the provider's cache; unset = input_per_mtok. */
    cached_input_per_mtok: z.number().nonnegative().optional(),
  })
  .strict();
export type Price = z.infer<typeof priceSchema>;

/** The [provider] table of bulwark.toml (owned by the LLM gateway). Unknown keys are errors. */
export const providerConfigSchema = z
  .object({
    /** Provider the stages use unless the topology names one; unset = auto-detect (env keys, then local Ollama). */
    default: z.enum(PROVIDER_KINDS).optional(),
    /** Overall deadline of one model call (default 60 s, or 600 s for a streamed call). */
    timeout_seconds: z.number().positive().max(3600).optional(),
    /** A streamed call that receives no data for this long (once the response began) is cut off (default 60). */
    idle_timeout_seconds: z.number().positive().max(3600).optional(),
    /** Stream responses where the provider offers it (default true). */
    stream: z.boolean().optional(),
    /** Retries after a 429/5xx/timeout/malformed answer (0 = none). */
    max_retries: z.number().int().min(0).max(10).optional(),
    /** Cap of one backoff wait, Retry-After included. */
    max_retry_delay_seconds: z.number().min(0).max(600).optional(),
    /** Token budget (input + output) of one whole run; a call that would exceed it fails. Unset = DEFAULT_TOKEN_BUDGET (gateway.ts). */
    token_budget: z.number().int().positive().optional(),
    /** What a returned model that is not the requested one does: "warn" (shown in every output) or "fail" (the run fails closed). */
    pin_model: z.enum(['warn', 'fail']).optional(),
    /** Price table, per million tokens, in `currency`; unset = costs are not computed. */
    pricing: z.array(priceSchema).optional(),
    /** Label of the prices' unit (display only; no conversion). */
    currency: z
      .string()
      .regex(/^[A-Za-z]{1,8}$/, 'must be 1-8 letters, e.g. "USD"')
      .optional(),
    /** Cost budget of one whole run, in `currency`; a call whose worst case would exceed it fails. Needs a price for every model used. */
    cost_budget: z.number().positive().optional(),
    anthropic: z
      .object({ ...keySource, base_url: httpUrl.optional(), model: z.string().min(1).optional(), output_mode: outputMode })
      .strict()
      .optional(),
    openai: z
      .object({
        ...keySource,
        /** Any OpenAI-compatible endpoint: vLLM, LiteLLM, Azure OpenAI (…/openai/v1), Ollama. */
        base_url: httpUrl.optional(),
        model: z.string().min(1).optional(),
        output_mode: outputMode,
        /** Azure OpenAI: the api-version; base_url is then the resource endpoint and model the deployment name. */
        api_version: z.string().min(1).optional(),
        /** reasoning_effort sent to reasoning models (o-series, gpt-5). */
        reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
      })
      .strict()
      .optional(),
    bedrock: z
      .object({
        region: z.string().min(1).optional(),
        /** Override of the Bedrock runtime endpoint (VPC endpoints, tests). */
        endpoint: httpUrl.optional(),
        model: z.string().min(1).optional(),
        output_mode: outputMode,
      })
      .strict()
      .optional(),
    ollama: z
      .object({
        base_url: httpUrl.optional(),
        model: z.string().min(1).optional(),
        output_mode: outputMode,
        /** How long Ollama keeps the model loaded after a call ("10m", "1h", "-1" = forever). */
        keep_alive: z
          .string()
          .regex(/^-?\d+(\.\d+)?(ms|s|m|h)?$/, 'must be an Ollama duration such as "10m" or "-1"')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/** What the gateway needs per provider name: a pinned output mode and the reasoning effort. */
export function providerSettingsOf(cfg: ProviderConfig): Map<string, { outputMode?: OutputMode; reasoningEffort?: string }> {
  const out = new Map<string, { outputMode?: OutputMode; reasoningEffort?: string }>();
  for (const k of PROVIDER_KINDS) {
    // the tables differ; only these two keys are read
    const t: { output_mode?: OutputMode; reasoning_effort?: string } | undefined = cfg[k];
    if (!t) continue;
    out.set(k, {
      ...(t.output_mode ? { outputMode: t.output_mode } : {}),
      ...(t.reasoning_effort ? { reasoningEffort: t.reasoning_effort } : {}),
    });
  }
  return out;
}
