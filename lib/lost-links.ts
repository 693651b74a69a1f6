/**
 * "I lost my link": a person enters their email address and gets one message listing the links of
 * every step that waits for them — the same tokens their request and reminders carried (the tokens
 * are deterministic) — and, for a council member, every forward from a body below the council is still
 * deciding (lib/lost-links-forward.ts) and every cluster's nominations of persons it is still deciding
 * (lib/lost-links-nominations.ts). It goes only to that address, and only if the plan holds it for an open step
 * (the page answers the same either way, so nobody learns whose addresses are known). One message per
 * address per hour at most: the outbox's business key holds the hour.
 */
import type { Transporter } from 'nodemailer';
import { STEP_KINDS, type StepName } from '../rules/steps';
import { linkExpiry } from '../rules/link-expiry';
import type { Models } from './db';
import { createLinkToken, linkUrl } from './links';
import { forwardLinksFor } from './lost-links-forward';
import { nominationsLinksFor } from './lost-links-nominations';
import { sendOnce } from './mail/outbox';
import type { Lang, MailRenderer } from './mail/render';

export interface LostLinkMailer {
  transport: Transporter;
  renderer: MailRenderer;
  mailFrom: string;
  publicBaseUrl: string;
  linkSecret: string;
}

export interface FoundLink {
  unitName: string;
  step: string;
  stepTitle: string;
  role: 'unit' | 'reviewer' | 'council';
  link: string;
  /** A council's decision may have no deadline (the plan sets none). */
  dueAt?: Date;
}

/**
 * The open steps where `email` must act now: as a contact while the unit answers, as the reviewer while
 * a submission waits, as a council member while a forward waits; soonest due first, undated last.
 */
export async function linksFor(models: Models, mailer: Pick<LostLinkMailer, 'publicBaseUrl' | 'linkSecret'>, email: string, lang: Lang, now: Date): Promise<FoundLink[]> {
  const rows = await models.StepState.find({
    status: { $in: ['open', 'returned', 'submitted'] },
    $or: [{ 'people.contacts': email }, { 'people.reviewer': email }],
  }).lean();
  const out: FoundLink[] = [];
  for (const row of rows) {
    const role = row.status === 'submitted' ? 'reviewer' : 'unit';
    const people = row.people as { contacts?: string[]; reviewer?: string } | undefined;
    if (role === 'unit' ? !people?.contacts?.includes(email) : people?.reviewer !== email) continue;
    const graceEndsAt = (row.state as { schedule?: { graceEndsAt?: string } }).schedule?.graceEndsAt;
    if (!graceEndsAt) continue;
    const x = Math.floor(Date.parse(linkExpiry(graceEndsAt)) / 1000);
    if (x * 1000 <= now.getTime()) continue;
    const token = createLinkToken(mailer.linkSecret, { w: row.workflowId, s: row.step, r: role, p: email, x });
    out.push({ unitName: row.unitName, step: row.step, stepTitle: STEP_KINDS[row.step as StepName]?.title[lang] ?? row.step, role, link: linkUrl(mailer.publicBaseUrl, token), dueAt: row.dueAt });
  }
  out.push(...(await forwardLinksFor(models, mailer, email, lang, now)), ...(await nominationsLinksFor(models, mailer, email, lang, now)));
  const due = (l: FoundLink) => l.dueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return out.sort((a, b) => due(a) - due(b) || a.link.localeCompare(b.link));
}

/** Sends the links to `email` if it has any; returns how many it listed (0: nothing sent). */
export async function sendLostLinks(models: Models, mailer: LostLinkMailer, email: string, lang: Lang, now: Date): Promise<number> {
  const links = await linksFor(models, mailer, email, lang, now);
  if (links.length === 0) return 0;
  const hour = now.toISOString().slice(0, 13);
  const mail = mailer.renderer.render('link.lost', lang, { recipient: { email }, links, count: links.length });
  await sendOnce(models, mailer.transport, { key: `link-lost:${email}:${hour}`, kind: 'link.lost', to: email, from: mailer.mailFrom, ...mail });
  return links.length;
}
