/**
 * The parent council's link page to a forward from below (api/routes/forward-links.ts), against the
 * read model the parent cycle's workflow projects: who may open it (a council member, or their
 * substitute while a delegation runs), what it lists, the form's validation before any workflow is
 * asked, a decided forward shown without its form, and a decision for a cycle that no longer runs.
 * The whole flow with both cycles is test/workflows/forward-decision.test.ts.
 */
import supertest from 'supertest';
import type { ForwardDecisionState, ForwardInput } from '../../workflows/cycle/definitions';
import { type Harness, useDevServer } from '../helpers/harness';
import { signedLink } from '../helpers/link-attacks';

const parent = 'thidua:mttq-tinh-link:2031';
const child = 'thidua:mttq-huyen-link:2031';
const forwardId = `${child}:cum-1:nominations:1`;
const forward: ForwardInput = {
  forwardId,
  kind: 'nominations',
  fromCycleId: child,
  fromBodyId: 'mttq-huyen-link',
  fromBodyName: 'Ủy ban MTTQ Việt Nam huyện Định Quán',
  fromClusterId: 'cum-1',
  fromClusterName: 'Cụm thi đua số 1',
  toCycleId: parent,
  items: [
    { kind: 'person', titleId: 'knc', titleName: 'Kỷ niệm chương', unitId: 'xa-phu-tan', unitName: 'MTTQ xã Phú Tân', nominationId: 'xa-phu-tan:1', person: { name: 'Nguyễn Văn An', position: 'Chủ tịch', achievements: '15 năm công tác' } },
    { kind: 'unit', titleId: 'co', titleName: 'Cờ thi đua', unitId: 'xa-phu-vinh', unitName: 'MTTQ xã Phú Vinh' },
  ],
  decidedBy: 'council@huyen.test',
  decidedAt: '2031-04-20T04:00:00.000Z',
  comment: 'Đề nghị tỉnh xét',
};
const deciding: ForwardDecisionState = {
  forwardId,
  fromCycleId: child,
  kind: 'nominations',
  council: [{ name: 'Hội đồng tỉnh', email: 'council@tinh.test', lang: 'vi' }],
  dueAt: '2031-04-28T10:00:00.000Z',
  reminders: [],
  expiresAt: '2031-12-31T00:00:00.000Z',
  status: 'deciding',
  items: [{ n: 0 }, { n: 1 }],
};

describe("the parent council's link page to a forward", () => {
  let h: Harness;

  useDevServer({ label: 'forward-link', taskQueue: 'forward-link-test', updateTimeoutMs: 3000 }, async (s) => {
    h = s.h;
    await h.db.models.Forward.create({
      _id: forwardId,
      fromCycleId: child,
      fromClusterId: 'cum-1',
      toCycleId: parent,
      kind: 'nominations',
      forward: JSON.stringify(forward),
      createdAt: new Date(),
      deliveredAt: new Date(),
      decision: JSON.stringify(deciding),
    });
  });

  const link = (p: string, over: { w?: string; s?: string } = {}) => signedLink(h.config.LINK_SECRET, { w: `${parent}:cycle`, s: `forward:${forwardId}`, r: 'council', p, ...over });

  test('a council member sees every item with a decision field; the page is bilingual', async () => {
    const page = await supertest(h.app).get(link('council@tinh.test'));
    expect(page.status).toBe(200);
    for (const text of ['Nguyễn Văn An', 'Chủ tịch', 'MTTQ xã Phú Vinh', 'Cờ thi đua', 'Đề nghị tỉnh xét', 'name="d.0"', 'name="d.1"', 'name="c.1"', 'Xét đề nghị của cấp dưới']) expect(page.text).toContain(text);
    expect((await supertest(h.app).get(`${link('council@tinh.test')}?lang=en`)).text).toContain('Decide the proposals from below');
  });

  test('only a council member, or a running substitute, may open it; the link names the parent cycle', async () => {
    expect((await supertest(h.app).get(link('stranger@tinh.test'))).status).toBe(403);
    // The workflow projects who stands in now; with it the substitute's link opens, saying for whom.
    await h.db.models.RoleActing.create({ _id: `${parent}:cycle`, cycleId: parent, acting: [{ role: 'council', email: 'thay@tinh.test', for: 'council@tinh.test', until: '2031-05-01T00:00:00.000Z' }], version: 1, updatedAt: new Date() });
    const sub = await supertest(h.app).get(link('thay@tinh.test'));
    expect(sub.status).toBe(200);
    expect(sub.text).toContain('thay mặt council@tinh.test');
    // The same claims on another workflow (the cycle below) do not open the parent's forward.
    expect((await supertest(h.app).get(link('council@tinh.test', { w: `${child}:cycle` }))).status).toBe(404);
    expect((await supertest(h.app).get(link('council@tinh.test', { s: 'forward:no-such-forward' }))).status).toBe(404);
  });

  test('the form is checked before any workflow is asked: every item, a comment for each return', async () => {
    const post = (form: Record<string, string>) => supertest(h.app).post(link('council@tinh.test')).type('form').send(form);
    const noComment = await post({ 'd.0': 'approve', 'd.1': 'return' });
    expect(noComment.status).toBe(400);
    expect(noComment.text).toContain('c.1: a return needs a comment');
    const missing = await post({ 'd.0': 'approve' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('d.1: choose approve or return');
    expect((await post({ 'd.0': 'forward', 'd.1': 'approve' })).text).toContain('d.0: choose approve or return');
    // A valid decision for a parent cycle that is not running: nothing to decide it, said so.
    const gone = await post({ 'd.0': 'approve', 'd.1': 'return', 'c.1': 'Bổ sung hồ sơ' });
    expect(gone.status).toBe(410);
    expect(await h.db.models.LinkUse.countDocuments({ workflowId: `${parent}:cycle` })).toBe(0);
  });

  test('a decided forward shows each decision and no form', async () => {
    const decided: ForwardDecisionState = { ...deciding, status: 'decided', decidedBy: 'council@tinh.test', decidedAt: '2031-04-22T03:00:00.000Z', items: [{ n: 0, decision: 'approve' }, { n: 1, decision: 'return', comment: 'Bổ sung hồ sơ' }] };
    await h.db.models.Forward.updateOne({ _id: forwardId }, { $set: { decision: JSON.stringify(decided) } });
    const page = await supertest(h.app).get(link('council@tinh.test'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Chấp thuận');
    expect(page.text).toContain('Trả lại cấp dưới: Bổ sung hồ sơ');
    expect(page.text).not.toContain('name="d.0"');
  });
});
