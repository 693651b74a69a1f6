/**
 * A returned forward sent up again (two cycles on one time-skipping server): the district's year has
 * completed when the province's council returns one of its two nominations with a comment; the
 * district's coordinator re-sends it (POST /api/cycles/:id/forwards/:forwardId/resend). Refused
 * before the decision, for an approved item, for a bad body, and once re-sent otherwise; the same
 * request twice is one forward. The new forward reaches the province like a first one, its council
 * decides it through its usual link, and the district's secretariat learns that outcome too.
 */
import supertest from 'supertest';
import { cycleWorkflowId } from '../../workflows/cycle/definitions';
import { closingDistrict, forwardFromDistrict } from '../helpers/forwarding';
import { eventually, linkIn, mailbox, TEST_TOKEN } from '../helpers/harness';
import { useTimeSkipping } from '../helpers/time-skipping';

interface ForwardView {
  forwardId: string;
  status: string;
  items: { person?: { name: string } }[];
  comment?: string;
  resendOf?: { forwardId: string; items: number[] };
  resentAs?: string;
  decision?: { status: string; approved: number; returned: number; reported?: string };
}

describe('a returned forward sent again (time-skipping, two cycles)', () => {
  const ts = useTimeSkipping('forward-resend');

  test('the coordinator re-sends the returned item; the parent council decides it again', async () => {
    const t = await ts.begin();
    const { env, h } = t;
    const c = closingDistrict(t.year, { id: 'mttq-xuan-loc', name: 'Ủy ban MTTQ Việt Nam huyện Xuân Lộc' }, 'vanphong@xuanloc.test');
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    const forwards = async (cycleId: string) => {
      const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/forwards`).set(auth);
      expect(r.status).toBe(200);
      return r.body as { outgoing: ForwardView[]; incoming: ForwardView[] };
    };
    const askedMails = () => mailbox(h, 'council@tinh.test', /\[Đề nghị khen thưởng\] Ủy ban MTTQ Việt Nam huyện Xuân Lộc/);
    const outcomeMails = () => mailbox(h, 'vanphong@xuanloc.test', /\[Kết quả xét đề nghị\]/);

    await h.runWorker(async () => {
      const { asked, forwardId } = await forwardFromDistrict(t, c);
      const resend = (body: unknown, id = forwardId) => supertest(h.app).post(`/api/cycles/${encodeURIComponent(c.child)}/forwards/${encodeURIComponent(id)}/resend`).set(auth).send(body as object);
      const comment = 'Đã bổ sung tờ trình của đơn vị';

      // Nothing was returned yet: refused, with the reason.
      const early = await resend({ items: [1] });
      expect([early.status, early.body.error.code]).toEqual([409, 'not_decided']);
      // The district's year completes; then the province returns Trần Văn Cường (item 1) with a comment.
      expect((await env.client.workflow.getHandle(cycleWorkflowId(c.child)).result()).status).toBe('completed');
      expect((await supertest(h.app).post(linkIn(asked.text)).type('form').send({ 'd.0': 'approve', 'd.1': 'return', 'c.1': 'Bổ sung tờ trình của đơn vị' })).status).toBe(200);
      await eventually(async () => (await forwards(c.child)).outgoing[0]?.status === 'decided', 'the decision on the district');

      // Bad bodies name the field; an approved item, an unknown forward are refused.
      const bad = await resend({ items: 'một' });
      expect([bad.status, bad.body.error.details.problems[0].path]).toEqual([400, 'items']);
      const twice = await resend({ items: [1, 1] });
      expect([twice.status, twice.body.error.details.problems]).toEqual([400, [{ path: 'items', message: 'an item is named twice' }]]);
      const approved = await resend({ items: [0, 1] });
      expect([approved.status, approved.body.error.code]).toEqual([409, 'not_returned']);
      expect(approved.body.error.message).toContain('item(s) 0 of forward');
      expect((await resend({ items: [1] }, `${forwardId}:x`)).status).toBe(404);

      // Re-sent: a new forward, linked to the first, delivered to the province's cycle.
      const sent = await resend({ items: [1], comment });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({ created: true, delivered: true, forward: { forwardId: `${forwardId}:r2`, resendOf: { forwardId, items: [1] }, comment } });
      expect(sent.body.forward.items.map((i: ForwardView['items'][number]) => i.person?.name)).toEqual(['Trần Văn Cường']);
      // The same request again is the same forward; another one is refused.
      const again = await resend({ items: [1], comment });
      expect([again.status, again.body.created, again.body.forward.forwardId]).toEqual([200, false, `${forwardId}:r2`]);
      const other = await resend({ items: [1], comment: 'Khác' });
      expect([other.status, other.body.error.code]).toEqual([409, 'already_resent']);
      expect(await h.db.models.Forward.countDocuments({ fromCycleId: c.child })).toBe(2);
      expect(await h.db.models.Audit.find({ action: 'forward.resend' }).lean()).toMatchObject([
        { actor: expect.any(String), target: c.child, details: { forwardId: `${forwardId}:r2`, resendOf: forwardId, items: [1], comment } },
      ]);

      // The province's council is asked again, with its usual link, and decides.
      const [, askedAgain] = await eventually(async () => {
        const m = await askedMails();
        return m.length === 2 && m;
      }, 'the second request to the province council');
      expect(askedAgain.text).toContain('Gửi lại');
      expect(askedAgain.text).toContain('Trần Văn Cường');
      expect(askedAgain.text).not.toContain('Nguyễn Văn An');
      expect(askedAgain.text).toContain(comment);
      const page = await supertest(h.app).get(linkIn(askedAgain.text));
      expect([page.status, page.text.includes('name="d.0"'), page.text.includes('name="d.1"')]).toEqual([200, true, false]);
      expect((await supertest(h.app).post(linkIn(askedAgain.text)).type('form').send({ 'd.0': 'approve' })).status).toBe(200);

      // Both cycles show the link; the district (closed) learns the second outcome by mail.
      const after = await eventually(async () => {
        const f = await forwards(c.child);
        return f.outgoing[1]?.decision?.reported === 'mail' && f;
      }, 'the second decision on the district');
      expect(after.outgoing.map((f) => [f.forwardId, f.status, f.resentAs, f.decision?.approved, f.decision?.returned])).toEqual([
        [forwardId, 'decided', `${forwardId}:r2`, 1, 1],
        [`${forwardId}:r2`, 'decided', undefined, 1, 0],
      ]);
      expect((await forwards(c.parent)).incoming.map((f) => [f.forwardId, f.status])).toEqual([
        [forwardId, 'decided'],
        [`${forwardId}:r2`, 'decided'],
      ]);
      expect((await outcomeMails()).length).toBe(2);
      // The district's nominations list names the forward that now carries the re-sent nomination.
      const list = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(c.child)}/nominations`).set(auth);
      expect(list.status).toBe(200);
      const clusters = list.body.clusters as { forwarded: { forwardId: string; resentAs?: string }[]; nominations: { name: string; forwardId?: string; resentAs?: string }[] }[];
      const sentUp = clusters.flatMap((x) => x.nominations).filter((n) => n.forwardId === forwardId);
      const returnedName = after.outgoing[1].items[0].person!.name;
      expect(sentUp.map((n) => [n.name === returnedName, n.resentAs])).toEqual(
        expect.arrayContaining([
          [true, `${forwardId}:r2`],
          [false, undefined],
        ]),
      );
      expect(sentUp).toHaveLength(2);
      expect(clusters.flatMap((x) => x.forwarded).map((x) => [x.forwardId, x.resentAs])).toEqual([[forwardId, `${forwardId}:r2`]]);
      // The re-sent forward was decided and nothing of it was returned: nothing to send again.
      const nothing = await resend({ items: [0] }, `${forwardId}:r2`);
      expect([nothing.status, nothing.body.error.code]).toEqual([409, 'not_returned']);

      await env.client.workflow.getHandle(cycleWorkflowId(c.parent)).terminate('test over');
    });
  }, 300_000);
});
