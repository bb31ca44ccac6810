/** The read-only tools a stage's agent may use inside its sandbox (shared by the topology loader and the worker). */
export const TOOL_NAMES = ['read_file', 'list_dir', 'grep', 'show_file'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
