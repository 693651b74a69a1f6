/**
 * The cycle below closes when its own work is done, not when the parent has decided its forwards (two
 * cycles on one time-skipping server): the district council forwards two nominations to the province,
 * whose council has no deadline (`forwards.decideWithin` unset); the district's year completes and is
 * archived while the province has not decided. The province council then decides (approve one, return
 * the other with a comment): the decision is on the forward's row, shown by the district's
 * GET /forwards (decided, the counts, the return's comment), mailed once to the district's
 * secretariat and coordinator, and in the district's export made after it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import JSZip from 'jszip';
import supertest from 'supertest';
import { cycleWorkflowId } from '../../workflows/cycle/definitions';
import { closingDistrict, forwardFromDistrict } from '../helpers/forwarding';
import { binary, eventually, linkIn, mailbox, signInStaff, TEST_TOKEN } from '../helpers/harness';
import { useTimeSkipping } from '../helpers/time-skipping';

interface ForwardView {
  forwardId: string;
  status: string;
  decision?: { status: string; approved: number; returned: number; returns: { n: number; person?: string; comment?: string }[]; reported?: string; items: { n: number; decision?: string; comment?: string }[] };
}

describe('a cycle below that closed before the parent decided (time-skipping, two cycles)', () => {
  const ts = useTimeSkipping('forward-after-close');

  test('the year closes; a later decision is recorded, shown, mailed once and exported', async () => {
    const t = await ts.begin();
    const { env, h, year } = t;
    // No deadline for the province's council: before, the district's year waited for it without end.
    const c = closingDistrict(year, { id: 'mttq-tan-phu', name: 'Ủy ban MTTQ Việt Nam huyện Tân Phú' }, 'vanphong@tanphu.test');
    const { child, parent } = c;
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const outcomeMails = async (to: string) => mailbox(h, to, /\[Kết quả xét đề nghị\]/);
    const outgoing = async () => {
      const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(child)}/forwards`).set(auth);
      expect(r.status).toBe(200);
      return r.body.outgoing as ForwardView[];
    };
    const exported = async () => {
      const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(child)}/export.zip`).set(auth).buffer(true).parse(binary);
      expect(r.status).toBe(200);
      const zip = await JSZip.loadAsync(r.body as Buffer);
      return JSON.parse(await zip.file('forwards.json')!.async('string')) as { outgoing: ForwardView[] };
    };
    // The district's coordinator (a staff account) is told as well as its secretariat.
    await signInStaff(h, 'dieuphoi@tanphu.test', ['coordinator']);

    await h.runWorker(async () => {
      const { asked, forwardId } = await forwardFromDistrict(t, c);

      // The district's year completes with its clusters although the province has not decided.
      const closed = await env.client.workflow.getHandle(cycleWorkflowId(child)).result();
      expect(closed.status).toBe('completed');
      expect(await h.db.models.Cycle.findById(child).lean()).toMatchObject({ status: 'completed' });
      expect((await h.db.models.Forward.findById(forwardId).lean())?.decidedAt).toBeUndefined();
      expect((await outgoing())[0]).toMatchObject({ status: 'delivered', decision: { status: 'deciding', approved: 0, returned: 0, returns: [] } });
      expect((await exported()).outgoing[0].decision).toMatchObject({ status: 'deciding' });
      const archived = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(child)}/archive`).set(auth).send({ reason: 'Hết năm' });
      expect(archived.status).toBe(200);
      expect(await outcomeMails('vanphong@tanphu.test')).toHaveLength(0);

      // The province council decides afterwards, through its usual link.
      const decided = await supertest(h.app).post(linkIn(asked.text)).type('form').send({ 'd.0': 'approve', 'd.1': 'return', 'c.1': 'Bổ sung tờ trình của đơn vị' });
      expect(decided.status).toBe(200);
      const [shown] = await eventually(async () => {
        const o = await outgoing();
        return o[0]?.decision?.reported === 'mail' && o;
      }, 'the decision on the closed year');
      expect(shown).toMatchObject({
        forwardId,
        status: 'decided',
        decision: {
          status: 'decided',
          approved: 1,
          returned: 1,
          returns: [{ n: 1, person: 'Trần Văn Cường', comment: 'Bổ sung tờ trình của đơn vị' }],
          items: [{ n: 0, decision: 'approve' }, { n: 1, decision: 'return', comment: 'Bổ sung tờ trình của đơn vị' }],
        },
      });
      const row = await h.db.models.Forward.findById(forwardId).lean();
      expect(row?.decidedAt).toBeInstanceOf(Date);
      expect(row?.outcomeAnnouncedAt).toBeInstanceOf(Date);

      // Mailed once to the secretariat and to the coordinator, with the comment.
      for (const to of ['vanphong@tanphu.test', 'dieuphoi@tanphu.test']) {
        const mails = await outcomeMails(to);
        expect([to, mails.length]).toEqual([to, 1]);
        expect(mails[0].text).toContain('Bổ sung tờ trình của đơn vị');
      }
      // Archived, the year is read-only: its returned item cannot be sent again from it.
      const resend = await supertest(h.app).post(`/api/cycles/${encodeURIComponent(child)}/forwards/${encodeURIComponent(forwardId)}/resend`).set(auth).send({ items: [1] });
      expect([resend.status, resend.body.error?.code]).toEqual([409, 'archived']);
      // The archived year's export, made after the decision, holds it.
      expect((await exported()).outgoing[0]).toMatchObject({ forwardId: forwardId, status: 'decided', decision: { approved: 1, returned: 1 } });

      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/forward-after-close.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        const dir = path.resolve(__dirname, '../histories');
        for (const [name, id] of [
          ['parent-cycle', cycleWorkflowId(parent)],
          ['child-cycle', cycleWorkflowId(child)],
        ]) {
          fs.writeFileSync(path.join(dir, `forward-after-close.${name}.json`), historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
        }
      }
      await env.client.workflow.getHandle(cycleWorkflowId(parent)).terminate('test over');
    });
  }, 300_000);
});
