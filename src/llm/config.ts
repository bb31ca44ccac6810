import { z } from 'zod';

/** The [provider] table of bulwark.toml (owned by the LLM gateway). Unknown keys are errors. */
export const providerConfigSchema = z.object({}).strict();
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
