import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, edit, FixtureRepo, graphOf } from './fixture.js';

describe('TypeScript getters reached through a destructuring', () => {
  const invoice = [
    'export class Invoice {',
    '  constructor(private readonly lines: number[]) {}',
    '  get total(): number {',
    '    const lines = this.lines;',
    '    return lines.reduce((a, b) => a + b, 0);',
    '  }',
    '  get count(): number {',
    '    return this.lines.length;',
    '  }',
    '}',
    'export class Quote {',
    '  get total(): number {',
    '    return 0;',
    '  }',
    '}',
    '',
  ].join('\n');
  const billing = [
    "import { Invoice } from './invoice.js';",
    'export function processPayment(invoice: Invoice): number {',
    '  const { total } = invoice;',
    '  return total;',
    '}',
    'export function perLine({ count }: Invoice): number {',
    '  return count;',
    '}',
    'export function sum(invoices: Invoice[]): number {',
    '  let s = 0;',
    '  for (const { total } of invoices) s += total;',
    '  return s + invoices.map(({ count }) => count).length;',
    '}',
    'export function nested(x: { inv: Invoice }): number {',
    '  const {',
    '    inv: { count },',
    '  } = x;',
    '  return count;',
    '}',
    'export function plain(x: { total: number }): number {',
    '  const { total } = x;',
    '  return total;',
    '}',
    '',
  ].join('\n');
  const files = { 'src/invoice.ts': invoice, 'src/billing.ts': billing };

  it('runs the getter of the type destructured, and only that one', async () => {
    const g = await graphOf(files);
    const edge = (from: string, to: string): boolean => g[from]?.includes(to) ?? false;
    assert.ok(edge('src.billing.processPayment', 'src.invoice.Invoice.total'), JSON.stringify(g['src.billing.processPayment']));
    assert.ok(!edge('src.billing.processPayment', 'src.invoice.Quote.total'), JSON.stringify(g['src.billing.processPayment']));
    assert.ok(!edge('src.billing.processPayment', 'src.invoice.Invoice.count'), JSON.stringify(g['src.billing.processPayment']));
    // a parameter's pattern, a loop's, a callback's, a nested one
    assert.ok(edge('src.billing.perLine', 'src.invoice.Invoice.count'), JSON.stringify(g['src.billing.perLine']));
    assert.ok(edge('src.billing.sum', 'src.invoice.Invoice.total'), JSON.stringify(g['src.billing.sum']));
    assert.ok(edge('src.billing.sum.<arrow1>', 'src.invoice.Invoice.count'), JSON.stringify(g['src.billing.sum.<arrow1>']));
    assert.ok(edge('src.billing.nested', 'src.invoice.Invoice.count'), JSON.stringify(g['src.billing.nested']));
    // a data property of the same name is no getter
    assert.deepEqual(g['src.billing.plain'] ?? [], []);
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo(files);
    });
    after(() => repo.remove());

    it('a change to the getter is on the path from the root that destructures it', async () => {
      const r = await repo.gate(repo.branch('total', { 'src/invoice.ts': edit(invoice, 'const lines = this.lines;', 'const lines = this.lines.slice(1);') }), {
        roots: ['*.processPayment'],
      });
      assertPath(r, ['src.billing.processPayment', 'src.invoice.Invoice.total'], 'head');
      const quote = await repo.gate(repo.branch('quote', { 'src/invoice.ts': edit(invoice, 'return 0;', 'return 1;') }), { roots: ['*.processPayment'] });
      assertNotFlagged(quote);
    });
  });

  it('a data property that becomes a getter is reached from a destructuring in a file that did not change', async () => {
    const fees = 'export class Fees {\n  fee = 1;\n}\n';
    const pay = [
      "import { Fees } from './fees.js';",
      'export function processPayment(f: Fees): number {',
      '  const { fee } = f;',
      '  return fee;',
      '}',
      '',
    ].join('\n');
    const repo = new FixtureRepo({ 'src/fees.ts': fees, 'src/pay.ts': pay });
    try {
      const r = await repo.gate(repo.branch('getter', { 'src/fees.ts': 'export class Fees {\n  get fee(): number {\n    return 2;\n  }\n}\n' }), {
        roots: ['*.processPayment'],
      });
      assertPath(r, ['src.pay.processPayment', 'src.fees.Fees.fee'], 'head');
    } finally {
      repo.remove();
    }
  });
});
