/**
 * "I lost my link" for a member of the parent council (lib/lost-links-forward.ts): POST /links/lost
 * mails the link of every forward from a body below that the council is still deciding — a link that
 * opens the forward's decision page — and not those decided or whose links expired, nor anyone else's.
 * The rows are the ones the parent cycle's workflow projects (activities/forward-decisions.ts); the
 * unit's and reviewer's lost links are in test/api/api.test.ts. Also a council deciding a cluster's
 * nominations of persons (lib/lost-links-nominations.ts), from the cluster's stored plan and list.
 */
import supertest from 'supertest';
import { clusterWorkflowId, type ClusterNominationsInput, type ForwardDecisionState, type ForwardInput, type NominationListState } from '../../workflows/cycle/definitions';
import { appWithMailer, eventually, mailbox, type Harness, useDevServer } from '../helpers/harness';

const parent = 'thidua:mttq-tinh-lost:2031';
const child = 'thidua:mttq-huyen-lost:2031';
const forwardOf = (n: number, kind: ForwardInput['kind']): ForwardInput => ({
  forwardId: `${child}:cum-${n}:${kind}:1`,
  kind,
  fromCycleId: child,
  fromBodyId: 'mttq-huyen-lost',
  fromBodyName: 'Ủy ban MTTQ Việt Nam huyện Định Quán',
  fromClusterId: `cum-${n}`,
  fromClusterName: `Cụm thi đua số ${n}`,
  toCycleId: parent,
  items: [{ kind: 'unit', titleId: 'co', titleName: 'Cờ thi đua', unitId: 'xa-phu-vinh', unitName: 'MTTQ xã Phú Vinh' }],
  decidedBy: 'council@huyen.test',
  decidedAt: '2031-04-20T04:00:00.000Z',
});
const stateOf = (f: ForwardInput, over: Partial<ForwardDecisionState> = {}): ForwardDecisionState => ({
  forwardId: f.forwardId,
  fromCycleId: child,
  kind: f.kind,
  council: [{ name: 'Hội đồng tỉnh', email: 'Council@Tinh.test', lang: 'vi' }],
  dueAt: '2031-04-28T10:00:00.000Z',
  reminders: [],
  expiresAt: '2031-12-31T00:00:00.000Z',
  status: 'deciding',
  items: [{ n: 0 }],
  ...over,
});
// Deciding (two, one without a deadline), decided, and one whose link expired.
const open = forwardOf(1, 'proposal');
const undated = forwardOf(2, 'nominations');
const decided = forwardOf(3, 'proposal');
const expired = forwardOf(4, 'proposal');
const rows: [ForwardInput, ForwardDecisionState][] = [
  [open, stateOf(open)],
  [undated, stateOf(undated, { dueAt: undefined })],
  [decided, stateOf(decided, { status: 'decided', items: [{ n: 0, decision: 'approve' }], decidedBy: 'council@tinh.test', decidedAt: '2031-04-21T04:00:00.000Z' })],
  [expired, stateOf(expired, { expiresAt: '2020-01-01T00:00:00.000Z' })],
];

describe('a lost link for a council (the parent body\'s, or the one deciding a cluster\'s nominations)', () => {
  let h: Harness;

  useDevServer({ label: 'lost-link-forward', taskQueue: 'lost-link-forward-test', updateTimeoutMs: 3000 }, async (s) => {
    h = s.h;
    for (const [f, d] of rows) {
      await h.db.models.Forward.create({
        _id: f.forwardId,
        fromCycleId: child,
        fromClusterId: f.fromClusterId,
        toCycleId: parent,
        kind: f.kind,
        forward: JSON.stringify(f),
        createdAt: new Date(),
        deliveredAt: new Date(),
        decisionOpenedAt: new Date(),
        decision: JSON.stringify(d),
        ...(d.decidedAt ? { decidedAt: new Date(d.decidedAt) } : {}),
      });
    }
  });

  test("a council member gets the links of the forwards still deciding, each opening its decision page", async () => {
    const m = appWithMailer(h);
    try {
      await supertest(m.app).post('/links/lost').type('form').send({ email: 'council@tinh.test' }).expect(200);
      // Sent to the address as asked (lower case); the link names the member as the plan spells them.
      const mail = await eventually(async () => (await mailbox(h, 'council@tinh.test')).find((x) => /Liên kết của đồng chí \(2 việc đang chờ\)/.test(x.subject ?? '')), 'the lost-link mail');
      expect(mail.text).toContain('Quyết định đề nghị khen thưởng tập thể của cấp dưới – Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 1 (Hội đồng), hạn');
      // No deadline: none printed (and listed after the dated one).
      expect(mail.text).toContain('Quyết định đề nghị khen thưởng cá nhân của cấp dưới – Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 2 (Hội đồng):');
      expect(mail.text!.indexOf('Cụm thi đua số 1')).toBeLessThan(mail.text!.indexOf('Cụm thi đua số 2'));
      expect(mail.text).not.toContain('Cụm thi đua số 3');
      expect(mail.text).not.toContain('Cụm thi đua số 4');
      const links = [...new Set([...mail.text!.matchAll(/http:\/\/thidua\.test(\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((x) => x[1]))];
      expect(links).toHaveLength(2);
      // Each opens the decision page of its forward, as the council member who asked.
      for (const [path, f] of [[links[0], open], [links[1], undated]] as const) {
        const page = await supertest(h.app).get(path);
        expect(page.status).toBe(200);
        expect(page.text).toContain(f.fromClusterName);
        expect(page.text).toContain('name="d.0"');
      }

      // Someone not on the council gets nothing; in English, the wording is English.
      await supertest(m.app).post('/links/lost').type('form').send({ email: 'council@huyen.test' }).expect(200);
      await h.db.models.Forward.updateOne({ _id: open.forwardId }, { $set: { decision: JSON.stringify(stateOf(open, { council: [{ name: 'Council', email: 'en@tinh.test', lang: 'en' }] })) } });
      await supertest(m.app).post('/links/lost?lang=en').type('form').send({ email: 'en@tinh.test' }).expect(200);
      const en = await eventually(async () => (await mailbox(h, 'en@tinh.test'))[0], 'the English lost-link mail');
      expect(en.subject).toContain('Your links (1 waiting)');
      expect(en.text).toContain("Decide the body below's proposal for collective awards – Ủy ban MTTQ Việt Nam huyện Định Quán – Cụm thi đua số 1 (council), due");
      expect(await mailbox(h, 'council@huyen.test')).toHaveLength(0);
    } finally {
      m.close();
    }
  });

  test("a council deciding a cluster's nominations gets its list's link while something is undecided", async () => {
    const cycleId = 'thidua:mttq-huyen-noms:2031';
    const listOf = (name: string, graceEndsAt: string): ClusterNominationsInput => ({
      clusterName: name,
      titles: [{ id: 'bk', name: 'Bằng khen', criteria: 'Hoàn thành xuất sắc', documents: [], quota: { perUnit: 1 }, decidedBy: 'council' }],
      schedule: { opensAt: '2031-10-01T01:00:00.000Z', dueAt: '2031-10-20T10:00:00.000Z', graceEndsAt, reminders: [], escalations: [] },
      council: { name: 'Hội đồng huyện', email: 'HoiDong@Huyen.test', lang: 'vi' },
      members: [],
    });
    const item = (decision?: 'approve') => ({ id: 'xa-phu-tan:1', unitId: 'xa-phu-tan', unitName: 'MTTQ xã Phú Tân', titleId: 'bk', titleName: 'Bằng khen', name: 'Nguyễn Văn A', position: 'Chủ tịch', achievements: '…', verifiedAt: '2031-10-10T01:00:00.000Z', ...(decision ? { decision } : {}) });
    // Deciding with one undecided; deciding with all decided; still collecting; deciding but its links expired.
    const lists: [string, string, NominationListState, string][] = [
      ['cum-1', 'Cụm thi đua số 1', { phase: 'deciding', revision: 2, received: ['xa-phu-tan'], items: [item()] }, '2031-10-22T10:00:00.000Z'],
      ['cum-2', 'Cụm thi đua số 2', { phase: 'deciding', revision: 3, received: ['xa-phu-tan'], items: [item('approve')] }, '2031-10-22T10:00:00.000Z'],
      ['cum-3', 'Cụm thi đua số 3', { phase: 'collecting', revision: 1, received: [], items: [] }, '2031-10-22T10:00:00.000Z'],
      ['cum-4', 'Cụm thi đua số 4', { phase: 'deciding', revision: 2, received: ['xa-phu-tan'], items: [item()] }, '2019-10-22T10:00:00.000Z'],
    ];
    for (const [clusterId, name, state, graceEndsAt] of lists) {
      await h.db.models.ClusterPlan.create({ _id: `${cycleId}:${clusterId}`, cycleId, clusterId, name, units: [], nominations: listOf(name, graceEndsAt) });
      await h.db.models.ClusterNominations.create({ _id: `${cycleId}:${clusterId}`, cycleId, clusterId, workflowId: clusterWorkflowId(cycleId, clusterId), phase: state.phase, revision: state.revision, state: JSON.stringify(state), updatedAt: new Date() });
    }
    const m = appWithMailer(h);
    try {
      await supertest(m.app).post('/links/lost').type('form').send({ email: 'hoidong@huyen.test' }).expect(200);
      const mail = await eventually(async () => (await mailbox(h, 'hoidong@huyen.test')).find((x) => /Liên kết của đồng chí \(1 việc đang chờ\)/.test(x.subject ?? '')), 'the lost-link mail');
      expect(mail.text).toContain('Quyết định đề nghị khen thưởng cá nhân của cụm – Cụm thi đua số 1 (Hội đồng), hạn');
      for (const n of [2, 3, 4]) expect(mail.text).not.toContain(`Cụm thi đua số ${n}`);
      const links = [...new Set([...mail.text!.matchAll(/http:\/\/thidua\.test(\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((x) => x[1]))];
      expect(links).toHaveLength(1);
      // It opens the list's decision page, with the undecided nomination's choice.
      const page = await supertest(h.app).get(links[0]);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Nguyễn Văn A');
      expect(page.text).toContain('name="d.xa-phu-tan:1"');
    } finally {
      m.close();
    }
  });
});
