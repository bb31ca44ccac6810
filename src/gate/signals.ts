import { readTextsOf } from './blob-texts.js';
import { callIndexOf } from './call-index.js';
import type { GateConfig } from './config.js';
import type { FileChange } from './diff.js';
import { rootNameOf } from './facts.js';
import { languageOf } from './sources.js';
import type { CallGraph, ChangedFunction, GateSignal, GateSignals } from './types.js';

/**
 * The second layer of the gate: deterministic signals that a change the call graph did not flag
 * may be financial logic anyway. Pure over the diff text and the head graph; a score at or above
 * `[gate.classifier] threshold` routes the change to the classifier.
 */

/** Weights: one strong signal (money type, regulated table, payment SDK, fee setting) reaches the default threshold alone; names need company. */
export const SIGNAL_WEIGHTS = {
  'money-type': 3,
  'sql-table': 3,
  'payment-sdk': 4,
  'money-config': 3,
  'money-name': 2,
  'sdk-in-file': 2,
  'near-zone': 2,
  'caller-signal': 3,
  'money-function': 2,
} as const satisfies Record<GateSignal['kind'], number>;

const MONEY_TYPE =
  /\b(?:Decimal|BigDecimal|RoundingMode|ROUND_(?:HALF_(?:EVEN|UP|DOWN)|UP|DOWN|CEILING|FLOOR)|HALF_(?:EVEN|UP|DOWN)|quantize|setScale|decimal\.(?:Decimal|NewFromFloat|NewFromString|RequireFromString)|shopspring\/decimal|big\.(?:Rat|Float)|Money|MonetaryAmount|minor_?units?|MinorUnits?|amount_?minor|[aA]mountMinor|RoundBank|RoundCeil|RoundFloor|StringFixedBank)\b/;

const MONEY_TYPES = new RegExp(MONEY_TYPE.source, 'g');

const MONEY_WORDS =
  'amount|minor_?units?|currency|currencies|iso4217|fee|fees|interest|principal|apr|apy|fx|exchange_?rate|payout|payouts|refund|refunds|chargeback|settlement|loan|loans|repayment|installment|instalment|balance|balances|ledger|debit|credit|overdraft|invoice|tax|vat|wallet|remittance|disbursement|amorti[sz]ation|accrual|accrue|payment|payments|money|cents|iban|bic|swift';
const capitalised = (w: string): string => (w[0]!.toUpperCase() + w.slice(1)).replace(/_\?([a-z])/g, (_m, c: string) => c.toUpperCase());
/**
 * Money words as whole words of an identifier in any convention: `late_fee`, `lateFee`,
 * `LateFee`, `LATE_FEE`, `late-fee` (never inside another word: `coffee` is not a fee).
 */
const MONEY_NAME = new RegExp(
  [
    String.raw`(?<![A-Za-z])(?:${MONEY_WORDS})(?![a-z])`,
    String.raw`(?<![A-Z])(?:${MONEY_WORDS.split('|').map(capitalised).join('|')})(?![a-z])`,
    String.raw`(?<![A-Za-z])(?:${MONEY_WORDS.toUpperCase().replace(/\\?_/g, '_')})(?![A-Za-z])`,
  ].join('|'),
);

const REGULATED_TABLE = String.raw`(?:accounts?|balances?|ledgers?|ledger_entries|journal_entries|transactions?|loans?|loan_\w+|payments?|payouts?|transfers?|currenc(?:y|ies)|fx_rates?|exchange_rates?|fees?|fee_\w+|interest_\w+|repayments?|settlements?)`;
const SQL_TABLE = new RegExp(
  String.raw`\b(?:create\s+table(?:\s+if\s+not\s+exists)?|alter\s+table|insert\s+into|update|delete\s+from|references|merge\s+into|upsert\s+into|drop\s+table(?:\s+if\s+exists)?|truncate(?:\s+table)?)\s+(?:[\w"\x60\[\]]+\.)?["\x60\[]?(${REGULATED_TABLE})["\x60\]]?(?![\w])`,
  'i',
);

export const PAYMENT_SDK =
  /(?:\bimport\s+(?:stripe|adyen|braintree|paypalrestsdk|squareup|plaid|gocardless_pro|mollie|razorpay)\b|\bfrom\s+(?:stripe|adyen|Adyen|braintree|paypal\w*|square|plaid|gocardless_pro|mollie|razorpay)\b|require\(\s*['"](?:stripe|@adyen\/api-library|braintree|@paypal\/[\w-]+|square|plaid|gocardless-nodejs|@mollie\/api-client|razorpay)['"]\s*\)|from\s+['"](?:stripe|@stripe\/[\w-]+|@adyen\/[\w-]+|braintree|@paypal\/[\w-]+|square|plaid|razorpay|@mollie\/[\w-]+)['"]|github\.com\/(?:stripe\/stripe-go|adyen\/adyen-go-api-library|braintree-go|plaid\/plaid-go|square\/square-go|razorpay\/razorpay-go)|\bimport\s+(?:com\.(?:stripe|adyen|braintreegateway|paypal|squareup|plaid|checkout|gocardless)\.))/;

/** Keys of configuration files (YAML, JSON, TOML, INI, .properties, .env) that set money: a fee, a rate, a limit, a currency. */
const CONFIG_FILE = /\.(?:ya?ml|json|toml|ini|cfg|conf|properties|env)$/i;
const MONEY_CONFIG_KEY = new RegExp(
  String.raw`^\s*["']?[\w.-]*(?:${MONEY_WORDS}|rate|rates|limit|limits|threshold|percent|bps|basis_points|markup|margin|surcharge|rounding)[\w.-]*["']?\s*[:=]`,
  'i',
);

/** Documentation and tests do not change what the product does: their lines carry no signal. */
export function isDocOrTest(file: string): boolean {
  return (
    /\.(?:md|mdx|rst|txt|adoc|html?|css|scss|svg|png|jpe?g|gif|ico|lock)$/i.test(file) ||
    /(?:^|\/)(?:docs?|tests?|__tests__|spec|testdata|fixtures?|e2e)\//i.test(file) ||
    /(?:^|\/)(?:test_[^/]*\.py|[^/]*_test\.(?:py|go)|[^/]*\.(?:test|spec)\.[jt]sx?|[^/]*Tests?\.java)$/.test(file) ||
    /(?:^|\/)(?:CHANGELOG|README|LICENSE|CONTRIBUTING)[^/]*$/i.test(file)
  );
}

/** A line that only logs, prints or comments: its words name what happened, they do not compute it. */
function isLoggingOrComment(line: string): boolean {
  const t = line.trim();
  if (/^(?:#|\/\/|\/\*|\*|--|<!--)/.test(t)) return true;
  return /^(?:(?:self\.|this\.)?(?:log|logger|LOG|LOGGER|logging|console|log\.\w+|fmt|slog)\.?\w*\(|print(?:ln|f)?\(|System\.(?:out|err)\.print)/.test(t);
}

/** The added and removed lines of each file in a `git diff -U0` text, in the same order as `parseUnifiedDiff`. */
export function changedLineTexts(diffText: string): { file: string; lines: string[] }[] {
  const out: { file: string; lines: string[] }[] = [];
  let cur: { file: string; lines: string[] } | null = null;
  let oldPath = '';
  for (const line of diffText.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = { file: '', lines: [] };
      out.push(cur);
      oldPath = '';
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('--- ')) {
      oldPath = line.startsWith('--- a/') ? line.slice(6) : '';
      if (!cur.file) cur.file = oldPath;
    } else if (line.startsWith('+++ ')) {
      if (line.startsWith('+++ b/')) cur.file = line.slice(6);
      else cur.file = oldPath;
    } else if ((line.startsWith('+') || line.startsWith('-')) && !line.startsWith('+++') && !line.startsWith('---')) {
      cur.lines.push(line.slice(1));
    }
  }
  return out;
}

export interface SignalInput {
  diffText: string;
  changes: FileChange[];
  head: CallGraph;
  changedFunctions: ChangedFunction[];
  config: GateConfig;
}

function zonePrefix(glob: string): string {
  const i = glob.search(/[*?[{]/);
  const fixed = i < 0 ? glob : glob.slice(0, i);
  return fixed.replace(/\/+$/, '');
}

/** The source text of a definition (its lines in its file), or '' when unknown. */
export function definitionText(graph: CallGraph, id: string): string {
  const d = graph.defs.get(id);
  const f = d ? graph.files.get(d.file) : undefined;
  if (!d || !f) return '';
  return f.text
    .split('\n')
    .slice(d.startLine - 1, d.endLine)
    .join('\n');
}

/** Scores a change; `threshold` is `[gate.classifier] threshold`. */
export function scoreSignals(input: SignalInput): GateSignals {
  const items: GateSignal[] = [];
  const seen = new Set<string>();
  const add = (s: GateSignal): void => {
    const key = `${s.kind}:${s.file}:${s.detail}`;
    if (seen.has(key)) return;
    seen.add(key);
    items.push(s);
  };
  const files = changedLineTexts(input.diffText);
  for (const { file, lines } of files) {
    if (!file || isDocOrTest(file)) continue;
    const isConfig = CONFIG_FILE.test(file);
    const isCode = languageOf(file) !== undefined;
    for (const raw of lines) {
      const line = raw.slice(0, 2000);
      const types = [...new Set([...line.matchAll(MONEY_TYPES)].map((x) => x[0]))];
      if (types.length > 0 && !isLoggingOrComment(line))
        add({ kind: 'money-type', weight: SIGNAL_WEIGHTS['money-type'], file, detail: `money/decimal type or rounding: ${types.join(', ')}` });
      const t = SQL_TABLE.exec(line);
      if (t) add({ kind: 'sql-table', weight: SIGNAL_WEIGHTS['sql-table'], file, detail: `SQL on a money table: ${t[1]}` });
      const sdk = PAYMENT_SDK.exec(line);
      if (sdk) add({ kind: 'payment-sdk', weight: SIGNAL_WEIGHTS['payment-sdk'], file, detail: `payment SDK: ${sdk[0].trim().slice(0, 80)}` });
      if (isConfig && MONEY_CONFIG_KEY.test(line))
        add({ kind: 'money-config', weight: SIGNAL_WEIGHTS['money-config'], file, detail: `money setting: ${line.trim().slice(0, 80)}` });
      else if ((isCode || isConfig) && !isLoggingOrComment(line)) {
        const n = MONEY_NAME.exec(line);
        if (n) add({ kind: 'money-name', weight: SIGNAL_WEIGHTS['money-name'], file, detail: 'money name' });
      }
    }
    // the file being changed already talks to a payment SDK
    const text = input.head.files.get(file)?.text;
    if (text && PAYMENT_SDK.test(text)) add({ kind: 'sdk-in-file', weight: SIGNAL_WEIGHTS['sdk-in-file'], file, detail: 'the file imports a payment SDK' });
  }
  // changed files next to a regulated zone (same folder or the zone's parent) without being in it
  for (const z of input.config.zones) {
    const prefix = zonePrefix(z.path);
    if (!prefix) continue;
    const parent = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    for (const { file } of files) {
      if (!file || isDocOrTest(file) || file.startsWith(prefix + '/')) continue;
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      if (parent !== '' && dir === parent) add({ kind: 'near-zone', weight: SIGNAL_WEIGHTS['near-zone'], file, detail: `next to zone ${z.name} (${z.path})` });
    }
  }
  // changed definitions whose own name is a money operation
  for (const c of input.changedFunctions) {
    if (c.kind === 'module' || c.via !== 'lines' || isDocOrTest(c.file)) continue;
    const local = rootNameOf(c.id, languageOf(c.file)).split('.').pop() ?? '';
    if (MONEY_NAME.test(local)) add({ kind: 'money-function', weight: SIGNAL_WEIGHTS['money-function'], file: c.file, detail: `changes ${c.id}` });
  }
  // callers of changed code that themselves handle money
  const changedHead = input.changedFunctions.filter((c) => c.revision === 'head' && c.kind !== 'module' && !isDocOrTest(c.file));
  const callers = callIndexOf(input.head).callersOf(changedHead.map((c) => c.id));
  // their files read together (a warm run has read only the changed ones)
  const callerFiles = new Set([...callers.values()].flat().flatMap((id) => input.head.defs.get(id)?.file ?? []));
  readTextsOf([...callerFiles].flatMap((f) => (isDocOrTest(f) ? [] : (input.head.files.get(f) ?? []))));
  for (const c of changedHead) {
    for (const caller of callers.get(c.id) ?? []) {
      const d = input.head.defs.get(caller);
      if (!d || isDocOrTest(d.file)) continue;
      const body = definitionText(input.head, caller);
      if (MONEY_TYPE.test(body) || SQL_TABLE.test(body) || PAYMENT_SDK.test(body))
        add({ kind: 'caller-signal', weight: SIGNAL_WEIGHTS['caller-signal'], file: c.file, detail: `called by ${caller}, which handles money` });
    }
  }
  // one kind counts once per file: ten money names in one file are one signal
  const byKind = new Map<string, number>();
  for (const s of items) byKind.set(s.kind, Math.max(byKind.get(s.kind) ?? 0, s.weight));
  const score = [...byKind.values()].reduce((a, b) => a + b, 0);
  const threshold = input.config.classifier.threshold;
  return { score, threshold, routed: score >= threshold, items: items.slice(0, 50) };
}
