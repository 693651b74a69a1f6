/**
 * The year-end's calendar and ballot mail on the time-skipping server (real worker, app, database,
 * SMTP server): a unit withdrawn during the inspection has its visit and its open deadlines cancelled
 * (METHOD:CANCEL, the same UIDs, the next SEQUENCE); every delegate is told when a ballot closes; a
 * cycle cancelled after the invitations cancels the meeting in the calendars of everyone invited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import ICAL from 'ical.js';
import { startCycle } from '../../api/services/start-cycle';
import { clusterWorkflowId, unitWorkflowId } from '../../workflows/cycle/definitions';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { ballotYearEndPlan, yearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, vote } from '../helpers/year-end';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

type Mail = Awaited<ReturnType<typeof mailbox>>[number];
const calendarOf = (m: Mail) => {
  const a = m.attachments.find((x) => x.contentType?.startsWith('text/calendar'));
  if (!a) return undefined;
  const cal = new ICAL.Component(ICAL.parse(a.content!.toString('utf8')));
  const ev = cal.getFirstSubcomponent('vevent')!;
  return { method: cal.getFirstPropertyValue('method'), uid: ev.getFirstPropertyValue('uid'), sequence: ev.getFirstPropertyValue('sequence'), status: ev.getFirstPropertyValue('status') };
};

describe("the year-end's mail (time-skipping)", () => {
  const ts = useTimeSkipping('year-end-mail');

  test('withdrawn during the inspection: the visit and the deadlines are cancelled; ballots closed are announced', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = ballotYearEndPlan(year, 'mttq-thu-hop');
    const cycleId = `thidua:mttq-thu-hop:${year}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    const mails = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const one = (to: string, re: RegExp) => eventually(async () => (await mails(to, re)).at(-1), `${re} to ${to}`);

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      // Phú Tân and Phú Vinh score themselves (tốt); Phú Lợi never answers anything.
      for (const u of ['xa-phu-tan', 'xa-phu-vinh']) {
        const req = await one(mailOf(u), /\[Thi đua .*\] Đề nghị gửi Báo cáo tự chấm điểm/);
        expect((await actThroughLink(h, linkIn(req.text), { action: 'submit', 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '40' })).status).toBe(200);
      }
      // The inspection is open and the visits announced (18 November): Phú Lợi is withdrawn.
      await sleepUntil(`${year}-11-16T03:00:00Z`);
      const visit = await one(mailOf('xa-phu-loi'), /\[Lịch kiểm tra\]/);
      expect(calendarOf(visit)).toMatchObject({ method: 'PUBLISH', uid: `${clusterWf}:visit:xa-phu-loi@thidua`, sequence: 0 });
      const w = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-loi/withdraw`).set(auth).send({ reason: 'Sáp nhập vào xã Phú Vinh' });
      expect(w.status).toBe(200);
      const cancelled = await one(mailOf('xa-phu-loi'), /\[Hủy lịch kiểm tra\]/);
      expect(cancelled.text).toContain('Sáp nhập vào xã Phú Vinh');
      expect(calendarOf(cancelled)).toEqual({ method: 'CANCEL', uid: `${clusterWf}:visit:xa-phu-loi@thidua`, sequence: 1, status: 'CANCELLED' });
      // Each step it had open: told, and the deadline entry its requests carried is cancelled.
      const unitWf = unitWorkflowId(cycleId, 'xa-phu-loi');
      const stopped = await eventually(async () => {
        const all = await mails(mailOf('xa-phu-loi'), /^\[Dừng\]/);
        return all.length === 4 ? all : undefined;
      }, 'the four withdrawal notices');
      const requests = await mails(mailOf('xa-phu-loi'), /Đề nghị/);
      for (const s of stopped) {
        const c = calendarOf(s)!;
        expect(c).toMatchObject({ method: 'CANCEL', sequence: 1, status: 'CANCELLED' });
        expect(c.uid).toMatch(new RegExp(`^${unitWf}:(registration|summary-report|self-scoring|exemplars-report):due@thidua$`));
        expect(requests.some((r) => calendarOf(r)?.uid === c.uid)).toBe(true);
      }
      expect(new Set(stopped.map((s) => calendarOf(s)!.uid)).size).toBe(4);

      // The meeting (3 December): both delegates vote; the ballot closes at once and both are told, then the results.
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      const tan = linkIn((await one(mailOf('xa-phu-tan'), /\[Phiếu suy tôn\] Cờ thi đua/)).text);
      const vinh = linkIn((await one(mailOf('xa-phu-vinh'), /\[Phiếu suy tôn\] Cờ thi đua/)).text);
      expect((await vote(h, tan, ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await mails(mailOf('xa-phu-tan'), /\[Đã khóa hòm phiếu\]/))).toHaveLength(0);
      expect((await vote(h, vinh, [])).res.status).toBe(200); // no vote for itself: an abstention
      for (const u of ['xa-phu-tan', 'xa-phu-vinh']) {
        const closed = await one(mailOf(u), /\[Đã khóa hòm phiếu\] Cờ thi đua – Cụm thi đua số 1/);
        expect(closed.text).toContain('2/2 đơn vị');
        expect(closed.text).toContain('thư kết quả');
        await one(mailOf(u), /\[Kết quả\] Bỏ phiếu suy tôn/);
        expect(await mails(mailOf(u), /\[Đã khóa hòm phiếu\]/)).toHaveLength(1);
      }
      // The withdrawn unit was never invited nor told about the ballot.
      expect(await mails(mailOf('xa-phu-loi'), /Giấy mời|Phiếu suy tôn|hòm phiếu/)).toHaveLength(0);
      await keepHistory(env, clusterWf, 'year-end-mail.cluster-withdrawn-ballot-closed');
      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });

  test('after the invitations: a withdrawn delegate, then everyone when the cycle is cancelled, have the meeting cancelled', async () => {
    const { h, year, sleepUntil } = await ts.begin();
    const plan = yearEndPlan(year, 'mttq-huy-hop');
    const cycleId = `thidua:mttq-huy-hop:${year}`;
    const mails = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? '') && m.subject!.includes(String(year)));

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      await sleepUntil(`${year}-11-29T03:00:00Z`);
      const invited = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi'].map(mailOf).concat('lead@mttq.test');
      const invitations = await eventually(async () => {
        const all = await Promise.all(invited.map(async (to) => (await mails(to, /\[Giấy mời\]/))[0]));
        return all.every(Boolean) ? all : undefined;
      }, 'the invitations');
      // Phú Lợi (which never answered) is withdrawn after the invitations: its delegate's invitation is cancelled.
      const w = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-loi/withdraw`).set(auth).send({ reason: 'Giải thể' });
      expect(w.status).toBe(200);
      const uninvited = await eventually(async () => (await mails(mailOf('xa-phu-loi'), /^\[Hủy\] Hội nghị tổng kết/))[0], 'the withdrawn delegate told');
      expect(uninvited.text).toContain('không còn được mời dự');
      expect(uninvited.text).toContain('Giải thể');
      expect(calendarOf(uninvited)).toEqual({ method: 'CANCEL', uid: calendarOf(invitations[2]!)!.uid, sequence: 1, status: 'CANCELLED' });
      expect(await mails(mailOf('xa-phu-tan'), /^\[Hủy\] Hội nghị tổng kết/)).toHaveLength(0);

      const r = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/cancel`).set(auth).send({ reason: 'Điều chỉnh kế hoạch' });
      expect(r.status).toBe(202);
      for (const [i, to] of invited.entries()) {
        if (to === mailOf('xa-phu-loi')) continue;
        const c = await eventually(async () => (await mails(to, /^\[Hủy\] Hội nghị tổng kết/))[0], `the cancellation to ${to}`);
        expect(c.text).toContain('không tổ chức');
        if (to === 'lead@mttq.test') continue; // chairs both clusters: checked below
        expect(calendarOf(c)).toEqual({ method: 'CANCEL', uid: calendarOf(invitations[i]!)!.uid, sequence: 1, status: 'CANCELLED' });
      }
      const chairCancels = await eventually(async () => {
        const all = await mails('lead@mttq.test', /^\[Hủy\] Hội nghị tổng kết/);
        return all.length === 2 ? all : undefined;
      }, "both clusters' meetings cancelled for the chair");
      const chairInvites = await mails('lead@mttq.test', /\[Giấy mời\]/);
      expect(chairCancels.map((m) => calendarOf(m)!.uid).sort()).toEqual(chairInvites.map((m) => calendarOf(m)!.uid).sort());
      expect(chairCancels.map((m) => calendarOf(m)!.method)).toEqual(['CANCEL', 'CANCEL']);
      // The visits were on 18 November: nothing to cancel there; the withdrawn delegate is not told twice.
      expect(await mails(mailOf('xa-phu-tan'), /Hủy lịch kiểm tra/)).toHaveLength(0);
      expect(await mails(mailOf('xa-phu-loi'), /^\[Hủy\] Hội nghị tổng kết/)).toHaveLength(1);
    });
  });
});

/** With THIDUA_RECORD_HISTORIES=1, keeps a workflow's history for the replay test (test/histories/). */
async function keepHistory(env: { client: { workflow: { getHandle(id: string): { fetchHistory(): Promise<unknown> } } } }, workflowId: string, name: string): Promise<void> {
  if (process.env.THIDUA_RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  fs.writeFileSync(path.resolve(__dirname, '../histories', `${name}.json`), historyToJSON(history as Parameters<typeof historyToJSON>[0]));
}
