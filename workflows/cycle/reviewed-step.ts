/**
 * One "submit → review" step of a unit (registration today; the six-month and year-end reports follow
 * the same shape): open it on its date, ask the unit, remind before the deadline, escalate after
 * deadline + grace, hand the submission to the reviewer, loop on returns, close on approval.
 *
 * Deterministic: time is Temporal's (Date.now() inside a workflow), every side effect is an activity
 * with a business key, so a replay or a retried activity never sends an email twice.
 */
import { condition, log, patched, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { checklistRefusal } from '../../rules/checklist';
import {
  awaitingUnit,
  type ManualStepActionInput,
  type ManualStepActionResult,
  type Person,
  type RescheduleStepInput,
  type ReviewStepInput,
  type StepEvent,
  type StepState,
  type SubmitStepInput,
  type UnitWorkflowInput,
} from './definitions';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import { linkExpiry } from '../../rules/link-expiry';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

const iso = (ms: number) => new Date(ms).toISOString();

/** Checks an update against the step as it is now; throwing here rejects it without touching history. */
export function assertCanSubmit(step: StepState, req: SubmitStepInput, contacts: Person[]): void {
  if (!awaitingUnit(step.status)) throw new Error(`step ${step.step} is ${step.status}, not open for submission`);
  if (req.round !== step.round) throw new Error(`round ${req.round} is over; the current round is ${step.round}`);
  if (!req.onBehalf && !contacts.some((c) => c.email === req.by)) throw new Error(`${req.by} is not a contact of this unit`);
  // Only steps whose plan has a checklist carry one: steps of running cycles without it are unaffected.
  if (step.checklist && step.checklist.length > 0) {
    const refusal = checklistRefusal(step.checklist, req.checklist);
    if (refusal) throw new Error(refusal);
  }
}

export function assertCanReview(step: StepState, req: ReviewStepInput, reviewer: Person): void {
  if (step.status !== 'submitted') throw new Error(`step ${step.step} is ${step.status}, nothing to review`);
  if (req.round !== step.round) throw new Error(`round ${req.round} is over; the current round is ${step.round}`);
  if (req.by !== reviewer.email) throw new Error(`${req.by} is not the reviewer of this unit`);
  if (req.decision === 'return' && !req.comment?.trim()) throw new Error('a return needs a comment');
}

export function assertCanReschedule(step: StepState, req: RescheduleStepInput): void {
  if (step.status === 'approved' || step.status === 'cancelled') throw new Error(`step ${step.step} is ${step.status}; its dates can no longer move`);
  const { opensAt, dueAt, graceEndsAt } = req.schedule;
  const t = [opensAt, dueAt, graceEndsAt].map((x) => Date.parse(x));
  if (t.some(Number.isNaN)) throw new Error('the new schedule has an invalid instant');
  if (!(t[0] <= t[1] && t[1] <= t[2])) throw new Error('the new schedule must open before its deadline, and the grace must end after it');
}

/** remindNow / escalateNow: only a step waiting for the unit (open, or returned) can be reminded or escalated. */
export function assertCanAskNow(step: StepState, req: ManualStepActionInput, action: 'remind' | 'escalate'): void {
  if (typeof req.by !== 'string' || !req.by.trim()) throw new Error('the request must name who asks (by)');
  if (!awaitingUnit(step.status)) {
    const what = action === 'remind' ? 'nothing to remind the unit of' : 'nothing to escalate';
    throw new Error(`step ${step.step} is ${step.status}, not waiting for the unit; ${what}`);
  }
}

type Timer = { kind: 'reminder'; n: number; at: number; daysLeft: number } | { kind: 'escalation'; level: number; at: number };

export class ReviewedStep {
  /** Changes made by update handlers, waiting for the main loop to send their emails. */
  private readonly inbox: StepEvent[] = [];
  /** Set by a reschedule: the main loop re-plans its timers from the new schedule. */
  private replan = false;

  constructor(
    readonly state: StepState,
    private readonly unit: UnitWorkflowInput,
    /** Called after every change the step makes (the unit workflow projects it and updates search attributes). */
    private readonly changed: (step: ReviewedStep) => Promise<void>,
    /** Who acts for a person now: their substitute during a delegation, else themselves. */
    private readonly acting: (p: Person) => Person = (p) => p,
  ) {}

  /** The people written to now: a delegated person's mail (and link) goes to their substitute. */
  private contacts(): Person[] {
    return uniqueByEmail(this.unit.contacts.map(this.acting));
  }

  private reviewer(): Person {
    return this.acting(this.unit.reviewer);
  }

  /** `actingFor`: the person the submitter stands in for (a delegation), recorded in the history. */
  submit(req: SubmitStepInput, actingFor?: string): StepState {
    const at = iso(Date.now());
    const onBehalf = req.onBehalf ? true : undefined;
    this.state.submission = { fields: req.fields, by: req.by, at, round: req.round, onBehalf, ...(req.checklist ? { checklist: req.checklist } : {}) };
    this.state.status = 'submitted';
    this.record({ at, event: 'submitted', round: req.round, by: req.by, onBehalf, comment: req.onBehalf?.note, ...(actingFor ? { actingFor } : {}) });
    return this.state;
  }

  review(req: ReviewStepInput, actingFor?: string): StepState {
    const at = iso(Date.now());
    const acting = actingFor ? { actingFor } : {};
    this.state.review = { decision: req.decision, comment: req.comment, by: req.by, at, round: req.round, ...(req.forward && req.decision === 'approve' ? { forward: true } : {}), ...acting };
    if (req.decision === 'approve') {
      this.state.status = 'approved';
      this.record({ at, event: 'approved', round: req.round, by: req.by, ...acting });
    } else {
      this.state.status = 'returned';
      this.record({ at, event: 'returned', round: req.round, by: req.by, comment: req.comment, ...acting });
      this.state.round += 1;
    }
    return this.state;
  }

  reschedule(req: RescheduleStepInput): StepState {
    const at = iso(Date.now());
    this.state.schedule = req.schedule;
    this.state.scheduleVersion = (this.state.scheduleVersion ?? 0) + 1;
    const e: StepEvent = { at, event: 'rescheduled', round: this.state.round, by: req.by, comment: req.reason };
    // Before the step opens nobody has been asked yet: nobody needs telling, the request carries the new date.
    if (this.state.status === 'pending') this.state.history.push(e);
    else this.record(e);
    this.replan = true;
    return this.state;
  }

  /**
   * Someone new acts for the unit (or reviews it): they get the message they would have had, with
   * their own link, if the step is waiting for them now.
   */
  async introduce(role: 'contact' | 'reviewer', person: Person): Promise<void> {
    if (role === 'contact' && awaitingUnit(this.state.status)) {
      await this.notify('request', this.versioned(`request:${person.email}`), [person], {}, 'unit');
    } else if (role === 'reviewer' && this.state.status === 'submitted') {
      await this.notify('review-request', `review-request:${this.state.round}:${person.email}`, [person], {}, 'reviewer');
    }
  }

  /** The cycle was cancelled: an unfinished step closes as cancelled and the unit is told. */
  /** The cycle was cancelled, or the unit withdrawn from it (`withdrawn`): the unit is told which. */
  async cancel(withdrawn?: { reason?: string }): Promise<void> {
    if (this.state.status === 'approved' || this.state.status === 'cancelled') return;
    const wasOpen = this.state.status !== 'pending';
    this.state.status = 'cancelled';
    this.state.history.push({ at: iso(Date.now()), event: 'cancelled', round: this.state.round, ...(withdrawn?.reason ? { comment: withdrawn.reason } : {}) });
    await this.project();
    if (!wasOpen) return;
    if (withdrawn) await this.notify('withdrawn', 'withdrawn', this.contacts(), { reason: withdrawn.reason ?? '' });
    else await this.notify('cancelled', 'cancelled', this.contacts(), {});
  }

  async run(): Promise<void> {
    // Wait for the opening date; a reschedule may move it while we wait.
    while (Date.now() < Date.parse(this.state.schedule.opensAt)) {
      await condition(() => this.replan, Date.parse(this.state.schedule.opensAt) - Date.now());
      this.replan = false;
    }

    this.state.status = 'open';
    const openedAt = Date.now();
    this.state.history.push({ at: iso(openedAt), event: 'opened', round: this.state.round });
    await this.project();
    await this.notifyUnit('request', 1);

    let timers = this.timers(openedAt);
    while (!this.closed()) {
      const next = timers[0];
      const hasWork = () => this.inbox.length > 0 || this.replan;
      if (next) await condition(hasWork, Math.max(next.at - Date.now(), 0));
      else await condition(hasWork);
      if (this.replan) {
        this.replan = false;
        timers = this.timers(Date.now(), false);
      }
      await this.drainInbox();
      while (timers.length > 0 && timers[0].at <= Date.now()) await this.fire(timers.shift()!);
    }
    await this.drainInbox();
  }

  /**
   * Reminders already past are dropped (at opening, the request just went out). At opening, past
   * escalations collapse to the highest one, so a late start still escalates once, not N times; after
   * a reschedule, past ones are dropped (they were about the old deadline).
   */
  private timers(from: number, collapsePastEscalations = true): Timer[] {
    const { reminders, escalations } = this.state.schedule;
    const rs: Timer[] = reminders
      .map((r) => ({ kind: 'reminder' as const, n: r.n, at: Date.parse(r.at), daysLeft: r.daysLeft }))
      .filter((r) => r.at > from);
    const es = escalations.map((e) => ({ kind: 'escalation' as const, level: e.level, at: Date.parse(e.at) }));
    const past = collapsePastEscalations ? es.filter((e) => e.at <= from) : [];
    const kept = [...(past.length > 0 ? [past[past.length - 1]] : []), ...es.filter((e) => e.at > from)];
    return [...rs, ...kept].sort((a, b) => a.at - b.at);
  }

  /** Keys of the original schedule stay as they were; a moved schedule gets its own (v1:reminder:1…). */
  private versioned(key: string): string {
    const v = this.state.scheduleVersion ?? 0;
    return v === 0 ? key : `v${v}:${key}`;
  }

  private async fire(t: Timer): Promise<void> {
    if (!awaitingUnit(this.state.status)) return;
    if (t.kind === 'reminder') {
      this.state.history.push({ at: iso(Date.now()), event: 'reminded', round: this.state.round, n: t.n });
      await this.notify('reminder', this.versioned(`reminder:${t.n}`), this.contacts(), { daysLeft: t.daysLeft }, 'unit');
    } else {
      this.state.history.push({ at: iso(Date.now()), event: 'escalated', round: this.state.round, n: t.level });
      const to = uniqueByEmail([this.reviewer(), this.acting(this.unit.clusterHead)]);
      await this.notify('escalation', this.versioned(`escalation:${t.level}`), to, { level: t.level });
      // The late unit itself is told once per deadline (quá hạn), with its link, at the first escalation.
      if (this.firstPlannedEscalation() && patched('overdue-notice')) {
        await this.notify('overdue', this.versioned('overdue'), this.contacts(), { level: t.level, graceEndsAt: this.state.schedule.graceEndsAt }, 'unit');
      }
    }
    await this.project();
  }

  /** The escalation just recorded is the first planned one since the schedule was last moved. */
  private firstPlannedEscalation(): boolean {
    const h = this.state.history;
    const since = h.map((e) => e.event).lastIndexOf('rescheduled') + 1;
    return h.slice(since).filter((e) => e.event === 'escalated' && !isManual(e)).length === 1;
  }

  private async drainInbox(): Promise<void> {
    while (this.inbox.length > 0) {
      const e = this.inbox.shift()!;
      if (isManual(e)) {
        await this.sendManual(e);
        continue;
      }
      await this.project();
      if (e.event === 'submitted') {
        await this.notify('review-request', `review-request:${e.round}`, [this.reviewer()], {}, 'reviewer');
      } else if (e.event === 'returned') {
        await this.notifyUnit('returned', e.round, { comment: e.comment ?? '' });
      } else if (e.event === 'approved') {
        await this.notify('approved', 'approved', this.contacts(), {});
      } else if (e.event === 'rescheduled' && this.state.status !== 'approved') {
        await this.notify('deadline-changed', this.versioned('deadline-changed'), this.contacts(), { reason: e.comment ?? '' }, 'unit');
      }
    }
  }

  /**
   * The secretariat asks for one more reminder now (from its dashboard): queued here, sent by the main
   * loop with its own business key (`manual-reminder:<n>`, n counting per step), so a retried activity
   * never sends it twice and a second request sends a second one.
   */
  remindNow(req: ManualStepActionInput): ManualStepActionResult {
    const n = this.manualCount('reminded') + 1;
    this.inbox.push({ at: iso(Date.now()), event: 'reminded', round: this.state.round, by: req.by, n });
    return { step: this.state.step, action: 'remind', n };
  }

  /** The secretariat escalates now, before (or between) the planned escalations: `manual-escalation:<n>`. */
  escalateNow(req: ManualStepActionInput): ManualStepActionResult {
    const n = this.manualCount('escalated') + 1;
    this.inbox.push({ at: iso(Date.now()), event: 'escalated', round: this.state.round, by: req.by, n });
    return { step: this.state.step, action: 'escalate', n };
  }

  /** Manual reminders (or escalations) of this step so far: sent ones in the history, queued ones in the inbox. */
  private manualCount(event: 'reminded' | 'escalated'): number {
    const mine = (e: StepEvent) => e.event === event && isManual(e);
    return this.state.history.filter(mine).length + this.inbox.filter(mine).length;
  }

  /** Sends a queued manual reminder or escalation, if the step still waits for the unit; records it with who asked. */
  private async sendManual(e: StepEvent): Promise<void> {
    if (!awaitingUnit(this.state.status)) {
      log.info('manual action dropped: the step no longer waits for the unit', { event: e.event, n: e.n, status: this.state.status });
      return;
    }
    this.state.history.push({ at: iso(Date.now()), event: e.event, round: this.state.round, by: e.by, n: e.n });
    if (e.event === 'reminded') {
      await this.notify('reminder', `manual-reminder:${e.n}`, this.contacts(), { daysLeft: this.daysLeftNow(), manual: true }, 'unit');
    } else {
      const to = uniqueByEmail([this.reviewer(), this.acting(this.unit.clusterHead)]);
      await this.notify('escalation', `manual-escalation:${e.n}`, to, { level: this.escalationLevelNow(), manual: true });
    }
    await this.project();
  }

  /**
   * Working days left, for the reminder's wording, without calendar maths in the workflow: 0 past the
   * deadline; else the planned reminders' counts bound it (the next planned one's count is a lower
   * bound, the last one sent an upper bound); with neither, the calendar days left.
   */
  private daysLeftNow(): number {
    const now = Date.now();
    const due = Date.parse(this.state.schedule.dueAt);
    if (now >= due) return 0;
    const calendarDays = Math.ceil((due - now) / (24 * 3600 * 1000));
    const reminders = this.state.schedule.reminders;
    const next = reminders.find((r) => Date.parse(r.at) > now);
    if (next) return next.daysLeft;
    const last = reminders.filter((r) => Date.parse(r.at) <= now).pop();
    return last ? Math.min(last.daysLeft, calendarDays) : calendarDays;
  }

  /** The level a manual escalation names: the highest planned level already sent, at least 1. */
  private escalationLevelNow(): number {
    const levels = this.state.history.filter((h) => h.event === 'escalated' && !isManual(h)).map((h) => h.n ?? 1);
    return Math.max(1, ...levels);
  }

  /** Read through a method: TypeScript would otherwise narrow the status to its last assignment. */
  private closed(): boolean {
    return this.state.status === 'approved' || this.state.status === 'cancelled';
  }

  private record(e: StepEvent): void {
    this.state.history.push(e);
    this.inbox.push(e);
  }

  private notifyUnit(kind: string, n: number, data: Record<string, unknown> = {}): Promise<void> {
    return this.notify(kind, `${kind}:${n}`, this.contacts(), data, 'unit');
  }

  /** A permanent mail failure is recorded by the outbox and shown to the secretariat; the step goes on. */
  private async notify(
    kind: string,
    keySuffix: string,
    to: Person[],
    data: Record<string, unknown>,
    linkRole?: 'unit' | 'reviewer',
  ): Promise<void> {
    const { workflowId } = workflowInfo();
    const step = this.state.step;
    try {
      await acts.notify({
        key: `${workflowId}:${step}:${keySuffix}`,
        kind,
        step,
        cycle: this.unit.cycle,
        to,
        data: {
          unitName: this.unit.unitName,
          clusterName: this.unit.clusterName,
          dueAt: this.state.schedule.dueAt,
          round: this.state.round,
          scheduleVersion: this.state.scheduleVersion ?? 0,
          ...data,
        },
        link: linkRole
          ? { workflowId, step, role: linkRole, expiresAt: linkExpiry(this.state.schedule.graceEndsAt) }
          : undefined,
      });
    } catch (err) {
      log.error('notification failed permanently', { kind, keySuffix, error: String(err) });
    }
  }

  private project(): Promise<void> {
    return this.changed(this);
  }
}

/**
 * Links must be the same token in every reminder of a step, so their expiry derives from the schedule,
 * not from "now": they stay usable for 180 days after deadline + grace (late submissions are accepted
 * and escalated, not refused); a closed step refuses them earlier.
 */
export { linkExpiry };

/** A reminder or escalation asked for by someone (the dashboard's buttons), not fired by the schedule. */
const isManual = (e: StepEvent): boolean => (e.event === 'reminded' || e.event === 'escalated') && e.by !== undefined;

/** Each person once, by email (a reviewer may also head the cluster). */
export function uniqueByEmail(people: Person[]): Person[] {
  return people.filter((p, i) => people.findIndex((q) => q.email === p.email) === i);
}
