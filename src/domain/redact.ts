import type { EntryInput } from './audit-entries.js';
/**
 * Secret redaction, applied to everything that leaves for a provider and to every public output.
 * Pure and deterministic: the same text always yields the same redacted text and counts, so the
 * counts recorded in the audit log can be reproduced from the input.
 */

export const SECRET_KINDS = [
  'private-key',
  'jwt',
  'aws-access-key',
  'gcp-api-key',
  'github-token',
  'slack-token',
  'stripe-key',
  'llm-api-key',
  'bearer-token',
  'url-credentials',
  'credential-assignment',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];
export type RedactionCounts = Partial<Record<SecretKind, number>>;

interface Rule {
  kind: SecretKind;
  re: RegExp;
  /** Builds the replacement from the match; default replaces the whole match. */
  replace?: (m: RegExpExecArray) => string;
}

const mark = (kind: SecretKind): string => `[REDACTED:${kind}]`;

// Order matters: specific token shapes first so a JWT inside `token=...` is counted as a JWT.
const RULES: Rule[] = [
  {
    kind: 'private-key',
    // Terminated PEM blocks (also inside a diff, where each line carries a +/-/space prefix) ...
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END \1PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    kind: 'private-key',
    // ... and a truncated one: the header plus the base64 body lines that follow it.
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----(?:\r?\n[+\- ]?[A-Za-z0-9+/=:, -]*)*/g,
  },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'aws-access-key', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g },
  { kind: 'gcp-api-key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'stripe-key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'llm-api-key', re: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b/g },
  {
    kind: 'bearer-token',
    re: /\b(Bearer|Basic|Token)(\s+)([A-Za-z0-9._~+/-]{16,}=*)/g,
    replace: (m) => `${m[1]}${m[2]}${mark('bearer-token')}`,
  },
  {
    kind: 'url-credentials',
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:/@"'`]{1,256}):([^\s@/"'`]{1,256})@/gi,
    replace: (m) => `${m[1]}${m[2]}:${mark('url-credentials')}@`,
  },
  {
    kind: 'credential-assignment',
    // name = "value" / name: 'value' / NAME=value, where the name says it is a credential
    // (bounded name and value runs keep the scan linear on long identifier-only lines)
    re: /\b([A-Za-z0-9_.-]{0,64}?(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key|signing[_-]?key)[A-Za-z0-9_.-]{0,64})(["']?[ \t]{0,8}[:=]>?[ \t]{0,8})(["'`]?)([^\s"'`,;)]{4,})\3/gi,
    replace: (m) => {
      const [whole, name, sep, quote, value] = [m[0], m[1]!, m[2]!, m[3]!, m[4]!];
      if (!looksLikeSecretValue(value, quote !== '')) return whole;
      return `${name}${sep}${quote}${mark('credential-assignment')}${quote}`;
    },
  },
];

/**
 * Keeps code readable: `token = request.headers.get(...)`, `password: str`, `secret=${VAR}` are
 * references, not values. Quoted literals and long or mixed values are treated as secrets.
 */
function looksLikeSecretValue(value: string, quoted: boolean): boolean {
  if (value.startsWith('[REDACTED:')) return false;
  if (/^\$\{?[A-Za-z_]/.test(value) || /^%\(?[A-Za-z_]/.test(value) || value.startsWith('{{')) return false; // placeholders
  if (/^(?:none|null|nil|true|false|undefined|string|str|bytes|int|required|optional|os\.environ.*|process\.env.*|env\..*)$/i.test(value)) return false;
  if (quoted) return !/^[<*x.]+>?$/i.test(value) && !/^<[^>]*>$/.test(value);
  if (/[(.[]/.test(value) && /^[A-Za-z_][A-Za-z0-9_]*[.([]/.test(value)) return false; // a call or attribute
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && !/\d/.test(value) && value.length < 24) return false; // an identifier
  return true;
}

export interface Redaction {
  text: string;
  counts: RedactionCounts;
}

export function redactSecrets(text: string): Redaction {
  const counts: RedactionCounts = {};
  let out = text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (...args: unknown[]) => {
      // rebuild a RegExpExecArray-like view of the match for the replacer
      const groupsEnd = args.findIndex((a) => typeof a === 'number');
      const m = args.slice(0, groupsEnd) as unknown as RegExpExecArray;
      const replacement = rule.replace ? rule.replace(m) : mark(rule.kind);
      if (replacement !== m[0]) counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      return replacement;
    });
  }
  return { text: out, counts };
}

export function addCounts(into: RedactionCounts, more: RedactionCounts): RedactionCounts {
  for (const [k, v] of Object.entries(more) as [SecretKind, number][]) into[k] = (into[k] ?? 0) + v;
  return into;
}

export function totalRedactions(counts: RedactionCounts): number {
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}

/**
 * Audit entries for a redaction: one `redaction` entry per kind of secret with its count (the
 * evidence an auditor reads), in a fixed order; none when nothing was redacted.
 */
export function redactionEntries(runId: string, stage: string | undefined, counts: RedactionCounts): Extract<EntryInput, { kind: 'redaction' }>[] {
  return (Object.entries(counts) as [SecretKind, number | undefined][])
    .filter((e): e is [SecretKind, number] => (e[1] ?? 0) > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, count]) => ({ kind: 'redaction' as const, run_id: runId, ...(stage !== undefined ? { stage } : {}), count, rules: [kind] }));
}
