import type { lintSource as LintSource } from '@secretlint/core';
import type { SecretLintCoreConfig, SecretLintCoreResultMessage } from '@secretlint/types';
import { redactSecrets, type Redaction, type SecretKind, type SecretSpan } from '../domain/redact.js';

/**
 * The maintained secret rule set: secretlint's recommended preset, run as an async detection pass
 * whose spans the pure redaction (domain/redact.ts) applies together with its own rules (card
 * numbers, IBANs, token shapes the preset lacks).
 *
 * It lives here rather than in domain/ because secretlint is not I/O-free as a dependency: its
 * GCP rule reads a `.p12` file from disk by path and its core logs through `debug` (stderr, driven
 * by the environment). Detection is given only in-memory text under a fixed virtual name, so none
 * of that is reached, but domain/ stays free of such imports. Every path to a provider and to the
 * public outputs goes through `redactTexts` (the gateway, the change context, the report).
 */

/** Each rule of the preset, by its id, and the kind its findings are counted under. */
export const PRESET_RULE_KINDS: Readonly<Record<string, SecretKind>> = {
  '@secretlint/secretlint-rule-aws': 'aws-secret-key',
  '@secretlint/secretlint-rule-gcp': 'gcp-service-account-key',
  '@secretlint/secretlint-rule-privatekey': 'private-key',
  '@secretlint/secretlint-rule-npm': 'npm-token',
  '@secretlint/secretlint-rule-basicauth': 'url-credentials',
  '@secretlint/secretlint-rule-slack': 'slack-token',
  '@secretlint/secretlint-rule-sendgrid': 'sendgrid-key',
  '@secretlint/secretlint-rule-shopify': 'shopify-token',
  '@secretlint/secretlint-rule-github': 'github-token',
  '@secretlint/secretlint-rule-gitlab': 'gitlab-token',
  '@secretlint/secretlint-rule-grafana': 'grafana-token',
  '@secretlint/secretlint-rule-openai': 'llm-api-key',
  '@secretlint/secretlint-rule-anthropic': 'llm-api-key',
  '@secretlint/secretlint-rule-groq': 'llm-api-key',
  '@secretlint/secretlint-rule-huggingface': 'huggingface-token',
  '@secretlint/secretlint-rule-linear': 'linear-key',
  '@secretlint/secretlint-rule-notion': 'notion-token',
  '@secretlint/secretlint-rule-1password': '1password-token',
  '@secretlint/secretlint-rule-database-connection-string': 'url-credentials',
  '@secretlint/secretlint-rule-hashicorp-vault': 'hashicorp-vault-token',
  '@secretlint/secretlint-rule-vercel': 'vercel-token',
  '@secretlint/secretlint-rule-databricks': 'databricks-token',
  '@secretlint/secretlint-rule-docker': 'docker-credentials',
  '@secretlint/secretlint-rule-figma': 'figma-token',
};

/**
 * The preset's rules, registered one by one rather than through the preset, which is the only way
 * to leave one out in this version (a preset child's `disabled` is not honoured). Left out:
 * filter-comments, which drops findings under `secretlint-disable` comments: those comments are
 * written by the author of the text under review, and a pull request must not be able to switch
 * redaction off for its own secrets.
 */
const LEFT_OUT = new Set(['@secretlint/secretlint-rule-filter-comments']);

interface Engine {
  lintSource: typeof LintSource;
  config: SecretLintCoreConfig;
  ruleIds: string[];
}
let engine: Promise<Engine> | undefined;

/** Loaded on first use: commands that send nothing to a provider do not pay for its start-up. */
function loadEngine(): Promise<Engine> {
  engine ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(([core, preset]) => ({
    lintSource: core.lintSource,
    config: { rules: preset.rules.filter((rule) => !LEFT_OUT.has(rule.meta.id)).map((rule) => ({ id: rule.meta.id, rule })) },
    ruleIds: preset.rules.map((r) => r.meta.id),
  }));
  return engine;
}

/** The ids of the preset's rules in this version, for the test that every one has a kind. */
export async function presetRuleIds(): Promise<string[]> {
  return (await loadEngine()).ruleIds;
}

/**
 * The engine compares every finding with every other one (duplicate filtering), so one call over a
 * text full of token-shaped strings is quadratic: the text is scanned in overlapping windows. Any
 * secret up to WINDOW_OVERLAP characters long lies wholly inside one window; longer ones are PEM
 * blocks, which the hand-written private-key rules catch at any length.
 */
export const SCAN_WINDOW = 16_384;
export const WINDOW_OVERLAP = 4_096;

/** Name the engine sees: not .json/.p12 (the GCP rule parses those, and reads .p12 from disk). */
const VIRTUAL_PATH = 'bulwark-redaction-input.txt';

function kindOf(m: SecretLintCoreResultMessage): SecretKind {
  return PRESET_RULE_KINDS[m.ruleId] ?? 'secret';
}

/**
 * The span to redact for one finding. Some rules report the start of the whole match with the
 * length of the secret inside it (the AWS secret-access-key rule: `AWS_SECRET_ACCESS_KEY = "…`
 * starts the range, the key runs past its end), so the range is widened to the reported secret
 * value when that value starts inside the range.
 */
function spanOf(window: string, offset: number, m: SecretLintCoreResultMessage): SecretSpan {
  let [start, end] = m.range;
  for (const v of Object.values(m.data ?? {})) {
    if (typeof v !== 'string' || v.length < 8) continue;
    const at = window.indexOf(v, start);
    if (at >= 0 && at <= end) {
      start = Math.min(start, at);
      end = Math.max(end, at + v.length);
    }
  }
  return { start: start + offset, end: end + offset, kind: kindOf(m) };
}

async function scanWindow(window: string, offset: number): Promise<SecretSpan[]> {
  const { lintSource, config } = await loadEngine();
  const result = await lintSource({
    source: { content: window, filePath: VIRTUAL_PATH, ext: '.txt', contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  return result.messages.map((m) => spanOf(window, offset, m));
}

async function scan(text: string): Promise<SecretSpan[]> {
  const spans: SecretSpan[] = [];
  const stride = SCAN_WINDOW - WINDOW_OVERLAP;
  for (let at = 0; ; at += stride) {
    spans.push(...(await scanWindow(text.slice(at, at + SCAN_WINDOW), at)));
    if (at + SCAN_WINDOW >= text.length) break;
  }
  return spans;
}

// Requests repeat the same long texts on every turn of a stage (system prompt, change context):
// their detections are kept, up to a bound on the characters held. Short texts are cheap to scan
// in a batch and are not kept.
const CACHE_MIN_CHARS = 1024;
const CACHE_MAX_CHARS = 32 * 1024 * 1024;
const cache = new Map<string, readonly SecretSpan[]>();
let cachedChars = 0;

function cached(text: string): readonly SecretSpan[] | undefined {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
  }
  return hit;
}

function remember(text: string, spans: readonly SecretSpan[]): void {
  if (text.length < CACHE_MIN_CHARS || text.length > CACHE_MAX_CHARS / 4 || cache.has(text)) return;
  cache.set(text, spans);
  cachedChars += text.length;
  for (const [k] of cache) {
    if (cachedChars <= CACHE_MAX_CHARS) break;
    cache.delete(k);
    cachedChars -= k.length;
  }
}

/**
 * Texts are scanned together, joined by a separator no rule matches through (NUL is in none of
 * their character classes), because each engine call has a fixed cost (~0.5 ms) and a report or a
 * request holds many short texts. A span that still crossed the separator is cut at it: each text
 * gets its part.
 */
const SEPARATOR = '\n\u0000\n';
const BATCH_CHARS = 1024 * 1024;

/** Spans of the secrets the maintained rule set finds in each text. */
export async function detectSecretsMany(texts: readonly string[]): Promise<(readonly SecretSpan[])[]> {
  const out: (readonly SecretSpan[] | undefined)[] = texts.map((t) => (t.length === 0 ? [] : cached(t)));
  const pending = out.flatMap((o, i) => (o === undefined ? [i] : []));
  for (let p = 0; p < pending.length;) {
    const batch: number[] = [];
    const starts: number[] = [];
    let combined = '';
    while (p < pending.length && (batch.length === 0 || combined.length + texts[pending[p]!]!.length <= BATCH_CHARS)) {
      if (batch.length > 0) combined += SEPARATOR;
      starts.push(combined.length);
      combined += texts[pending[p]!]!;
      batch.push(pending[p++]!);
    }
    const found: SecretSpan[][] = batch.map(() => []);
    for (const s of await scan(combined)) {
      // the last text starting at or before the span, then every text the span reaches into
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= s.start) lo = mid;
        else hi = mid - 1;
      }
      for (let k = lo; k < batch.length && starts[k]! < s.end; k++) {
        const len = texts[batch[k]!]!.length;
        const start = Math.max(s.start - starts[k]!, 0);
        const end = Math.min(s.end - starts[k]!, len);
        if (end > start) found[k]!.push({ start, end, kind: s.kind });
      }
    }
    batch.forEach((i, k) => {
      out[i] = found[k]!;
      remember(texts[i]!, found[k]!);
    });
  }
  return out as (readonly SecretSpan[])[];
}

/** Spans of the secrets the maintained rule set finds in `text`. */
export async function detectSecrets(text: string): Promise<readonly SecretSpan[]> {
  return (await detectSecretsMany([text]))[0]!;
}

/** The full redaction of each text: the maintained rule set's spans plus the payment-data and hand-written rules. */
export async function redactTexts(texts: readonly string[]): Promise<Redaction[]> {
  const spans = await detectSecretsMany(texts);
  return texts.map((t, i) => redactSecrets(t, spans[i]));
}

export async function redactText(text: string): Promise<Redaction> {
  return (await redactTexts([text]))[0]!;
}
