import { z } from 'zod';

/** The money operations the default roots name, one per word list; spelled in each language's convention below. */
const DEFAULT_ROOT_WORDS = [
  ['process', 'payment'],
  ['calculate', 'interest'],
  ['approve', 'loan'],
  ['update', 'balance'],
];

const camel = (w: string[]): string =>
  w[0]! +
  w
    .slice(1)
    .map((x) => x[0]!.toUpperCase() + x.slice(1))
    .join('');
const pascal = (w: string[]): string => w.map((x) => x[0]!.toUpperCase() + x.slice(1)).join('');

/**
 * Default regulated roots: each operation in snake_case (Python), camelCase (TypeScript,
 * JavaScript, Java) and PascalCase (Go exported names, C#-style methods).
 */
export const DEFAULT_ROOTS = DEFAULT_ROOT_WORDS.flatMap((w) => [`*.${w.join('_')}`, `*.${camel(w)}`, `*.${pascal(w)}`]);

/** The classifier's wire answer is validated; this is the table that configures it. */
export const gateClassifierSchema = z
  .object({
    /** Route borderline changes (unflagged, signal score at or above `threshold`) to a model. */
    enabled: z.boolean().default(false),
    /** Provider name (anthropic, openai, bedrock, ollama); default: [provider] default. */
    provider: z.enum(['anthropic', 'openai', 'bedrock', 'ollama']).optional(),
    /** A fast model; default: the provider's default model. */
    model: z.string().min(1).optional(),
    /** Signal score at which an unflagged change goes to the classifier. */
    threshold: z.number().min(0).max(100).default(3),
    /** Deadline of the classifier stage (worker start, one model call, answer). */
    timeout_seconds: z.number().positive().max(600).default(60),
    /** The classifier's prompt, relative to the repository and read from the base revision; default: the built-in prompt. */
    prompt_file: z.string().min(1).optional(),
    /** What a failed or timed-out classifier means: `flag` (approval required, default) or `pass`. */
    on_error: z.enum(['flag', 'pass']).default('flag'),
  })
  .strict();

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
    /** Providers a stage may send this zone's code to; empty = any. */
    providers: z.array(z.enum(['anthropic', 'openai', 'bedrock', 'ollama'])).default([]),
    /** Where those providers may run: a Bedrock region (`eu-central-1`) or an endpoint URL prefix (Azure region endpoint, self-hosted URL); empty = anywhere. */
    regions: stringList.default([]),
    /** Environment variable holding this zone's own API key; its code is sent with that key only. */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
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
    /** Roots that match nothing in the head revision are an error (exit 3) instead of a loud warning. */
    require_roots: z.boolean().default(false),
    classifier: gateClassifierSchema.prefault({}),
  })
  .strict();
export type GateConfig = z.infer<typeof gateConfigSchema>;
export type GateConfigInput = z.input<typeof gateConfigSchema>;
export type GateZone = z.infer<typeof gateZoneSchema>;
export type GateClassifierConfig = z.infer<typeof gateClassifierSchema>;

/** Validates a `[gate]` table (or undefined → defaults); throws zod errors for the caller to report. */
export function parseGateConfig(input: unknown): GateConfig {
  return gateConfigSchema.parse(input ?? {});
}
