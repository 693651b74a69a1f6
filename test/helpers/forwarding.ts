/** Shared by the forwarding tests (a district's council forwarding nominations to the province). */
import supertest from 'supertest';
import { startCycle } from '../../api/services/start-cycle';
import { nominationForm, nominationsPlan } from './awards';
import { actThroughLink, eventually, linkIn, mailbox, TEST_TOKEN, type Harness } from './harness';
import { provincePlan } from './plans';
import type { TimeSkippingTest } from './time-skipping';
import { mailOf } from './year-end';

/** The first message to `to` whose subject matches, once there is one. */
const firstMail = (h: Harness, to: string, re: RegExp) => eventually(async () => (await mailbox(h, to, re))[0], `${re} #1 to ${to}`);

/**
 * Their start, once the nominations are open: Phú Tân nominates Nguyễn Văn An and Phú Vinh Trần Văn
 * Cường for the Kỷ niệm chương through their requests' links, and their follower (an@mttq.test)
 * approves both lists.
 */
export async function nominateTanAndVinh(h: Harness) {
  const first = (to: string, re: RegExp) => firstMail(h, to, re);
  for (const [unit, person] of [
    ['xa-phu-tan', 'Nguyễn Văn An'],
    ['xa-phu-vinh', 'Trần Văn Cường'],
  ]) {
    const link = linkIn((await first(mailOf(unit), /Đề nghị khen thưởng cá nhân/)).text);
    expect((await actThroughLink(h, link, { action: 'submit', ...nominationForm([{ title: 'ky-niem-chuong', name: person, position: 'Chủ tịch', achievements: '15 năm công tác Mặt trận' }]) })).status).toBe(200);
  }
  for (const unit of ['Phú Tân', 'Phú Vinh']) {
    const review = await first('an@mttq.test', new RegExp(`Đề nghị khen thưởng cá nhân.*MTTQ xã ${unit}`));
    expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
  }
}

/**
 * Each unit registers through its request's link and its follower approves it (every unit of the
 * plans here follows an@mttq.test): what a cycle needs, besides its other stages, to complete.
 */
export async function registerUnits(h: Harness, units: { id: string; name: string }[]) {
  const first = (to: string, re: RegExp) => firstMail(h, to, re);
  for (const u of units) {
    const request = await first(mailOf(u.id), /Đề nghị đăng ký thi đua/);
    expect((await actThroughLink(h, linkIn(request.text), { action: 'submit', content: 'Nội dung thi đua', targets: 'Chỉ tiêu' })).status).toBe(200);
    const review = await first('an@mttq.test', new RegExp(`\\[Thẩm định\\].*${u.name}`));
    expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
  }
}

/**
 * A district whose year can complete (one cluster: Phú Tân and Phú Vinh, who nominate; the Kỷ niệm
 * chương is the province's to decide) and the province, whose council (council@tinh.test) has no
 * deadline for what comes up.
 */
export function closingDistrict(year: number, body: { id: string; name: string }, secretariat: string) {
  const base = nominationsPlan(year);
  const members = ['xa-phu-tan', 'xa-phu-vinh'];
  const district = nominationsPlan(year, {
    body: { ...body, parent: 'mttq-dong-nai', parentName: 'Ủy ban MTTQ Việt Nam tỉnh Đồng Nai' },
    notifications: { secretariat: [secretariat] },
    units: base.units.filter((u) => members.includes(u.id)),
    clusters: [{ ...base.clusters[0], members }],
  });
  district.individualAwards![0] = { ...district.individualAwards![0], decidedBy: 'parent' };
  const province = { ...provincePlan(year, `${year}-06-01`, `${year}-06-26`), forwards: { council: ['hd-tinh'] } };
  return { district, province, child: `thidua:${body.id}:${year}`, parent: `thidua:mttq-dong-nai:${year}` };
}

/**
 * Inside a worker: both cycles start; the district's units register and nominate, its council
 * forwards both nominations on 20 April. Returns the forward's id once the province's council is
 * deciding it, and the mail that asks council@tinh.test to (its link decides).
 */
export async function forwardFromDistrict(t: TimeSkippingTest, c: ReturnType<typeof closingDistrict>) {
  const { h, year, sleepUntil } = t;
  const first = (to: string, re: RegExp) => firstMail(h, to, re);
  await startCycle(h.deps, c.province, 'test');
  await startCycle(h.deps, c.district, 'test');
  await sleepUntil(Date.parse(`${year}-02-02T04:00:00Z`));
  await registerUnits(h, c.district.units.map((u) => ({ id: u.id, name: u.name })));
  await sleepUntil(Date.parse(`${year}-04-01T04:00:00Z`));
  await nominateTanAndVinh(h);
  await sleepUntil(Date.parse(`${year}-04-20T04:00:00Z`));
  const councilLink = linkIn((await first('council@mttq.test', /\[Khen thưởng cá nhân\] Cụm thi đua số 1/)).text);
  expect((await supertest(h.app).post(councilLink).type('form').send({ 'd.xa-phu-tan:1': 'forward', 'd.xa-phu-vinh:1': 'forward' })).status).toBe(200);
  const asked = await first('council@tinh.test', new RegExp(`\\[Đề nghị khen thưởng\\] ${c.district.body.name}`));
  const forwardId = await eventually(async () => {
    const r = await supertest(h.app).get(`/api/cycles/${encodeURIComponent(c.child)}/forwards`).set({ Authorization: `Bearer ${TEST_TOKEN}` });
    const f = r.body.outgoing?.[0] as { forwardId: string; decision?: { status: string } } | undefined;
    return f?.decision?.status === 'deciding' && f.forwardId;
  }, 'the decision open on the province');
  return { asked, forwardId };
}

/** The `n`th message (from 0) to `to` whose subject matches, once there is one. */
export const nthMail = (h: Harness, to: string, re: RegExp, n = 0) => eventually(async () => (await mailbox(h, to, re))[n], `${re} #${n + 1} to ${to}`);

/**
 * The district (Định Quán, its secretariat vanphong@huyen.test; the Kỷ niệm chương is the
 * province's to decide) below the province (Đồng Nai), whose council of two (council@tinh.test,
 * pct@tinh.test) decides within five working days, reminded two working days before.
 */
export function districtAndDecidingProvince(year: number) {
  const district = nominationsPlan(year, {
    body: { id: 'mttq-dinh-quan', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán', parent: 'mttq-dong-nai', parentName: 'Ủy ban MTTQ Việt Nam tỉnh Đồng Nai' },
    notifications: { secretariat: ['vanphong@huyen.test'] },
  });
  district.individualAwards![0] = { ...district.individualAwards![0], decidedBy: 'parent' };
  const tinh = provincePlan(year, `${year}-06-01`, `${year}-06-26`);
  const province = {
    ...tinh,
    staff: [...tinh.staff, { id: 'pct-tinh', name: 'Phó Chủ tịch tỉnh', email: 'pct@tinh.test' }],
    forwards: { council: ['hd-tinh', 'pct-tinh'], decideWithin: 5, reminders: [2] },
  };
  return { district, province, child: `thidua:mttq-dinh-quan:${year}`, parent: `thidua:mttq-dong-nai:${year}` };
}
