/** The bounds on a plan's shape, checked before its schema (rules/plan.ts planShapeProblems). */
import { PLAN_LIMITS, planShapeProblems, validatePlan } from '../../rules/plan';
import { smallPlan } from '../helpers/plans';

const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};
const cyclic: Record<string, unknown> = { id: 'x' };
cyclic.self = cyclic;

describe('planShapeProblems', () => {
  test.each<[string, unknown, { path: string; message: RegExp }[]]>([
    ['a real plan', smallPlan(), []],
    ['a string at the bound', { a: 'x'.repeat(PLAN_LIMITS.text) }, []],
    ['a string over it', { body: { name: 'x'.repeat(PLAN_LIMITS.text + 1) } }, [{ path: 'body.name', message: /longer than 10000 characters \(10001\)/ }]],
    ['a list at the bound', { units: Array(PLAN_LIMITS.items).fill(0) }, []],
    ['a list over it', { units: Array(PLAN_LIMITS.items + 1).fill(0) }, [{ path: 'units', message: /more than 50000 items/ }]],
    ['nesting at the bound', { a: deep(PLAN_LIMITS.depth - 1) }, []],
    ['nesting over it', { a: deep(PLAN_LIMITS.depth) }, [{ path: 'a[0][0][0][0][0][0][0]…', message: /nested deeper than 32 levels/ }]],
    ['nesting 200,000 deep (no recursion)', { a: deep(200_000) }, [{ path: 'a[0][0][0][0][0][0][0]…', message: /nested deeper/ }]],
    ['a cycle', cyclic, [{ path: 'self.self.self.self.self.self.self.self…', message: /nested deeper/ }]],
    ['a scalar root', 'plan', []],
  ])('%s', (_name, input, expected) => {
    const problems = planShapeProblems(input);
    expect(problems).toHaveLength(expected.length);
    problems.forEach((p, i) => {
      expect(p.path).toBe(expected[i].path);
      expect(p.message).toMatch(expected[i].message);
    });
  });

  test('at most ten problems, in document order', () => {
    const long = 'x'.repeat(PLAN_LIMITS.text + 1);
    const problems = planShapeProblems({ units: Array.from({ length: 20 }, () => ({ name: long })) });
    expect(problems.map((p) => p.path)).toEqual(Array.from({ length: 10 }, (_, i) => `units[${i}].name`));
  });

  test('validatePlan reports them before the schema', () => {
    const plan = smallPlan();
    const r = validatePlan({ ...plan, body: { ...plan.body, name: 'x'.repeat(PLAN_LIMITS.text + 1) } });
    expect(r).toEqual({ ok: false, problems: [{ path: 'body.name', message: expect.stringContaining('longer than') }] });
  });

  test('a calendar holds at most 5000 holidays', () => {
    const plan = smallPlan();
    const r = validatePlan({ ...plan, calendar: { holidays: Array(5001).fill('2024-02-10') } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(['calendar.holidays']);
  });
});
