/** The year's plan (Kế hoạch) is generated when a cycle starts, stored with a version, and served. */
import type { Client } from '@temporalio/client';
import JSZip from 'jszip';
import supertest from 'supertest';
import { generatePlanDocuments } from '../../api/services/documents';
import type { Plan } from '../../rules/plan';
import { binary, TEST_TOKEN, useDevServer, type Harness } from '../helpers/harness';
import { darkShare, firstPageGray, pdfText } from '../helpers/pdf';
import { smallPlan } from '../helpers/plans';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('cycle documents', () => {
  let client: Client;
  let h: Harness;
  useDevServer({ label: 'documents', taskQueue: 'documents-test' }, (s) => ({ h, client } = s));

  test('the plan document, as Word and as a printable page', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const plan = {
      ...smallPlan(),
      body: { id: 'docs-check', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán', place: 'Định Quán' },
      year,
      document: {
        number: '109',
        signer: { onBehalf: 'TM.' as const, onBehalfOf: 'BAN THƯỜNG TRỰC', title: 'PHÓ CHỦ TỊCH', name: 'Nguyễn Thị Mai' },
        recipients: ['BTT Ủy ban MTTQ tỉnh', 'Các xã, thị trấn'],
      },
      stages: { registration: { opensOn: `${year}-02-01`, deadline: `${year}-03-05` } },
    };
    const cycleId = `thidua:docs-check:${year}`;
    await supertest(h.app).post('/api/cycles').set(auth).send(plan).expect(201);

    const list = await supertest(h.app).get(`/api/cycles/${cycleId}/documents`).set(auth).expect(200);
    expect(list.body.documents.map((d: { kind: string; format: string; version: number }) => [d.kind, d.format, d.version])).toEqual([
      ['plan', 'docx', 1],
      ['plan', 'html', 1],
      ['plan', 'pdf', 1],
    ]);
    expect((await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.docx`)).status).toBe(401);

    const docx = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.docx`).set(auth).buffer(true).parse(binary).expect(200);
    expect(docx.headers['content-type']).toContain('wordprocessingml');
    const xml = await (await JSZip.loadAsync(docx.body as Buffer)).file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    const order = ['ỦY BAN MTTQ VIỆT NAM HUYỆN ĐỊNH QUÁN', 'BAN THƯỜNG TRỰC', `Số: 109/KH-MTTQ-BTT`, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'KẾ HOẠCH', `05/03/${year}`, 'Cụm thi đua số 1', 'MTTQ xã Phú Tân', 'Nơi nhận:', 'Các xã, thị trấn', 'PHÓ CHỦ TỊCH', 'Nguyễn Thị Mai'];
    let at = -1;
    for (const part of order) {
      const i = text.indexOf(part, at + 1);
      expect([part, i > at]).toEqual([part, true]);
      at = i;
    }

    const html = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.html`).set(auth).expect(200);
    expect(html.text).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(html.text).toContain(`01/02/${year}`);

    // The PDF, printed by Chromium: page 1 has ink; its text has the national header and the number.
    const pdf = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.pdf`).set(auth).buffer(true).parse(binary).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="plan-v1.pdf"');
    expect(pdf.headers['x-document-version']).toBe('1');
    expect(darkShare(firstPageGray(pdf.body as Buffer))).toBeGreaterThan(0.01);
    const pdfWords = pdfText(pdf.body as Buffer).replace(/\s+/g, ' ');
    for (const part of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'Số: 109/KH-MTTQ-BTT', 'KẾ HOẠCH', 'Nơi nhận:', 'Nguyễn Thị Mai']) {
      expect([part, pdfWords.includes(part)]).toEqual([part, true]);
    }
    // The same document as ?format=pdf (or docx, html) on the kind's name.
    const byQuery = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan?format=pdf`).set(auth).buffer(true).parse(binary).expect(200);
    expect((byQuery.body as Buffer).equals(pdf.body as Buffer)).toBe(true);
    expect((await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan?format=exe`).set(auth)).status).toBe(400);

    // Regenerating the same content adds no version; a changed plan does.
    const cycle = (await h.db.models.Cycle.findById(cycleId).lean())!;
    const stored = cycle.plan as Plan;
    await generatePlanDocuments(h.deps, cycleId, stored, cycle.createdAt);
    expect((await supertest(h.app).get(`/api/cycles/${cycleId}/documents`).set(auth)).body.documents).toHaveLength(3);
    await generatePlanDocuments(h.deps, cycleId, { ...stored, document: { ...stored.document!, number: '110' } }, cycle.createdAt);
    const after = (await supertest(h.app).get(`/api/cycles/${cycleId}/documents`).set(auth)).body.documents;
    expect(after.filter((d: { format: string }) => d.format === 'docx').map((d: { version: number }) => d.version)).toEqual([2, 1]);
    expect(after.filter((d: { format: string }) => d.format === 'pdf').map((d: { version: number }) => d.version)).toEqual([2, 1]);
    const pdf2 = await supertest(h.app).get(`/api/cycles/${cycleId}/documents/plan.pdf`).set(auth).buffer(true).parse(binary).expect(200);
    expect(pdf2.headers['x-document-version']).toBe('2');
    expect(pdfText(pdf2.body as Buffer)).toContain('Số: 110/KH-MTTQ-BTT');
    await client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
  });
});
