import { z } from 'zod';

/**
 * The provider-neutral conversation the worker's agent loop speaks. It crosses the worker
 * channel, so every shape has a zod schema and the parent re-validates what the worker sends.
 */

const jsonObject = z.record(z.string(), z.unknown());

export const toolCallSchema = z.strictObject({
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(128),
  arguments: jsonObject,
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const chatMessageSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('user'), content: z.string().max(2_000_000) }),
  z.strictObject({ role: z.literal('assistant'), content: z.string().max(2_000_000), toolCalls: z.array(toolCallSchema).max(64).optional() }),
  z.strictObject({
    role: z.literal('tool'),
    toolCallId: z.string().min(1).max(256),
    name: z.string().min(1).max(128),
    content: z.string().max(2_000_000),
    isError: z.boolean().optional(),
  }),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const toolSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  description: z.string().max(4096),
  /** JSON Schema of the arguments object. */
  parameters: jsonObject,
});
export type ToolSpec = z.infer<typeof toolSpecSchema>;

/**
 * How a model hands in its structured result: native tool calls, output constrained to a JSON
 * schema (response_format / Ollama format / vLLM guided decoding), or plain text with a fenced
 * JSON block. The parent picks it per provider and model; the worker reads the answer accordingly.
 */
export const OUTPUT_MODES = ['tools', 'json_schema', 'text'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** What the worker asks for (`llm.complete`); model and parameters are fixed by the parent per stage. */
export const completionRequestSchema = z
  .strictObject({
    system: z.string().max(1_000_000),
    messages: z.array(chatMessageSchema).min(1).max(512),
    tools: z.array(toolSpecSchema).max(32),
    /**
     * The tool through which the result is handed in. A server without tool calling is asked for
     * that tool's arguments as JSON instead (the other tools are then not offered).
     */
    handIn: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/)
      .optional(),
  })
  .refine((r) => r.handIn === undefined || r.tools.some((t) => t.name === r.handIn), { message: 'handIn must name one of the tools', path: ['handIn'] });
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export interface CompletionParams {
  model: string;
  temperature?: number;
  /** Nucleus sampling; sent only when configured. */
  topP?: number;
  /** Sampling seed, for servers that honour one (OpenAI-compatible); sent only when configured. */
  seed?: number;
  maxTokens: number;
}

export interface CompletionResult {
  text: string;
  toolCalls: ToolCall[];
  stopReason: 'end' | 'tool_use' | 'max_tokens' | 'other';
  /** Model/version string the provider reported. */
  model: string;
  /** `inputTokens` counts every prompt token; `cachedInputTokens` (when reported) is the part served from the provider's prompt cache. */
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number };
  /** The mode the answer was produced in (absent = tools). */
  outputMode?: OutputMode;
}

export const completionResultSchema = z.strictObject({
  text: z.string(),
  toolCalls: z.array(toolCallSchema),
  stopReason: z.enum(['end', 'tool_use', 'max_tokens', 'other']),
  model: z.string(),
  usage: z.strictObject({ inputTokens: z.number(), outputTokens: z.number(), cachedInputTokens: z.number().optional() }),
  outputMode: z.enum(OUTPUT_MODES).optional(),
});
