import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { schemaKeys } from '../../src/domain/schema-keys.js';

// schemaKeys is what the manual's configuration reference check trusts: a wrapper it cannot see through would
// silently drop a whole table from the check.
describe('schemaKeys', () => {
  const leaf = z.object({ b: z.string(), c: z.number().optional() }).strict();

  it('lists nested tables, arrays of tables and named tables by their dotted names', () => {
    const schema = z.object({
      top: z.string().optional(),
      t: z.object({ x: z.boolean(), inner: leaf.optional() }).strict().optional(),
      zones: z.array(leaf).default([]),
      groups: z.record(z.string(), leaf).default({}),
      counts: z.record(z.string(), z.number()).default({}),
    });
    assert.deepEqual(schemaKeys(schema), [
      'top',
      't',
      't.x',
      't.inner',
      't.inner.b',
      't.inner.c',
      'zones',
      'zones[].b',
      'zones[].c',
      'groups',
      'groups.<name>.b',
      'groups.<name>.c',
      'counts',
    ]);
  });

  it('sees through every wrapper zod puts around a table', () => {
    const wrapped: Record<string, z.ZodType> = {
      optional: leaf.optional(),
      nullable: leaf.nullable(),
      default: leaf.default({ b: '' }),
      prefault: leaf.prefault({ b: '' }),
      catch: leaf.catch({ b: '' }),
      nonoptional: leaf.optional().nonoptional(),
      readonly: leaf.readonly(),
      refine: leaf.refine(() => true),
      transform: leaf.transform((v) => v),
      preprocess: z.preprocess((v) => v, leaf),
      lazy: z.lazy(() => leaf),
    };
    for (const [name, schema] of Object.entries(wrapped)) {
      assert.deepEqual(schemaKeys(z.object({ a: schema })), ['a', 'a.b', 'a.c'], name);
    }
  });

  it('merges the keys of unions, discriminated unions and intersections', () => {
    const u = z.union([z.object({ p: z.string() }), z.object({ q: z.string(), p: z.string() })]);
    assert.deepEqual(schemaKeys(z.object({ a: u })), ['a', 'a.p', 'a.q']);
    const d = z.discriminatedUnion('kind', [z.object({ kind: z.literal('x'), p: z.string() }), z.object({ kind: z.literal('y'), q: z.string() })]);
    assert.deepEqual(schemaKeys(z.object({ a: d })), ['a', 'a.kind', 'a.p', 'a.q']);
    const i = z.intersection(z.object({ p: z.string() }), z.object({ q: z.string() }));
    assert.deepEqual(schemaKeys(z.object({ a: i })), ['a', 'a.p', 'a.q']);
  });

  it('ends on a recursive schema', () => {
    const node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(node).optional() }));
    assert.deepEqual(schemaKeys(z.object({ tree: node })), ['tree', 'tree.name', 'tree.children']);
  });
});
