/** Polling helper shared by the servers' readiness checks. */

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Called before each retry; throw from it to abort early (e.g. the process exited). */
  abortIf?: () => void;
}

/**
 * Call `attempt` until it resolves, or throw once `timeoutMs` has passed.
 * The thrown error carries the last failure so callers can show why.
 */
export async function waitUntil<T>(attempt: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    opts.abortIf?.();
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? lastError.message : String(lastError);
      throw new WaitTimeoutError(`gave up after ${opts.timeoutMs} ms; last error: ${why}`, lastError);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}
