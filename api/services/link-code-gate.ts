/**
 * Which links ask for a one-time code before their POST (plan `security.oneTimeCode`), and the check
 * itself (lib/link-codes.ts). The council's decision is the reviewer's action on the cluster's award
 * proposal; the ballot is a voter's link. Everything else acts without a code.
 */
import type { LinkClaims } from '../../lib/links';
import { codeRefusal, issueLinkCode, useLinkCode, type IssueResult, type OneTimeCodeDecision } from '../../lib/link-codes';
import type { Plan } from '../../rules/plan';
import type { AppDeps } from '../deps';
import type { Lang } from '../pages';

export function decisionOf(claims: Pick<LinkClaims, 'r' | 's'>): OneTimeCodeDecision | undefined {
  if (claims.r === 'reviewer' && claims.s === 'award-proposal') return 'council-decision';
  if (claims.r === 'voter') return 'ballot';
  return undefined;
}

export const planAsksCode = (plan: Pick<Plan, 'security'> | undefined, d: OneTimeCodeDecision | undefined): boolean =>
  !!d && !!plan?.security?.oneTimeCode?.includes(d);

/** The cycle and plan behind a link (a unit step's row, or the cluster's year-end row). */
async function planOf(deps: AppDeps, claims: LinkClaims): Promise<{ cycleId: string; plan?: Plan } | undefined> {
  const { models } = deps.db;
  const row =
    claims.r === 'voter'
      ? await models.ClusterYearEnd.findOne({ workflowId: claims.w }, { cycleId: 1 }).lean()
      : await models.StepState.findById(`${claims.w}:${claims.s}`, { cycleId: 1 }).lean();
  if (!row) return undefined;
  const cycle = await models.Cycle.findById(row.cycleId, { plan: 1 }).lean();
  return { cycleId: row.cycleId, plan: cycle?.plan as Plan | undefined };
}

/** The decision this link's POST needs a code for, if its plan asks for one. */
export async function codeNeededFor(deps: AppDeps, claims: LinkClaims): Promise<{ decision: OneTimeCodeDecision; cycleId: string } | undefined> {
  const decision = decisionOf(claims);
  if (!decision) return undefined;
  const found = await planOf(deps, claims);
  return found && planAsksCode(found.plan, decision) ? { decision, cycleId: found.cycleId } : undefined;
}

const WHAT: Record<OneTimeCodeDecision, Record<Lang, string>> = {
  'council-decision': { vi: 'quyết định của Hội đồng về tờ trình khen thưởng', en: "the council's decision on an award proposal" },
  ballot: { vi: 'bỏ phiếu suy tôn', en: 'casting a ballot' },
};

export type SendCodeOutcome = IssueResult | { ok: false; reason: 'not-needed' | 'no-mailer' | 'revoked' };

/** Emails a new code to the link's holder (the address the link was issued to). */
export async function sendLinkCode(deps: AppDeps, claims: LinkClaims, tokenId: string, lang: Lang): Promise<SendCodeOutcome> {
  const needed = await codeNeededFor(deps, claims);
  if (!needed) return { ok: false, reason: 'not-needed' };
  if (claims.r === 'reviewer') {
    // A council member who was replaced keeps a validly signed link: no code goes to their address.
    const row = await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`, { people: 1 }).lean();
    const reviewer = (row?.people as { reviewer?: string } | undefined)?.reviewer;
    if (reviewer && reviewer !== claims.p) return { ok: false, reason: 'revoked' };
  }
  if (!deps.mailer) return { ok: false, reason: 'no-mailer' };
  return issueLinkCode(
    deps.db.conn,
    deps.db.models,
    { ...deps.mailer, mailFrom: deps.config.MAIL_FROM },
    { secret: deps.config.LINK_SECRET, tokenId, to: claims.p, lang, what: WHAT[needed.decision][lang], now: deps.now(), cycleId: needed.cycleId },
  );
}

/**
 * Before the action: undefined when it may go on (no code asked, or the right one, now used up);
 * otherwise the refusal to show — nothing else has changed.
 */
export async function checkLinkCode(deps: AppDeps, claims: LinkClaims, tokenId: string, code: unknown): Promise<{ status: number; vi: string; en: string } | undefined> {
  if (!(await codeNeededFor(deps, claims))) return undefined;
  const r = await useLinkCode(deps.db.conn, { secret: deps.config.LINK_SECRET, tokenId, code, now: deps.now() });
  if (r.ok) return undefined;
  await deps.db.models.Audit.create({ at: deps.now(), actor: claims.p, action: 'link.code-refused', target: `${claims.w}:${claims.s}`, details: { reason: r.reason } });
  return codeRefusal(r);
}
