import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { importTarget } from '../../src/gate/import-target.js';
import { assertNotFlagged, edit, FixtureRepo } from './fixture.js';

describe('what an import statement binds a name to', () => {
  it('Python: from-imports in any layout, aliases, relative modules and plain imports', () => {
    const wrapped = ['from frappe.utils import (  # helpers', '    cint,', '    getdate as gd,', '    flt,', ')'].join('\n');
    assert.equal(importTarget('from frappe.utils import cint, getdate, flt', 'python', 'getdate'), 'frappe.utils\0getdate');
    assert.equal(importTarget(wrapped, 'python', 'gd'), 'frappe.utils\0getdate');
    assert.equal(importTarget(wrapped, 'python', 'cint'), 'frappe.utils\0cint');
    assert.equal(importTarget(wrapped, 'python', 'getdate'), undefined);
    assert.equal(importTarget('from frappe.utils import \\\n  cint, flt', 'python', 'flt'), 'frappe.utils\0flt');
    assert.equal(importTarget('from ..rates import base_rate', 'python', 'base_rate'), '..rates\0base_rate');
    assert.equal(importTarget('from . import rates', 'python', 'rates'), '.\0rates');
    assert.equal(importTarget('import os.path', 'python', 'os'), 'os.path\0*');
    assert.equal(importTarget('import numpy as np, os', 'python', 'np'), 'numpy\0*');
    // not one import statement of a form read here: any edit is a change
    assert.equal(importTarget('import os; DEBUG = 1', 'python', 'os'), undefined);
    assert.equal(importTarget('from m import (a, b', 'python', 'a'), undefined);
    assert.equal(importTarget('RATE = 0.05', 'python', 'RATE'), undefined);
  });

  it('TypeScript: named, default, namespace, type-only and require imports', () => {
    const wrapped = ['import Ledger, {', '  post, // posts', '  type Entry,', '  settle as close,', "} from '../ledger.js';"].join('\n');
    assert.equal(importTarget(wrapped, 'ts', 'post'), '../ledger.js\0post');
    assert.equal(importTarget(wrapped, 'ts', 'close'), '../ledger.js\0settle');
    assert.equal(importTarget(wrapped, 'ts', 'Entry'), 'type:../ledger.js\0Entry');
    assert.equal(importTarget(wrapped, 'ts', 'Ledger'), '../ledger.js\0default');
    assert.equal(importTarget(wrapped, 'ts', 'settle'), undefined);
    assert.equal(importTarget("import * as fx from 'https://cdn.example/fx.js';", 'ts', 'fx'), 'https://cdn.example/fx.js\0*');
    assert.equal(importTarget("import type { Rate } from './rate'", 'ts', 'Rate'), 'type:./rate\0Rate');
    assert.equal(importTarget("import fs = require('node:fs');", 'js', 'fs'), 'node:fs\0=');
    assert.equal(importTarget("export const RATE = 'x';", 'ts', 'RATE'), undefined);
    assert.equal(importTarget('package main', 'go', 'main'), undefined);
  });
});

describe('an edited import statement changes only the names bound to something else', () => {
  const roots = { roots: ['*.calculate_interest', '*.calculateInterest'] };
  const files: Record<string, string> = {
    'bank/rates.py': ['def floor_rate(x):', '    return x', '', 'def ceil_rate(x):', '    return x + 1', ''].join('\n'),
    'bank/other_rates.py': ['def floor_rate(x):', '    return x - 1', ''].join('\n'),
    'bank/interest.py': ['from bank.rates import floor_rate, ceil_rate', '', 'def calculate_interest(x):', '    return floor_rate(x)', ''].join('\n'),
    'src/rates.ts': [
      'export function floorRate(x: number): number {',
      '  return x;',
      '}',
      'export function ceilRate(x: number): number {',
      '  return x + 1;',
      '}',
      '',
    ].join('\n'),
    'src/other-rates.ts': ['export function floorRate(x: number): number {', '  return x - 1;', '}', ''].join('\n'),
    'src/interest.ts': [
      "import { floorRate } from './rates.js';",
      'export function calculateInterest(x: number): number {',
      '  return floorRate(x);',
      '}',
      '',
    ].join('\n'),
  };
  const repo = new FixtureRepo(files);
  after(() => repo.remove());

  it('a Python import wrapped in parentheses with a name added is no change of the names it already bound', async () => {
    const head = repo.branch('py-wrapped', {
      'bank/interest.py': edit(
        files['bank/interest.py']!,
        'from bank.rates import floor_rate, ceil_rate',
        'from bank.rates import (\n    ceil_rate,\n    floor_rate,\n    floor_rate as fr,\n)',
      ),
    });
    const r = await repo.gate(head, roots);
    assertNotFlagged(r);
    assert.ok(
      r.changedFunctions.some((c) => c.id === 'bank.interest'),
      'the module itself is still a changed definition',
    );
  });

  it('a Python name imported from another module is a change of every function reading it', async () => {
    const head = repo.branch('py-retarget', {
      'bank/interest.py': edit(
        files['bank/interest.py']!,
        'from bank.rates import floor_rate, ceil_rate',
        'from bank.rates import ceil_rate\nfrom bank.other_rates import floor_rate',
      ),
    });
    const r = await repo.gate(head, roots);
    assert.equal(r.flagged, true);
    assert.ok(r.changedFunctions.some((c) => c.id === 'bank.interest.calculate_interest' && c.via === 'binding'));
  });

  it('a TypeScript import given another name beside the same one is no change; one from another module is', async () => {
    const same = repo.branch('ts-added', {
      'src/interest.ts': edit(
        files['src/interest.ts']!,
        "import { floorRate } from './rates.js';",
        "import {\n  ceilRate,\n  floorRate,\n} from './rates.js';",
      ),
    });
    assertNotFlagged(await repo.gate(same, roots));
    const other = repo.branch('ts-retarget', {
      'src/interest.ts': edit(files['src/interest.ts']!, "import { floorRate } from './rates.js';", "import { floorRate } from './other-rates.js';"),
    });
    assert.equal((await repo.gate(other, roots)).flagged, true);
  });
});
