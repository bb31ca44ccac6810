import { z } from 'zod';

/** The [sandbox] table of bulwark.toml (owned by the sandbox subsystem). Unknown keys are errors. */
export const sandboxConfigSchema = z.object({}).strict();
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
