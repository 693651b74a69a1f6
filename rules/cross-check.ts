/**
 * Cross-check assignment (kiểm tra chéo): on inspection day each unit checks the files of
 * `checksPerUnit` other units, by an assignment made from a seed.
 *
 * Pure and deterministic: the only randomness is a small seeded PRNG (mulberry32), so the same seed
 * and units always give the same assignment (a workflow can replay it) and another seed usually
 * gives another one. No Node built-ins (importable from workflow code).
 *
 * Rule decisions (each one is covered by test/rules/cross-check.test.ts):
 * - The assignment is k = checksPerUnit disjoint derangements of the units: nobody checks itself,
 *   every unit checks exactly k units and is checked exactly k times, no (checker, checked) pair
 *   appears twice. Needs 2 ≤ units and 1 ≤ k ≤ units − 1; otherwise an error names the numbers.
 * - Mutual checks (a checks b and b checks a) are allowed: with 2 units, or k > (n − 1) / 2, they
 *   cannot be avoided anyway.
 * - avoidPairs are directed [checker, checked] (e.g. last year's assignment). They are respected
 *   when a search finds a way; otherwise the assignment with the fewest of them is returned and
 *   those pairs are listed in `unavoided`. Pairs naming a unit not in the list are ignored (units
 *   leave clusters); a pair [a, a] is meaningless and ignored.
 * - Each derangement is found by bipartite matching (Kuhn's augmenting paths) over edges visited in
 *   seeded random order, so it is found whenever one exists given the earlier rounds; rounds are
 *   retried with fresh randomness when an earlier round leaves no way to finish.
 * - The output is sorted by the checker's position in `units`, then the checked unit's position.
 */
import { z } from 'zod';

export const crossCheckOptionsSchema = z.object({
  checksPerUnit: z.number().int().min(1).default(1),
  seed: z.number().int(),
  avoidPairs: z.array(z.tuple([z.string(), z.string()])).optional(),
});

export type CrossCheckOptions = { checksPerUnit?: number; seed: number; avoidPairs?: readonly (readonly [string, string])[] };
export type CrossCheck = { checker: string; checked: string };
export type CrossCheckResult = {
  assignments: CrossCheck[];
  /** avoidPairs that could not be avoided (empty when all were respected). */
  unavoided: [string, string][];
};

/** mulberry32: a tiny 32-bit seeded PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given PRNG: a seeded, repeatable shuffle. */
export function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// How many times the whole construction is retried before settling for fewer avoided pairs.
const ATTEMPTS = 60;

/**
 * A perfect matching checker → checked over allowed edges (Kuhn's algorithm), edges tried in a
 * random order; `prefer` edges are tried before the others. Returns match[checker] = checked, or null.
 */
function matching(n: number, allowed: (i: number, j: number) => boolean, rnd: () => number, avoid?: (i: number, j: number) => boolean): number[] | null {
  const owner = new Array<number>(n).fill(-1); // owner[checked] = checker
  const order = Array.from({ length: n }, () => shuffled(Array.from({ length: n }, (_, j) => j), rnd));
  if (avoid) order.forEach((js, i) => js.sort((x, y) => Number(avoid(i, x)) - Number(avoid(i, y)))); // stable
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (const j of order[i]) {
      if (seen[j] || !allowed(i, j)) continue;
      seen[j] = true;
      if (owner[j] === -1 || tryAssign(owner[j], seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  for (const i of shuffled(Array.from({ length: n }, (_, i) => i), rnd)) {
    if (!tryAssign(i, new Array<boolean>(n).fill(false))) return null;
  }
  const match = new Array<number>(n);
  owner.forEach((i, j) => (match[i] = j));
  return match;
}

/** k disjoint derangements; avoid pairs forbidden when `strict`, otherwise only tried last. */
function build(n: number, k: number, avoid: boolean[][], strict: boolean, rnd: () => number): boolean[][] | null {
  const used = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (let round = 0; round < k; round++) {
    const m = matching(
      n,
      (i, j) => i !== j && !used[i][j] && !(strict && avoid[i][j]),
      rnd,
      strict ? undefined : (i, j) => avoid[i][j],
    );
    if (!m) return null;
    m.forEach((j, i) => (used[i][j] = true));
  }
  return used;
}

/** Who checks whom: see the rule decisions at the top of the file. */
export function assignCrossChecks(units: readonly string[], opts: CrossCheckOptions): CrossCheckResult {
  if (!Array.isArray(units)) throw new Error('Units must be a list of unit ids');
  units.forEach((u, i) => {
    if (typeof u !== 'string' || u === '') throw new Error(`Invalid unit ${JSON.stringify(u)} at position ${i}`);
    if (units.indexOf(u) !== i) throw new Error(`Unit "${u}" is listed twice`);
  });
  const n = units.length;
  const k = opts?.checksPerUnit ?? 1;
  if (!opts || !Number.isInteger(opts.seed)) throw new Error(`Invalid seed ${JSON.stringify(opts?.seed)}: expected an integer`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`Invalid checksPerUnit ${JSON.stringify(k)}: expected an integer ≥ 1`);
  if (n < 2) throw new Error(`Cross-checking needs at least 2 units, got ${n}`);
  if (k > n - 1) throw new Error(`checksPerUnit ${k} is impossible with ${n} units: each unit can check at most ${n - 1} others`);

  const index = new Map(units.map((u, i) => [u, i]));
  const avoid = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const pair of opts.avoidPairs ?? []) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`Invalid avoid pair ${JSON.stringify(pair)}: expected [checker, checked]`);
    const [a, b] = [index.get(pair[0]), index.get(pair[1])];
    if (a !== undefined && b !== undefined && a !== b) avoid[a][b] = true;
  }

  const rnd = mulberry32(opts.seed);
  let best: boolean[][] | null = null;
  let bestCost = Infinity;
  for (let attempt = 0; attempt < ATTEMPTS && bestCost > 0; attempt++) {
    const used = build(n, k, avoid, true, rnd);
    if (used) {
      best = used;
      bestCost = 0;
    }
  }
  // No way round every avoid pair found: allow them, tried last, and keep the attempt using fewest.
  for (let attempt = 0; attempt < ATTEMPTS && bestCost > 0; attempt++) {
    const used = build(n, k, avoid, false, rnd);
    if (!used) continue;
    const cost = used.reduce((acc, row, i) => acc + row.filter((x, j) => x && avoid[i][j]).length, 0);
    if (cost < bestCost) {
      best = used;
      bestCost = cost;
    }
  }
  // Unreachable: without the avoid pairs, what is left after r rounds is (n − 1 − r)-regular, and a
  // regular bipartite graph always has a perfect matching (Hall), so the relaxed build never fails.
  if (!best) throw new Error(`No cross-check assignment found for ${n} units × ${k}`);

  const assignments: CrossCheck[] = [];
  const unavoided: [string, string][] = [];
  best.forEach((row, i) =>
    row.forEach((x, j) => {
      if (!x) return;
      assignments.push({ checker: units[i], checked: units[j] });
      if (avoid[i][j]) unavoided.push([units[i], units[j]]);
    }),
  );
  return { assignments, unavoided };
}
