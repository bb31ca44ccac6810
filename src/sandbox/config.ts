import { z } from 'zod';
import type { CgroupSettings } from './cgroup.js';
import type { PolicyInput } from './policy.js';
import { parseUidRange } from './uid-range.js';

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' });

/**
 * The [sandbox] table of bulwark.toml (owned by the sandbox subsystem). Unknown keys are errors.
 *
 *   [sandbox]
 *   uid_range = "60600-60999"   # as root, each concurrent worker gets its own uid/gid from here
 *   uid = 65534                 # or: one fixed identity shared by every worker (excludes uid_range)
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
 *   [sandbox.cgroup]            # cgroup v2 limits per worker, where the host lets us create cgroups
 *   mode = "auto"               # auto | required | off
 *   parent = "/sys/fs/cgroup/…" # a delegated cgroup; default as root: <cgroup2 mount>/bulwark
 *   memory_max_bytes = 2147483648
 *   pids_max = 512
 *   cpu_max_percent = 100       # of one CPU
 */
export const sandboxConfigSchema = z
  .object({
    uid_range: z
      .string()
      .superRefine((v, ctx) => {
        try {
          parseUidRange(v);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^uid_range: /, '') });
        }
      })
      .optional(),
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
    cgroup: z
      .object({
        mode: z.enum(['auto', 'required', 'off']).optional(),
        parent: absolutePath.optional(),
        memory_max_bytes: z
          .number()
          .int()
          .min(16 * 1024 * 1024)
          .optional(),
        pids_max: z.number().int().min(16).optional(),
        cpu_max_percent: z.number().int().min(1).max(100_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.uid_range === undefined || (c.uid === undefined && c.gid === undefined), {
    message: 'uid_range and a fixed uid/gid exclude each other',
    path: ['uid_range'],
  });
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
  const uidRange = p.uidRange ?? (cfg.uid_range !== undefined && p.uid === undefined ? parseUidRange(cfg.uid_range) : undefined);
  const g = cfg.cgroup ?? {};
  const cgroup: Partial<CgroupSettings> = {
    ...(g.mode !== undefined ? { mode: g.mode } : {}),
    ...(g.parent !== undefined ? { parent: g.parent } : {}),
    ...(g.memory_max_bytes !== undefined ? { memoryBytes: g.memory_max_bytes } : {}),
    ...(g.pids_max !== undefined ? { pids: g.pids_max } : {}),
    ...(g.cpu_max_percent !== undefined ? { cpuPercent: g.cpu_max_percent } : {}),
    ...(p.cgroup ?? {}),
  };
  const gid = p.gid ?? cfg.gid;
  const allowDegraded = p.allowDegraded ?? cfg.allow_degraded;
  const timeoutSeconds = p.timeoutSeconds ?? cfg.timeout_seconds;
  return {
    ...p,
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(readPaths.length > 0 ? { readPaths } : {}),
    ...(denyPaths.length > 0 ? { denyPaths } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(uidRange !== undefined ? { uidRange } : {}),
    ...(Object.keys(cgroup).length > 0 ? { cgroup } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(allowDegraded !== undefined ? { allowDegraded } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}
