/** Shared by the year-end tests: the cluster's units, their mail, and casting a ballot through its page. */
import supertest from 'supertest';
import type { Harness } from './harness';

export const UNITS = ['xa-phu-tan', 'xa-phu-vinh', 'xa-phu-loi'] as const;
export const mailOf = (u: string) => `${u}@units.test`;

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
