/**
 * How simulated participants behave. Pure and seeded, so a rehearsal is repeatable: the same plan,
 * policies and seed give the same year.
 */
import { mulberry32 } from '../rules/cross-check';

export type Policy = 'on-time' | 'late' | 'returned-once' | 'never';
export const POLICIES: readonly Policy[] = ['on-time', 'late', 'returned-once', 'never'];

/**
 * Assigns a policy to each unit: explicit choices win; the rest are drawn with the given weights
 * (default: mostly on time, some late, a few returned once or silent).
 */
export function assignPolicies(
  unitIds: string[],
  seed: number,
  explicit: Record<string, Policy> = {},
  weights: Record<Policy, number> = { 'on-time': 0.6, late: 0.2, 'returned-once': 0.1, never: 0.1 },
): Record<string, Policy> {
  const next = mulberry32(seed);
  const total = POLICIES.reduce((s, p) => s + weights[p], 0);
  const out: Record<string, Policy> = {};
  for (const id of unitIds) {
    if (explicit[id]) {
      out[id] = explicit[id];
      continue;
    }
    let r = next() * total;
    out[id] = POLICIES.find((p) => (r -= weights[p]) < 0) ?? 'on-time';
  }
  return out;
}
