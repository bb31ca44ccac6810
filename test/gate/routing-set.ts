/**
 * A labelled set of changes for the signal layer: regulated changes the static gate cannot see
 * (no configured root reaches them) and ordinary ones. Each case is one commit on top of the same
 * small multi-language project; the routing test and bench/gate/routing.ts measure on it.
 */
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

export interface RoutingCase {
  name: string;
  label: 'regulated' | 'ordinary';
  /** Files written (content) or removed (null) by the change. */
  files: Record<string, string | null>;
}

export const ROUTING_CONFIG = {
  zones: [{ name: 'ledger', path: 'services/ledger/**', obligations: ['human-review'] }],
  classifier: { enabled: true },
};

const ROUNDING_PY = (mode: string): string =>
  `from decimal import Decimal, ${mode}\n\nCENT = Decimal("0.01")\n\n\ndef to_cents(amount):\n    return Decimal(amount).quantize(CENT, rounding=${mode})\n`;
const CONVERT_GO = (round: string): string =>
  `package money\n\nimport "github.com/shopspring/decimal"\n\nvar hundred = decimal.NewFromInt(100)\n\nfunc ToMinor(d decimal.Decimal) int64 {\n\treturn d.Mul(hundred).${round}(0).IntPart()\n}\n`;
const INTEREST_JAVA = (mode: string): string =>
  `package com.acme.lending;\n\nimport java.math.BigDecimal;\nimport java.math.RoundingMode;\n\npublic class DailyRate {\n    public BigDecimal perDay(BigDecimal annual) {\n        return annual.divide(BigDecimal.valueOf(365), 10, RoundingMode.${mode});\n    }\n}\n`;
const FORMAT_TS = (body: string): string =>
  `export function toMinorUnits(amount: number): number {\n  ${body}\n}\n\nexport function label(text: string): string {\n  return text.trim();\n}\n`;
const AMORT_PY = (expr: string): string =>
  `from decimal import Decimal\n\nCENT = Decimal("0.01")\n\n\ndef monthly_instalment(principal, rate, months):\n    payment = ${expr}\n    return payment\n`;

/** The project every case starts from. */
export const BASE_FILES: Record<string, string> = {
  'billing/rounding.py': ROUNDING_PY('ROUND_HALF_EVEN'),
  'billing/fees.yaml': 'card_fee_percent: 2.9\nfx_markup_bps: 50\nrounding: half_even\n',
  'billing/amortization.py': AMORT_PY('(principal * rate / (1 - (1 + rate) ** -months)).quantize(CENT)'),
  'billing/report.py': 'from decimal import Decimal\nfrom util.mathx import pct\n\n\ndef fee_for(total):\n    return pct(Decimal(total), 3)\n',
  'util/mathx.py': 'def pct(x, p):\n    return x * p / 100\n',
  'db/migrations/001_init.sql': 'CREATE TABLE users (id bigint primary key, email text not null);\n',
  'config/app.properties': 'server.port=8080\npayout.delay.days=2\n',
  'config/rates.json': '{\n  "interest_rate_apr": 19.9\n}\n',
  'config/i18n.json': '{\n  "welcome": "Welcome"\n}\n',
  'config/logging.yaml': 'log_level: info\n',
  'pay/api.py': 'def process_payment(x):\n    return x\n',
  'services/ledger/post.py': 'def post_entry(e):\n    return e\n',
  'services/ledger_export.py': 'def export_rows(rows):\n    return [r for r in rows]\n',
  'services/health.py': 'def health():\n    return "ok"\n',
  'app/views.py': 'import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef home(request):\n    return "Hello"\n\n\ndef slug(s):\n    return s.lower()\n',
  'internal/money/convert.go': CONVERT_GO('Round'),
  'internal/web/health.go': 'package web\n\nfunc Health() string {\n\treturn "ok"\n}\n',
  'src/main/java/com/acme/lending/DailyRate.java': INTEREST_JAVA('HALF_EVEN'),
  'src/main/java/com/acme/web/HomeController.java':
    'package com.acme.web;\n\npublic class HomeController {\n    public String home() {\n        return "home";\n    }\n}\n',
  'web/src/format.ts': FORMAT_TS('return Math.round(amount * 100);'),
  'web/src/Button.tsx': 'export function Button(props: { label: string }) {\n  return <button className="btn">{props.label}</button>;\n}\n',
  'web/src/api.ts': 'export async function loadUser(id: string) {\n  return fetch(`/users/${id}`);\n}\n',
  'web/src/styles.css': '.btn { color: blue; }\n',
  'docs/guide.md': '# Guide\n\nHow to run the service.\n',
  'README.md': '# Project\n',
  'tests/test_views.py': 'from app.views import home\n\n\ndef test_home():\n    assert home(None) == "Hello"\n',
  Dockerfile: 'FROM python:3.12-slim\n',
  '.github/workflows/ci.yml': 'on: push\njobs:\n  test:\n    runs-on: ubuntu-22.04\n',
  'package.json': '{\n  "name": "web",\n  "dependencies": {\n    "react": "^18.2.0"\n  }\n}\n',
};

export const ROUTING_CASES: RoutingCase[] = [
  // regulated, and no configured root calls any of it
  { name: 'rounding mode of a money helper', label: 'regulated', files: { 'billing/rounding.py': ROUNDING_PY('ROUND_HALF_UP') } },
  {
    name: 'new currency table',
    label: 'regulated',
    files: { 'db/migrations/002_currencies.sql': 'CREATE TABLE currencies (code char(3) primary key, minor_units int not null);\n' },
  },
  { name: 'fee constant in YAML', label: 'regulated', files: { 'billing/fees.yaml': 'card_fee_percent: 3.1\nfx_markup_bps: 50\nrounding: half_even\n' } },
  { name: 'FX markup in YAML', label: 'regulated', files: { 'billing/fees.yaml': 'card_fee_percent: 2.9\nfx_markup_bps: 75\nrounding: half_even\n' } },
  { name: 'rounding setting in YAML', label: 'regulated', files: { 'billing/fees.yaml': 'card_fee_percent: 2.9\nfx_markup_bps: 50\nrounding: half_up\n' } },
  { name: 'minor units conversion in TypeScript', label: 'regulated', files: { 'web/src/format.ts': FORMAT_TS('return Math.floor(amount * 100);') } },
  { name: 'banker’s rounding in Go', label: 'regulated', files: { 'internal/money/convert.go': CONVERT_GO('RoundBank') } },
  { name: 'Java RoundingMode of a daily rate', label: 'regulated', files: { 'src/main/java/com/acme/lending/DailyRate.java': INTEREST_JAVA('HALF_UP') } },
  {
    name: 'new column on accounts',
    label: 'regulated',
    files: { 'db/migrations/002_overdraft.sql': 'ALTER TABLE accounts ADD COLUMN overdraft_limit numeric(18,2);\n' },
  },
  {
    name: 'balance update in a repository function',
    label: 'regulated',
    files: {
      'services/wallet_repo.py':
        'def top_up(db, account_id, cents):\n    db.execute("UPDATE balances SET available = available + %s WHERE account_id = %s", (cents, account_id))\n',
    },
  },
  {
    name: 'Stripe SDK in Python',
    label: 'regulated',
    files: { 'integrations/checkout.py': 'import stripe\n\n\ndef start(session):\n    return stripe.checkout.Session.create(**session)\n' },
  },
  {
    name: 'Stripe SDK in TypeScript',
    label: 'regulated',
    files: { 'web/src/pay.ts': "import Stripe from 'stripe';\n\nexport const client = new Stripe(process.env.KEY ?? '');\n" },
  },
  {
    name: 'Stripe SDK in Go',
    label: 'regulated',
    files: { 'internal/pay/client.go': 'package pay\n\nimport "github.com/stripe/stripe-go/v76"\n\nfunc Key(k string) {\n\tstripe.Key = k\n}\n' },
  },
  {
    name: 'Adyen SDK in Java',
    label: 'regulated',
    files: {
      'src/main/java/com/acme/pay/Gateway.java': 'package com.acme.pay;\n\nimport com.adyen.Client;\n\npublic class Gateway {\n    Client client;\n}\n',
    },
  },
  { name: 'APR in JSON', label: 'regulated', files: { 'config/rates.json': '{\n  "interest_rate_apr": 21.9\n}\n' } },
  { name: 'late fee constant in Python', label: 'regulated', files: { 'billing/late.py': 'from decimal import Decimal\n\nLATE_FEE = Decimal("25.00")\n' } },
  {
    name: 'supported currencies in JSON',
    label: 'regulated',
    files: { 'config/currencies.json': '{\n  "currencies": ["USD", "EUR", "GBP"]\n}\n' },
  },
  { name: 'percentage helper called by fee code', label: 'regulated', files: { 'util/mathx.py': 'def pct(x, p):\n    return x * p // 100\n' } },
  {
    name: 'export next to the ledger zone',
    label: 'regulated',
    files: { 'services/ledger_export.py': 'def export_rows(rows):\n    return [r for r in rows if r.ledger_id]\n' },
  },
  { name: 'payout delay in .properties', label: 'regulated', files: { 'config/app.properties': 'server.port=8080\npayout.delay.days=1\n' } },
  {
    name: 'instalment formula',
    label: 'regulated',
    files: { 'billing/amortization.py': AMORT_PY('(principal * rate / (1 - (1 + rate) ** -months)).quantize(CENT, rounding="ROUND_DOWN")') },
  },
  {
    name: 'refund ledger table',
    label: 'regulated',
    files: { 'db/migrations/002_refunds.sql': 'CREATE TABLE refunds (id bigint, ledger_id bigint REFERENCES ledger_entries(id));\n' },
  },

  // ordinary
  {
    name: 'docs mention fees and Decimal',
    label: 'ordinary',
    files: { 'docs/guide.md': '# Guide\n\nFees are computed with Decimal and ROUND_HALF_EVEN; payments post to the ledger.\n' },
  },
  { name: 'README', label: 'ordinary', files: { 'README.md': '# Project\n\nA payments service.\n' } },
  {
    name: 'button markup',
    label: 'ordinary',
    files: {
      'web/src/Button.tsx': 'export function Button(props: { label: string }) {\n  return <button className="btn primary">{props.label}</button>;\n}\n',
    },
  },
  { name: 'CSS', label: 'ordinary', files: { 'web/src/styles.css': '.btn { color: navy; }\n' } },
  {
    name: 'logging in a view',
    label: 'ordinary',
    files: {
      'app/views.py':
        'import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef home(request):\n    log.info("payment page visited, amount hidden")\n    return "Hello"\n\n\ndef slug(s):\n    return s.lower()\n',
    },
  },
  {
    name: 'view test',
    label: 'ordinary',
    files: {
      'tests/test_views.py':
        'from app.views import home\n\n\ndef test_home():\n    assert home(None) == "Hello"\n\n\ndef test_home_again():\n    assert home(1) == "Hello"\n',
    },
  },
  {
    name: 'test of the money helper',
    label: 'ordinary',
    files: {
      'tests/test_rounding.py':
        'from decimal import Decimal\nfrom billing.rounding import to_cents\n\n\ndef test_cents():\n    assert to_cents("1.005") == Decimal("1.00")\n',
    },
  },
  {
    name: 'TypeScript unit test',
    label: 'ordinary',
    files: { 'web/src/format.test.ts': "import { toMinorUnits } from './format';\n\ntest('cents', () => expect(toMinorUnits(1)).toBe(100));\n" },
  },
  {
    name: 'Go test',
    label: 'ordinary',
    files: { 'internal/money/convert_test.go': 'package money\n\nimport "testing"\n\nfunc TestNothing(t *testing.T) {}\n' },
  },
  {
    name: 'view text',
    label: 'ordinary',
    files: {
      'app/views.py':
        'import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef home(request):\n    return "Hello there"\n\n\ndef slug(s):\n    return s.lower()\n',
    },
  },
  {
    name: 'slug helper',
    label: 'ordinary',
    files: {
      'app/views.py':
        'import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef home(request):\n    return "Hello"\n\n\ndef slug(s):\n    return s.strip().lower()\n',
    },
  },
  { name: 'log level', label: 'ordinary', files: { 'config/logging.yaml': 'log_level: debug\n' } },
  { name: 'CI runner', label: 'ordinary', files: { '.github/workflows/ci.yml': 'on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n' } },
  { name: 'dependency bump', label: 'ordinary', files: { 'package.json': '{\n  "name": "web",\n  "dependencies": {\n    "react": "^18.3.1"\n  }\n}\n' } },
  { name: 'Dockerfile', label: 'ordinary', files: { Dockerfile: 'FROM python:3.13-slim\n' } },
  {
    name: 'Java controller',
    label: 'ordinary',
    files: {
      'src/main/java/com/acme/web/HomeController.java':
        'package com.acme.web;\n\npublic class HomeController {\n    public String home() {\n        return "index";\n    }\n}\n',
    },
  },
  { name: 'Go health check', label: 'ordinary', files: { 'internal/web/health.go': 'package web\n\nfunc Health() string {\n\treturn "healthy"\n}\n' } },
  { name: 'health endpoint', label: 'ordinary', files: { 'services/health.py': 'def health():\n    return {"status": "ok"}\n' } },
  {
    name: 'console logging in the API client',
    label: 'ordinary',
    files: { 'web/src/api.ts': "export async function loadUser(id: string) {\n  console.log('loading user', id);\n  return fetch(`/users/${id}`);\n}\n" },
  },
  { name: 'translation', label: 'ordinary', files: { 'config/i18n.json': '{\n  "welcome": "Welcome back"\n}\n' } },
  {
    name: 'label helper beside the money code',
    label: 'ordinary',
    files: { 'web/src/format.ts': FORMAT_TS('return Math.round(amount * 100);').replace('return text.trim();', 'return text.trim().toUpperCase();') },
  },
  { name: 'server port', label: 'ordinary', files: { 'config/app.properties': 'server.port=9090\npayout.delay.days=2\n' } },
  // ordinary changes inside money code: the pre-filter may send these (their cost is what this set measures)
  {
    name: 'comment inside the money helper',
    label: 'ordinary',
    files: {
      'billing/rounding.py': ROUNDING_PY('ROUND_HALF_EVEN').replace('    return Decimal', '    # amounts arrive as strings from the API\n    return Decimal'),
    },
  },
  {
    name: 'logging in the instalment function',
    label: 'ordinary',
    files: {
      'billing/amortization.py': AMORT_PY('(principal * rate / (1 - (1 + rate) ** -months)).quantize(CENT)').replace(
        '    return payment',
        '    print("instalment computed")\n    return payment',
      ),
    },
  },
];

/** The base project as a real repository; each case is checked out as a branch off `main`. */
export function routingRepo(): { repo: GitRepo; base: string; heads: Map<string, string> } {
  const repo = makeGitRepo('bulwark-routing-');
  repo.writeAll(BASE_FILES);
  const base = repo.commit('base project');
  const heads = new Map<string, string>();
  for (const [i, c] of ROUTING_CASES.entries()) {
    repo.git('checkout', '-q', '-b', `case-${i}`, base);
    for (const [file, content] of Object.entries(c.files)) {
      if (content === null) repo.remove(file);
      else repo.write(file, content);
    }
    heads.set(c.name, repo.commit(c.name));
  }
  repo.git('checkout', '-q', 'main');
  return { repo, base, heads };
}
