import type { ChatMessage, CompletionRequest, OutputMode } from './types.js';
import type { CallShape, Refusal, WireRequest } from './types.js';

/**
 * The structured-output modes, as a pure core: how the worker's conversation is shaped for a mode,
 * which server error bodies mean "this feature is not available here", and what to try next.
 */

export const DEFAULT_SHAPE: CallShape = {
  mode: 'tools',
  forceToolChoice: true,
  maxCompletionTokens: false,
  sendTemperature: true,
  sendTopP: true,
  sendSeed: true,
};

const JSON_RULES = (tool: string): string => `

---
Output format (this model server does not offer tool calls here): answer with exactly one JSON object and nothing else: the arguments of ${tool} — "summary_markdown" (your stage report in Markdown) and "findings" (the list of findings as described above; an empty list is fine).`;

const TEXT_RULES = (tool: string): string => `

---
Output format (this model server does not offer tool calls here): write your stage report in Markdown. Then end your answer with one fenced block
\`\`\`json
{"findings": [{"file": "path/in/repo", "line": 12, "severity": "high", "category": "security", "message": "what is wrong", "confidence": 0.8}]}
\`\`\`
holding the arguments of ${tool} without summary_markdown (the Markdown outside the block is the report). An empty findings list is fine; the block is required.`;

/** Tool calls and results of earlier turns, as plain conversation for a server that takes no tools. */
function flatten(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
      const calls = m.toolCalls.map((c) => `(called ${c.name} with ${JSON.stringify(c.arguments)})`).join('\n');
      out.push({ role: 'assistant', content: [m.content, calls].filter(Boolean).join('\n') });
    } else if (m.role === 'tool') {
      out.push({ role: 'user', content: `${m.isError ? 'Error from' : 'Result of'} ${m.name}:\n${m.content}` });
    } else out.push(m);
  }
  return out;
}

/** The worker's request shaped for a call: tools with a forced hand-in, a JSON schema, or text instructions. */
export function shapeRequest(req: CompletionRequest, shape: CallShape): WireRequest {
  const handIn = req.handIn !== undefined ? req.tools.find((t) => t.name === req.handIn) : undefined;
  if (shape.mode === 'tools' || req.tools.length === 0) {
    const toolChoice =
      shape.forceToolChoice && handIn && req.tools.length > 0 ? (req.tools.length === 1 ? { name: handIn.name } : ('required' as const)) : undefined;
    return { system: req.system, messages: req.messages, tools: req.tools, ...(toolChoice ? { toolChoice } : {}), sharedSystemPrefix: req.system.length };
  }
  const messages = flatten(req.messages);
  if (!handIn) return { system: req.system, messages, tools: [] };
  if (shape.mode === 'json_schema') {
    return { system: req.system + JSON_RULES(handIn.name), messages, tools: [], responseSchema: { name: handIn.name, schema: handIn.parameters } };
  }
  return { system: req.system + TEXT_RULES(handIn.name), messages, tools: [] };
}

/**
 * What a server's error says it cannot do, from the documented bodies of the servers it is run
 * against: vLLM without --enable-auto-tool-choice, Ollama models whose template has no tools,
 * llama.cpp without --jinja or failing to parse a model's tool call, OpenAI reasoning models
 * refusing max_tokens / a non-default temperature.
 */
export function refusalIn(status: number, detail: string): Refusal | undefined {
  if (status !== 400 && status !== 404 && status !== 422 && status !== 500 && status !== 501) return undefined;
  const d = detail;
  if (/Unsupported parameter: 'max_tokens'|max_tokens.{0,80}max_completion_tokens/i.test(d)) return 'max_tokens';
  if (/Unsupported (value|parameter): 'temperature'|'temperature' does not support/i.test(d)) return 'temperature';
  if (/Unsupported (value|parameter): 'top_p'|'top_p' (is not|does not) support/i.test(d)) return 'top_p';
  if (/Unsupported (value|parameter): 'seed'|'seed' (is not|does not) support/i.test(d)) return 'seed';
  if (/Unsupported (value|parameter): 'reasoning_effort'|reasoning_effort.{0,40}not supported/i.test(d)) return 'reasoning_effort';
  if (
    /"auto" tool choice requires|--enable-auto-tool-choice|does not support tools|tools param requires --jinja|Unsupported param: tools|does not match the expected .{1,40} format|Failed to parse (input|tool call)|tool[_ ]?call(s|ing)? (is |are )?not supported|tools? (is |are )?not supported|doesn't support tool use/i.test(
      d,
    )
  )
    return 'tools';
  if (/tool[_ ]?choice/i.test(d) && status !== 500) return 'tool_choice';
  if (/response_format|json_schema|guided_json|structured output/i.test(d) && /support|unknown|invalid|allowed|must be one of/i.test(d))
    return 'response_format';
  return undefined;
}

export interface Reshape {
  shape: CallShape;
  /** Audit record of the change: the setting, the old and the new value. */
  setting: string;
  from: string;
  to: string;
}

/**
 * The shape to try after a refusal, or undefined when nothing is left to try (or the mode is
 * pinned in the configuration): the call then fails as a configuration error.
 */
export function reshape(shape: CallShape, refused: Refusal, pinnedMode: boolean): Reshape | undefined {
  const next = (s: Partial<CallShape>, setting: string, from: string, to: string): Reshape => ({ shape: { ...shape, ...s }, setting, from, to });
  switch (refused) {
    case 'max_tokens':
      return shape.maxCompletionTokens ? undefined : next({ maxCompletionTokens: true }, 'token_parameter', 'max_tokens', 'max_completion_tokens');
    case 'temperature':
      return shape.sendTemperature ? next({ sendTemperature: false }, 'temperature', 'configured', 'server default') : undefined;
    case 'top_p':
      return shape.sendTopP ? next({ sendTopP: false }, 'top_p', 'configured', 'server default') : undefined;
    case 'seed':
      return shape.sendSeed ? next({ sendSeed: false }, 'seed', 'configured', 'not sent') : undefined;
    case 'reasoning_effort':
      return shape.reasoningEffort !== undefined
        ? next({ reasoningEffort: undefined }, 'reasoning_effort', shape.reasoningEffort, 'server default')
        : undefined;
    case 'tool_choice':
      if (shape.mode === 'tools' && shape.forceToolChoice) return next({ forceToolChoice: false }, 'tool_choice', 'forced', 'auto');
      return pinnedMode || shape.mode !== 'tools' ? undefined : next({ mode: 'json_schema' }, 'output_mode', 'tools', 'json_schema');
    case 'tools':
      return pinnedMode || shape.mode !== 'tools' ? undefined : next({ mode: 'json_schema' }, 'output_mode', 'tools', 'json_schema');
    case 'response_format':
      return pinnedMode || shape.mode !== 'json_schema' ? undefined : next({ mode: 'text' }, 'output_mode', 'json_schema', 'text');
  }
}

/** What to change in the configuration when a refusal cannot be worked around. */
export function refusalHint(provider: string, refused: Refusal, mode: OutputMode): string {
  switch (refused) {
    case 'tools':
    case 'tool_choice':
      return `the server does not take tool calls: set provider.${provider}.output_mode = "json_schema" or "text"${mode !== 'tools' ? ` (it is "${mode}")` : ''}`;
    case 'response_format':
      return `the server does not take response_format json_schema: set provider.${provider}.output_mode = "text"`;
    case 'max_tokens':
    case 'temperature':
    case 'top_p':
    case 'seed':
      return `the model refuses this parameter: check the stage's ${refused} in the topology and provider.${provider}.model`;
    case 'reasoning_effort':
      return `the model takes no reasoning effort: remove provider.${provider}.reasoning_effort`;
  }
}

/** OpenAI's reasoning models (o-series, gpt-5): max_completion_tokens, and only the default temperature and top_p. */
export function isOpenAiReasoningModel(model: string): boolean {
  const m = model.toLowerCase().replace(/^.*\//, '');
  return /^(o\d+)(-|$)/.test(m) || /^gpt-5/.test(m);
}
