/**
 * Exit codes are a public interface (DESIGN.md): CI systems branch on them.
 * Anything unexpected maps to Internal so that an error can never read as a pass.
 */
export const ExitCode = {
  Pass: 0,
  BlockingFindings: 1,
  ApprovalRequired: 2,
  Usage: 3,
  Sandbox: 4,
  Internal: 5,
  /** SIGTERM/SIGINT: the run stopped its workers and recorded itself as cancelled. */
  Cancelled: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line and turns into a documented exit code. */
export class BulwarkError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'BulwarkError';
  }
}

export class UsageError extends BulwarkError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'UsageError';
  }
}

export class SandboxError extends BulwarkError {
  constructor(message: string) {
    super(message, ExitCode.Sandbox);
    this.name = 'SandboxError';
  }
}

export class InternalError extends BulwarkError {
  constructor(message: string) {
    super(message, ExitCode.Internal);
    this.name = 'InternalError';
  }
}

/**
 * An audit write that failed: what it was to record (a model call, a sandbox event) is not on the
 * log. Exit 5, and never a failure a setting may pass over (a classifier's `on_error = "pass"`
 * passes a provider's failure, not this). The message is the store's own.
 */
export class UnrecordedWriteError extends InternalError {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'UnrecordedWriteError';
    this.cause = cause;
  }
}

/** The run was stopped by SIGTERM or SIGINT (exit 6: recorded as cancelled, never a pass). */
export class CancelledError extends BulwarkError {
  constructor(message: string) {
    super(message, ExitCode.Cancelled);
    this.name = 'CancelledError';
  }
}
