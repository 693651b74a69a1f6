/**
 * Links to a cluster's year-end actions: an inspector enters a unit's final scores, a delegate casts
 * the unit's secret ballot, the chair decides a tie. GET shows (never changes anything); POST acts
 * through an update of the cluster workflow, whose validator is the final judge.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { castBallot, discardBallot, newBallotNonce, receiptOf, sealBallot } from '../../lib/ballot-box';
import type { LinkClaims } from '../../lib/links';
import { checkMarksForVoter } from '../../rules/ballot';
import type { Plan } from '../../rules/plan';
import type { SheetInput } from '../../rules/scoring';
import { ballotBoxId, unitWorkflowId, type AwardRule, type AwardState, type ClusterYearEndInput, type YearEndState } from '../../workflows/cycle/definitions';
import { ballotConfig } from '../../workflows/cycle/year-end';
import type { AppDeps } from '../deps';
import type { Lang } from '../pages';
import { checkLinkCode, planAsksCode } from '../services/link-code-gate';
import { performUpdate, type UpdateOutcome } from '../services/link-actions';
import { evidenceOf, parseScoreForm, scoreRows } from './score-form';

export interface VerifiedYearEndLink {
  claims: LinkClaims;
  tokenId: string;
  lang: Lang;
  token: string;
}

type Say = (res: Response, status: number, lang: Lang, vi: string, en: string, extra?: Record<string, unknown>) => void;

interface Loaded {
  row: { state: YearEndState; clusterId: string; cycleId: string };
  plan: ClusterYearEndInput;
  timeZone?: string;
  security?: Plan['security'];
}

/** The year-end read model and the cluster's compiled plan behind a link. */
async function load(deps: AppDeps, workflowId: string): Promise<Loaded | undefined> {
  const row = await deps.db.models.ClusterYearEnd.findOne({ workflowId }).lean();
  if (!row) return undefined;
  const cp = await deps.db.models.ClusterPlan.findById(`${row.cycleId}:${row.clusterId}`).lean();
  const cycle = await deps.db.models.Cycle.findById(row.cycleId, { plan: 1 }).lean();
  if (!cp?.yearEnd) return undefined;
  return {
    row: { state: JSON.parse(row.state) as YearEndState, clusterId: row.clusterId, cycleId: row.cycleId },
    plan: cp.yearEnd as ClusterYearEndInput,
    timeZone: (cycle?.plan as Plan | undefined)?.timeZone,
    security: (cycle?.plan as Plan | undefined)?.security,
  };
}

const unitName = (plan: ClusterYearEndInput, id: string) => plan.members.find((m) => m.unitId === id)?.unitName ?? id;

export function yearEndLinks(deps: AppDeps, say: Say, page: (res: Response, status: number, lang: Lang, name: string, data: Record<string, unknown>) => void) {
  const notOpen = (res: Response, lang: Lang) => say(res, 404, lang, 'Việc này chưa mở.', 'This is not open yet.');

  const finish = <T>(res: Response, lang: Lang, outcome: UpdateOutcome<T>, done: [string, string]) => {
    switch (outcome.kind) {
      case 'done':
        return say(res, 200, lang, done[0], done[1], { success: true });
      case 'queued':
        return say(res, 202, lang, 'Hệ thống đang bận: thao tác của bạn đã được ghi nhận và sẽ được xử lý tự động trong ít phút.', 'The system is busy: your action has been saved and will be processed automatically within minutes.', { success: true });
      case 'unavailable':
        return say(res, 503, lang, 'Hệ thống đang bận: phiếu CHƯA được ghi nhận. Vui lòng gửi lại sau ít phút.', 'The system is busy: your ballot was NOT recorded. Please send it again in a few minutes.');
      case 'rejected':
        return say(res, 409, lang, 'Không thực hiện được.', 'Not done.', { problems: [outcome.reason] });
      case 'gone':
        return say(res, 410, lang, 'Liên kết đã được sử dụng hoặc không còn hiệu lực.', 'This link was already used or is no longer valid.', { problems: [outcome.reason] });
    }
  };

  // ---- inspection: s = inspection:<unitId>
  const inspection = {
    async show(_req: Request, res: Response, v: VerifiedYearEndLink, l: Loaded): Promise<void> {
      const unitId = v.claims.s.slice('inspection:'.length);
      const r = l.row.state.inspection.units.find((u) => u.unitId === unitId);
      if (!r) return notOpen(res, v.lang);
      if (l.row.state.phase !== 'inspection') {
        if (l.row.state.phase === 'waiting') return notOpen(res, v.lang);
        return say(res, 410, v.lang, 'Đợt kiểm tra đã kết thúc; kết quả đã được khóa.', 'The inspection is closed; the results are locked.', { unitName: r.unitName });
      }
      page(res, 200, v.lang, 'inspection', {
        token: v.token,
        unitName: r.unitName,
        clusterName: l.plan.clusterName,
        person: v.claims.p,
        dueAt: l.row.state.inspection.dueAt,
        timeZone: l.timeZone,
        selfTotal: r.self?.total,
        // What the units that cross-checked this one found, for the inspector to reconcile.
        crossChecks: (l.row.state.inspection.crossChecks ?? [])
          .filter((c) => c.checked === unitId && c.findings)
          .map((c) => ({ by: unitName(l.plan, c.checker), findings: c.findings })),
        inspectedTotal: r.inspected?.total,
        rows: scoreRows(l.plan.scoring.sheet as SheetInput, v.lang, { self: r.self, value: r.inspected?.entry ?? r.self, withReason: true }),
      });
    },
    async act(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      const unitId = v.claims.s.slice('inspection:'.length);
      const l = await load(deps, v.claims.w);
      if (!l) return notOpen(res, v.lang);
      const parsed = parseScoreForm(l.plan.scoring.sheet as SheetInput, req.body as Record<string, unknown>, { step: l.plan.scoring.step, reasons: true });
      if (!parsed.ok) return say(res, 400, v.lang, 'Bảng điểm chưa hợp lệ.', 'The score sheet is not valid.', { problems: parsed.problems });
      const args = { unitId, by: v.claims.p, ...parsed.entry, reasons: parsed.reasons };
      const digest = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
      const outcome = await performUpdate(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:inspect:${digest}`,
        name: 'enterInspection',
        args,
        // As JSON: item ids such as "1.2" cannot be field names on FerretDB.
        audit: { action: 'inspection.enter', details: { unitId, scores: JSON.stringify(parsed.entry), reasons: JSON.stringify(parsed.reasons) } },
      });
      finish(res, v.lang, outcome, ['Đã ghi nhận điểm kiểm tra. Có thể sửa đến hạn kiểm tra.', 'The inspection scores are recorded. They can be corrected until the deadline.']);
    },
  };

  // ---- ballot: s = ballot:<awardId>:<round>:<voterUnitId>
  const ballotOf = (v: VerifiedYearEndLink, l: Loaded) => {
    const [, awardId, round, voter] = v.claims.s.split(':');
    const award = l.row.state.awards.find((a) => a.awardId === awardId);
    const rule = l.plan.awards.find((a) => a.id === awardId);
    return { awardId, round: Number(round), voter, award, rule };
  };
  /** `receipt`: a resubmission of the same ballot form (after a crash) may go on to complete its cast. */
  const roundProblem = (award: AwardState | undefined, round: number, voter: string, receipt?: string): [number, string, string] | undefined => {
    const current = award?.rounds.at(-1);
    if (!award || !current) return [404, 'Cuộc bỏ phiếu chưa mở.', 'The ballot is not open yet.'];
    if (current.round !== round || current.status !== 'open') return [410, 'Vòng bỏ phiếu này đã kết thúc.', 'This round of the ballot is closed.'];
    if (current.voted.some((x) => x.unitId === voter && x.receipt !== receipt)) return [410, 'Đơn vị đã bỏ phiếu trong vòng này.', 'Your unit has already voted in this round.'];
    return undefined;
  };
  const ballot = {
    async show(_req: Request, res: Response, v: VerifiedYearEndLink, l: Loaded): Promise<void> {
      const b = ballotOf(v, l);
      const problem = roundProblem(b.award, b.round, b.voter);
      if (problem) return say(res, problem[0], v.lang, problem[1], problem[2]);
      const current = b.award!.rounds.at(-1)!;
      res.set('Cache-Control', 'no-store');
      page(res, 200, v.lang, 'ballot', {
        token: v.token,
        awardName: b.award!.name,
        clusterName: l.plan.clusterName,
        voterName: unitName(l.plan, b.voter),
        round: b.round,
        seats: current.seats,
        closesAt: current.closesAt,
        timeZone: l.timeZone,
        // A fresh nonce per page view, kept only in the form: it ties a resubmission to its ballot.
        nonce: newBallotNonce(),
        oneTimeCode: planAsksCode(l, 'ballot'),
        candidates: current.candidates.map((id) => ({
          id,
          name: unitName(l.plan, id),
          self: id === b.voter && !b.rule?.selfVoteAllowed,
        })),
      });
    },
    async act(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      const l = await load(deps, v.claims.w);
      if (!l) return notOpen(res, v.lang);
      const b = ballotOf(v, l);
      const form = z
        .object({ nonce: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'is not a ballot form of ours'), marks: z.union([z.string(), z.array(z.string())]).optional() })
        .safeParse(req.body);
      if (!form.success) return say(res, 400, v.lang, 'Phiếu không hợp lệ.', 'The ballot is not valid.', { problems: form.error.issues.map((i) => `${i.path.join('.') || 'ballot'}: ${i.message}`) });
      const boxId = ballotBoxId(v.claims.w, b.awardId, b.round);
      const { nonce } = form.data;
      const receipt = receiptOf(boxId, nonce);
      const problem = roundProblem(b.award, b.round, b.voter, receipt);
      if (problem) return say(res, problem[0], v.lang, problem[1], problem[2]);
      const current = b.award!.rounds.at(-1)!;
      const marks = form.data.marks === undefined ? [] : Array.isArray(form.data.marks) ? form.data.marks : [form.data.marks];
      const config = { ...ballotConfig(b.rule as AwardRule, b.award!.rounds[0].candidates), eligible: current.candidates, quota: current.seats };
      const problems = checkMarksForVoter(config, b.voter, marks);
      if (problems.length > 0) return say(res, 400, v.lang, 'Phiếu không hợp lệ.', 'The ballot is not valid.', { problems: problems.map((p) => p.message) });
      // A code emailed to the delegate, when the plan asks for one: checked before anything is stored.
      const refused = await checkLinkCode(deps, v.claims, v.tokenId, (req.body as Record<string, unknown>).code);
      if (refused) return say(res, refused.status, v.lang, refused.vi, refused.en, { backHref: `/l/${v.token}?lang=${v.lang}` });

      await sealBallot(deps.db.models, boxId, nonce, marks);
      const outcome = await performUpdate(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:vote:${receipt}`,
        name: 'castVote',
        args: { awardId: b.awardId, round: b.round, voterUnitId: b.voter, by: v.claims.p, receipt },
        // Participation only: the audit never holds what was marked.
        audit: { action: 'ballot.vote', details: { awardId: b.awardId, round: b.round, unitId: b.voter } },
        queueIfUnavailable: false,
      });
      if (outcome.kind === 'done' || (outcome.kind === 'gone' && outcome.reason.startsWith('already used'))) await castBallot(deps.db.models, boxId, nonce);
      else if (outcome.kind === 'rejected') await discardBallot(deps.db.models, boxId, nonce);
      finish(res, v.lang, outcome, ['Đã bỏ phiếu. Phiếu được giữ kín: không ai biết đơn vị đã chọn ai.', 'Your ballot is in the box. It is secret: nobody can tell whom your unit chose.']);
    },
  };

  // ---- tie: s = tie:<awardId>
  const tie = {
    async show(_req: Request, res: Response, v: VerifiedYearEndLink, l: Loaded): Promise<void> {
      const award = l.row.state.awards.find((a) => a.awardId === v.claims.s.slice('tie:'.length));
      if (!award?.tie || award.status !== 'tie') return say(res, 410, v.lang, 'Không còn kết quả hòa cần quyết định.', 'There is no tie left to decide.');
      page(res, 200, v.lang, 'tie', {
        token: v.token,
        awardName: award.name,
        clusterName: l.plan.clusterName,
        seats: award.tie.seats,
        votes: award.tie.votes,
        elected: award.elected.map((id) => unitName(l.plan, id)),
        among: award.tie.among.map((id) => ({ id, name: unitName(l.plan, id) })),
      });
    },
    async act(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      const awardId = v.claims.s.slice('tie:'.length);
      const form = z.object({ chosen: z.union([z.string(), z.array(z.string())]) }).safeParse(req.body);
      if (!form.success) return say(res, 400, v.lang, 'Chưa chọn đơn vị.', 'No unit was chosen.', { problems: ['chosen: is required'] });
      const chosen = Array.isArray(form.data.chosen) ? form.data.chosen : [form.data.chosen];
      const outcome = await performUpdate(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:decide`,
        name: 'decideTie',
        args: { awardId, by: v.claims.p, chosen },
        audit: { action: 'ballot.decide-tie', details: { awardId, chosen } },
      });
      finish(res, v.lang, outcome, ['Đã ghi nhận quyết định của chủ trì.', "The chair's decision is recorded."]);
    },
  };

  // ---- cross-check: s = crosscheck:<checker>:<checked>
  const crossCheck = {
    async show(_req: Request, res: Response, v: VerifiedYearEndLink, l: Loaded): Promise<void> {
      const [, checker, checked] = v.claims.s.split(':');
      const c = (l.row.state.inspection.crossChecks ?? []).find((x) => x.checker === checker && x.checked === checked);
      if (!c) return notOpen(res, v.lang);
      if (l.row.state.phase !== 'inspection') return say(res, 410, v.lang, 'Đợt kiểm tra đã kết thúc.', 'The inspection is closed.');
      const r = l.row.state.inspection.units.find((u) => u.unitId === checked);
      const step = await deps.db.models.StepState.findById(`${unitWorkflowId(l.row.cycleId, checked)}:self-scoring`, { state: 1 }).lean();
      const fields = (step?.state as { submission?: { fields: Record<string, string> } } | undefined)?.submission?.fields;
      page(res, 200, v.lang, 'crosscheck', {
        token: v.token,
        checkerName: unitName(l.plan, checker),
        checkedName: unitName(l.plan, checked),
        clusterName: l.plan.clusterName,
        dueAt: l.row.state.inspection.dueAt,
        timeZone: l.timeZone,
        selfTotal: r?.self?.total,
        findings: c.findings ?? '',
        rows: scoreRows(l.plan.scoring.sheet as SheetInput, v.lang, { value: r?.self, evidence: evidenceOf(fields) }),
      });
    },
    async act(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      const [, checker, checked] = v.claims.s.split(':');
      const form = z.object({ findings: z.string().trim().min(1, 'is required').max(10_000, 'is longer than 10000 characters') }).safeParse(req.body);
      if (!form.success) return say(res, 400, v.lang, 'Chưa ghi nhận xét.', 'No findings were written.', { problems: form.error.issues.map((i) => `findings: ${i.message}`) });
      const args = { checker, checked, by: v.claims.p, findings: form.data.findings };
      const digest = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
      const outcome = await performUpdate(deps, {
        claims: v.claims,
        updateId: `${v.tokenId}:crosscheck:${digest}`,
        name: 'submitCrossCheck',
        args,
        audit: { action: 'inspection.cross-check', details: { checker, checked } },
      });
      finish(res, v.lang, outcome, ['Đã gửi kết quả kiểm tra chéo cho đoàn kiểm tra.', 'Your cross-check findings were sent to the inspection team.']);
    },
  };

  const handlers = { inspector: inspection, voter: ballot, chair: tie, checker: crossCheck } as const;

  return {
    async show(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      const l = await load(deps, v.claims.w);
      if (!l) return notOpen(res, v.lang);
      await handlers[v.claims.r as keyof typeof handlers].show(req, res, v, l);
    },
    act(req: Request, res: Response, v: VerifiedYearEndLink): Promise<void> {
      return handlers[v.claims.r as keyof typeof handlers].act(req, res, v);
    },
  };
}

export const isYearEndRole = (r: LinkClaims['r']): boolean => r === 'inspector' || r === 'voter' || r === 'chair' || r === 'checker';
