import { z } from 'zod';

/**
 * Every dotted key a zod object schema accepts (`review.fail_on`, `gate.zones[].path`), so the
 * manual's configuration reference (docs/configuration.md) can be checked against the real schema
 * instead of drifting.
 */
export function schemaKeys(schema: z.ZodType, prefix = ''): string[] {
  return keysOf(schema, prefix, new Set());
}

/** `open` holds the schemas being walked above this one, so a recursive z.lazy schema ends. */
function keysOf(schema: z.ZodType, prefix: string, open: Set<z.ZodType>): string[] {
  // A z.lazy getter may build a new object on every call, so the wrapper itself marks the cycle.
  const chain = unwrapChain(schema);
  const inner = chain[chain.length - 1]!;
  if (chain.some((s) => open.has(s))) return [];
  for (const s of chain) open.add(s);
  try {
    if (inner instanceof z.ZodObject) {
      const out: string[] = [];
      const shape: Record<string, z.ZodType> = inner.shape;
      for (const [key, child] of Object.entries(shape)) {
        const name = prefix ? `${prefix}.${key}` : key;
        out.push(name);
        out.push(...keysOf(child, name, open));
      }
      return out;
    }
    if (inner instanceof z.ZodArray) return keysOf(inner.element as z.ZodType, `${prefix}[]`, open).filter((k) => k !== `${prefix}[]`);
    if (inner instanceof z.ZodRecord) return keysOf(inner.valueType as z.ZodType, `${prefix}.<name>`, open);
    if (inner instanceof z.ZodUnion) return [...new Set((inner.options as z.ZodType[]).flatMap((o) => keysOf(o, prefix, open)))];
    if (inner instanceof z.ZodIntersection) {
      const { left, right } = inner.def;
      return [...new Set([...keysOf(left as z.ZodType, prefix, open), ...keysOf(right as z.ZodType, prefix, open)])];
    }
    return [];
  } finally {
    for (const s of chain) open.delete(s);
  }
}

/** The schema and each wrapper inside it, down to the schema that defines the shape (last). */
function unwrapChain(schema: z.ZodType): z.ZodType[] {
  let s: z.ZodType = schema;
  const chain: z.ZodType[] = [s];
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodCatch ||
      s instanceof z.ZodNonOptional ||
      s instanceof z.ZodReadonly ||
      s instanceof z.ZodLazy
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      // schema.transform(f) is a pipe into a transform: the keys are the input's; z.preprocess(f,
      // schema) is a pipe out of one: the keys are the output's.
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else {
      return chain;
    }
    chain.push(s);
  }
}
