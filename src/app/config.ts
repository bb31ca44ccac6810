import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { approvalsConfigSchema, type ApprovalsConfig } from '../approval/config.js';
import { auditConfigSchema, type AuditConfig } from '../audit/config.js';
import { UsageError } from '../domain/errors.js';
import { gateConfigSchema, type GateConfig } from '../gate/config.js';
import { mutationConfigSchema, type MutationConfig } from '../mutation/config.js';
import { providerConfigSchema, type ProviderConfig } from '../llm/config.js';
import { reviewConfigSchema, type ReviewConfig } from '../review/config.js';
import { sandboxConfigSchema, type SandboxConfig } from '../sandbox/config.js';
import { lineOf } from '../domain/toml-lines.js';
import { describeIssue } from '../domain/zod-errors.js';

export const CONFIG_FILE_NAME = 'bulwark.toml';

/** Each table is owned by its area's src/<area>/config.ts; this file only composes them. */
const areaSchemas = {
  provider: providerConfigSchema,
  sandbox: sandboxConfigSchema,
  audit: auditConfigSchema,
  review: reviewConfigSchema,
  gate: gateConfigSchema,
  approvals: approvalsConfigSchema,
  mutation: mutationConfigSchema,
} as const;

export const bulwarkConfigSchema = z
  .object({
    /** Path of the topology file, relative to the folder of bulwark.toml. */
    topology: z.string().min(1).optional(),
    provider: providerConfigSchema.optional(),
    sandbox: sandboxConfigSchema.optional(),
    audit: auditConfigSchema.optional(),
    review: reviewConfigSchema.optional(),
    gate: gateConfigSchema.optional(),
    approvals: approvalsConfigSchema.optional(),
    mutation: mutationConfigSchema.optional(),
  })
  .strict();

export interface BulwarkConfig {
  /** Absolute path of the file read, or null when the defaults were used. */
  file: string | null;
  /** Folder that relative paths in the file are resolved against. */
  dir: string;
  /** Absolute path of the topology file, when configured. */
  topologyFile: string | undefined;
  provider: ProviderConfig;
  /** Tables of other areas: their schema's parse of the table, or of `{}` when the table is absent. */
  sandbox: SandboxConfig | undefined;
  audit: AuditConfig | undefined;
  review: ReviewConfig | undefined;
  gate: GateConfig | undefined;
  approvals: ApprovalsConfig | undefined;
  mutation: MutationConfig | undefined;
}

function locate(file: string, line: number | undefined): string {
  return line !== undefined ? `${file}:${line}` : file;
}

/** Parses bulwark.toml text (e.g. read from the base revision); `file` names it in errors. */
export function parseBulwarkConfig(text: string, file: string, dir = path.dirname(path.resolve(file))): BulwarkConfig {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    throw new UsageError(`${locate(file, line)}: invalid TOML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const res = bulwarkConfigSchema.safeParse(raw);
  if (!res.success) {
    const issues = [...res.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const located = describeIssue(bulwarkConfigSchema, raw, text, issues[0]!);
    throw new UsageError(`${locate(file, located.line)}: ${located.message}`);
  }
  const data = res.data;
  let topologyFile: string | undefined;
  if (data.topology !== undefined) {
    topologyFile = path.resolve(dir, data.topology);
    const rel = path.relative(dir, topologyFile);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(`${locate(file, lineOf(text, ['topology']))}: topology "${data.topology}" must stay inside ${dir}`);
    }
  }
  const table = <K extends keyof typeof areaSchemas>(k: K): z.infer<(typeof areaSchemas)[K]> | undefined => {
    if (data[k] !== undefined) return data[k] as z.infer<(typeof areaSchemas)[K]>;
    const dflt = areaSchemas[k].safeParse({});
    return dflt.success ? (dflt.data as z.infer<(typeof areaSchemas)[K]>) : undefined;
  };
  return {
    file: path.resolve(file),
    dir,
    topologyFile,
    provider: table('provider') ?? {},
    sandbox: table('sandbox'),
    audit: table('audit'),
    review: table('review'),
    gate: table('gate'),
    approvals: table('approvals'),
    mutation: table('mutation'),
  };
}

/**
 * Loads `<repoDir>/bulwark.toml`, or the given file. A repository without one gets the defaults
 * (no topology); an explicitly named file that is missing is an error.
 */
export function loadBulwarkConfig(repoDirOrFile: string): BulwarkConfig {
  const isDir = existsSync(repoDirOrFile) && statSync(repoDirOrFile).isDirectory();
  const file = isDir ? path.join(repoDirOrFile, CONFIG_FILE_NAME) : repoDirOrFile;
  if (isDir && !existsSync(file)) {
    const empty = parseBulwarkConfig('', file, path.resolve(repoDirOrFile));
    return { ...empty, file: null };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseBulwarkConfig(text, file);
}
