/**
 * Attachments: a unit uploads files through its link (checked by content, size and count), sends them
 * with its submission, the reviewer downloads them by the same kind of link; staff list and download
 * them; the secretariat uploads the signed scan of an issued document (audited as such). Every bad
 * upload is a 4xx naming the field, stores nothing, and the server stays up.
 */
import type { Client } from '@temporalio/client';
import { Document, Packer, Paragraph } from 'docx';
import supertest from 'supertest';
import { clusterDocumentsOwner } from '../../activities/documents';
import { listAttachments } from '../../lib/attachments';
import { listDocuments, storeDocument } from '../../lib/documents/store';
import { createLinkToken } from '../../lib/links';
import { unitStateQuery, unitWorkflowId } from '../../workflows/cycle/definitions';
import { binary, eventually, linkIn, mailbox, signInStaff, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';
import { SAMPLES } from '../helpers/files';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('attachments', () => {
  let client: Client;
  let h: Harness;
  useDevServer({ label: 'attachments', taskQueue: 'attachments-test' }, (s) => ({ h, client } = s));
  const signIn = (email: string, roles: ('coordinator' | 'secretariat' | 'council' | 'viewer')[], clusters?: string[]) => signInStaff(h, email, roles, { clusters });

  test('a unit attaches files to its report, the reviewer downloads them; bad uploads are refused by content', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const p = smallPlan();
    const plan = { ...p, body: { ...p.body, id: 'attachments-check' }, year, stages: { registration: { deadline: `${year}-12-10` } } };
    await h.runWorker(async () => {
      const created = await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);
      const { cycleId } = created.body.cycle as { cycleId: string };
      const wid = unitWorkflowId(cycleId, 'xa-phu-vinh');
      // The request (the launch notice beside it has no step link).
      const mail = await eventually(async () => (await mailbox(h, 'xa-phu-vinh@units.test')).find((m) => /Đề nghị/.test(m.subject ?? '')), 'the request');
      const link = linkIn(mail.text);
      const token = (claims: { w?: string; r: 'unit' | 'reviewer'; p: string }) =>
        `/l/${createLinkToken(h.config.LINK_SECRET, { w: claims.w ?? wid, s: 'registration', r: claims.r, p: claims.p, x: Math.floor(Date.now() / 1000) + 3600 })}`;
      const reviewer = token({ r: 'reviewer', p: 'an@mttq.test' });
      const stored = async () => (await listAttachments(h.db, { workflowId: wid })).length;

      // The page offers the upload form, with its limits.
      const page = await supertest(h.app).get(link).expect(200);
      expect(page.text).toContain(`action="${link}/attachments?lang=vi" enctype="multipart/form-data"`);
      expect(page.text).toContain('name="files" multiple accept=".pdf,.docx,.xlsx,.png,.jpg,.jpeg"');

      // Two good files: stored, listed, ticked for the submission.
      const report = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Báo cáo đăng ký thi đua')] }] }));
      const up = await supertest(h.app).post(`${link}/attachments`).set('Accept', 'application/json').attach('files', report, 'Báo cáo đăng ký.docx').attach('files', SAMPLES.png, 'so-do.png');
      expect(up.status).toBe(201);
      const ids = (up.body.attachments as { id: string; filename: string; type: string; contentType: string }[]).map((a) => a.id);
      expect(up.body.attachments.map((a: { filename: string; type: string }) => [a.filename, a.type])).toEqual([
        ['Báo cáo đăng ký.docx', 'docx'],
        ['so-do.png', 'png'],
      ]);
      // From the page's form (no JSON asked): back to the page.
      const fromForm = await supertest(h.app).post(`${link}/attachments`).attach('files', SAMPLES.pdf, 'ke-hoach.pdf');
      expect([fromForm.status, fromForm.headers.location]).toEqual([303, `${link}?lang=vi#attachments`]);
      const pdfId = (await listAttachments(h.db, { workflowId: wid })).find((a) => a.filename === 'ke-hoach.pdf')!.id;
      expect(await stored()).toBe(3);
      const listed = await supertest(h.app).get(link).expect(200);
      for (const id of [...ids, pdfId]) expect(listed.text).toContain(`name="attachment" value="${id}" checked`);
      expect(listed.text).toContain('Báo cáo đăng ký.docx');

      // Bad uploads: 4xx naming the field, nothing stored.
      const bad: [string, supertest.Test, number, string][] = [
        ['too big', supertest(h.app).post(`${link}/attachments`).attach('files', Buffer.concat([SAMPLES.pdf, Buffer.alloc(10 * 1024 * 1024)]), 'big.pdf'), 413, 'files: a file is larger than 10 MB'],
        ['an .exe renamed .pdf', supertest(h.app).post(`${link}/attachments`).attach('files', SAMPLES.exe, 'bao-cao.pdf'), 415, 'files: bao-cao.pdf is not an accepted file'],
        ['a text file', supertest(h.app).post(`${link}/attachments`).attach('files', Buffer.from('ghi chú'), 'ghi-chu.txt'), 415, 'files: ghi-chu.txt is not an accepted file'],
        ['a PNG named .pdf', supertest(h.app).post(`${link}/attachments`).attach('files', SAMPLES.png, 'scan.pdf'), 415, 'files: scan.pdf: the name says .pdf but the content is PNG'],
        ['an empty file', supertest(h.app).post(`${link}/attachments`).attach('files', Buffer.alloc(0), 'rong.pdf'), 400, 'files: rong.pdf is empty'],
        ['a good file with a bad one', supertest(h.app).post(`${link}/attachments`).attach('files', SAMPLES.pdf, 'tot.pdf').attach('files', SAMPLES.exe, 'xau.pdf'), 415, 'files: xau.pdf is not an accepted file'],
        ['too many files', [1, 2, 3, 4, 5, 6].reduce((t, i) => t.attach('files', SAMPLES.pdf, `f${i}.pdf`), supertest(h.app).post(`${link}/attachments`)), 400, 'files: at most 5 file(s) per upload'],
        ['another field name', supertest(h.app).post(`${link}/attachments`).attach('tep', SAMPLES.pdf, 'a.pdf'), 400, 'tep: unexpected file field'],
        ['no file', supertest(h.app).post(`${link}/attachments`).type('form').send({ files: 'x' }), 400, 'files: no file was sent'],
        [
          'a broken multipart body',
          supertest(h.app).post(`${link}/attachments`).set('Content-Type', 'multipart/form-data; boundary=XYZ').send('--XYZ\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF-1.4'),
          400,
          'files: the upload is not a valid multipart form',
        ],
      ];
      for (const [what, req, status, problem] of bad) {
        const r = await req;
        expect({ what, status: r.status, named: r.text.includes(problem) }).toEqual({ what, status, named: true });
      }
      expect(await stored()).toBe(3);
      expect((await supertest(h.app).get('/health')).status).toBe(200);

      // Who may not upload: the reviewer, a stranger, a forged link.
      expect((await supertest(h.app).post(`${reviewer}/attachments`).attach('files', SAMPLES.pdf, 'a.pdf')).status).toBe(403);
      expect((await supertest(h.app).post(`${token({ r: 'unit', p: 'stranger@else.test' })}/attachments`).attach('files', SAMPLES.pdf, 'a.pdf')).status).toBe(410);
      const [body, sig] = link.slice(3).split('.');
      expect((await supertest(h.app).post(`/l/${body}.${sig.slice(0, -2)}AA/attachments`).attach('files', SAMPLES.pdf, 'a.pdf')).status).toBe(403);
      expect(await stored()).toBe(3);

      // The submission carries the ticked files only; an id of another step is refused, naming the field.
      const round = /name="round" value="(\d+)"/.exec(listed.text)![1];
      const form = (attachments: string[]) => {
        const f = new URLSearchParams({ action: 'submit', round, content: 'Nội dung đăng ký', targets: 'Chỉ tiêu' });
        for (const a of attachments) f.append('attachment', a);
        return f.toString();
      };
      const loiLink = linkIn((await eventually(async () => (await mailbox(h, 'xa-phu-loi@units.test')).find((m) => /Đề nghị/.test(m.subject ?? '')), "another unit's request")).text);
      const foreign = (await supertest(h.app).post(`${loiLink}/attachments`).set('Accept', 'application/json').attach('files', SAMPLES.jpeg, 'anh.jpg').expect(201)).body.attachments[0].id as string;
      const refused = await supertest(h.app).post(link).type('form').send(form([ids[0], foreign]));
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(`attachment: ${foreign} is not a file of this step`);
      expect((await supertest(h.app).post(link).type('form').send(form(['../../etc/passwd']))).text).toContain('attachment: not a file id');
      const sent = await supertest(h.app).post(link).type('form').send(form(ids));
      expect(sent.status).toBe(200);
      const step = (await client.workflow.getHandle(wid).query(unitStateQuery)).steps.registration!;
      expect(step.status).toBe('submitted');
      expect(JSON.parse(step.submission!.fields.attachments)).toEqual(ids);

      // The reviewer's page lists them with download links; downloading changes nothing.
      const review = await eventually(async () => {
        const r = await supertest(h.app).get(reviewer);
        return r.text.includes('Báo cáo đăng ký.docx') ? r : undefined;
      }, "the reviewer's page with the files");
      expect(review.text).toContain(`href="${reviewer}/attachments/${ids[0]}"`);
      expect(review.text).toContain(`href="${reviewer}/attachments/${ids[1]}"`);
      expect(review.text).not.toContain(pdfId); // uploaded, not sent
      const audits = await h.db.models.Audit.countDocuments();
      const file = await supertest(h.app).get(`${reviewer}/attachments/${ids[0]}`).buffer(true).parse(binary).expect(200);
      expect(file.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      expect(file.headers['content-disposition']).toBe(`attachment; filename="Bao cao dang ky.docx"; filename*=UTF-8''${encodeURIComponent('Báo cáo đăng ký.docx')}`);
      expect(file.headers['x-content-type-options']).toBe('nosniff');
      expect((file.body as Buffer).equals(report)).toBe(true);
      expect((await supertest(h.app).get(`${link}/attachments/${ids[1]}`).buffer(true).parse(binary).expect(200)).body).toEqual(SAMPLES.png);
      expect(await h.db.models.Audit.countDocuments()).toBe(audits);
      expect((await client.workflow.getHandle(wid).query(unitStateQuery)).steps.registration!.status).toBe('submitted');
      // Another step's file, an unknown id, a forged link: nothing is served.
      expect((await supertest(h.app).get(`${reviewer}/attachments/${foreign}`)).status).toBe(404);
      expect((await supertest(h.app).get(`${reviewer}/attachments/000000000000000000000000`)).status).toBe(404);
      expect((await supertest(h.app).get(`/l/${body}.${sig.slice(0, -2)}AA/attachments/${ids[0]}`)).status).toBe(403);
      // The unit may no longer upload while the reviewer holds the report.
      expect((await supertest(h.app).post(`${link}/attachments`).attach('files', SAMPLES.pdf, 'muon.pdf')).status).toBe(403);

      // Staff list and download them (any role, cluster scope); nobody without credentials.
      const list = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments?unitId=xa-phu-vinh`).set(auth).expect(200);
      expect(list.body.attachments.map((a: { filename: string; clusterId: string; uploadedBy: string }) => [a.filename, a.clusterId, a.uploadedBy])).toEqual([
        ['Báo cáo đăng ký.docx', 'cum-1', 'xa-phu-vinh@units.test'],
        ['so-do.png', 'cum-1', 'xa-phu-vinh@units.test'],
        ['ke-hoach.pdf', 'cum-1', 'xa-phu-vinh@units.test'],
      ]);
      expect((await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments`)).status).toBe(401);
      const viewer2 = await signIn('xem-cum-2@mttq.test', ['viewer'], ['cum-2']);
      expect((await viewer2.agent.get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments`).expect(200)).body.attachments).toEqual([]);
      expect((await viewer2.agent.get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments/${ids[0]}`)).status).toBe(404);
      const staffFile = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments/${ids[1]}`).set(auth).buffer(true).parse(binary).expect(200);
      expect(staffFile.body).toEqual(SAMPLES.png);
      const uploads = await h.db.models.Audit.find({ action: 'attachment.upload', target: `${wid}:registration` }).lean();
      expect(uploads.map((a) => a.actor)).toEqual(['link:xa-phu-vinh@units.test', 'link:xa-phu-vinh@units.test']);
      await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });

  test('the secretariat uploads the signed scan of an issued document; other roles are refused', async () => {
    const cycleId = `thidua:scan-check:${new Date().getUTCFullYear() + 1}`;
    await storeDocument(h.db, { cycleId, kind: 'plan', format: 'docx', content: Buffer.from('v1'), source: 'v1' });
    await storeDocument(h.db, { cycleId, kind: 'plan', format: 'docx', content: Buffer.from('v2'), source: 'v2' });
    await storeDocument(h.db, { cycleId: clusterDocumentsOwner(cycleId, 'cum-1'), kind: 'minutes', format: 'docx', content: Buffer.from('m'), source: 'm' });
    const scans = `/api/cycles/${encodeURIComponent(cycleId)}/documents/plan/scans`;
    const clusterScans = `/api/cycles/${encodeURIComponent(cycleId)}/clusters/cum-1/documents/minutes/scans`;

    const secretariat = await signIn('van-thu@mttq.test', ['secretariat']);
    const ok = await secretariat.agent.post(scans).set('X-CSRF-Token', secretariat.csrf).attach('file', SAMPLES.pdf, 'KH-109 đã ký.pdf');
    expect(ok.status).toBe(201);
    expect(ok.body.scan).toMatchObject({ purpose: 'scan', documentKind: 'plan', documentVersion: 2, uploadedBy: 'van-thu@mttq.test', type: 'pdf', filename: 'KH-109 đã ký.pdf' });
    const audit = await h.db.models.Audit.findOne({ action: 'document.signed-scan', target: `${cycleId}:plan` }).lean();
    expect(audit).toMatchObject({ actor: 'van-thu@mttq.test', details: { signedScan: true, uploadedBy: 'staff', version: 2, attachmentId: ok.body.scan.id } });
    // An older version, named; a picture of it; the cluster's minutes by a coordinator of that cluster.
    const v1 = await secretariat.agent.post(scans).set('X-CSRF-Token', secretariat.csrf).field('version', '1').attach('file', SAMPLES.jpeg, 'trang-1.jpg');
    expect([v1.status, v1.body.scan?.documentVersion]).toEqual([201, 1]);
    const coordinator1 = await signIn('dieu-phoi-cum-1@mttq.test', ['coordinator'], ['cum-1']);
    expect((await coordinator1.agent.post(clusterScans).set('X-CSRF-Token', coordinator1.csrf).attach('file', SAMPLES.png, 'bb.png')).status).toBe(201);
    const listed = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments?purpose=scan`).set(auth).expect(200);
    expect(listed.body.attachments.map((a: { documentKind: string; documentVersion: number }) => `${a.documentKind} v${a.documentVersion}`)).toEqual(['plan v2', 'plan v1', 'minutes v1']);

    // Refused: without CSRF, other roles, another cluster, no credentials.
    const noCsrf = await secretariat.agent.post(scans).attach('file', SAMPLES.pdf, 'a.pdf');
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'csrf']);
    for (const [email, roles] of [
      ['xem@mttq.test', ['viewer']],
      ['hoi-dong@mttq.test', ['council']],
    ] as const) {
      const s = await signIn(email, [...roles]);
      const r = await s.agent.post(scans).set('X-CSRF-Token', s.csrf).attach('file', SAMPLES.pdf, 'a.pdf');
      expect([email, r.status, r.body.error.code]).toEqual([email, 403, 'forbidden']);
    }
    const coordinator2 = await signIn('dieu-phoi-cum-2@mttq.test', ['coordinator'], ['cum-2']);
    expect((await coordinator2.agent.post(clusterScans).set('X-CSRF-Token', coordinator2.csrf).attach('file', SAMPLES.pdf, 'a.pdf')).status).toBe(403);
    expect((await supertest(h.app).post(scans).attach('file', SAMPLES.pdf, 'a.pdf')).status).toBe(401);

    // Bad scans: 4xx naming the field, in the api's error shape.
    const docx = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('x')] }] }));
    const cases: [string, supertest.Test, number, string][] = [
      ['a Word file', supertest(h.app).post(scans).set(auth).attach('file', docx, 'ky.docx'), 415, 'file'],
      ['an .exe renamed .pdf', supertest(h.app).post(scans).set(auth).attach('file', SAMPLES.exe, 'ky.pdf'), 415, 'file'],
      ['empty', supertest(h.app).post(scans).set(auth).attach('file', Buffer.alloc(0), 'ky.pdf'), 400, 'file'],
      ['two files', supertest(h.app).post(scans).set(auth).attach('file', SAMPLES.pdf, 'a.pdf').attach('file', SAMPLES.pdf, 'b.pdf'), 400, 'file'],
      ['too big', supertest(h.app).post(scans).set(auth).attach('file', Buffer.concat([SAMPLES.pdf, Buffer.alloc(10 * 1024 * 1024)]), 'big.pdf'), 413, 'file'],
      ['no file', supertest(h.app).post(scans).set(auth).send({}), 400, 'file'],
      ['an unknown version', supertest(h.app).post(scans).set(auth).field('version', '7').attach('file', SAMPLES.pdf, 'a.pdf'), 400, 'version'],
    ];
    for (const [what, req, status, field] of cases) {
      const r = await req;
      expect({ what, status: r.status, field: r.body.error?.details?.problems?.[0]?.path }).toEqual({ what, status, field });
    }
    expect((await supertest(h.app).post(`/api/cycles/${encodeURIComponent(cycleId)}/documents/minutes/scans`).set(auth).attach('file', SAMPLES.pdf, 'a.pdf')).status).toBe(404);
    expect((await supertest(h.app).get(`/api/cycles/${encodeURIComponent(cycleId)}/attachments?purpose=scan`).set(auth)).body.attachments).toHaveLength(3);
    expect((await supertest(h.app).get('/health')).status).toBe(200);
  });

  test('the paperwork page: a signed scan sent through its form, the CSRF token a field of the form', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const p = smallPlan();
    const plan = { ...p, body: { ...p.body, id: 'paperwork-check' }, year, stages: { registration: { deadline: `${year}-12-10` } } };
    await h.runWorker(async () => {
      const { cycleId } = (await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201)).body.cycle as { cycleId: string };
      await eventually(async () => (await listDocuments(h.db, cycleId)).find((d) => d.kind === 'plan'), 'the plan document');
      const base = `/dashboard/cycles/${encodeURIComponent(cycleId)}`;
      const viewer = await signIn('xem-giay-to@mttq.test', ['viewer']);
      expect((await viewer.agent.get(`${base}/paperwork`)).status).toBe(403);
      const s = await signIn('van-phong-giay-to@mttq.test', ['secretariat']);
      const page = await s.agent.get(`${base}/paperwork`).expect(200);
      expect(page.text).toContain('Kế hoạch không quy định số đơn vị tối thiểu'); // no quorum: no attendance form
      const url = `${base}/scans?document=${encodeURIComponent('|plan')}`;
      expect(page.text).toContain(`document=${encodeURIComponent('|plan')}"`);
      expect(page.text).toContain('enctype="multipart/form-data"');
      const scans = async () => (await listAttachments(h.db, { cycleId, purpose: 'scan' })).length;
      // Without the form's token: refused after the fields are read, nothing stored.
      expect((await s.agent.post(url).attach('file', SAMPLES.pdf, 'ky.pdf')).status).toBe(403);
      expect((await viewer.agent.post(url).field('_csrf', viewer.csrf).attach('file', SAMPLES.pdf, 'ky.pdf')).status).toBe(403);
      const exe = await s.agent.post(url).field('_csrf', s.csrf).attach('file', SAMPLES.exe, 'ky.pdf');
      expect(exe.status).toBe(415);
      expect(exe.text).toContain('file');
      expect(await scans()).toBe(0);
      const ok = await s.agent.post(url).field('_csrf', s.csrf).attach('file', SAMPLES.pdf, 'KH đã ký.pdf');
      expect(ok.status).toBe(201);
      expect(ok.text).toContain('Đã lưu bản quét đã ký: KH đã ký.pdf (plan, phiên bản 1)');
      expect(await scans()).toBe(1);
      expect((await h.db.models.Audit.findOne({ action: 'document.signed-scan', target: `${cycleId}:plan` }).lean())?.actor).toBe('van-phong-giay-to@mttq.test');
      await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
  });
});
