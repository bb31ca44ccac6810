/** What `bulwark init` writes into a repository: bulwark.toml, the seed topology and its prompts. */

export const INIT_TOPOLOGY_PATH = '.bulwark/topology.toml';

/**
 * The two review stages run side by side and the summary, a single model call without tools,
 * reads both: on the critical path are two model answers, not three. The output budgets bound how
 * long a slow server can take (docs/performance.md has the latency profiles these were chosen on).
 */
export const SEED_TOPOLOGY_TEXT = `# Output budgets (max_tokens) and turns bound a stage's time on a slow server: see Bulwark's
# docs/performance.md for the latency profiles. static-analysis and security-review run in parallel.
[[pipeline.stages]]
name = "static-analysis"
prompt_file = "prompts/static.md"
max_tokens = 1536
max_turns = 4

[[pipeline.stages]]
name = "security-review"
prompt_file = "prompts/security.md"
max_tokens = 1536
max_turns = 4

[[pipeline.stages]]
name = "summary"
prompt_file = "prompts/summary.md"
depends_on = ["static-analysis", "security-review"]
# one model call: it summarises its inputs and reads nothing else
tools = []
max_tokens = 1024
`;

export const INIT_CONFIG_TEXT = `# Bulwark configuration; every key is documented in Bulwark's docs/configuration.md.
# Read from the base revision of a pull request: edits made by the PR itself do not apply to it.

topology = "${INIT_TOPOLOGY_PATH}"

# Which model provider reviews. Without this table Bulwark uses ANTHROPIC_API_KEY, then
# OPENAI_API_KEY / OPENAI_BASE_URL, then a local Ollama on 127.0.0.1:11434.
# [provider]
# default = "anthropic"            # anthropic | openai | bedrock | ollama
# timeout_seconds = 60             # per model call
# max_retries = 3                  # on 429 / 5xx / timeouts, honouring Retry-After
# token_budget = 400000            # per review run
# pin_model = "warn"               # or "fail": a returned model other than the requested one fails the run
# currency = "USD"                 # label of the prices below
# cost_budget = 2.0                # per review run, in that currency; needs a price for every model used
#
# [[provider.pricing]]             # your contract's prices per million tokens (Bulwark ships none)
# model = "claude-sonnet-4-5"
# input_per_mtok = 0.0
# output_per_mtok = 0.0
# cached_input_per_mtok = 0.0
#
# [provider.anthropic]
# api_key_env = "ANTHROPIC_API_KEY"
# model = "claude-sonnet-4-5"
#
# [provider.openai]                # also vLLM, LiteLLM, Azure OpenAI, Ollama via base_url
# base_url = "http://127.0.0.1:8000/v1"
# model = "qwen2.5-coder"
`;

/**
 * The `[gate]` table `init` writes: the accepted suggested roots, or the defaults when none were
 * accepted. Roots matching nothing are an error from the first review (`require_roots`) when the
 * written roots matched something at init; when they matched nothing, init writes it off (the
 * first review would otherwise fail on the config init itself wrote) and says so, and every gate
 * and review output warns until roots are named.
 */
export function initGateSection(roots: readonly string[] | null, defaults: readonly string[], requireRoots = true): string {
  const list = (roots && roots.length > 0 ? roots : defaults).map((r) => `  ${JSON.stringify(r)},`).join('\n');
  const require = requireRoots
    ? 'require_roots = true               # roots that match nothing fail the gate (exit 3) instead of passing silently'
    : 'require_roots = false              # no root matched this code at init: name your regulated functions in roots, then set true';
  return `
# The compliance gate (docs/gate.md). Regulated roots: qualified names or globs; a change on a call
# path to or from one needs a human. \`bulwark gate roots --suggest\` proposes roots from the code.
[gate]
${require}
roots = [
${list}
]
# [gate.classifier]                # a model for borderline changes the call graph does not flag
# enabled = true
# provider = "anthropic"
# threshold = 3
`;
}

export const INIT_PROMPTS: Record<string, string> = {
  'prompts/static.md': `You are the static-analysis stage of a code review for a payments/banking codebase.

Look for correctness defects in the changed code: wrong arithmetic on money (binary floating
point, rounding, currency mix-ups), missing validation of amounts and identifiers, error handling
that swallows failures, race conditions around balances, idempotency gaps in payment operations,
and obvious logic errors. Use the tools to read surrounding code when the diff alone is not enough.

Report only real, specific problems in the change, each at the new-side line it concerns, with an
honest confidence. No style nits.
`,
  'prompts/security.md': `You are the security-review stage of a code review for a payments/banking codebase.

Review the change for security problems: injection, broken authentication or authorisation,
secrets in code or logs, card data (PAN, CVV) exposure contrary to PCI DSS, weak cryptography,
unsafe deserialisation, SSRF, and missing audit trails for money movement.

Report only concrete, exploitable or compliance-relevant problems, each at its new-side line.
`,
  'prompts/summary.md': `You are the summary stage of a code review for a payments/banking codebase.

Write a short review summary for the pull request from the upstream stages' reports and findings
and the compliance gate result: what the change does, the most important risks, and what must
be fixed before merging. Do not invent new findings; your findings list may be empty.
`,
};
