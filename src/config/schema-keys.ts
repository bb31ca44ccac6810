import { z } from 'zod';

/**
 * Every dotted key a zod object schema accepts (`review.fail_on`, `gate.zones[].path`), so the
 * README's configuration reference can be checked against the real schema instead of drifting.
 */
export function schemaKeys(schema: z.ZodType, prefix = ''): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    const out: string[] = [];
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      const name = prefix ? `${prefix}.${key}` : key;
      out.push(name);
      out.push(...schemaKeys(child, name));
    }
    return out;
  }
  if (inner instanceof z.ZodArray) return schemaKeys(inner.element as z.ZodType, `${prefix}[]`).filter((k) => k !== `${prefix}[]`);
  if (inner instanceof z.ZodRecord) return schemaKeys(inner.valueType as z.ZodType, `${prefix}.<name>`);
  if (inner instanceof z.ZodUnion) return [...new Set((inner.options as z.ZodType[]).flatMap((o) => schemaKeys(o, prefix)))];
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodReadonly) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else {
      return s;
    }
  }
}
