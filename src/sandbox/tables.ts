/**
 * native/sandbox-tables.json: the one copy of the launcher's seccomp rules and exit statuses. The C
 * side is generated from it when the launcher is built (scripts/gen-sandbox-tables.mjs, run by
 * binding.gyp); this module reads it for the policy printer and the status mapping. The drift test
 * (test/sandbox/tables.test.ts) compares the built launcher's own tables with it.
 *
 * Read on first use rather than at import, so that importing a sandbox module never touches the
 * package root (native/ is not readable inside the sandbox).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { packageRoot } from './package-paths.js';

export const SANDBOX_TABLES_FILE = path.join(packageRoot, 'native', 'sandbox-tables.json');

const comment = z.union([z.string(), z.array(z.string())]).optional();
const syscallName = z.string().regex(/^[a-z][a-z0-9_]*$/);
const constant = z.string().regex(/^[A-Z][A-Z0-9_]*$/);
const text = z.string().min(1);

const argTest = z
  .strictObject({
    $comment: comment,
    arg: z.number().int().min(0).max(5),
    in: z.array(constant).min(1).optional(),
    notIn: z.array(constant).min(1).optional(),
    anyBitOf: z.array(constant).min(1).optional(),
    shown: text,
  })
  .refine((w) => [w.in, w.notIn, w.anyBitOf].filter((v) => v !== undefined).length === 1, 'exactly one of in, notIn, anyBitOf');

const seccompRule = z.strictObject({
  $comment: comment,
  syscalls: z.array(syscallName).min(1),
  errno: z.string().regex(/^E[A-Z0-9]+$/),
  when: argTest.optional(),
  why: text,
});

const architecture = z.strictObject({
  $comment: comment,
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  compilerMacro: z.string().regex(/^__[a-z0-9_]+__$/),
  auditArch: z.string().regex(/^AUDIT_ARCH_[A-Z0-9_]+$/),
  killSyscallsFrom: z
    .string()
    .regex(/^0x[0-9a-f]{1,8}$/)
    .optional(),
  why: text.optional(),
});

const launcherStatus = z.strictObject({
  code: z.number().int().min(1).max(125),
  symbol: z.string().regex(/^ST_[A-Z][A-Z0-9_]*$/),
  layer: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  meaning: text,
});

const tablesSchema = z
  .strictObject({
    $comment: comment,
    seccomp: z.strictObject({
      $comment: comment,
      architectures: z.array(architecture).min(1),
      foreignAbi: z.strictObject({ shown: text, why: text }),
      rules: z.array(seccompRule).min(1),
      // Keyed by syscall name; "$comment" is the only other key.
      onlyWhereHeadersDefine: z.record(z.string(), z.string()),
      onlyOnArchitectures: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    }),
    launcherStatus: z.strictObject({ $comment: comment, statuses: z.array(launcherStatus).min(1) }),
  })
  .superRefine((t, ctx) => {
    // Several rules for one syscall only when all of them test an argument.
    const rulesOf = new Map<string, boolean[]>();
    for (const r of t.seccomp.rules) for (const n of r.syscalls) rulesOf.set(n, [...(rulesOf.get(n) ?? []), r.when !== undefined]);
    const dup = [...rulesOf].find(([, conditional]) => conditional.length > 1 && conditional.some((c) => !c))?.[0];
    if (dup) ctx.addIssue({ code: 'custom', message: `syscall ${dup} is in more than one rule, and not every one of them tests an argument` });
    for (const k of ['code', 'symbol', 'layer'] as const) {
      const vals = t.launcherStatus.statuses.map((s) => s[k]);
      const d = vals.find((v, i) => vals.indexOf(v) !== i);
      if (d !== undefined) ctx.addIssue({ code: 'custom', message: `launcher status ${k} ${d} used twice` });
    }
  });

export type SandboxTables = z.infer<typeof tablesSchema>;
export type SeccompTableRule = z.infer<typeof seccompRule>;
export type LauncherStatus = z.infer<typeof launcherStatus>;

/** Parses and checks the tables file's text; throws naming the problem. */
export function parseSandboxTables(json: string, file = SANDBOX_TABLES_FILE): SandboxTables {
  const r = tablesSchema.safeParse(JSON.parse(json));
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

let cached: SandboxTables | undefined;

/** The tables, read and checked once. */
export function sandboxTables(): SandboxTables {
  cached ??= parseSandboxTables(readFileSync(SANDBOX_TABLES_FILE, 'utf8'));
  return cached;
}

/** The launcher's exit statuses, in table order. */
export function launcherStatuses(): LauncherStatus[] {
  return sandboxTables().launcherStatus.statuses;
}

/** The layer a launcher exit status stands for ("landlock" for 108), or undefined for any other status. */
export function launcherStatusLayer(code: number): string | undefined {
  return launcherStatuses().find((s) => s.code === code)?.layer;
}
