import { innermostDefinition, rootName, sqlWriteRegex } from './decide.js';
import { isDocOrTest, PAYMENT_SDK } from './signals.js';
import type { CallGraph, GateLanguage } from './types.js';

/** A proposed regulated root and why. */
export interface RootSuggestion {
  /** The qualified name to put in `[gate] roots`. */
  root: string;
  file: string;
  language: GateLanguage;
  why: string;
  /** How strong the evidence is: a money write or SDK call outranks a name. */
  strength: number;
}

/** Operations that move, compute or book money. */
const VERBS = new Set(
  'process make calculate calc compute approve apply post update record create charge refund transfer disburse settle accrue pay repay capture authorize authorise withdraw deposit debit credit book reverse write allocate amortize amortise reconcile get'.split(
    ' ',
  ),
);
/** What those operations act on. */
const NOUNS = new Set(
  'payment payments interest loan loans balance balances repayment repayments fee fees ledger transaction transactions transfer transfers refund refunds charge charges deposit deposits withdrawal withdrawals instalment installment installments instalments disbursement disbursements penalty penalties principal accrual accruals payout payouts invoice invoices amount settlement settlements'.split(
    ' ',
  ),
);

/** Tables whose writes move money (SQL `INSERT/UPDATE/DELETE/MERGE …`). */
export const MONEY_TABLES = [
  'accounts',
  'account',
  'balances',
  'balance',
  'ledger',
  'ledgers',
  'ledger_entries',
  'journal_entries',
  'transactions',
  'transaction',
  'loans',
  'loan',
  'payments',
  'transfers',
];

const PAYMENT_HOSTS =
  /\b(api\.stripe\.com|checkout-test\.adyen\.com|[\w-]+\.adyen\.com|api\.braintreegateway\.com|api(?:-m)?\.paypal\.com|connect\.squareup\.com|[\w-]+\.plaid\.com|api\.gocardless\.com)\b/;

/** Splits an identifier in any convention into lower-case words: `makeLoanRepayment`, `MakeLoanRepayment`, `make_loan_repayment`. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Verbs that are money operations on their own (`charge`, `refund`, `Disburse`). */
const MONEY_VERBS = new Set('charge refund disburse settle withdraw deposit repay payout capture debit credit remit'.split(' '));

/** Why a name reads as a money operation (a verb first, a money noun after, or a money verb alone), or null. */
export function moneyOperation(name: string): string | null {
  const words = nameWords(name);
  if (words.length === 1 && MONEY_VERBS.has(words[0]!)) return `name: ${words[0]}`;
  if (words.length < 2 || !VERBS.has(words[0]!)) return null;
  const noun = words.slice(1).find((w) => NOUNS.has(w));
  return noun ? `name: ${words[0]} … ${noun}` : null;
}

const MAX_SUGGESTIONS = 60;

/**
 * Proposes regulated roots from code: functions writing money tables in SQL, calling payment
 * SDKs or hosts, and functions named as money operations in their language's convention. Test
 * and documentation files are skipped. Strongest evidence first; bounded.
 */
export function suggestRoots(graph: CallGraph): RootSuggestion[] {
  const out = new Map<string, RootSuggestion>();
  const put = (s: RootSuggestion): void => {
    const prev = out.get(s.root);
    if (!prev || prev.strength < s.strength) out.set(s.root, prev && prev.why !== s.why ? { ...s, why: `${s.why}; ${prev.why}` } : s);
  };
  const sql = sqlWriteRegex(MONEY_TABLES)!;
  for (const [file, { text, language }] of graph.files) {
    if (isDocOrTest(file)) continue;
    if (!(sql.test(text) || PAYMENT_SDK.test(text) || PAYMENT_HOSTS.test(text))) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const s = sql.exec(line);
      const h = PAYMENT_HOSTS.exec(line);
      const k = !s && !h ? /\b(stripe|adyen|braintree|paypal|square|plaid|gocardless)\.\w+/i.exec(line) : null;
      if (!s && !h && !k) continue;
      const def = innermostDefinition(graph, file, [i + 1]);
      if (!def || def.kind === 'module' || def.kind === 'class' || def.kind === 'binding') continue;
      const why = s
        ? `writes table ${s[1]} (${file}:${i + 1})`
        : h
          ? `calls payment host ${h[1]} (${file}:${i + 1})`
          : `calls payment SDK ${k![0]} (${file}:${i + 1})`;
      put({ root: rootName(graph, def), file, language, why, strength: 3 });
    }
  }
  for (const d of graph.defs.values()) {
    if ((d.kind !== 'function' && d.kind !== 'method') || isDocOrTest(d.file)) continue;
    const root = rootName(graph, d);
    const local = root.split('.').pop()!;
    const why = moneyOperation(local);
    const language = graph.files.get(d.file)?.language;
    if (why && language) put({ root, file: d.file, language, why, strength: words2(local) });
  }
  return [...out.values()].sort((a, b) => b.strength - a.strength || (a.root < b.root ? -1 : 1)).slice(0, MAX_SUGGESTIONS);
}

/** Names with a strong verb (not `get`) rank above getters. */
function words2(name: string): number {
  return nameWords(name)[0] === 'get' ? 1 : 2;
}
