/** Shared by the forwarding tests (a district's council forwarding nominations to the province). */
import { nominationForm } from './awards';
import { actThroughLink, eventually, linkIn, mailbox, type Harness } from './harness';
import { mailOf } from './year-end';

/**
 * Their start, once the nominations are open: Phú Tân nominates Nguyễn Văn An and Phú Vinh Trần Văn
 * Cường for the Kỷ niệm chương through their requests' links, and their follower (an@mttq.test)
 * approves both lists.
 */
export async function nominateTanAndVinh(h: Harness) {
  const first = (to: string, re: RegExp) => eventually(async () => (await mailbox(h, to, re))[0], `${re} #1 to ${to}`);
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
  const first = (to: string, re: RegExp) => eventually(async () => (await mailbox(h, to, re))[0], `${re} #1 to ${to}`);
  for (const u of units) {
    const request = await first(mailOf(u.id), /Đề nghị đăng ký thi đua/);
    expect((await actThroughLink(h, linkIn(request.text), { action: 'submit', content: 'Nội dung thi đua', targets: 'Chỉ tiêu' })).status).toBe(200);
    const review = await first('an@mttq.test', new RegExp(`\\[Thẩm định\\].*${u.name}`));
    expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);
  }
}
