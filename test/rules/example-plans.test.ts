/** Every plan shipped in config/plans/ validates and compiles: the examples in the README must work. */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { compilePlan } from '../../rules/compile';
import { validatePlan } from '../../rules/plan';

const dir = path.resolve(__dirname, '../../config/plans');
const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));

test('there are example plans', () => expect(files.length).toBeGreaterThan(0));

test.each(files)('%s is a valid plan', (file) => {
  const r = validatePlan(parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  const compiled = compilePlan(r.plan, new Date('2027-01-04T00:00:00Z'));
  expect(compiled.clusters.flatMap((c) => c.units).length).toBe(r.plan.clusters.reduce((n, c) => n + c.members.length, 0));
});
