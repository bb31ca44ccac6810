import { z } from 'zod';

/** The [gate] table of bulwark.toml (owned by the compliance gate). Unknown keys are errors. */
export const gateConfigSchema = z.object({}).strict();
export type GateConfig = z.infer<typeof gateConfigSchema>;
