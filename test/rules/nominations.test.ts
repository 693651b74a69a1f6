/** Individual awards: a unit's list against the per-unit quotas, the council's decisions against the cluster quotas, and the plan's rules. */
import { checkCouncilDecisions, checkUnitNominations, quotaUse, type CouncilDecision, type IndividualAward } from '../../rules/nominations';
import { validatePlan } from '../../rules/plan';
import { nominationsPlan } from '../helpers/awards';

const titles: IndividualAward[] = [
  { id: 'knc', name: 'Kỷ niệm chương', criteria: '10 năm', documents: [], quota: { perUnit: 2, perCluster: 3 }, decidedBy: 'council' },
  { id: 'bk', name: 'Bằng khen', criteria: 'xuất sắc', documents: [], quota: {}, decidedBy: 'council' },
  { id: 'ttg', name: 'Bằng khen của Thủ tướng', criteria: 'đặc biệt', documents: [], quota: { perCluster: 1 }, decidedBy: 'parent' },
];
const person = (titleId: string, name: string) => ({ titleId, name, position: 'Chủ tịch', achievements: 'Thành tích' });

describe('checkUnitNominations', () => {
  test.each<[string, unknown, string[]]>([
    ['an empty list (the unit nominates nobody)', [], []],
    ['two for a title with a per-unit quota of 2', [person('knc', 'A'), person('knc', 'B')], []],
    ['no cap without a per-unit quota', [person('bk', 'A'), person('bk', 'B'), person('bk', 'C')], []],
    ['three for a quota of 2', [person('knc', 'A'), person('knc', 'B'), person('knc', 'C')], ['nominations: 3 persons for Kỷ niệm chương: a unit may nominate at most 2']],
    ['a title the plan does not offer', [person('giay-khen', 'A')], ['nominations[0].titleId: "giay-khen" is not an individual award of this year\'s plan']],
    ['the same person twice for one title (case aside)', [person('knc', 'Lê Văn A'), person('knc', 'lê văn a')], ['nominations[1].name: lê văn a is already nominated for Kỷ niệm chương (row 1)']],
    ['the same person for two titles', [person('knc', 'A'), person('bk', 'A')], []],
    ['a missing position', [{ ...person('knc', 'A'), position: ' ' }], ['nominations[0].position: is required']],
    ['not a list', { titleId: 'knc' }, ['nominations: Invalid input: expected array, received object']],
  ])('%s', (_what, rows, expected) => {
    const r = checkUnitNominations(titles, rows);
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(expected);
  });
});

describe('checkCouncilDecisions', () => {
  const list = [
    { id: 'u1:1', titleId: 'knc' },
    { id: 'u1:2', titleId: 'knc' },
    { id: 'u2:1', titleId: 'knc' },
    { id: 'u3:1', titleId: 'knc' },
    { id: 'u2:2', titleId: 'ttg' },
    { id: 'u3:2', titleId: 'ttg' },
    { id: 'u4:1', titleId: 'bk', decision: 'refuse' as CouncilDecision },
  ];
  const d = (id: string, decision: CouncilDecision, reason?: string) => ({ id, decision, ...(reason ? { reason } : {}) });
  test.each<[string, ReturnType<typeof d>[], boolean, string[]]>([
    ['three approvals within a cluster quota of 3', [d('u1:1', 'approve'), d('u1:2', 'approve'), d('u2:1', 'approve')], false, []],
    ['four approvals over a cluster quota of 3', [d('u1:1', 'approve'), d('u1:2', 'approve'), d('u2:1', 'approve'), d('u3:1', 'forward')], true, ["decisions: 4 persons granted for Kỷ niệm chương: the cluster's quota is 3"]],
    ['refusals do not count against the quota', [d('u1:1', 'approve'), d('u1:2', 'approve'), d('u2:1', 'approve'), d('u3:1', 'refuse', 'Chưa đủ 10 năm')], false, []],
    ['a refusal without a reason', [d('u1:1', 'refuse')], false, ['decisions[0].reason: a refusal needs a reason']],
    ['forward without a parent body', [d('u1:1', 'forward')], false, ['decisions[0].decision: the plan names no parent body (body.parent) to forward to']],
    ['forward with a parent body', [d('u2:2', 'forward')], true, []],
    ['approve alone for a title the parent decides', [d('u2:2', 'approve')], true, ['decisions[0].decision: Bằng khen của Thủ tướng is decided by the parent body: forward it or refuse it']],
    ['two forwarded over the quota of 1', [d('u2:2', 'forward'), d('u3:2', 'forward')], true, ["decisions: 2 persons granted for Bằng khen của Thủ tướng: the cluster's quota is 1"]],
    ['an unknown nomination', [d('u9:1', 'approve')], false, ['decisions[0].id: no nomination "u9:1" in this list']],
    ['an already decided one', [d('u4:1', 'approve')], false, ['decisions[0].id: nomination "u4:1" was already decided (refuse)']],
    ['one decided twice in a batch', [d('u1:1', 'approve'), d('u1:1', 'refuse', 'x')], false, ['decisions[1].id: nomination "u1:1" is decided twice']],
    ['an empty batch', [], false, ['decisions: decide at least one nomination']],
  ])('%s', (_what, decisions, hasParent, expected) => {
    expect(checkCouncilDecisions(titles, list, decisions, { hasParent }).map((p) => `${p.path}: ${p.message}`)).toEqual(expected);
  });

  test('the quota counts what was granted before', () => {
    const before = list.map((n) => (n.id === 'u1:1' || n.id === 'u1:2' ? { ...n, decision: 'approve' as CouncilDecision } : n));
    expect(checkCouncilDecisions(titles, before, [d('u2:1', 'approve')], { hasParent: false })).toEqual([]);
    expect(checkCouncilDecisions(titles, before, [d('u2:1', 'approve'), d('u3:1', 'approve')], { hasParent: false }).map((p) => p.message)).toEqual([
      "4 persons granted for Kỷ niệm chương: the cluster's quota is 3 (2 already)",
    ]);
  });

  test('quotaUse shows how far each title is over its cluster quota', () => {
    expect(quotaUse(titles, list)).toEqual([
      { titleId: 'knc', nominated: 4, granted: 0, quota: 3, over: 1 },
      { titleId: 'bk', nominated: 1, granted: 0, quota: undefined, over: 0 },
      { titleId: 'ttg', nominated: 2, granted: 0, quota: 1, over: 1 },
    ]);
  });
});

describe('the plan: individual awards', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test breaks plans in arbitrary ways
  const broken = (change: (p: any) => void) => {
    const p = JSON.parse(JSON.stringify(nominationsPlan(2027)));
    change(p);
    const r = validatePlan(p);
    return r.ok ? [] : r.problems.map((x) => `${x.path}: ${x.message}`);
  };

  test('the nominations plan is valid, with the defaults filled in', () => {
    const r = validatePlan(nominationsPlan(2027));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.individualAwards[1]).toEqual({ id: 'bang-khen-ca-nhan', name: 'Bằng khen cá nhân', criteria: 'Có thành tích xuất sắc trong năm.', documents: [], quota: { perUnit: 1 }, decidedBy: 'council' });
  });

  test.each<[string, (p: Record<string, any>) => void, string[]]>([ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['titles without the stage', (p) => delete p.stages.nominations, ['stages.nominations: is required with individualAwards (when units nominate persons)']],
    ['the stage without titles', (p) => (p.individualAwards = []), ['individualAwards: name at least one title: stages.nominations asks units to nominate persons for them']],
    ['no council', (p) => delete p.council, ['council: is required with individualAwards (who decides the nominations)']],
    ['a duplicate title id', (p) => (p.individualAwards[1].id = 'ky-niem-chuong'), ['individualAwards[1].id: duplicate id "ky-niem-chuong"']],
    ['a per-unit quota above the cluster quota', (p) => (p.individualAwards[0].quota = { perUnit: 3, perCluster: 2 }), ["individualAwards[0].quota.perUnit: 3 is more than the cluster's quota (2)"]],
    ['a zero quota', (p) => (p.individualAwards[0].quota.perUnit = 0), ['individualAwards[0].quota.perUnit: Too small: expected number to be >=1']],
    ['no criteria', (p) => delete p.individualAwards[0].criteria, ['individualAwards[0].criteria: Invalid input: expected string, received undefined']],
    ['the parent decides but no parent is named', (p) => (p.individualAwards[0].decidedBy = 'parent'), ['individualAwards[0].decidedBy: the parent body decides this title: name it in body.parent']],
    ['the parent is the body itself', (p) => (p.body.parent = p.body.id), ['body.parent: is the body itself']],
    ['a nominations deadline before its opening', (p) => (p.stages.nominations.deadline = '2027-03-01'), ['stages.nominations.opensOn: opens after its deadline (2027-03-01)']],
    ['a nominations deadline relative to the registration', (p) => (p.stages.nominations.deadline = { after: 'registration.deadline', days: 40 }), []],
  ])('%s', (_what, change, expected) => {
    expect(broken(change)).toEqual(expected);
  });
});
