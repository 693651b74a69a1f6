/**
 * `/l/<token>`: GET shows the step (never changes anything: mail scanners open links), POST acts.
 * Bad signature → 403; expired, used or closed → 410; all with a page that says what happened.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { selfScoresOf } from '../../activities/year-end';
import { verifyLinkToken, type LinkClaims } from '../../lib/links';
import { formatPath, type Plan } from '../../rules/plan';
import { checklistFromForm, type ChecklistAnswers, type ChecklistItem } from '../../rules/checklist';
import { isStepName, STEP_KINDS, type StepName } from '../../rules/steps';
import { ACTIONS_BY_ROLE, type ActingNow, type LinkRole, type YearEndState } from '../../workflows/cycle/definitions';
import type { AppDeps } from '../deps';
import { langOf, type Lang } from '../pages';
import { checkLinkCode, decisionOf, planAsksCode, sendLinkCode } from '../services/link-code-gate';
import { performLinkAction, type LinkAction } from '../services/link-actions';
import { councilLinks } from './council-links';
import { forwardLinks, isForwardLinkStep } from './forward-links';
import { nominationView, parseNominationForm } from './nomination-form';
import { attachmentsForPage, submittedAttachments } from './attachments';
import { evidenceOf, parseScoreForm, scoreRows } from './score-form';
import { isYearEndRole, yearEndLinks } from './year-end-links';

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `is longer than ${max} characters`);
const round = z.coerce.number().int().min(1);

/** The form of a step: its own fields to submit; a comment to approve or (required) to return. */
const actionSchemaFor = (step: StepName) =>
  z.discriminatedUnion('action', [
    z.object({
      action: z.literal('submit'),
      round,
      ...Object.fromEntries(STEP_KINDS[step].fields.map((f) => [f.id, f.optional ? z.string().trim().max(f.maxLength).optional() : text(f.maxLength)])),
    }),
    z.object({ action: z.literal('approve'), round, comment: z.string().trim().max(2000).optional() }),
    // The council approves the cluster's proposal and forwards it to the parent body's cycle.
    z.object({ action: z.literal('forward'), round, comment: z.string().trim().max(2000).optional() }),
    z.object({ action: z.literal('return'), round, comment: text(2000) }),
  ]);

const REASONS: Record<string, [string, string]> = {
  malformed: ['Liên kết không hợp lệ.', 'This link is not valid.'],
  'bad-signature': ['Liên kết không hợp lệ (sai chữ ký).', 'This link is not valid (bad signature).'],
  expired: ['Liên kết đã hết hạn.', 'This link has expired.'],
};

export function linksRouter(deps: AppDeps): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '200kb' }));

  const page = (res: Response, status: number, lang: Lang, name: string, data: Record<string, unknown>) =>
    res.status(status).type('html').send(deps.pages.render(name, lang, data));
  const message = (res: Response, status: number, lang: Lang, vi: string, en: string, extra: Record<string, unknown> = {}) =>
    page(res, status, lang, 'message', { status, title: lang === 'en' ? en : vi, ...extra });

  const yearEnd = yearEndLinks(deps, message, page);
  const council = councilLinks(deps, message, page);
  const forwards = forwardLinks(deps, message, page);

  /** Year-end links (inspection, ballot, tie) are handled there; a step link is returned here. */
  const verify = async (req: Request, res: Response, act: boolean): Promise<{ claims: LinkClaims; step: StepName; tokenId: string; lang: Lang } | undefined> => {
    const lang = langOf(req.query);
    const v = verifyLinkToken(deps.config.LINK_SECRET, String(req.params.token), deps.now().getTime());
    if (!v.ok) {
      const [vi, en] = REASONS[v.reason];
      message(res, v.status, lang, vi, en);
      return undefined;
    }
    if (v.claims.r === 'council') {
      const c = { claims: v.claims, tokenId: v.tokenId, lang, token: String(req.params.token) };
      // The council's link to a forward from below (forward-links.ts), else to a cluster's nominations.
      const handler = isForwardLinkStep(v.claims.s) ? forwards : council;
      await (act ? handler.act(req, res, c) : handler.show(req, res, c));
      return undefined;
    }
    if (isYearEndRole(v.claims.r)) {
      const y = { claims: v.claims, tokenId: v.tokenId, lang, token: String(req.params.token) };
      await (act ? yearEnd.act(req, res, y) : yearEnd.show(req, res, y));
      return undefined;
    }
    if (!isStepName(v.claims.s)) {
      message(res, 410, lang, 'Bước này không còn tồn tại.', 'This step no longer exists.');
      return undefined;
    }
    return { claims: v.claims, step: v.claims.s, tokenId: v.tokenId, lang };
  };

  r.get('/l/:token', async (req, res) => {
    const ok = await verify(req, res, false);
    if (!ok) return;
    const { claims, step, lang } = ok;
    const row = await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`).lean();
    if (!row) return message(res, 404, lang, 'Bước này chưa mở.', 'This step is not open yet.');
    if (row.status === 'approved' || row.status === 'cancelled') {
      return message(res, 410, lang, 'Bước này đã hoàn thành; liên kết không còn hiệu lực.', 'This step is closed; the link no longer works.', { unitName: row.unitName });
    }
    const people = row.people as { contacts?: string[]; reviewer?: string; acting?: ActingNow[] } | undefined;
    // A substitute's link works while their delegation runs (the workflow projects who acts now).
    const standsIn = people?.acting?.find((a) => a.email === claims.p && a.role === (claims.r === 'unit' ? 'contact' : 'reviewer'));
    const current = (claims.r === 'unit' ? people?.contacts?.includes(claims.p) : people?.reviewer === claims.p) || standsIn !== undefined;
    if (people?.reviewer && !current) {
      return message(res, 410, lang, 'Liên kết này đã bị thu hồi: người nhận đã được thay.', 'This link was revoked: its holder was replaced.', { unitName: row.unitName });
    }
    const state = row.state as {
      submission?: { fields: Record<string, string>; checklist?: ChecklistAnswers };
      schedule: { dueAt: string };
      review?: { comment?: string };
      checklist?: ChecklistItem[];
    };
    const plan = (await deps.db.models.Cycle.findById(row.cycleId, { plan: 1 }).lean())?.plan as Plan | undefined;
    const scored = STEP_KINDS[step].scored && plan?.scoring;
    const results = step === 'award-proposal' ? await proposalResults(row.workflowId, lang) : undefined;
    const nominated = STEP_KINDS[step].nominated ? nominationView(plan?.individualAwards ?? [], lang, state.submission?.fields.nominations) : undefined;
    const attachments = await attachmentsForPage(deps, claims, String(req.params.token), row, state.submission?.fields);
    const prefill = STEP_KINDS[step].cluster && !state.submission ? await clusterStepPrefill(row.cycleId, row.clusterId, step) : {};
    page(res, 200, lang, 'link', {
      nominated,
      canForward: step === 'award-proposal' && claims.r === 'reviewer' && plan?.body.parent !== undefined,
      parentName: plan?.body.parentName ?? plan?.body.parent,
      attachments,
      scoreRows: scored
        ? scoreRows(plan.scoring!.sheet, lang, { value: selfScoresOf(state.submission?.fields), evidence: evidenceOf(state.submission?.fields), withEvidence: true })
        : undefined,
      results,
      token: req.params.token,
      role: claims.r,
      person: claims.p,
      onBehalfOf: standsIn?.for,
      unitName: row.unitName,
      stepTitle: STEP_KINDS[step].title[lang],
      fields: STEP_KINDS[step].fields.map((f) => ({
        id: f.id,
        label: f.label[lang],
        maxLength: f.maxLength,
        rows: f.rows,
        optional: f.optional,
        value: state.submission?.fields[f.id] ?? prefill[f.id] ?? '',
      })),
      checklist: state.checklist?.map((i) => ({
        id: i.id,
        label: i.label[lang],
        required: i.required,
        checked: state.submission?.checklist?.[i.id]?.checked === true,
        note: state.submission?.checklist?.[i.id]?.note ?? '',
      })),
      status: row.status,
      round: row.round,
      dueAt: state.schedule.dueAt,
      timeZone: plan?.timeZone,
      submission: state.submission?.fields,
      lastComment: row.status === 'returned' ? state.review?.comment : undefined,
      canSubmit: claims.r === 'unit' && (row.status === 'open' || row.status === 'returned'),
      canReview: claims.r === 'reviewer' && row.status === 'submitted',
      oneTimeCode: planAsksCode(plan, decisionOf(claims)),
      waitingForReview: claims.r === 'unit' && row.status === 'submitted',
      waitingForUnit: claims.r === 'reviewer' && row.status !== 'submitted',
    });
  });

  r.post('/l/:token', async (req, res) => {
    const ok = await verify(req, res, true);
    if (!ok) return;
    const { claims, step, tokenId, lang } = ok;
    const parsed = actionSchemaFor(step).safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${formatPath(i.path) || 'action'}: ${i.message}`);
      return message(res, 400, lang, 'Nội dung gửi chưa hợp lệ.', 'The form is not valid.', { problems });
    }
    const body = parsed.data as { action: LinkAction; round: number; comment?: string } & Record<string, string>;
    if (!(ACTIONS_BY_ROLE[claims.r as LinkRole] as readonly string[]).includes(body.action)) {
      return message(res, 403, lang, 'Liên kết này không cho phép thao tác đó.', 'This link does not allow that action.');
    }
    if (body.action === 'forward' && step !== 'award-proposal') {
      return message(res, 403, lang, 'Chỉ tờ trình của cụm mới trình được cấp trên.', "Only a cluster's proposal can be forwarded to the parent body.");
    }
    let fields = body.action === 'submit' ? Object.fromEntries(STEP_KINDS[step].fields.map((f) => [f.id, body[f.id] ?? ''])) : undefined;
    if (fields && STEP_KINDS[step].nominated) {
      // The persons nominated: rows of the form, checked against the plan's individual awards, kept as JSON.
      const cycleId = (await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`, { cycleId: 1 }).lean())?.cycleId;
      const plan = cycleId ? ((await deps.db.models.Cycle.findById(cycleId, { plan: 1 }).lean())?.plan as Plan | undefined) : undefined;
      const parsedRows = parseNominationForm(plan?.individualAwards ?? [], req.body as Record<string, unknown>);
      if (!parsedRows.ok) return message(res, 400, lang, 'Danh sách đề nghị chưa hợp lệ.', 'The list of nominations is not valid.', { problems: parsedRows.problems });
      fields = { ...fields, nominations: JSON.stringify(parsedRows.nominations) };
    }
    if (fields && STEP_KINDS[step].scored) {
      // The self-scores: every item of the plan's sheet, validated against it, kept as JSON in the step.
      const cycleId = (await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`, { cycleId: 1 }).lean())?.cycleId;
      const plan = cycleId ? ((await deps.db.models.Cycle.findById(cycleId, { plan: 1 }).lean())?.plan as Plan | undefined) : undefined;
      if (!plan?.scoring) return message(res, 410, lang, 'Kế hoạch năm nay không có bảng chấm điểm.', "This year's plan has no scoring sheet.");
      const scores = parseScoreForm(plan.scoring.sheet, req.body as Record<string, unknown>, { step: plan.scoring.step });
      if (!scores.ok) return message(res, 400, lang, 'Bảng điểm chưa hợp lệ.', 'The score sheet is not valid.', { problems: scores.problems });
      fields = { ...fields, scores: JSON.stringify(scores.entry), evidence: JSON.stringify(scores.evidence) };
    }
    if (fields) {
      // The files uploaded for this step that the unit ticked (POST /l/<token>/attachments stored them).
      const files = await submittedAttachments(deps, claims, req.body as Record<string, unknown>);
      if (!files.ok) return message(res, 400, lang, 'Tệp đính kèm chưa hợp lệ.', 'The attachments are not valid.', { problems: files.problems });
      if (files.ids.length) fields = { ...fields, attachments: JSON.stringify(files.ids) };
    }
    // The council's decision may need the one-time code emailed to the person (plan security.oneTimeCode).
    const refused = await checkLinkCode(deps, claims, tokenId, (req.body as Record<string, unknown>).code);
    if (refused) return message(res, refused.status, lang, refused.vi, refused.en, { backHref: `/l/${req.params.token}?lang=${lang}` });
    // The step's evidence checklist (if it has one) as the browser ticked it; the workflow judges completeness.
    let checklist: ChecklistAnswers | undefined;
    if (body.action === 'submit') {
      const items = ((await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`, { state: 1 }).lean())?.state as { checklist?: ChecklistItem[] } | undefined)?.checklist;
      if (items?.length) checklist = checklistFromForm(items, req.body as Record<string, unknown>);
    }
    const outcome = await performLinkAction(deps, {
      claims,
      tokenId,
      action: body.action as LinkAction,
      round: body.round,
      fields,
      checklist,
      comment: body.action === 'submit' ? undefined : body.comment,
    });
    switch (outcome.kind) {
      case 'done':
        return message(res, 200, lang, DONE[body.action][0], DONE[body.action][1], { success: true });
      case 'queued':
        return message(
          res,
          202,
          lang,
          'Hệ thống đang bận: thao tác của bạn đã được ghi nhận và sẽ được xử lý tự động trong ít phút.',
          'The system is busy: your action has been saved and will be processed automatically within minutes.',
          { success: true },
        );
      case 'rejected': {
        // The workflow refused it. If the link's holder is not (or no longer) the step's person, say so as the GET does.
        const holder = await holderOf(claims);
        if (holder === 'replaced') return message(res, 410, lang, 'Liên kết này đã bị thu hồi: người nhận đã được thay.', 'This link was revoked: its holder was replaced.', { problems: [outcome.reason] });
        if (holder === 'stranger') return message(res, 403, lang, 'Liên kết này không dành cho người phụ trách bước này.', 'This link is not for a person of this step.', { problems: [outcome.reason] });
        return message(res, 409, lang, 'Không thực hiện được: bước này đã thay đổi.', 'Not done: this step has changed.', { problems: [outcome.reason] });
      }
      case 'gone':
        return message(res, 410, lang, 'Liên kết đã được sử dụng hoặc không còn hiệu lực.', 'This link was already used or is no longer valid.', { problems: [outcome.reason] });
    }
  });
  /**
   * POST /l/<token>/code: emails a one-time code for the link's decision to its holder; the answer
   * links back to the page (a ballot's form is shown afresh, with a new nonce).
   */
  r.post('/l/:token/code', async (req, res) => {
    const lang = langOf(req.query);
    const v = verifyLinkToken(deps.config.LINK_SECRET, String(req.params.token), deps.now().getTime());
    if (!v.ok) {
      const [vi, en] = REASONS[v.reason];
      return message(res, v.status, lang, vi, en);
    }
    const back = { backHref: `/l/${req.params.token}?lang=${lang}` };
    const sent = await sendLinkCode(deps, v.claims, v.tokenId, lang);
    if (sent.ok) {
      return message(
        res,
        200,
        lang,
        `Đã gửi mã xác nhận tới ${v.claims.p}; mã dùng được một lần và hết hạn sau 10 phút.`,
        `A confirmation code was sent to ${v.claims.p}; it works once and expires in 10 minutes.`,
        { success: true, ...back },
      );
    }
    switch (sent.reason) {
      case 'not-needed':
        return message(res, 404, lang, 'Liên kết này không cần mã xác nhận.', 'This link needs no confirmation code.', back);
      case 'revoked':
        return message(res, 410, lang, 'Liên kết này đã bị thu hồi: người nhận đã được thay.', 'This link was revoked: its holder was replaced.');
      case 'no-mailer':
        return message(res, 503, lang, 'Chưa gửi được mã xác nhận; vui lòng thử lại sau.', 'The confirmation code could not be sent; try again later.', back);
      case 'too-soon':
        return message(res, 429, lang, 'Mã vừa được gửi; vui lòng kiểm tra hộp thư hoặc chờ một phút.', 'A code was just sent; check your mailbox or wait a minute.', back);
      case 'too-many':
        return message(res, 429, lang, 'Đã gửi quá nhiều mã cho liên kết này; vui lòng thử lại sau một giờ.', 'Too many codes for this link; try again in an hour.', back);
    }
  });
  /** Is the link's person the step's contact (or reviewer) now, one who was replaced, or never one? From the read model and the audit. */
  async function holderOf(claims: LinkClaims): Promise<'current' | 'replaced' | 'stranger' | 'unknown'> {
    const row = await deps.db.models.StepState.findById(`${claims.w}:${claims.s}`, { people: 1 }).lean();
    const people = row?.people as { contacts?: string[]; reviewer?: string } | undefined;
    if (!people?.reviewer) return 'unknown';
    if (claims.r === 'unit' ? people.contacts?.includes(claims.p) : people.reviewer === claims.p) return 'current';
    const action = claims.r === 'unit' ? 'unit.replace-contact' : 'unit.replace-reviewer';
    return (await deps.db.models.Audit.exists({ action, target: claims.w, 'details.from': claims.p })) ? 'replaced' : 'stranger';
  }

  /** A cluster step's form starts from what the plan says (e.g. the head and deputy it names). */
  async function clusterStepPrefill(cycleId: string, clusterId: string, step: StepName): Promise<Record<string, string>> {
    const cp = await deps.db.models.ClusterPlan.findById(`${cycleId}:${clusterId}`, { clusterSteps: 1 }).lean();
    const steps = cp?.clusterSteps as Record<string, { prefill?: Record<string, string> }> | undefined;
    return steps?.[step]?.prefill ?? {};
  }

  /** What the cluster's proposal carries: each award's elected units, from the year-end read model. */
  async function proposalResults(workflowId: string, lang: Lang) {
    const ye = await deps.db.models.ClusterYearEnd.findOne({ workflowId }).lean();
    const cp = ye ? await deps.db.models.ClusterPlan.findById(`${ye.cycleId}:${ye.clusterId}`, { units: 1 }).lean() : undefined;
    if (!ye) return undefined;
    const names = new Map(((cp?.units ?? []) as { unitId: string; unitName: string }[]).map((u) => [u.unitId, u.unitName]));
    const state = JSON.parse(ye.state) as YearEndState;
    return state.awards.map((a) => ({
      name: a.name,
      elected: a.elected.map((id) => names.get(id) ?? id),
      none: a.elected.length === 0 ? (lang === 'en' ? 'nobody elected' : 'không có đơn vị nào') : undefined,
    }));
  }

  return r;
}

const DONE: Record<string, [string, string]> = {
  submit: ['Đã gửi. Cán bộ theo dõi sẽ thẩm định và phản hồi qua email.', 'Sent. Your reviewer will check it and reply by email.'],
  approve: ['Đã duyệt. Đơn vị sẽ được thông báo qua email.', 'Approved. The unit will be told by email.'],
  forward: ['Đã chấp thuận và trình cấp trên. Các đơn vị sẽ được thông báo qua email.', 'Approved and forwarded to the parent body. The units will be told by email.'],
  return: ['Đã trả lại kèm ý kiến. Đơn vị sẽ được thông báo qua email.', 'Returned with your comment. The unit will be told by email.'],
};
