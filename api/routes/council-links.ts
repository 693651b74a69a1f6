/**
 * The council's link to a cluster's individual nominations (role `council`, step `nominations:<cluster>`):
 * GET shows every nomination with its unit, title, position and achievements, and how each title
 * stands against its cluster quota; POST decides any of the undecided ones (approve, forward to the
 * parent body, refuse with a reason) through the cluster workflow's update, whose validator is the
 * final judge (quotas, reasons, who decides).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { LinkClaims } from '../../lib/links';
import { quotaUse, type CouncilDecision } from '../../rules/nominations';
import type { ClusterNominationsInput, NominationListState } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import type { Lang } from '../pages';
import { performUpdate, type UpdateOutcome } from '../services/link-actions';

export type Say = (res: Response, status: number, lang: Lang, vi: string, en: string, extra?: Record<string, unknown>) => void;
export type Page = (res: Response, status: number, lang: Lang, name: string, data: Record<string, unknown>) => void;

export interface VerifiedCouncilLink {
  claims: LinkClaims;
  tokenId: string;
  lang: Lang;
  token: string;
}

const DECISIONS = ['approve', 'forward', 'refuse'] as const;

/** The answer page to a council's decision sent through its link: done, kept for later, refused or gone. */
export function sayCouncilOutcome(say: Say, res: Response, lang: Lang, outcome: UpdateOutcome<unknown>, done: [vi: string, en: string]): void {
  switch (outcome.kind) {
    case 'done':
      return say(res, 200, lang, done[0], done[1], { success: true });
    case 'queued':
      return say(res, 202, lang, 'Hệ thống đang bận: quyết định đã được ghi nhận và sẽ được xử lý tự động trong ít phút.', 'The system is busy: your decision has been saved and will be processed automatically within minutes.', { success: true });
    case 'unavailable':
      return say(res, 503, lang, 'Hệ thống đang bận, vui lòng thử lại.', 'The system is busy, please try again.');
    case 'rejected':
      return say(res, 409, lang, 'Không thực hiện được.', 'Not done.', { problems: [outcome.reason] });
    case 'gone':
      return say(res, 410, lang, 'Liên kết đã được sử dụng hoặc không còn hiệu lực.', 'This link was already used or is no longer valid.', { problems: [outcome.reason] });
  }
}

export function councilLinks(deps: AppDeps, say: Say, page: Page) {
  const load = async (workflowId: string) => {
    const row = await deps.db.models.ClusterNominations.findOne({ workflowId }).lean();
    if (!row) return undefined;
    const cp = await deps.db.models.ClusterPlan.findById(`${row.cycleId}:${row.clusterId}`, { nominations: 1 }).lean();
    if (!cp?.nominations) return undefined;
    return { state: JSON.parse(row.state) as NominationListState, input: cp.nominations as ClusterNominationsInput };
  };

  return {
    async show(_req: Request, res: Response, v: VerifiedCouncilLink): Promise<void> {
      const l = await load(v.claims.w);
      if (!l || l.state.phase === 'collecting') return say(res, 404, v.lang, 'Danh sách đề nghị chưa được gửi.', 'The list has not been sent yet.');
      if (l.state.phase === 'cancelled') return say(res, 410, v.lang, 'Chu kỳ thi đua đã bị hủy.', 'The cycle was cancelled.');
      const use = quotaUse(l.input.titles, l.state.items);
      const titles = l.input.titles.map((t) => ({ ...t, use: use.find((u) => u.titleId === t.id) }));
      const canForward = l.input.forwardTo !== undefined;
      page(res, 200, v.lang, 'nominations-council', {
        token: v.token,
        clusterName: l.input.clusterName,
        parentName: l.input.forwardTo?.bodyName ?? l.input.forwardTo?.bodyId,
        titles,
        pending: l.state.items.some((x) => !x.decision),
        items: l.state.items.map((x) => ({
          ...x,
          field: `d.${x.id}`,
          reasonField: `r.${x.id}`,
          decisionLabel: x.decision ? decisionLabel(x.decision, v.lang) : undefined,
          approveAllowed: l.input.titles.find((t) => t.id === x.titleId)?.decidedBy !== 'parent',
          canForward,
        })),
      });
    },

    async act(req: Request, res: Response, v: VerifiedCouncilLink): Promise<void> {
      const body = req.body as Record<string, unknown>;
      const problems: string[] = [];
      const decisions: { id: string; decision: CouncilDecision; reason?: string }[] = [];
      for (const [k, value] of Object.entries(body)) {
        const m = /^d\.(.+)$/.exec(k);
        if (!m || value === '' || value === undefined) continue;
        if (typeof value !== 'string' || !(DECISIONS as readonly string[]).includes(value)) {
          problems.push(`${k}: must be one of ${DECISIONS.join(', ')}`);
          continue;
        }
        const reason = typeof body[`r.${m[1]}`] === 'string' ? (body[`r.${m[1]}`] as string).trim().slice(0, 2000) : undefined;
        decisions.push({ id: m[1], decision: value as CouncilDecision, ...(reason ? { reason } : {}) });
      }
      if (decisions.length === 0 && problems.length === 0) problems.push('decisions: decide at least one nomination');
      for (const d of decisions) if (d.decision === 'refuse' && !d.reason) problems.push(`r.${d.id}: a refusal needs a reason`);
      if (problems.length > 0) return say(res, 400, v.lang, 'Quyết định chưa hợp lệ.', 'The decision is not valid.', { problems });
      const args = { by: v.claims.p, decisions };
      const digest = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
      const outcome = await performUpdate<NominationListState>(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:decide:${digest}`,
        name: 'decideNominations',
        args,
        audit: { action: 'nominations.decide', details: { decisions: decisions.map((d) => `${d.id}=${d.decision}`) } },
      });
      return sayCouncilOutcome(say, res, v.lang, outcome, ['Đã ghi nhận quyết định của Hội đồng. Các đơn vị sẽ được thông báo qua email.', "The council's decisions are recorded. The units will be told by email."]);
    },
  };
}

export function decisionLabel(d: CouncilDecision, lang: Lang): string {
  const vi = { approve: 'Chấp thuận', forward: 'Chấp thuận, trình cấp trên', refuse: 'Không chấp thuận' }[d];
  const en = { approve: 'Approved', forward: 'Approved and forwarded to the parent body', refuse: 'Refused' }[d];
  return lang === 'en' ? en : vi;
}
