/**
 * The simulated council's seeded decisions (simulation/policies.ts drawCouncilDecisions), checked
 * against the rules the cluster workflow's validator applies (rules/nominations.ts): they always
 * pass, respect each title's cluster quota with those already granted, forward only titles the
 * parent decides, and are the same for the same seed.
 */
import { checkCouncilDecisions } from '../../rules/nominations';
import { drawCouncilDecisions, rngFor } from '../../simulation/policies';

const titles = [
  { id: 'knc', name: 'Kỷ niệm chương', quota: { perCluster: 2 }, decidedBy: 'council' as const },
  { id: 'bk', name: 'Bằng khen (cá nhân)', quota: {}, decidedBy: 'parent' as const },
];
const items = [
  { id: 'a:1', titleId: 'knc', decision: 'approve' as const },
  ...['a:2', 'b:1', 'b:2', 'c:1', 'c:2'].map((id) => ({ id, titleId: 'knc' })),
  ...['a:3', 'b:3'].map((id) => ({ id, titleId: 'bk' })),
];

test.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: every undecided nomination decided, within the rules', (seed) => {
  for (const hasParent of [true, false]) {
    const d = drawCouncilDecisions(titles, items, hasParent, rngFor(seed, 'council', 'cum-1'));
    expect(d.map((x) => x.id)).toEqual(items.filter((x) => !('decision' in x)).map((x) => x.id));
    expect(checkCouncilDecisions(titles, items, d, { hasParent })).toEqual([]);
    // One medal was granted before: one more at most.
    expect(d.filter((x) => x.id !== 'a:1' && items.find((i) => i.id === x.id)!.titleId === 'knc' && x.decision === 'approve').length).toBeLessThanOrEqual(1);
    for (const x of d.filter((y) => y.id === 'a:3' || y.id === 'b:3')) expect(x.decision).toBe(hasParent ? (x.reason ? 'refuse' : 'forward') : 'refuse');
    for (const x of d) if (x.decision === 'refuse') expect(x.reason).toMatch(/^\(mô phỏng\) /);
    expect(drawCouncilDecisions(titles, items, hasParent, rngFor(seed, 'council', 'cum-1'))).toEqual(d);
    // The lists in another order (they reach the cluster as the worker runs them): the same decisions.
    const reversed = drawCouncilDecisions(titles, [...items].reverse(), hasParent, rngFor(seed, 'council', 'cum-1'));
    expect([...reversed].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...d].sort((a, b) => a.id.localeCompare(b.id)));
  }
});

test('over the seeds, the council both approves and refuses', () => {
  const all = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => drawCouncilDecisions(titles, items, true, rngFor(seed, 'council', 'cum-1')));
  expect(new Set(all.map((x) => x.decision))).toEqual(new Set(['approve', 'forward', 'refuse']));
});
