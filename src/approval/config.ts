import { z } from 'zod';

/** The [approvals] table of bulwark.toml (owned by the approval subsystem). Unknown keys are errors. */
export const approvalsConfigSchema = z.object({}).strict();
export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;
