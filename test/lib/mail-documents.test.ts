/**
 * The launch notice links the year's plan with its number (Số 12/KH-MTTQ-BTT). The stored plan
 * document carries that number, so each unit's notice reads it there and not from the whole plan
 * (megabytes at 1,000 units); a plan document stored before it carried one falls back to the plan.
 */
import { resolveMailDocuments } from '../../activities/mail-documents';
import type { NotifyInput } from '../../activities/notify';
import { generatePlanDocuments } from '../../api/services/documents';
import { listDocuments, storeDocument } from '../../lib/documents/store';
import { validatePlan, type Plan } from '../../rules/plan';
import { useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

describe("the plan's number in the launch notice", () => {
  let h: Harness;
  useDevServer({ label: 'mail-documents', taskQueue: 'mail-documents-test' }, (s) => ({ h } = s));

  const planWith = (document?: { number: string; symbol: string }): Plan => {
    const checked = validatePlan({ ...smallPlan(), ...(document ? { document } : {}) });
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    return checked.plan;
  };
  const launchNotice = (cycleId: string): NotifyInput => ({
    key: `${cycleId}:launch:xa-phu-tan`,
    kind: 'launch',
    template: 'launch.notice',
    cycle: { cycleId, bodyId: 'b', bodyName: 'MTTQ huyện Thử', year: 2027, timeZone: 'Asia/Ho_Chi_Minh' },
    to: [{ name: 'Nguyễn Thị Hằng', email: 'hang@units.test', lang: 'vi' }],
    data: {},
  });
  const deps = () => ({ models: h.db.models, conn: h.db.conn, linkSecret: h.config.LINK_SECRET, publicBaseUrl: h.config.PUBLIC_BASE_URL });

  test('the stored plan document carries its number, and the notice takes it from there (no plan is read)', async () => {
    const cycleId = 'thidua:mail-docs-number:2027';
    await generatePlanDocuments(h.deps, cycleId, planWith({ number: '12', symbol: 'KH-MTTQ-BTT' }), new Date('2027-01-05T02:00:00Z'), { print: false });
    const stored = await listDocuments(h.db, cycleId);
    expect(stored.map((d) => [d.format, d.number])).toEqual([['docx', '12/KH-MTTQ-BTT'], ['html', '12/KH-MTTQ-BTT']]);
    // No cycle row exists for this id: the number can only have come from the document.
    expect(await h.db.models.Cycle.countDocuments({ _id: cycleId })).toBe(0);
    const [doc] = await resolveMailDocuments(deps(), launchNotice(cycleId));
    expect([doc.kind, doc.number, doc.version]).toEqual(['plan', '12/KH-MTTQ-BTT', 1]);
  });

  test('a plan without a number: none stored, none in the notice', async () => {
    const cycleId = 'thidua:mail-docs-none:2027';
    await generatePlanDocuments(h.deps, cycleId, planWith(), new Date('2027-01-05T02:00:00Z'), { print: false });
    expect((await listDocuments(h.db, cycleId)).map((d) => d.number)).toEqual([null, null]);
    const [doc] = await resolveMailDocuments(deps(), launchNotice(cycleId));
    expect(doc.kind).toBe('plan');
    expect(doc).not.toHaveProperty('number');
  });

  test('a plan document stored before it carried the number: read from the plan', async () => {
    const cycleId = 'thidua:mail-docs-before:2027';
    await storeDocument(h.db, { cycleId, kind: 'plan', format: 'html', content: Buffer.from('<p>Kế hoạch</p>') });
    const at = new Date();
    await h.db.models.Cycle.create({ _id: cycleId, bodyId: 'b', bodyName: 'MTTQ huyện Thử', year: 2027, workflowId: `${cycleId}:cycle`, status: 'running', plan: { document: { number: '7', symbol: 'KH-MTTQ' } }, createdAt: at, updatedAt: at });
    expect((await listDocuments(h.db, cycleId))[0]).not.toHaveProperty('number');
    const [doc] = await resolveMailDocuments(deps(), launchNotice(cycleId));
    expect(doc.number).toBe('7/KH-MTTQ');
  });
});
