/**
 * Cross-check assignment: invariants over many seeds and sizes (no self-check, balanced loads, no
 * repeated pair), avoid pairs respected when possible and reported when not, determinism per seed.
 */
import { assignCrossChecks, crossCheckOptionsSchema, mulberry32, type CrossCheck } from '../../rules/cross-check';

const unitsOf = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);

/** Every invariant of a k-per-unit assignment; returns the first broken one, or null. */
function broken(units: string[], k: number, a: CrossCheck[]): string | null {
  if (a.length !== units.length * k) return `expected ${units.length * k} checks, got ${a.length}`;
  const checks = new Map(units.map((u) => [u, 0]));
  const checked = new Map(units.map((u) => [u, 0]));
  const pairs = new Set<string>();
  for (const { checker, checked: c } of a) {
    if (!checks.has(checker) || !checked.has(c)) return `unknown unit in ${checker} → ${c}`;
    if (checker === c) return `${checker} checks itself`;
    const key = `${checker}>${c}`;
    if (pairs.has(key)) return `pair ${key} repeats`;
    pairs.add(key);
    checks.set(checker, (checks.get(checker) ?? 0) + 1);
    checked.set(c, (checked.get(c) ?? 0) + 1);
  }
  for (const u of units) {
    if (checks.get(u) !== k) return `${u} checks ${checks.get(u)} units, not ${k}`;
    if (checked.get(u) !== k) return `${u} is checked ${checked.get(u)} times, not ${k}`;
  }
  return null;
}

describe('the invariant checker itself', () => {
  const units = ['a', 'b', 'c'];
  test.each<[CrossCheck[], string | null]>([
    [[{ checker: 'a', checked: 'b' }, { checker: 'b', checked: 'c' }, { checker: 'c', checked: 'a' }], null],
    [[{ checker: 'a', checked: 'a' }, { checker: 'b', checked: 'c' }, { checker: 'c', checked: 'b' }], 'a checks itself'],
    [[{ checker: 'a', checked: 'b' }, { checker: 'b', checked: 'a' }, { checker: 'c', checked: 'a' }], 'a is checked 2 times, not 1'],
    [[{ checker: 'a', checked: 'b' }, { checker: 'a', checked: 'c' }, { checker: 'c', checked: 'a' }], 'a checks 2 units, not 1'],
    [[{ checker: 'a', checked: 'b' }, { checker: 'b', checked: 'c' }], 'expected 3 checks, got 2'],
  ])('%j → %p', (a, expected) => {
    expect(broken(units, 1, a)).toBe(expected);
  });
});

describe('assignCrossChecks', () => {
  test('invariants hold for seeds 1..200, sizes 2..15, 1..3 checks per unit', () => {
    const failures: string[] = [];
    for (let n = 2; n <= 15; n++) {
      const units = unitsOf(n);
      for (const k of [1, 2, 3].filter((x) => x <= n - 1)) {
        for (let seed = 1; seed <= 200; seed++) {
          const r = assignCrossChecks(units, { checksPerUnit: k, seed });
          const why = broken(units, k, r.assignments);
          if (why) failures.push(`n=${n} k=${k} seed=${seed}: ${why}`);
          if (r.unavoided.length) failures.push(`n=${n} k=${k} seed=${seed}: unavoided without avoid pairs`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test('every unit checks all others when checksPerUnit = n − 1', () => {
    for (let n = 2; n <= 8; n++) {
      const units = unitsOf(n);
      expect(broken(units, n - 1, assignCrossChecks(units, { checksPerUnit: n - 1, seed: n }).assignments)).toBeNull();
    }
  });

  test('checksPerUnit defaults to 1', () => {
    expect(assignCrossChecks(unitsOf(6), { seed: 7 }).assignments).toHaveLength(6);
  });

  test('deterministic for a seed; the output is sorted by the units order', () => {
    const units = ['tan-phu', 'dinh-quan', 'vinh-cuu', 'trang-bom', 'long-thanh', 'nhon-trach'];
    const a = assignCrossChecks(units, { checksPerUnit: 2, seed: 2024 });
    expect(assignCrossChecks([...units], { checksPerUnit: 2, seed: 2024 })).toEqual(a);
    const pos = (u: string) => units.indexOf(u);
    const keys = a.assignments.map((x) => pos(x.checker) * 100 + pos(x.checked));
    expect(keys).toEqual([...keys].sort((x, y) => x - y));
  });

  test('pinned: seed 42 on four units (a workflow replaying this must get the same pairs)', () => {
    expect(assignCrossChecks(['a', 'b', 'c', 'd'], { seed: 42 })).toMatchInlineSnapshot(`
{
  "assignments": [
    {
      "checked": "b",
      "checker": "a",
    },
    {
      "checked": "d",
      "checker": "b",
    },
    {
      "checked": "a",
      "checker": "c",
    },
    {
      "checked": "c",
      "checker": "d",
    },
  ],
  "unavoided": [],
}
`);
  });

  test('different seeds usually give different assignments', () => {
    const units = unitsOf(8);
    const seen = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) seen.add(JSON.stringify(assignCrossChecks(units, { seed }).assignments));
    expect(seen.size).toBeGreaterThanOrEqual(25);
  });

  test('last year\'s pairs are avoided whenever 2k + 1 ≤ n (seeds 1..50)', () => {
    const failures: string[] = [];
    for (const k of [1, 2]) {
      for (let n = 2 * k + 1; n <= 15; n++) {
        const units = unitsOf(n);
        for (let seed = 1; seed <= 50; seed++) {
          const last = assignCrossChecks(units, { checksPerUnit: k, seed }).assignments;
          const avoidPairs = last.map((x) => [x.checker, x.checked] as [string, string]);
          const r = assignCrossChecks(units, { checksPerUnit: k, seed: seed + 1000, avoidPairs });
          const why = broken(units, k, r.assignments);
          if (why) failures.push(`n=${n} k=${k} seed=${seed}: ${why}`);
          const lastKeys = new Set(avoidPairs.map(([a, b]) => `${a}>${b}`));
          const repeated = r.assignments.filter((x) => lastKeys.has(`${x.checker}>${x.checked}`));
          if (repeated.length || r.unavoided.length) failures.push(`n=${n} k=${k} seed=${seed}: repeats ${JSON.stringify(repeated)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test('avoid pairs are directed: [a, b] does not forbid b → a', () => {
    const r = assignCrossChecks(['a', 'b', 'c', 'd'], { seed: 3, avoidPairs: [['a', 'c'], ['a', 'd']] });
    expect(r.assignments.find((x) => x.checker === 'a')?.checked).toBe('b');
    expect(r.unavoided).toEqual([]);
    for (let seed = 1; seed <= 20; seed++) {
      const s = assignCrossChecks(['a', 'b'], { seed, avoidPairs: [['a', 'b']] });
      expect(s.assignments).toEqual([{ checker: 'a', checked: 'b' }, { checker: 'b', checked: 'a' }]);
      expect(s.unavoided).toEqual([['a', 'b']]);
    }
  });

  test.each<[string, string[], number, [string, string][], number]>([
    ['2 units must check each other', ['a', 'b'], 1, [['a', 'b'], ['b', 'a']], 2],
    ['3 units, 2 checks each: every pair is needed', ['a', 'b', 'c'], 2, [['a', 'b']], 1],
    ['a unit that may check nobody', ['a', 'b', 'c'], 1, [['a', 'b'], ['a', 'c']], 1],
    ['a unit nobody may check', ['a', 'b', 'c', 'd'], 1, [['a', 'd'], ['b', 'd'], ['c', 'd']], 1],
  ])('impossible avoid pairs are reported, fewest kept: %s', (_label, units, k, avoidPairs, unavoidable) => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = assignCrossChecks(units, { checksPerUnit: k, seed, avoidPairs });
      expect(broken(units, k, r.assignments)).toBeNull();
      expect(r.unavoided).toHaveLength(unavoidable);
      const used = new Set(r.assignments.map((x) => `${x.checker}>${x.checked}`));
      for (const [a, b] of r.unavoided) expect(used.has(`${a}>${b}`)).toBe(true);
    }
  });

  test('avoid pairs naming unknown units, or a unit and itself, are ignored', () => {
    const r = assignCrossChecks(['a', 'b', 'c'], { seed: 1, avoidPairs: [['a', 'gone'], ['x', 'y'], ['b', 'b']] });
    expect(broken(['a', 'b', 'c'], 1, r.assignments)).toBeNull();
    expect(r.unavoided).toEqual([]);
  });

  test.each<[string, string[], { checksPerUnit?: number; seed: number }, string]>([
    ['no unit', [], { seed: 1 }, 'Cross-checking needs at least 2 units, got 0'],
    ['one unit', ['a'], { seed: 1 }, 'Cross-checking needs at least 2 units, got 1'],
    ['checksPerUnit = units', ['a', 'b', 'c'], { checksPerUnit: 3, seed: 1 }, 'checksPerUnit 3 is impossible with 3 units: each unit can check at most 2 others'],
    ['checksPerUnit 0', ['a', 'b', 'c'], { checksPerUnit: 0, seed: 1 }, 'Invalid checksPerUnit 0'],
    ['fractional checksPerUnit', ['a', 'b', 'c'], { checksPerUnit: 1.5, seed: 1 }, 'Invalid checksPerUnit 1.5'],
    ['fractional seed', ['a', 'b', 'c'], { seed: 0.5 }, 'Invalid seed 0.5'],
    ['a unit twice', ['a', 'b', 'a'], { seed: 1 }, 'Unit "a" is listed twice'],
    ['an empty unit id', ['a', ''], { seed: 1 }, 'Invalid unit "" at position 1'],
  ])('refused: %s', (_label, units, opts, message) => {
    expect(() => assignCrossChecks(units, opts)).toThrow(message);
  });

  test('a malformed avoid pair is refused', () => {
    expect(() => assignCrossChecks(['a', 'b', 'c'], { seed: 1, avoidPairs: [['a'] as unknown as [string, string]] })).toThrow('Invalid avoid pair ["a"]');
  });
});

describe('mulberry32', () => {
  test('same seed, same sequence in [0, 1); another seed, another sequence', () => {
    const take = (seed: number) => {
      const r = mulberry32(seed);
      return Array.from({ length: 100 }, () => r());
    };
    expect(take(5)).toEqual(take(5));
    expect(take(5)).not.toEqual(take(6));
    for (const x of take(9)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('crossCheckOptionsSchema', () => {
  test.each<[unknown, boolean]>([
    [{ seed: 1 }, true],
    [{ seed: 1, checksPerUnit: 2, avoidPairs: [['a', 'b']] }, true],
    [{ checksPerUnit: 1 }, false],
    [{ seed: 1, checksPerUnit: 0 }, false],
    [{ seed: 1, avoidPairs: [['a']] }, false],
  ])('%j valid: %p', (input, ok) => {
    expect(crossCheckOptionsSchema.safeParse(input).success).toBe(ok);
  });
});
