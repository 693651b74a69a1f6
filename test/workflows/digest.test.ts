/**
 * Daily digests on the time-skipping server with the real worker, app, database and SMTP server:
 * a person's planned reminders (or escalations) of one day come as one email at the plan's
 * digestTime, a single one as its own message, nothing twice; the secretariat gets at 08:00 on
 * working days what became overdue or stuck since the previous digest, nothing when nothing is new,
 * a cluster-scoped account only its clusters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { createAccount } from '../../lib/staff';
import { dailyMailWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { marchDays, smallPlanFor } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('daily digests (time-skipping)', () => {
  const ts = useTimeSkipping('digest');

  test('one email per person and day; the secretariat gets only what is new', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const { day, local } = marchDays(year);
    // Two steps with the same dates: each unit is reminded of both on day 3, escalated on day 7.
    const schedule = { opensOn: day(0), deadline: day(4), reminders: [1], grace: 0, escalations: [0] };
    const plan = smallPlanFor(year, 'digest', {
      notifications: { digest: true, digestTime: '08:30', secretariat: ['thuky@mttq.test'] },
      stages: { registration: schedule, midYear: schedule },
    });
    const cycleId = `thidua:digest:${year}`;
    await createAccount(h.db.models, { email: 'vp@mttq.test', name: 'Văn phòng', roles: ['secretariat'], password: 'mật-khẩu-đủ-dài-1' });
    await createAccount(h.db.models, { email: 'vp2@mttq.test', name: 'Văn phòng cụm 2', roles: ['secretariat'], clusters: ['cum-2'], password: 'mật-khẩu-đủ-dài-1' });
    await createAccount(h.db.models, { email: 'xem@mttq.test', name: 'Người xem', roles: ['viewer'], password: 'mật-khẩu-đủ-dài-1' });
    const subjects = async (to: string) => (await mailbox(h, to)).map((m) => m.subject ?? '');

    await h.runWorker(async () => {
      await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      await sleepUntil(local(0, '09:00'));
      // Phú Tân registers before the reminders: on day 3 it has only its mid-year report left.
      const req = await eventually(async () => (await mailbox(h, 'xa-phu-tan@units.test')).find((m) => /Đề nghị đăng ký/.test(m.subject ?? '')), 'request');
      await actThroughLink(h, linkIn(req.text), { action: 'submit', content: 'a', targets: 'b' });
      const review = await eventually(async () => (await mailbox(h, 'an@mttq.test')).find((m) => /\[Thẩm định\].*Phú Tân/.test(m.subject ?? '')), 'review');
      await actThroughLink(h, linkIn(review.text), { action: 'approve' });
      await eventually(async () => (await h.db.models.StepState.findOne({ unitId: 'xa-phu-tan', step: 'registration' }).lean())?.status === 'approved', 'approval');

      // Day 3, 08:15: the reminders are held, nothing sent yet.
      await sleepUntil(local(3, '08:15'));
      await eventually(async () => (await h.db.models.DigestItem.countDocuments({ cycleId, day: day(3) })) === 11, 'eleven held reminders');
      expect((await subjects('xa-phu-vinh@units.test')).filter((s) => /Nhắc hạn|Tổng hợp/.test(s))).toEqual([]);

      // 08:30: one digest each for the units with two reminders, the lone reminder as itself.
      await sleepUntil(local(3, '08:45'));
      const vinh = await eventually(async () => (await mailbox(h, 'xa-phu-vinh@units.test')).find((m) => /Tổng hợp ngày/.test(m.subject ?? '')), 'the digest to Phú Vinh');
      expect(vinh.subject).toBe(`[Tổng hợp ngày ${day(3).split('-').reverse().join('/')}] 2 việc cần làm – thi đua năm ${year}`);
      expect(vinh.text).toContain('[Nhắc hạn] Đăng ký thi đua');
      expect(vinh.text).toContain('[Nhắc hạn] Báo cáo sơ kết');
      // Each item keeps its own personal link (two different steps) and its calendar entry.
      const links = [...(vinh.html ?? '').matchAll(/href="http:\/\/thidua\.test(\/l\/[^"]+)"/g)].map((m) => m[1]);
      expect(new Set(links).size).toBe(2);
      expect(vinh.attachments?.filter((a) => a.contentType?.startsWith('text/calendar'))).toHaveLength(2);
      const page = await supertest(h.app).get(links[1]).expect(200);
      expect(page.text).toContain('MTTQ xã Phú Vinh');
      const gia = await eventually(async () => (await mailbox(h, 'xa-gia-canh@units.test')).find((m) => /Daily summary/.test(m.subject ?? '')), 'the English digest');
      expect(gia.subject).toContain('2 things to do');
      const tan = await eventually(async () => (await mailbox(h, 'xa-phu-tan@units.test')).find((m) => /\[Nhắc hạn\]/.test(m.subject ?? '')), 'the lone reminder');
      expect(tan.subject).toMatch(/Báo cáo sơ kết/);
      expect((await subjects('xa-phu-tan@units.test')).filter((s) => /Tổng hợp ngày/.test(s))).toEqual([]);
      for (const unit of ['xa-phu-vinh', 'xa-phu-loi', 'xa-gia-canh', 'xa-ngoc-dinh', 'tt-dinh-quan']) {
        const all = await subjects(`${unit}@units.test`);
        expect([unit, all.filter((s) => /Nhắc hạn|Reminder/.test(s) && !/Tổng hợp|summary/.test(s))]).toEqual([unit, []]);
        expect([unit, all.filter((s) => /Tổng hợp ngày|Daily summary/.test(s))]).toHaveLength(2);
      }
      const items = await h.db.models.DigestItem.find({ cycleId, day: day(3) }).lean();
      expect(items.map((i) => i.outcome)).toEqual(Array(11).fill('digest'));

      // Day 7 (Monday): escalations to the reviewers and heads in one digest each; the secretariat's digest lists every overdue step.
      await sleepUntil(local(7, '09:00'));
      const an = await eventually(async () => (await mailbox(h, 'an@mttq.test')).find((m) => /Tổng hợp ngày/.test(m.subject ?? '')), "the reviewer's digest");
      expect(an.subject).toContain('5 việc');
      expect((await subjects('an@mttq.test')).filter((s) => /^\[Quá hạn/.test(s))).toEqual([]);
      const vp = await eventually(async () => (await mailbox(h, 'vp@mttq.test')).filter((m) => /Tổng hợp quá hạn/.test(m.subject ?? '')), 'the secretariat digest', 30_000);
      expect(vp).toHaveLength(1);
      expect(vp[0].subject).toBe(`[Tổng hợp quá hạn ${day(7).split('-').reverse().join('/')}] 11 việc mới quá hạn hoặc bị vướng – thi đua năm ${year}`);
      expect(vp[0].text).toContain('MTTQ xã Phú Lợi');
      expect(vp[0].text).toMatch(/Quá hạn \d+ ngày/);
      const scoped = await eventually(async () => (await mailbox(h, 'vp2@mttq.test')).filter((m) => /Tổng hợp quá hạn/.test(m.subject ?? '')), 'the scoped digest');
      expect(scoped[0].subject).toContain('] 6 việc');
      expect(scoped[0].text).not.toContain('Phú Lợi');
      await eventually(async () => (await mailbox(h, 'thuky@mttq.test')).length === 1, "the plan's secretariat address");
      expect(await mailbox(h, 'xem@mttq.test')).toHaveLength(0);

      // Gia Canh sends its registration at noon; its reviewer does not answer.
      const giaReq = (await mailbox(h, 'xa-gia-canh@units.test')).find((m) => /Please register/.test(m.subject ?? ''));
      await actThroughLink(h, linkIn(giaReq!.text), { action: 'submit', content: 'a', targets: 'b' });
      // Tuesday to Friday: nothing new, no email. The next Monday: the review waiting past its 5 days.
      await sleepUntil(local(14, '09:00'));
      const later = await eventually(async () => {
        const rows = (await mailbox(h, 'vp@mttq.test')).filter((m) => /Tổng hợp quá hạn/.test(m.subject ?? ''));
        return rows.length >= 2 ? rows : undefined;
      }, 'the next secretariat digest');
      expect(later).toHaveLength(2);
      expect(later[1].subject).toContain(`[Tổng hợp quá hạn ${day(14).split('-').reverse().join('/')}] 1 việc`);
      expect(later[1].text).toContain('MTTQ xã Gia Canh');
      expect(later[1].text).toMatch(/Chờ thẩm định \d+ ngày/);
      const runs = await h.db.models.SecretariatDigest.find({ cycleId, day: { $gte: day(7) } }).sort({ day: 1 }).lean();
      expect(runs.map((r) => [r.day, (JSON.parse(r.items) as unknown[]).length])).toEqual([
        [day(7), 11],
        [day(8), 0],
        [day(9), 0],
        [day(10), 0],
        [day(11), 0],
        [day(14), 1],
      ]);
      // Every outbox key once: the digests and the lone messages.
      const keys = (await h.db.models.Outbox.find({ cycleId }).lean()).map((o) => o._id);
      expect(new Set(keys).size).toBe(keys.length);
      const received = (await mailbox(h)).map((m) => m.messageId);
      expect(new Set(received).size).toBe(received.length);
      await keepHistory(env, dailyMailWorkflowId(cycleId), 'digest.daily-mail');
      await env.client.workflow.getHandle(dailyMailWorkflowId(cycleId)).terminate('test over');
    });
  });
});

/** With THIDUA_RECORD_HISTORIES=1, keeps a workflow's history for the replay test (test/histories/). */
async function keepHistory(env: { client: { workflow: { getHandle(id: string): { fetchHistory(): Promise<unknown> } } } }, workflowId: string, name: string): Promise<void> {
  if (process.env.THIDUA_RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  fs.writeFileSync(path.resolve(__dirname, '../histories', `${name}.json`), historyToJSON(history as Parameters<typeof historyToJSON>[0]));
}
