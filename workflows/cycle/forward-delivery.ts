/**
 * How a forward reaches the parent body's cycle, whoever sends it: a cluster's workflow (its first
 * forward, workflows/cycle/forward.ts) or the api (a returned forward re-sent,
 * api/services/resend-forward.ts, which must work after the cycle below has closed). Pure: the
 * sender brings its own way to write the Forward row and to signal, so the workflow's commands are
 * those it always had.
 */
import type { ForwardInput } from './definitions';

export interface ForwardDelivery {
  /** The Forward row says the forward exists (sent) or that the parent's cycle could not take it (pending). */
  record(event: 'sent' | 'pending'): Promise<void>;
  /** Signals the parent's cycle; false when it is not running (not started, or ended). */
  signal(f: ForwardInput): Promise<boolean>;
}

/** Returns whether the parent's cycle has it now (false: pending until that cycle starts). */
export async function deliverForward(f: ForwardInput, d: ForwardDelivery): Promise<boolean> {
  await d.record('sent');
  if (await d.signal(f)) return true;
  await d.record('pending');
  // The parent may have started meanwhile and taken its pending forwards before this one was recorded.
  return d.signal(f);
}
