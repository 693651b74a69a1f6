/**
 * Individual awards on the time-skipping server, people acting through the links in their emails:
 * each unit nominates persons by the deadline (per-unit quota checked), its follower returns or
 * approves, a unit that never answers is reminded and escalated; at the end of the grace the
 * cluster's verified list goes to the council, which decides each nomination (cluster quota, a
 * reason for a refusal); each unit is mailed its decisions; a list verified late reaches the council too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import supertest from 'supertest';
import { nthMail as nthMailOf } from '../helpers/forwarding';
import { startCycle } from '../../api/services/start-cycle';
import { compilePlan } from '../../rules/compile';
import { validatePlan, type Plan } from '../../rules/plan';
import { clusterStateQuery, clusterWorkflowId, unitWorkflowId, type ClusterState, type NominationItem } from '../../workflows/cycle/definitions';
import { nominationForm, nominationsPlan } from '../helpers/awards';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf } from '../helpers/year-end';

describe('individual awards (time-skipping)', () => {
  const ts = useTimeSkipping('nominations');

  test('units nominate persons, followers verify, the council decides each one, units are told', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const input = nominationsPlan(year);
    const plan = (validatePlan(input) as { ok: true; plan: Plan }).plan;
    const schedule = compilePlan(plan, new Date(`${year}-01-01T00:00:00Z`)).clusters[0].units[0].steps.nominations!;
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const mailsTo = async (to: string, re: RegExp) => (await mailbox(h, to)).filter((m) => re.test(m.subject ?? ''));
    const nthMail = (to: string, re: RegExp, n = 0) => nthMailOf(h, to, re, n);
    const cluster = () => env.client.workflow.getHandle(clusterWorkflowId(cycleId, 'cum-1')).query(clusterStateQuery);
    const until = (what: string, ok: (s: ClusterState) => boolean) =>
      eventually(async () => {
        const s = await cluster();
        return ok(s) ? s : undefined;
      }, what);
    const knc = { title: 'ky-niem-chuong' };

    await h.runWorker(async () => {
      await startCycle(h.deps, input, 'test');
      await sleepUntil(Date.parse(schedule.opensAt) + 3600_000);

      // Phú Tân: the form lists the titles with their criteria, documents and quotas.
      const tanReq = await nthMail(mailOf('xa-phu-tan'), /Đề nghị khen thưởng cá nhân/);
      const tanLink = linkIn(tanReq.text);
      const page = await supertest(h.app).get(tanLink);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Cán bộ có thời gian công tác Mặt trận từ 10 năm trở lên.');
      expect(page.text).toContain('Bản tóm tắt quá trình công tác');
      expect(page.text).toContain('tối đa 2 người/đơn vị');
      // Three persons for a title with a per-unit quota of 2: refused, nothing sent.
      const three = nominationForm(['A', 'B', 'C'].map((n) => ({ ...knc, name: `Nguyễn Văn ${n}`, position: 'Ủy viên', achievements: '12 năm công tác Mặt trận' })));
      const over = await actThroughLink(h, tanLink, { action: 'submit', ...three });
      expect(over.status).toBe(400);
      expect(over.text).toContain('a unit may nominate at most 2');
      const noPosition = await actThroughLink(h, tanLink, { action: 'submit', ...nominationForm([{ ...knc, name: 'Nguyễn Văn A', position: '', achievements: 'x' }]) });
      expect(noPosition.status).toBe(400);
      expect(noPosition.text).toContain('nominations[0].position');
      const tanRows = [
        { ...knc, name: 'Nguyễn Văn An', position: 'Chủ tịch UBMTTQ xã', achievements: '15 năm công tác Mặt trận, 5 năm liền hoàn thành xuất sắc nhiệm vụ' },
        { ...knc, name: 'Lê Thị Bình', position: 'Phó Chủ tịch UBMTTQ xã', achievements: '8 năm công tác Mặt trận' },
      ];
      expect((await actThroughLink(h, tanLink, { action: 'submit', ...nominationForm(tanRows) })).status).toBe(200);

      // The follower sees the persons, returns the list once, then approves the corrected one.
      const review = await nthMail('an@mttq.test', /Đề nghị khen thưởng cá nhân.*MTTQ xã Phú Tân/);
      const reviewPage = await supertest(h.app).get(linkIn(review.text));
      expect(reviewPage.text).toContain('Nguyễn Văn An');
      expect(reviewPage.text).toContain('Phó Chủ tịch UBMTTQ xã');
      expect((await actThroughLink(h, linkIn(review.text), { action: 'return', comment: 'Bổ sung thành tích của đồng chí Bình' })).status).toBe(200);
      const returned = await nthMail(mailOf('xa-phu-tan'), /\[Trả lại\] Đề nghị khen thưởng cá nhân/);
      expect(returned.text).toContain('Bổ sung thành tích của đồng chí Bình');
      tanRows[1].achievements = '8 năm công tác Mặt trận; sáng kiến "Nhà đại đoàn kết" được tỉnh ghi nhận';
      expect((await actThroughLink(h, tanLink, { action: 'submit', ...nominationForm(tanRows) })).status).toBe(200);
      const review2 = await nthMail('an@mttq.test', /Đề nghị khen thưởng cá nhân.*MTTQ xã Phú Tân/, 1);
      expect((await actThroughLink(h, linkIn(review2.text), { action: 'approve' })).status).toBe(200);

      // Phú Vinh: one person for each title, approved at once.
      const vinhLink = linkIn((await nthMail(mailOf('xa-phu-vinh'), /Đề nghị khen thưởng cá nhân/)).text);
      const vinhRows = [
        { ...knc, name: 'Trần Văn Cường', position: 'Trưởng ban công tác Mặt trận ấp 3', achievements: '20 năm làm trưởng ban' },
        { title: 'bang-khen-ca-nhan', name: 'Phạm Thị Dung', position: 'Ủy viên UBMTTQ xã', achievements: 'Vận động 2 tỷ đồng Quỹ Vì người nghèo' },
      ];
      expect((await actThroughLink(h, vinhLink, { action: 'submit', ...nominationForm(vinhRows) })).status).toBe(200);
      const vinhReview = await nthMail('an@mttq.test', /Đề nghị khen thưởng cá nhân.*MTTQ xã Phú Vinh/);
      expect((await actThroughLink(h, linkIn(vinhReview.text), { action: 'approve' })).status).toBe(200);
      await until('both verified lists at the cluster', (s) => s.nominations!.received.length === 2);
      expect((await cluster()).nominations!.phase).toBe('collecting');

      // Phú Lợi never answers: reminded before the deadline, escalated after the grace, to its follower and the cluster head.
      await sleepUntil(Date.parse(schedule.escalations[0].at) + 3600_000);
      expect(await mailsTo(mailOf('xa-phu-loi'), /\[Nhắc hạn\].*Đề nghị khen thưởng cá nhân/)).toHaveLength(1);
      expect(await mailsTo(mailOf('xa-phu-tan'), /\[Nhắc hạn\].*Đề nghị khen thưởng cá nhân/)).toHaveLength(0);
      await nthMail('an@mttq.test', /\[Quá hạn – mức 1\] MTTQ xã Phú Lợi chưa gửi Đề nghị khen thưởng cá nhân/);
      await nthMail(mailOf('xa-phu-tan'), /\[Quá hạn – mức 1\] MTTQ xã Phú Lợi/);

      // The grace is over: the verified list goes to the council.
      const s = await until('the list with the council', (x) => x.nominations!.phase === 'deciding');
      expect(s.nominations!.items.map((x) => [x.id, x.name, x.titleId])).toEqual([
        ['xa-phu-tan:1', 'Nguyễn Văn An', 'ky-niem-chuong'],
        ['xa-phu-tan:2', 'Lê Thị Bình', 'ky-niem-chuong'],
        ['xa-phu-vinh:1', 'Trần Văn Cường', 'ky-niem-chuong'],
        ['xa-phu-vinh:2', 'Phạm Thị Dung', 'bang-khen-ca-nhan'],
      ]);
      const ask = await nthMail('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1: 4 đề nghị chờ Hội đồng xét/);
      const councilLink = linkIn(ask.text);
      const councilPage = await supertest(h.app).get(councilLink);
      expect(councilPage.status).toBe(200);
      expect(councilPage.text).toContain('Nhà đại đoàn kết');
      expect(councilPage.text).toContain('vượt chỉ tiêu 1'); // 3 nominated for Kỷ niệm chương, cluster quota 2
      // No parent body in this plan: nothing can be forwarded.
      expect(councilPage.text).not.toContain('value="forward"');

      const decide = (form: Record<string, string>) => supertest(h.app).post(councilLink).type('form').send(form);
      const overQuota = await decide({ 'd.xa-phu-tan:1': 'approve', 'd.xa-phu-tan:2': 'approve', 'd.xa-phu-vinh:1': 'approve' });
      expect(overQuota.status).toBe(409);
      expect(overQuota.text).toContain("3 persons granted for Kỷ niệm chương &quot;Vì sự nghiệp Đại đoàn kết dân tộc&quot;: the cluster&#x27;s quota is 2");
      const noReason = await decide({ 'd.xa-phu-tan:2': 'refuse' });
      expect(noReason.status).toBe(400);
      expect(noReason.text).toContain('r.xa-phu-tan:2: a refusal needs a reason');
      const forward = await decide({ 'd.xa-phu-tan:1': 'forward' });
      expect(forward.status).toBe(409);
      expect(forward.text).toContain('names no parent body');
      const ok = await decide({
        'd.xa-phu-tan:1': 'approve',
        'd.xa-phu-tan:2': 'refuse',
        'r.xa-phu-tan:2': 'Chưa đủ 10 năm công tác Mặt trận',
        'd.xa-phu-vinh:1': 'approve',
      });
      expect(ok.status).toBe(200);
      // Deciding an already decided nomination again is refused and changes nothing.
      const again = await decide({ 'd.xa-phu-tan:2': 'approve' });
      expect(again.status).toBe(409);
      expect(again.text).toContain('was already decided (refuse)');

      // Each unit is told the decisions on its own nominations.
      const told = await nthMail(mailOf('xa-phu-tan'), /\[Khen thưởng cá nhân\] Quyết định của Hội đồng/);
      expect(told.text).toContain('Nguyễn Văn An (Chủ tịch UBMTTQ xã) – Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc": chấp thuận.');
      expect(told.text).toContain('Lê Thị Bình (Phó Chủ tịch UBMTTQ xã) – Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc": không chấp thuận. Lý do: Chưa đủ 10 năm công tác Mặt trận.');
      expect(told.text).not.toContain('Trần Văn Cường');
      expect((await nthMail(mailOf('xa-phu-vinh'), /Quyết định của Hội đồng/)).text).toContain('Trần Văn Cường (Trưởng ban công tác Mặt trận ấp 3) – Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc": chấp thuận.');
      expect(await mailsTo(mailOf('xa-phu-vinh'), /Quyết định của Hội đồng/)).toHaveLength(1);
      expect((await decide({ 'd.xa-phu-vinh:2': 'approve' })).status).toBe(200);
      expect(await eventually(async () => (await mailsTo(mailOf('xa-phu-vinh'), /Quyết định của Hội đồng/)).length === 2 || undefined, 'the second decision mail')).toBe(true);

      // Recorded in the read model (the api), decision by decision.
      const listed = await eventually(async () => {
        const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/nominations`).set(auth);
        const c = (r.body.clusters as { clusterId: string; phase: string; nominations: NominationItem[] }[]).find((x) => x.clusterId === 'cum-1');
        return c?.phase === 'decided' ? c : undefined;
      }, 'the decided list in the read model');
      expect(listed.nominations.map((x) => [x.id, x.decision, x.reason, x.decidedBy])).toEqual([
        ['xa-phu-tan:1', 'approve', undefined, 'council@mttq.test'],
        ['xa-phu-tan:2', 'refuse', 'Chưa đủ 10 năm công tác Mặt trận', 'council@mttq.test'],
        ['xa-phu-vinh:1', 'approve', undefined, 'council@mttq.test'],
        ['xa-phu-vinh:2', 'approve', undefined, 'council@mttq.test'],
      ]);
      expect(await h.db.models.Audit.countDocuments({ action: 'nominations.decide' })).toBe(2);
      expect((await supertest(h.app).get(`/api/cycles/${encodeURIComponent(`thidua:nope:${year}`)}/nominations`).set(auth)).status).toBe(404);
      expect((await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/nominations`)).status).toBe(401);
      // A unit's link cannot forward anything (only the council's review of a cluster's proposal can).
      expect((await supertest(h.app).post(tanLink).type('form').send({ action: 'forward', round: '1' })).status).toBe(403);

      // Phú Lợi's list arrives late, on paper: staff record it (the unit workflow checks the quota too);
      // once verified, its nomination reaches the council (and the cluster quota still holds).
      const paper = (nominations: object[]) =>
        supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/units/xa-phu-loi/steps/nominations/submission`).set(auth).send({ round: 1, fields: { note: 'Nhận bản giấy' }, nominations });
      const em = { titleId: 'ky-niem-chuong', name: 'Hồ Văn Em', position: 'Ủy viên', achievements: '11 năm công tác' };
      const tooMany = await paper([em, { ...em, name: 'B' }, { ...em, name: 'C' }]);
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.error.message).toContain('a unit may nominate at most 2');
      expect((await paper([{ ...em, position: '' }])).status).toBe(400);
      expect((await paper([em])).status).toBe(200);
      const loiReview = await nthMail('an@mttq.test', /Đề nghị khen thưởng cá nhân.*MTTQ xã Phú Lợi/);
      expect((await actThroughLink(h, linkIn(loiReview.text), { action: 'approve' })).status).toBe(200);
      const later = await nthMail('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1: 1 đề nghị mới, 1 đề nghị chờ/);
      const full = await supertest(h.app).post(linkIn(later.text)).type('form').send({ 'd.xa-phu-loi:1': 'approve' });
      expect(full.status).toBe(409);
      expect(full.text).toContain('(2 already)');
      expect((await supertest(h.app).post(linkIn(later.text)).type('form').send({ 'd.xa-phu-loi:1': 'refuse', 'r.xa-phu-loi:1': 'Cụm đã đủ chỉ tiêu' })).status).toBe(200);
      const done = await until('every nomination decided', (x) => x.nominations!.phase === 'decided' && x.nominations!.items.length === 5);
      expect(done.nominations!.items.at(-1)).toMatchObject({ id: 'xa-phu-loi:1', decision: 'refuse', reason: 'Cụm đã đủ chỉ tiêu' });

      // Committed for the replay test (test/workflows/replay.test.ts): `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/year-end-nominations`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const dir = path.resolve(__dirname, '../histories');
        for (const [name, id] of [
          ['cluster-cum-1', clusterWorkflowId(cycleId, 'cum-1')],
          ['unit-returned-then-approved', unitWorkflowId(cycleId, 'xa-phu-tan')],
        ]) {
          fs.writeFileSync(path.join(dir, `nominations.${name}.json`), historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
        }
      }

      await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
