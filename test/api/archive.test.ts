/**
 * A closed year exported and archived (time-skipping, real worker, MongoDB-compatible server and SMTP):
 * a cluster self-scores, votes by secret ballot and gets its results; the coordinator closes the year;
 * the export holds the documents, scores, ballot results (nothing that links a voter to their marks),
 * the audit and the read model, with a manifest whose checksums match; `thidua cycle export` writes the
 * same zip; archiving makes the cycle read-only (every change 409, links too).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId } from '../../workflows/cycle/definitions';
import { eventually, latestMail, linkIn, TEST_TOKEN } from '../helpers/harness';
import { ballotYearEndPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';
import { mailOf, SELF_SCORES, submitSelfScores, UNITS, vote } from '../helpers/year-end';

const root = path.resolve(__dirname, '../..');
const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const thidua = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root, env: { ...process.env, API_TOKEN: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

async function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(buf);
  const out = new Map<string, Buffer>();
  for (const f of Object.values(zip.files)) if (!f.dir) out.set(f.name, await f.async('nodebuffer'));
  return out;
}

describe('a closed year: export and archive', () => {
  const ts = useTimeSkipping('archive');

  test('the zip holds the year with checksums; archived, the cycle refuses every change', async () => {
    const { env, h, year, sleepUntil } = await ts.begin();
    const plan = ballotYearEndPlan(year, 'mttq-luu-tru', { of: 'valid-ballots', share: 0.3, strict: false });
    const cycleId = `thidua:mttq-luu-tru:${year}`;
    const cycleUrl = `/api/cycles/${encodeURIComponent(cycleId)}`;
    const clusterWf = clusterWorkflowId(cycleId, 'cum-1');
    const firstMail = (to: string, re: RegExp) => latestMail(h, to, re);
    let server: Server | undefined;

    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      // A running year is neither exported nor archived.
      const open = await supertest(h.app).get(`${cycleUrl}/export.zip`).set(auth);
      expect([open.status, open.body.error?.code]).toEqual([409, 'cycle_open']);
      expect((await supertest(h.app).post(`${cycleUrl}/archive`).set(auth).send({})).status).toBe(409);
      expect((await supertest(h.app).get(`${cycleUrl}/export.zip`)).status).toBe(401);

      // Self-scores (the classes come from them), then the meeting's secret ballot.
      await sleepUntil(`${year}-10-01T03:00:00Z`);
      await submitSelfScores(h, SELF_SCORES);
      await sleepUntil(`${year}-12-03T01:30:00Z`);
      const ballots = Object.fromEntries(await Promise.all(UNITS.map(async (u) => [u, linkIn((await firstMail(mailOf(u), /\[Phiếu suy tôn\] Cờ thi đua/)).text)])));
      expect((await vote(h, ballots['xa-phu-tan'], ['xa-phu-vinh'])).res.status).toBe(200);
      expect((await vote(h, ballots['xa-phu-vinh'], ['xa-phu-tan'])).res.status).toBe(200);
      expect((await vote(h, ballots['xa-phu-loi'], ['xa-phu-tan'])).res.status).toBe(200);
      const state = await eventually(async () => {
        const s = await env.client.workflow.getHandle(clusterWf).query(clusterStateQuery);
        return ['results', 'done'].includes(s.yearEnd!.phase) ? s : undefined;
      }, 'the results');
      expect(state.yearEnd!.awards[0].elected).toEqual(['xa-phu-tan']);
      await eventually(async () => (await h.db.models.ClusterYearEnd.findOne({ cycleId, phase: { $in: ['results', 'done'] } }).lean()) ?? undefined, 'the results in the read model');
      const receipts = state.yearEnd!.awards[0].rounds[0].voted.map((v) => v.receipt);
      expect(receipts).toHaveLength(3);
      const boxRows = await h.db.models.Ballot.find({}).lean();
      expect(boxRows.length).toBeGreaterThanOrEqual(3);

      // The results are sent and the minutes generated; then the coordinator closes the year.
      await firstMail(mailOf('xa-phu-vinh'), /\[Kết quả\] Bỏ phiếu suy tôn/);
      await eventually(async () => (await h.db.conn.db!.collection('documents.files').findOne({ 'metadata.kind': 'minutes' })) ?? undefined, 'the minutes');
      expect((await supertest(h.app).post(`${cycleUrl}/cancel`).set(auth).send({ reason: 'Kết thúc năm thi đua' })).status).toBe(202);
      await eventually(async () => ((await h.db.models.Cycle.findById(cycleId).lean())?.status === 'cancelled' ? true : undefined), 'the cycle closed', 180_000);
      // Until each cluster has closed too, the export waits (409): its read model is still being written.
      await eventually(async () => {
        const r = await supertest(h.app).get(`${cycleUrl}/export.zip`).set(auth);
        if (r.status === 409) expect(r.body.error.code).toBe('cycle_closing');
        return r.status === 200 ? true : undefined;
      }, 'every cluster closed', 180_000);

      // The export.
      const res = await supertest(h.app).get(`${cycleUrl}/export.zip`).set(auth).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      const files = await unzip(res.body as Buffer);
      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as { cycleId: string; status: string; files: { path: string; bytes: number; sha256: string }[] };
      expect(manifest).toMatchObject({ format: 'thidua-archive/v1', cycleId, status: 'cancelled' });
      // Every file but the manifest is listed once, with its true size and checksum.
      expect(manifest.files.map((f) => f.path).sort()).toEqual([...files.keys()].filter((p) => p !== 'manifest.json').sort());
      for (const f of manifest.files) expect([f.path, files.get(f.path)!.length, sha256(files.get(f.path)!)]).toEqual([f.path, f.bytes, f.sha256]);

      // Documents: the year's plan, and the cluster's year-end documents, as stored in GridFS.
      const paths = [...files.keys()];
      expect(paths).toEqual(expect.arrayContaining(['documents/plan-v1.docx', 'documents/plan-v1.html']));
      expect(paths.some((p) => /^documents\/clusters\/cum-1\/score-table-v\d+\.xlsx$/.test(p))).toBe(true);
      expect(paths.some((p) => /^documents\/clusters\/cum-1\/minutes-v\d+\.docx$/.test(p))).toBe(true);
      expect(files.get('documents/plan-v1.docx')!.subarray(0, 2).toString()).toBe('PK');
      // Scores and classes; ballot results and who took part.
      const scoreFile = JSON.parse(files.get('scores/cum-1.json')!.toString('utf8')) as { units: { unitId: string; total: number; bandId: string }[] };
      expect(Object.fromEntries(scoreFile.units.map((u) => [u.unitId, u.total]))).toEqual({ 'xa-phu-tan': 80, 'xa-phu-vinh': 75, 'xa-phu-loi': 60 });
      const ballotFile = JSON.parse(files.get('ballots/cum-1.json')!.toString('utf8')) as { awards: { awardId: string; elected: string[]; rounds: { participants: string[]; result: { valid: number; votes: Record<string, number> } }[] }[] };
      expect(ballotFile.awards[0]).toMatchObject({ awardId: 'co-thi-dua', elected: ['xa-phu-tan'] });
      expect(ballotFile.awards[0].rounds[0].participants).toEqual([...UNITS].sort());
      expect(ballotFile.awards[0].rounds[0].result).toMatchObject({ valid: 3, votes: { 'xa-phu-tan': 2, 'xa-phu-vinh': 1 } });
      // Nothing in the whole zip could link a voter to their marks: no receipt, no ballot-box row id.
      const everything = [...files.values()].map((b) => b.toString('latin1')).join('\n');
      for (const secret of [...receipts, ...boxRows.map((b) => String(b._id))]) expect(everything.includes(secret)).toBe(false);
      expect(paths.some((p) => /ballot-box|ballots\.json$/.test(p))).toBe(false);
      // The audit and the read model.
      const audit = JSON.parse(files.get('audit.json')!.toString('utf8')) as { action: string; target: string }[];
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['cycle.start', 'step.submit', 'cycle.cancel']));
      expect(audit.every((a) => a.target.startsWith(cycleId))).toBe(true);
      expect(JSON.parse(files.get('read-model/cycle.json')!.toString('utf8'))).toMatchObject({ _id: cycleId, status: 'cancelled' });
      expect((JSON.parse(files.get('read-model/step-states.json')!.toString('utf8')) as unknown[]).length).toBeGreaterThan(0);

      // The CLI writes the same zip (the same files, the same checksums).
      server = h.app.listen(0, '127.0.0.1');
      await new Promise((r) => server!.once('listening', r));
      const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-export-')), 'year.zip');
      const cli = await thidua('cycle', 'export', cycleId, '--out', out, '--api', apiBase, '--token', TEST_TOKEN);
      expect([cli.code, cli.stderr]).toEqual([0, '']);
      expect(cli.stdout).toContain(`exported ${cycleId} to ${out}`);
      const fromCli = await unzip(fs.readFileSync(out));
      expect(JSON.parse(fromCli.get('manifest.json')!.toString('utf8')).files).toEqual(manifest.files);

      // Archived: once; then read-only.
      const archived = await thidua('cycle', 'archive', cycleId, '--reason', 'Lưu trữ năm', '--api', apiBase, '--token', TEST_TOKEN);
      expect([archived.code, archived.stderr]).toEqual([0, '']);
      expect(archived.stdout).toContain(`archived ${cycleId}`);
      const again = await supertest(h.app).post(`${cycleUrl}/archive`).set(auth).send({});
      expect([again.status, again.body.error.code]).toEqual([409, 'archived']);
      expect((await supertest(h.app).get(cycleUrl).set(auth)).body.cycle.archivedAt).toEqual(expect.any(String));
      for (const [p, body] of [
        ['/cancel', { reason: 'lại' }],
        ['/stages/registration/deadline', { deadline: `${year}-12-20` }],
        ['/clusters/cum-1/meeting', { date: `${year}-12-10` }],
        ['/units/xa-phu-loi/withdraw', { reason: 'x' }],
        ['/units/xa-phu-loi/people', { role: 'contact', email: mailOf('xa-phu-loi'), person: { name: 'A', email: 'a@units.test' } }],
      ] as const) {
        const r = await supertest(h.app).post(`${cycleUrl}${p}`).set(auth).send(body);
        expect([p, r.status, r.body.error?.code]).toEqual([p, 409, 'archived']);
      }
      expect((await supertest(h.app).post(`${cycleUrl}/cancel`).send({ reason: 'x' })).status).toBe(401);
      // A link of the archived year: refused, nothing recorded.
      const uses = await h.db.models.LinkUse.countDocuments();
      const req = await firstMail(mailOf('xa-phu-loi'), /Đề nghị đăng ký/);
      const link = await supertest(h.app).post(linkIn(req.text)).type('form').send({ action: 'submit', round: '1', content: 'muộn', targets: 'muộn' });
      expect(link.status).toBe(409);
      expect(link.text).toContain('archived');
      expect(await h.db.models.LinkUse.countDocuments()).toBe(uses);
      expect(await h.db.models.Audit.countDocuments({ action: 'cycle.archive', target: cycleId })).toBe(1);
      // Still exported after, with the same content (the read model marks it archived).
      const after = await unzip((await supertest(h.app).get(`${cycleUrl}/export.zip`).set(auth).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })).body as Buffer);
      const m2 = JSON.parse(after.get('manifest.json')!.toString('utf8')) as { archivedAt?: string; files: { path: string }[] };
      expect(m2.archivedAt).toEqual(expect.any(String));
      expect(m2.files.map((f) => f.path)).toEqual(manifest.files.map((f) => f.path));
    });
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  }, 400_000);
});
