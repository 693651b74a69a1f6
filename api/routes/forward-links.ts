/**
 * The parent council's link to one forward from below (role `council`, step `forward:<forwardId>`, on
 * the parent cycle's workflow): GET lists every item the council below forwarded (units for a
 * collective title, persons for an individual one) with its decision so far; POST decides every item
 * at once — approve, or return to the body below with a comment — through the cycle workflow's
 * `decideForward` update, whose validator is the final judge (still undecided, a council member or
 * their running substitute, every item decided, a comment for each return).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { cycleWorkflowId, type DecideForwardInput, type ForwardDecisionState, type ForwardInput } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import type { Lang } from '../pages';
import { performUpdate } from '../services/link-actions';
import { roleStandIn } from '../services/role-delegation';
import { sayCouncilOutcome, type Page, type Say, type VerifiedCouncilLink } from './council-links';

export const isForwardLinkStep = (step: string): boolean => step.startsWith('forward:');

/** The form: `d.<n>` approve|return for every item, `c.<n>` the comment (required to return). */
export function forwardDecisionSchema(items: number) {
  const shape: Record<string, z.ZodType> = {};
  for (let n = 0; n < items; n++) {
    shape[`d.${n}`] = z.enum(['approve', 'return'], { error: 'choose approve or return' });
    shape[`c.${n}`] = z.string().trim().max(2000, 'is longer than 2000 characters').optional();
  }
  return z
    .object(shape)
    .superRefine((form, ctx) => {
      for (let n = 0; n < items; n++) {
        if (form[`d.${n}`] === 'return' && !form[`c.${n}`]) ctx.addIssue({ code: 'custom', path: [`c.${n}`], message: 'a return needs a comment' });
      }
    })
    .transform((form): DecideForwardInput['decisions'] =>
      Array.from({ length: items }, (_, n) => {
        const comment = form[`c.${n}`] as string | undefined;
        return { n, decision: form[`d.${n}`] as 'approve' | 'return', ...(comment ? { comment } : {}) };
      }),
    );
}

const label = (d: 'approve' | 'return' | undefined, lang: Lang) =>
  d === undefined ? undefined : lang === 'en' ? { approve: 'Approved', return: 'Returned to the body below' }[d] : { approve: 'Chấp thuận', return: 'Trả lại cấp dưới' }[d];

export function forwardLinks(deps: AppDeps, say: Say, page: Page) {
  const load = async (v: VerifiedCouncilLink) => {
    const row = await deps.db.models.Forward.findById(v.claims.s.slice('forward:'.length)).lean();
    // The link names the workflow that decides: only the parent cycle's.
    if (!row || cycleWorkflowId(row.toCycleId) !== v.claims.w || !row.decision) return undefined;
    return { forward: JSON.parse(row.forward) as ForwardInput, decision: JSON.parse(row.decision) as ForwardDecisionState };
  };
  /** A council member, or their substitute while a delegation runs (the workflow checks again). */
  const mayDecide = async (v: VerifiedCouncilLink, d: ForwardDecisionState) =>
    d.council.some((c) => c.email === v.claims.p) || (await roleStandIn(deps, v.claims)) !== undefined;

  return {
    async show(_req: Request, res: Response, v: VerifiedCouncilLink): Promise<void> {
      const l = await load(v);
      if (!l) return say(res, 404, v.lang, 'Đề nghị này chưa được gửi tới Hội đồng.', 'This proposal has not reached the council yet.');
      if (!(await mayDecide(v, l.decision))) return say(res, 403, v.lang, 'Liên kết này không dành cho thành viên Hội đồng.', 'This link is not for a member of the council.');
      const standsFor = await roleStandIn(deps, v.claims);
      page(res, 200, v.lang, 'forward-decision', {
        token: v.token,
        forward: l.forward,
        decided: l.decision.status === 'decided',
        decidedBy: l.decision.decidedBy,
        actingFor: l.decision.actingFor,
        decidedAt: l.decision.decidedAt,
        dueAt: l.decision.dueAt,
        onBehalfOf: standsFor,
        items: l.forward.items.map((item, n) => {
          const d = l.decision.items.find((x) => x.n === n);
          return { ...item, n, field: `d.${n}`, commentField: `c.${n}`, decisionLabel: label(d?.decision, v.lang), comment: d?.comment };
        }),
      });
    },

    async act(req: Request, res: Response, v: VerifiedCouncilLink): Promise<void> {
      const l = await load(v);
      if (!l) return say(res, 404, v.lang, 'Đề nghị này chưa được gửi tới Hội đồng.', 'This proposal has not reached the council yet.');
      const parsed = forwardDecisionSchema(l.forward.items.length).safeParse(req.body ?? {});
      if (!parsed.success) {
        return say(res, 400, v.lang, 'Quyết định chưa hợp lệ.', 'The decision is not valid.', { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      }
      const args: DecideForwardInput = { forwardId: l.forward.forwardId, by: v.claims.p, decisions: parsed.data };
      const digest = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
      const outcome = await performUpdate<ForwardDecisionState>(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:decide:${digest}`,
        name: 'decideForward',
        args,
        audit: { action: 'forward.decide', details: { forwardId: args.forwardId, decisions: args.decisions.map((d) => `${d.n}=${d.decision}`) } },
      });
      return sayCouncilOutcome(say, res, v.lang, outcome, ['Đã ghi nhận quyết định của Hội đồng. Cấp dưới sẽ được thông báo kết quả.', "The council's decision is recorded. The body below will be told."]);
    },
  };
}
