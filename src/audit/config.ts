import { z } from 'zod';

/** The [audit] table of bulwark.toml (owned by the audit subsystem). Unknown keys are errors. */
export const auditConfigSchema = z.object({}).strict();
export type AuditConfig = z.infer<typeof auditConfigSchema>;
