/**
 * The lost-link mail's share of a council deciding a cluster's nominations of persons: the link its
 * request carried (workflows/cycle/nominations.ts: the cluster's workflow, step `nominations:<cluster>`,
 * role `council`, expiring with the nominations stage), while some nomination is still undecided.
 * The council member is read from the cluster's stored plan, the list from its projection.
 */
import { linkExpiry } from '../rules/link-expiry';
import { nominationsLinkStep, type ClusterNominationsInput, type NominationListState } from '../workflows/cycle/definitions';
import type { Models } from './db';
import { createLinkToken, linkUrl } from './links';
import type { Lang } from './mail/render';

export interface NominationsLostLink {
  unitName: string;
  step: string;
  stepTitle: string;
  role: 'council';
  link: string;
  dueAt: Date;
}

const TITLE: Record<Lang, string> = { vi: 'Quyết định đề nghị khen thưởng cá nhân của cụm', en: "Decide the cluster's nominations of persons" };

export async function nominationsLinksFor(models: Models, secret: { publicBaseUrl: string; linkSecret: string }, email: string, lang: Lang, now: Date): Promise<NominationsLostLink[]> {
  const plans = await models.ClusterPlan.find({ nominations: { $exists: true } }, { nominations: 1, name: 1 }).lean();
  const out: NominationsLostLink[] = [];
  for (const plan of plans) {
    const input = plan.nominations as ClusterNominationsInput;
    if (input.council?.email?.toLowerCase() !== email) continue;
    const x = Math.floor(Date.parse(linkExpiry(input.schedule.graceEndsAt)) / 1000);
    if (x * 1000 <= now.getTime()) continue;
    const row = await models.ClusterNominations.findById(plan._id).lean();
    const state = row ? (JSON.parse(row.state) as NominationListState) : undefined;
    if (!row || state?.phase !== 'deciding' || !state.items.some((i) => !i.decision)) continue;
    const step = nominationsLinkStep(row.clusterId);
    const token = createLinkToken(secret.linkSecret, { w: row.workflowId, s: step, r: 'council', p: input.council.email, x });
    out.push({ unitName: input.clusterName ?? plan.name, step, stepTitle: TITLE[lang], role: 'council', link: linkUrl(secret.publicBaseUrl, token), dueAt: new Date(input.schedule.dueAt) });
  }
  return out;
}
