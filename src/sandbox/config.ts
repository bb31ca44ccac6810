import { z } from 'zod';
import type { PolicyInput } from './policy.js';

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' });

/**
 * The [sandbox] table of bulwark.toml (owned by the sandbox subsystem). Unknown keys are errors.
 *
 *   [sandbox]
 *   uid = 65534                 # identity the launcher drops to when started as root
 *   gid = 65534
 *   allow_degraded = false      # run when a layer cannot be enforced (recorded in the audit log)
 *   timeout_seconds = 300       # wall clock per sandboxed process
 *   extra_read_paths = []       # read-only additions (absolute), e.g. a shared toolchain
 *   deny_paths = []             # never granted (key files); /proc, /root, $HOME, the audit store always are
 *   [sandbox.limits]
 *   open_files = 1024
 *   processes = 512
 *   file_size_bytes = 1073741824
 *   cpu_seconds = 600
 *   address_space_bytes = …     # unset by default (V8 reserves large virtual ranges)
 */
export const sandboxConfigSchema = z
  .object({
    uid: z.number().int().min(1).max(0xfffffffe).optional(),
    gid: z.number().int().min(1).max(0xfffffffe).optional(),
    allow_degraded: z.boolean().optional(),
    timeout_seconds: z.number().positive().optional(),
    extra_read_paths: z.array(absolutePath).optional(),
    deny_paths: z.array(absolutePath).optional(),
    limits: z
      .object({
        open_files: z
          .number()
          .int()
          .min(16)
          .max(1 << 20)
          .optional(),
        processes: z
          .number()
          .int()
          .min(1)
          .max(1 << 22)
          .optional(),
        file_size_bytes: z.number().int().min(0).optional(),
        cpu_seconds: z.number().int().min(1).optional(),
        address_space_bytes: z
          .number()
          .int()
          .min(1 << 20)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

/**
 * Folds the [sandbox] table into a partial policy (before `runtimePolicy`). Values the caller set
 * explicitly in `p` win over the file; read and deny paths are added to.
 */
export function applySandboxConfig(p: PolicyInput, cfg: SandboxConfig | undefined): PolicyInput {
  if (!cfg) return p;
  const l = cfg.limits ?? {};
  const limits = {
    ...(l.open_files !== undefined ? { openFiles: l.open_files } : {}),
    ...(l.processes !== undefined ? { processes: l.processes } : {}),
    ...(l.file_size_bytes !== undefined ? { fileSizeBytes: l.file_size_bytes } : {}),
    ...(l.cpu_seconds !== undefined ? { cpuSeconds: l.cpu_seconds } : {}),
    ...(l.address_space_bytes !== undefined ? { addressSpaceBytes: l.address_space_bytes } : {}),
    ...(p.limits ?? {}),
  };
  const readPaths = [...(p.readPaths ?? []), ...(cfg.extra_read_paths ?? [])];
  const denyPaths = [...(p.denyPaths ?? []), ...(cfg.deny_paths ?? [])];
  const uid = p.uid ?? cfg.uid;
  const gid = p.gid ?? cfg.gid;
  const allowDegraded = p.allowDegraded ?? cfg.allow_degraded;
  const timeoutSeconds = p.timeoutSeconds ?? cfg.timeout_seconds;
  return {
    ...p,
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(readPaths.length > 0 ? { readPaths } : {}),
    ...(denyPaths.length > 0 ? { denyPaths } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(allowDegraded !== undefined ? { allowDegraded } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}
