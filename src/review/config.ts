import { z } from 'zod';

/** The [review] table of bulwark.toml (owned by the review subsystem). Unknown keys are errors. */
export const reviewConfigSchema = z.object({}).strict();
export type ReviewConfig = z.infer<typeof reviewConfigSchema>;
