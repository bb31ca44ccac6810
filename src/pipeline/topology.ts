import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { findCycle } from './dag.js';
import { didYouMean } from '../domain/suggest.js';
import { lineOf } from '../domain/toml-lines.js';
import { describeIssue } from '../domain/zod-errors.js';

import { TOOL_NAMES, type ToolName } from '../protocol/tool-names.js';

export { TOOL_NAMES, type ToolName };

export const STAGE_KINDS = ['llm', 'mutation'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

const stageNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The model and sampling keys a stage and `[pipeline]` share (the stage's value wins). */
const modelFields = {
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  max_tokens: z.number().int().positive().max(200_000).optional(),
};

const stageSchema = z
  .object({
    name: z.string().regex(stageNamePattern, 'stage names are 1-64 letters, digits, ".", "_" or "-"'),
    /** `llm` (default): a sandboxed agent; `mutation`: mutation testing of the change (no model, no prompt). */
    kind: z.enum(STAGE_KINDS).default('llm'),
    prompt_file: z.string().min(1).optional(),
    depends_on: z.array(z.string()).default([]),
    provider: z.string().min(1).optional(),
    ...modelFields,
    max_turns: z.number().int().min(1).max(100).optional(),
    timeout_seconds: z.number().positive().max(86_400).optional(),
    tools: z.array(z.enum(TOOL_NAMES)).optional(),
  })
  .strict();

export const topologySchema = z
  .object({
    pipeline: z
      .object({
        name: z.string().min(1).optional(),
        provider: z.string().min(1).optional(),
        ...modelFields,
        /** Deadline of the whole run. */
        timeout_seconds: z.number().positive().max(86_400).optional(),
        /** How many stages may run at the same time. */
        max_parallel: z.number().int().min(1).max(64).optional(),
        stages: z.array(stageSchema).min(1, 'a topology needs at least one [[pipeline.stages]]'),
      })
      .strict(),
  })
  .strict();

export const DEFAULT_MAX_TURNS = 8;
export const DEFAULT_RUN_TIMEOUT_SECONDS = 300;
export const DEFAULT_STAGE_TIMEOUT_SECONDS = 120;
export const DEFAULT_MAX_PARALLEL = 4;
export const DEFAULT_MAX_TOKENS = 4096;
/**
 * Sent when neither the stage nor [pipeline] sets a temperature: every call states its sampling
 * explicitly (a server's own default differs between servers and versions), and a review should
 * be as repeatable as the model allows.
 */
export const DEFAULT_TEMPERATURE = 0;

export interface StageSpec {
  name: string;
  kind: StageKind;
  /** Absolute, symlink-resolved path of the prompt file. */
  promptFile: string;
  prompt: string;
  dependsOn: string[];
  /** Provider/model/temperature after applying the [pipeline] defaults; undefined = gateway default. */
  provider?: string;
  model?: string;
  temperature?: number;
  topP?: number;
  seed?: number;
  maxTokens: number;
  maxTurns: number;
  timeoutSeconds: number;
  tools: ToolName[];
  /** 1-based line of the stage's [[pipeline.stages]] header, for messages. */
  line: number;
}

export interface Topology {
  file: string;
  dir: string;
  name: string;
  timeoutSeconds: number;
  maxParallel: number;
  stages: StageSpec[];
}

function fail(file: string, line: number | undefined, stage: string | undefined, message: string): never {
  const where = line !== undefined ? `${file}:${line}` : file;
  throw new UsageError(`${where}: ${stage !== undefined ? `stage "${stage}": ` : ''}${message}`);
}

function inside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** Parses and validates topology text; prompt files are resolved relative to `path.dirname(file)`. */
export function parseTopology(text: string, file: string): Topology {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    fail(file, line, undefined, `invalid TOML: ${msg}`);
  }
  const res = topologySchema.safeParse(raw);
  if (!res.success) {
    const issues = [...res.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const issue = issues[0]!;
    const located = describeIssue(topologySchema, raw, text, issue);
    const stageIdx = located.path[0] === 'pipeline' && located.path[1] === 'stages' && typeof located.path[2] === 'number' ? located.path[2] : undefined;
    const stageName = stageIdx !== undefined ? stageNameAt(raw, stageIdx) : undefined;
    fail(file, located.line, stageName, located.message);
  }
  const p = res.data.pipeline;
  const dir = path.dirname(path.resolve(file));
  const names = new Set<string>();
  const stages: StageSpec[] = [];
  p.stages.forEach((s, i) => {
    const line = lineOf(text, ['pipeline', 'stages', i]);
    if (names.has(s.name)) fail(file, lineOf(text, ['pipeline', 'stages', i, 'name']) ?? line, s.name, `duplicate stage name "${s.name}"`);
    names.add(s.name);
    if (s.kind === 'llm' && s.prompt_file === undefined) fail(file, line, s.name, 'prompt_file is required (or kind = "mutation")');
    if (s.kind === 'mutation' && s.prompt_file !== undefined) fail(file, line, s.name, 'a mutation stage has no prompt_file');
    const { promptFile, prompt } =
      s.prompt_file !== undefined
        ? readPrompt(dir, s.prompt_file, file, lineOf(text, ['pipeline', 'stages', i, 'prompt_file']) ?? line, s.name)
        : { promptFile: '', prompt: '' };
    stages.push({
      name: s.name,
      kind: s.kind,
      promptFile,
      prompt,
      dependsOn: [...new Set(s.depends_on)],
      provider: s.provider ?? p.provider,
      model: s.model ?? p.model,
      temperature: s.temperature ?? p.temperature,
      ...((s.top_p ?? p.top_p) !== undefined ? { topP: (s.top_p ?? p.top_p)! } : {}),
      ...((s.seed ?? p.seed) !== undefined ? { seed: (s.seed ?? p.seed)! } : {}),
      maxTokens: s.max_tokens ?? p.max_tokens ?? DEFAULT_MAX_TOKENS,
      maxTurns: s.max_turns ?? DEFAULT_MAX_TURNS,
      timeoutSeconds: s.timeout_seconds ?? Math.min(DEFAULT_STAGE_TIMEOUT_SECONDS, p.timeout_seconds ?? DEFAULT_RUN_TIMEOUT_SECONDS),
      tools: s.tools ? [...new Set(s.tools)] : [...TOOL_NAMES],
      line: line ?? 1,
    });
  });
  stages.forEach((s, i) => {
    for (const dep of s.dependsOn) {
      if (!names.has(dep)) {
        fail(
          file,
          lineOf(text, ['pipeline', 'stages', i, 'depends_on']) ?? s.line,
          s.name,
          `depends_on names unknown stage "${dep}"${didYouMean(
            dep,
            [...names].filter((n) => n !== s.name),
          )}`,
        );
      }
      if (dep === s.name)
        fail(file, lineOf(text, ['pipeline', 'stages', i, 'depends_on']) ?? s.line, s.name, `depends on itself (cycle ${s.name} → ${s.name})`);
    }
  });
  const cycle = findCycle(stages.map((s) => ({ name: s.name, dependsOn: s.dependsOn })));
  if (cycle) {
    const first = stages.find((s) => s.name === cycle[0])!;
    fail(file, first.line, first.name, `dependency cycle ${cycle.join(' → ')}`);
  }
  return {
    file: path.resolve(file),
    dir,
    name: p.name ?? path.basename(file).replace(/\.toml$/, ''),
    timeoutSeconds: p.timeout_seconds ?? DEFAULT_RUN_TIMEOUT_SECONDS,
    maxParallel: p.max_parallel ?? DEFAULT_MAX_PARALLEL,
    stages,
  };
}

function stageNameAt(raw: unknown, idx: number): string | undefined {
  const st = (raw as { pipeline?: { stages?: unknown[] } })?.pipeline?.stages?.[idx] as { name?: unknown } | undefined;
  return typeof st?.name === 'string' ? st.name : `#${idx + 1}`;
}

function readPrompt(dir: string, rel: string, file: string, line: number | undefined, stage: string): { promptFile: string; prompt: string } {
  if (path.isAbsolute(rel)) fail(file, line, stage, `prompt_file "${rel}" must be relative to the topology's folder`);
  const lexical = path.resolve(dir, rel);
  if (!inside(dir, lexical)) fail(file, line, stage, `prompt_file "${rel}" escapes the topology's folder ${dir}`);
  if (!existsSync(lexical)) fail(file, line, stage, `prompt_file "${rel}" not found (looked for ${lexical})`);
  const realDir = realpathSync(dir);
  const real = realpathSync(lexical);
  if (!inside(realDir, real)) fail(file, line, stage, `prompt_file "${rel}" escapes the topology's folder through a symlink (to ${real})`);
  if (!statSync(real).isFile()) fail(file, line, stage, `prompt_file "${rel}" is not a regular file`);
  const prompt = readFileSync(real, 'utf8');
  if (prompt.trim() === '') fail(file, line, stage, `prompt_file "${rel}" is empty`);
  return { promptFile: real, prompt };
}

/** Loads a topology file; every problem is a UsageError naming file, line and stage. */
export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read topology (${code ?? String(err)})`);
  }
  return parseTopology(text, file);
}
