/** Shared by the year-end tests: the cluster's units, their mail, their self-scores, and casting a ballot through its page. */
import supertest from 'supertest';
import { actThroughLink, latestMail, linkIn, type Harness } from './harness';

export const UNITS = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi'] as const;
export const mailOf = (u: string) => `${u}@units.test`;

/** Self-scores (field → value) totalling 80, 75 and 60: tốt, tốt, hoàn thành when nobody is inspected. */
export const SELF_SCORES: Record<string, Record<string, string>> = {
  'xa-phu-tan': { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '40' },
  'xa-phu-vinh': { 'c.1.1': '25', 'c.1.2': '15', 'c.2.1': '35' },
  'xa-phu-loi': { 'c.1.1': '20', 'c.1.2': '10', 'c.2.1': '30' },
};

/** Each unit submits its self-score (`scores[unit]`) through the link of its latest request for it. */
export async function submitSelfScores(h: Harness, scores: Record<string, Record<string, string>>) {
  for (const u of UNITS) {
    const req = await latestMail(h, mailOf(u), /\[Thi đua .*\] Đề nghị gửi Báo cáo tự chấm điểm/);
    expect((await actThroughLink(h, linkIn(req.text), { action: 'submit', ...scores[u] })).status).toBe(200);
  }
}

/** Opens the ballot page (which carries a fresh nonce) and posts the marks as a browser does. */
export async function vote(h: Harness, link: string, marks: string[]) {
  const page = await supertest(h.app).get(link);
  expect(page.status).toBe(200);
  const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)![1];
  // As a browser sends checkboxes: the same name once per ticked box.
  const body = [`nonce=${nonce}`, ...marks.map((m) => `marks=${m}`)].join('&');
  const res = await supertest(h.app).post(link).type('form').send(body);
  return { res, nonce, body };
}
