import type { EntryInput } from './audit-entries.js';
/**
 * Secret redaction, applied to everything that leaves for a provider and to every public output.
 * Pure and deterministic: the same text (and the same detected spans) always yields the same
 * redacted text and counts, so the counts recorded in the audit log can be reproduced from the input.
 *
 * Two sources of matches:
 * - spans found by the maintained rule set (secretlint's recommended preset). Its engine is async
 *   and loads code that may touch the file system, so it runs outside domain/ (llm/secret-scan.ts)
 *   and hands its findings in here as `SecretSpan`s;
 * - the rules below: payment data (card numbers, IBANs, checked by their check digits) and token
 *   shapes the preset does not cover.
 */

export const SECRET_KINDS = [
  'private-key',
  'jwt',
  'aws-access-key',
  'aws-secret-key',
  'gcp-api-key',
  'gcp-service-account-key',
  'github-token',
  'gitlab-token',
  'slack-token',
  'stripe-key',
  'llm-api-key',
  'npm-token',
  'sendgrid-key',
  'shopify-token',
  'grafana-token',
  'huggingface-token',
  'linear-key',
  'notion-token',
  '1password-token',
  'hashicorp-vault-token',
  'vercel-token',
  'databricks-token',
  'docker-credentials',
  'figma-token',
  'bearer-token',
  'url-credentials',
  'credential-assignment',
  'pan',
  'iban',
  /** A finding of a maintained rule this version does not map to a kind of its own. */
  'secret',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];
export type RedactionCounts = Partial<Record<SecretKind, number>>;

/** A secret found outside this module: [start, end) offsets into the text handed to `redactSecrets`. */
export interface SecretSpan {
  start: number;
  end: number;
  kind: SecretKind;
}

interface Rule {
  kind: SecretKind;
  re: RegExp;
  /**
   * Builds the replacement from the match; default replaces the whole match. It may redact
   * several parts of one match: each `[REDACTED:<kind>]` it adds counts once.
   */
  replace?: (m: RegExpExecArray) => string;
}

const mark = (kind: SecretKind): string => `[REDACTED:${kind}]`;

// The maintained preset runs first (its spans are applied before these rules). What stays here:
// - private-key: the preset matches only whole blocks of 100 to 10,000 base64 characters of a few
//   key types; these also catch truncated blocks (a clipped hunk), short bodies and ENCRYPTED keys;
// - jwt, stripe-key, gcp-api-key (AIza…), bearer-token, credential-assignment: not in the preset
//   (its GCP rule reads only service-account JSON and .p12 files);
// - aws-access-key: the preset's key-ID scan is off by default, skips AWS's documented example
//   key, and its companion account-ID scan flags any `account = <12 digits>` (a bank account field);
// - llm-api-key: the preset knows only the current OpenAI and Anthropic shapes, not other
//   providers' `sk-…` keys;
// - url-credentials: the preset covers http(s)/ftp URLs with word-character passwords and three
//   database schemes, not other schemes or passwords with punctuation.
// GitHub and Slack tokens are left to the preset, whose patterns are the issuers' exact formats.
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
  { kind: 'stripe-key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'llm-api-key', re: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b/g },
  {
    kind: 'iban',
    // country code, check digits, then the BBAN written compact or in groups of four (before card
    // numbers: the digit groups of a printed IBAN can pass the Luhn check)
    re: /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g,
    replace: (m) => redactIban(m[0]),
  },
  {
    kind: 'pan',
    // Maximal runs of digit groups joined by single spaces or dashes, not glued to a letter or
    // digit before them; which whole groups form a card number is decided in `redactCardNumbers`.
    re: /(?<![A-Za-z0-9])[0-9]+(?:[ -][0-9]+)*/g,
    replace: (m) => redactCardNumbers(m[0], m.input.charAt(m.index + m[0].length)),
  },
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
      if (!looksLikeSecretValue(name, value, quote !== '')) return whole;
      return `${name}${sep}${quote}${mark('credential-assignment')}${quote}`;
    },
  },
];

/** Words of an identifier: `token_budget`, `maxTokens`, `llm.max-tokens` → lower-case parts. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** A setting that holds a quantity (`token_budget`, `max_tokens`, `token_ttl`), never a credential. */
const QUANTITY_WORDS = new Set([
  'count',
  'counts',
  'budget',
  'budgets',
  'limit',
  'limits',
  'size',
  'sizes',
  'timeout',
  'timeouts',
  'ttl',
  'max',
  'min',
  'length',
  'len',
  'seconds',
  'secs',
  'ms',
  'millis',
  'minutes',
  'mins',
  'hours',
  'days',
  'interval',
  'retries',
  'expiry',
  'expires',
  'lifetime',
  'quota',
  'threshold',
  'capacity',
]);

/**
 * Keeps code readable: `token = request.headers.get(...)`, `password: str`, `secret=${VAR}` are
 * references, not values; `token_budget = 400000`, `max_tokens = 4096` are settings. Quoted
 * literals and long or mixed values are treated as secrets.
 */
function looksLikeSecretValue(name: string, value: string, quoted: boolean): boolean {
  if (value.startsWith('[REDACTED:')) return false;
  if (/^\$\{?[A-Za-z_]/.test(value) || /^%\(?[A-Za-z_]/.test(value) || value.startsWith('{{')) return false; // placeholders
  if (/^(?:none|null|nil|true|false|undefined|string|str|bytes|int|required|optional|os\.environ.*|process\.env.*|env\..*)$/i.test(value)) return false;
  const words = nameWords(name);
  if (words.some((w) => QUANTITY_WORDS.has(w))) return false;
  // a plain number is a setting, except where numeric values are real secrets (PINs, passcodes)
  if (/^[+-]?[0-9][0-9_]*(?:\.[0-9]+)?$/.test(value) && !/passw|pwd|passcode/i.test(name) && !words.includes('pin')) return false;
  if (quoted) return !/^[<*x.]+>?$/i.test(value) && !/^<[^>]*>$/.test(value);
  if (/[(.[]/.test(value) && /^[A-Za-z_][A-Za-z0-9_]*[.([]/.test(value)) return false; // a call or attribute
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && !/\d/.test(value) && value.length < 24) return false; // an identifier
  return true;
}

/** Luhn (ISO/IEC 7812-1) check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A primary account number: 13 to 19 digits, Luhn-valid, starting with 2 to 6 (the major industry
 * identifiers card schemes issue under: Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover,
 * UnionPay and Maestro 6). The first-digit check keeps millisecond timestamps (1…) and most ids
 * out; the Luhn check the rest of what is not a card number.
 */
function isPan(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && digits.charCodeAt(0) >= 50 && digits.charCodeAt(0) <= 54 && luhnValid(digits);
}

/**
 * Redacts the card numbers in one run of digit groups (`4111 1111 1111 1111`, `4111-1111-…`,
 * `4111111111111111`). A card number is a sequence of whole groups: a longer unbroken digit run is
 * some other number and is left alone, while a separator is a boundary (`1234-4111111111111111`
 * and `4111 1111 1111 1111 12` still hide the card). A group glued to a letter after the run
 * (`…1111abc`) belongs to an identifier and is never part of a card number.
 */
function redactCardNumbers(run: string, after: string): string {
  if (run.length < 13) return run; // most numbers in code: too short to hold one
  const groups: { text: string; start: number }[] = [];
  for (const g of run.matchAll(/[0-9]+/g)) groups.push({ text: g[0], start: g.index });
  const usable = (i: number): boolean => !(i === groups.length - 1 && /[A-Za-z]/.test(after));
  let out = '';
  let copied = 0;
  for (let i = 0; i < groups.length;) {
    const lead = groups[i]!.text.charCodeAt(0);
    if (lead < 50 || lead > 54) {
      i++; // cannot start a card number (see isPan)
      continue;
    }
    let found = -1;
    let digits = '';
    for (let j = i; j < groups.length && usable(j); j++) {
      digits += groups[j]!.text;
      if (digits.length > 19) break;
      if (isPan(digits)) found = j; // the longest card number starting at group i
    }
    if (found < 0) {
      i++;
      continue;
    }
    const last = groups[found]!;
    out += run.slice(copied, groups[i]!.start) + mark('pan');
    copied = last.start + last.text.length;
    i = found + 1;
  }
  return copied === 0 ? run : out + run.slice(copied);
}

/** ISO 13616 / ISO 7064 mod 97-10 check of an IBAN written without spaces. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const c of rearranged) {
    const v = c >= 'A' ? c.charCodeAt(0) - 55 : c.charCodeAt(0) - 48;
    rest = v > 9 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1;
}

/**
 * Redacts an IBAN candidate when its check digits hold. Written in groups, the longest valid
 * prefix of whole groups is the IBAN (a following word in capitals may have joined the match).
 */
function redactIban(candidate: string): string {
  const parts = candidate.split(' ');
  for (let n = parts.length; n >= 1; n--) {
    if (ibanValid(parts.slice(0, n).join(''))) {
      const len = parts.slice(0, n).join(' ').length;
      return mark('iban') + candidate.slice(len);
    }
  }
  return candidate;
}

export interface Redaction {
  text: string;
  counts: RedactionCounts;
}

const countMarks = (s: string, kind: SecretKind): number => s.split(mark(kind)).length - 1;

/**
 * Replaces the given spans (merged where they overlap or touch; a merged span counts once, under
 * the kind of its first part), then applies the rules above to the result.
 */
function applySpans(text: string, spans: readonly SecretSpan[], counts: RedactionCounts): string {
  const sorted = spans.filter((s) => s.start >= 0 && s.end <= text.length && s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let copied = 0;
  for (let i = 0; i < sorted.length;) {
    const first = sorted[i]!;
    let end = first.end;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.start <= end) end = Math.max(end, sorted[j++]!.end);
    out += text.slice(copied, first.start) + mark(first.kind);
    counts[first.kind] = (counts[first.kind] ?? 0) + 1;
    copied = end;
    i = j;
  }
  return out + text.slice(copied);
}

export function redactSecrets(text: string, spans: readonly SecretSpan[] = []): Redaction {
  const counts: RedactionCounts = {};
  let out = spans.length > 0 ? applySpans(text, spans, counts) : text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (...args: unknown[]) => {
      // rebuild a RegExpExecArray-like view of the match for the replacer
      const groupsEnd = args.findIndex((a) => typeof a === 'number');
      const m = args.slice(0, groupsEnd) as unknown as RegExpExecArray;
      m.index = args[groupsEnd] as number;
      m.input = args[groupsEnd + 1] as string;
      const replacement = rule.replace ? rule.replace(m) : mark(rule.kind);
      const added = countMarks(replacement, rule.kind) - countMarks(m[0], rule.kind);
      if (added > 0) counts[rule.kind] = (counts[rule.kind] ?? 0) + added;
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
