import { z } from 'zod';

const principal = z
  .string()
  .min(1)
  .regex(/^[^\s,*?!"]+$/, 'must be an allowed-signers principal (no spaces, commas or wildcards)');

/**
 * The [approvals] table of bulwark.toml (owned by the approval subsystem). Unknown keys are errors.
 * Which zones need approval, and by whom, is in `[[gate.zones]]` (`approvers`, `approver_groups`);
 * this table says who is in a group, how many approvals a zone needs and which keys are trusted.
 */
export const approvalsConfigSchema = z
  .object({
    /** OpenSSH allowed-signers file (relative to bulwark.toml): principal → public key. */
    allowed_signers: z.string().min(1).optional(),
    /** Distinct approving reviewers a flagged zone needs unless `zone_required` says otherwise. */
    required: z.number().int().min(1).max(20).default(1),
    /** Per-zone override of `required`, by `[[gate.zones]]` name. */
    zone_required: z.record(z.string().min(1), z.number().int().min(1).max(20)).default({}),
    /** Group name → member principals (as in the allowed-signers file). */
    groups: z.record(z.string().min(1), z.array(principal)).default({}),
    /** GitHub login → principal, so imported GitHub approvals count for groups and approver lists. */
    github_users: z.record(z.string().min(1), principal).default({}),
  })
  .strict();
export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;

export function parseApprovalsConfig(input: unknown): ApprovalsConfig {
  return approvalsConfigSchema.parse(input ?? {});
}

/**
 * The principal a GitHub login counts as. GitHub logins are case-insensitive, so the lookup is too;
 * only the table's own entries count (never an inherited object property such as `constructor`).
 */
export function githubPrincipal(githubUsers: Readonly<Record<string, string>> | undefined, login: string): string | undefined {
  const want = login.toLowerCase();
  for (const [k, v] of Object.entries(githubUsers ?? {})) if (k.toLowerCase() === want) return v;
  return undefined;
}
