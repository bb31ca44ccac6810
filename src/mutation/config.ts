import { z } from 'zod';
import { severitySchema } from '../protocol/findings.js';
import { OPERATORS } from './types.js';

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' });

/**
 * The [mutation] table of bulwark.toml (owned by mutation testing). Unknown keys are errors.
 *
 *   [mutation]
 *   test_command = "pytest -q"      # run by /bin/sh in the copied work tree; default: detected
 *   build_command = "go vet ./..."  # run before each mutant's tests; a failure marks it non-compiling
 *   min_score = 0.8                 # below this, surviving mutants in gate-flagged code block
 *   severity = "medium"             # severity of a surviving-mutant finding
 *   max_mutants = 50
 *   workers = 2                     # default: the number of cores
 *   timeout_margin_seconds = 10     # per-mutant timeout = unmutated run × 3 + this
 *   operators = ["rounding", …]     # default: all
 *   toolchain_paths = ["/opt/jdk"]  # extra read + execute roots for the test command
 *   read_paths = ["/srv/m2"]        # extra read-only roots (dependency caches)
 */
export const mutationConfigSchema = z
  .object({
    test_command: z.string().min(1).optional(),
    build_command: z.string().min(1).optional(),
    min_score: z.number().min(0).max(1).default(0.8),
    severity: severitySchema.default('medium'),
    max_mutants: z.number().int().min(1).max(10_000).default(50),
    workers: z.number().int().min(1).max(64).optional(),
    timeout_margin_seconds: z.number().positive().max(3600).default(10),
    operators: z.array(z.enum(OPERATORS)).min(1).optional(),
    toolchain_paths: z.array(absolutePath).default([]),
    read_paths: z.array(absolutePath).default([]),
  })
  .strict();

export type MutationConfig = z.infer<typeof mutationConfigSchema>;
export type MutationConfigInput = z.input<typeof mutationConfigSchema>;
