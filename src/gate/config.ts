import { z } from 'zod';

export const DEFAULT_ROOTS = ['*.process_payment', '*.calculate_interest', '*.approve_loan', '*.update_balance'];

const stringList = z.array(z.string().min(1));

/** One `[[gate.zones]]` entry: a directory (glob) with its own legal obligations. */
export const gateZoneSchema = z
  .object({
    name: z.string().min(1),
    /** Path glob relative to the repository root, e.g. `services/lending/**`. */
    path: z.string().min(1),
    /** e.g. `human-review`, `four-eyes`, `pci-dss`. `human-review` makes a touch flag the change. */
    obligations: stringList.default([]),
    /** Required approvers (user names); non-empty also makes a touch flag the change. */
    approvers: stringList.default([]),
    approver_groups: stringList.default([]),
    /** Extra paths an agent reviewing this zone may read. */
    shared_paths: stringList.default([]),
  })
  .strict();

/** The [gate] table of bulwark.toml (owned by the compliance gate). Unknown keys are errors. */
export const gateConfigSchema = z
  .object({
    /** Regulated roots: qualified names or globs over them (`*` spans dots). */
    roots: stringList.default(DEFAULT_ROOTS),
    zones: z.array(gateZoneSchema).default([]),
    /** Paths every zone-narrowed reviewer may read (shared libraries, schemas). */
    shared_paths: stringList.default([]),
    /** SQL that writes to these tables (INSERT/UPDATE/DELETE/MERGE/TRUNCATE/ALTER/DROP) is regulated. */
    sql_tables: stringList.default([]),
    /** HTTP calls to these payment-processor hosts are regulated. */
    payment_hosts: stringList.default([]),
    /** Languages to index; default all. */
    languages: z.array(z.enum(['python', 'ts', 'js', 'go', 'java'])).optional(),
    /** Path globs never indexed (vendored code, generated files). */
    exclude: stringList.default([]),
    /**
     * Index vendored and generated code too (node_modules/, vendor/, third_party/, .yarn/, .pnp.*,
     * build output beside sources, minified bundles, protobuf/gRPC stubs, "Code generated … DO NOT
     * EDIT." files); by default they are left out and reported.
     */
    include_vendored: z.boolean().default(false),
    /** Where per-file parse results are cached; default $XDG_CACHE_HOME/bulwark/gate. */
    cache_dir: z.string().min(1).optional(),
  })
  .strict();
export type GateConfig = z.infer<typeof gateConfigSchema>;
export type GateConfigInput = z.input<typeof gateConfigSchema>;
export type GateZone = z.infer<typeof gateZoneSchema>;

/** Validates a `[gate]` table (or undefined → defaults); throws zod errors for the caller to report. */
export function parseGateConfig(input: unknown): GateConfig {
  return gateConfigSchema.parse(input ?? {});
}
