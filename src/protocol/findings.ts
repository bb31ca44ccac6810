import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Most severe first; the index is the rank used for thresholds and sorting. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES);

/**
 * One structured finding, as a stage emits it and renderers consume it.
 * `line` is 1-based on the new side; 0 means "the file as a whole" (e.g. a deleted file,
 * a binary file, or PR metadata such as the description).
 */
export const findingSchema = z
  .object({
    file: z.string().min(1).max(4096),
    line: z.number().int().min(0),
    endLine: z.number().int().min(0).optional(),
    severity: severitySchema,
    /** Lower-case slug, e.g. "security", "correctness", "prompt-injection", "style". */
    category: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'category must be a lower-case slug'),
    message: z.string().min(1).max(20_000),
    confidence: z.number().min(0).max(1),
    /** Name of the pipeline stage (or "bulwark" for findings the orchestrator raises itself). */
    stage: z.string().min(1).max(128),
    ruleId: z.string().min(1).max(128).optional(),
    /** Optional replacement text suggested for the lines [line, endLine]. */
    suggestion: z.string().max(20_000).optional(),
  })
  .strict()
  .refine((f) => f.endLine === undefined || f.endLine >= f.line, { message: 'endLine must be >= line', path: ['endLine'] });
export type Finding = z.infer<typeof findingSchema>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** True when `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) <= severityRank(threshold);
}

/** Most severe first, then highest confidence, then file/line for a deterministic order. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    b.confidence - a.confidence ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/**
 * Message normalisation for fingerprints: case, whitespace, quotes and numbers (models like to
 * mention line numbers and counts, which move between pushes) do not change identity.
 */
export function normalizeMessage(message: string): string {
  return message
    .toLowerCase()
    .replace(/[`'"“”‘’]/g, '')
    .replace(/\d+/g, '0')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Indentation and inner whitespace of the line do not change identity; its content does. */
export function normalizeLineContent(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A fingerprint that is stable across pushes: the same problem on the same code keeps it even
 * when the code moves to another line number. Built from file, category, normalised message and
 * the normalised content of the finding's first line (pass it when known; `lineText` of a
 * file-level finding is empty). Hex SHA-256, version-prefixed so the scheme can evolve.
 */
export function fingerprint(finding: Pick<Finding, 'file' | 'category' | 'message'>, lineText = ''): string {
  const h = createHash('sha256');
  for (const part of ['bulwark-fp-v1', finding.file, finding.category, normalizeMessage(finding.message), normalizeLineContent(lineText)]) {
    h.update(part);
    h.update('\u0000');
  }
  return 'v1:' + h.digest('hex').slice(0, 32);
}
