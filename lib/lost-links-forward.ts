/**
 * The lost-link mail's share of the parent council's work: every forward from a body below that its
 * council is still deciding, for each council member — the same link the council's request carried
 * (workflows/cycle/forward-decision.ts: the parent cycle's workflow, step `forward:<forwardId>`, role
 * `council`, the decision's expiry), read from the forward's projected row.
 */
import { cycleWorkflowId, forwardLinkStep, type ForwardDecisionState, type ForwardInput } from '../workflows/cycle/definitions';
import type { Models } from './db';
import { createLinkToken, linkUrl } from './links';
import type { Lang } from './mail/render';

export interface ForwardLostLink {
  unitName: string;
  step: string;
  stepTitle: string;
  role: 'council';
  link: string;
  dueAt?: Date;
}

const TITLE: Record<ForwardInput['kind'], Record<Lang, string>> = {
  proposal: { vi: 'Quyết định đề nghị khen thưởng tập thể của cấp dưới', en: "Decide the body below's proposal for collective awards" },
  nominations: { vi: 'Quyết định đề nghị khen thưởng cá nhân của cấp dưới', en: "Decide the body below's nominations of persons" },
};

export async function forwardLinksFor(models: Models, secret: { publicBaseUrl: string; linkSecret: string }, email: string, lang: Lang, now: Date): Promise<ForwardLostLink[]> {
  // Asked and not decided yet; the council's addresses are inside the decision's JSON, so they are matched here.
  const rows = await models.Forward.find({ decisionOpenedAt: { $exists: true }, decidedAt: { $exists: false }, decision: { $exists: true } }).lean();
  const out: ForwardLostLink[] = [];
  for (const row of rows) {
    const d = JSON.parse(row.decision!) as ForwardDecisionState;
    const member = d.council.find((c) => c.email.toLowerCase() === email);
    if (d.status !== 'deciding' || !member) continue;
    const x = Math.floor(Date.parse(d.expiresAt) / 1000);
    if (x * 1000 <= now.getTime()) continue;
    const f = JSON.parse(row.forward) as ForwardInput;
    const step = forwardLinkStep(f.forwardId);
    const token = createLinkToken(secret.linkSecret, { w: cycleWorkflowId(f.toCycleId), s: step, r: 'council', p: member.email, x });
    out.push({ unitName: `${f.fromBodyName} – ${f.fromClusterName}`, step, stepTitle: TITLE[f.kind][lang], role: 'council', link: linkUrl(secret.publicBaseUrl, token), ...(d.dueAt ? { dueAt: new Date(d.dueAt) } : {}) });
  }
  return out;
}
