/**
 * A cluster's year-end, run by its cluster workflow once the plan schedules it: the inspection
 * (inspectors enter final scores, a reason for every change from the self-score), the classes
 * (bands from the plan, locked when the inspection closes and published), the meeting (invitation,
 * then one secret ballot per award title, rounds and ties by the plan's rules), the results (with
 * next year's head by rotation) and the award proposal to the council.
 *
 * Secrecy: what a delegate marks never enters this workflow. The api stores the ballot in the
 * ballot box (lib/ballot-box.ts) and tells us only that the unit voted (with a receipt that matches
 * a retry of the same ballot form, and nothing else); the tally is an activity that returns counts.
 */
import { condition, log, patched, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { assertBallotConfig, attendanceProblems, castsFor, chairDecides, countQuorum, type BallotConfig } from '../../rules/ballot';
import { assignCrossChecks } from '../../rules/cross-check';
import { classify } from '../../rules/classification';
import { nextHead } from '../../rules/rotation';
import { reconcile, totalScore, validateEntry } from '../../rules/scoring';
import {
  ballotBoxId,
  ballotLinkStep,
  crossCheckLinkStep,
  inspectionLinkStep,
  tieLinkStep,
  type AwardRule,
  type AwardState,
  type BallotRoundState,
  type CastVoteInput,
  type CrossCheckState,
  type SubmitCrossCheckInput,
  type ClusterYearEndInput,
  type CycleRef,
  type DecideTieInput,
  type EnterInspectionInput,
  type InspectionVisit,
  type MemberRef,
  type MoveMeetingInput,
  type Person,
  type RecordAttendanceInput,
  type RescheduleInspectionInput,
  type ScoreEntryState,
  type UnitResult,
  type YearEndLinkRole,
  type YearEndState,
} from './definitions';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import { linkExpiry, uniqueByEmail } from './reviewed-step';
import type { RoleDelegations } from './role-delegation';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (instant: string) => Date.parse(instant);

export class YearEnd {
  readonly state: YearEndState;
  /** Set by update handlers: the main loop has something to send or project. */
  private dirty = false;
  /** The meeting version the invited were last told of (-1: not invited yet). */
  private invitedVersion = -1;
  private moveReason?: string;
  /** Withdrawn units whose visit or invitation must still be cancelled (sent by the main loop). */
  private readonly withdrawals: { member: MemberRef; visit?: InspectionVisit; reason?: string }[] = [];
  /** The proxies' ballot links already sent (award:round:absent:holder). */
  private readonly proxyLinksSent = new Set<string>();
  /** Set when the inspection moved after it opened: the main loop re-plans its reminders and tells those concerned. */
  private inspectionMoved = false;
  private inspectionMoveReason?: string;
  /** Whom each waiting tie's link was sent to (award:email): a chair's substitute, or the chair again after them, is told once. */
  private readonly tieSentTo = new Set<string>();

  constructor(
    private readonly cycle: CycleRef,
    private readonly clusterId: string,
    private readonly input: ClusterYearEndInput,
    /** Acting substitutes for the inspectors and the chair (the leader in charge). */
    private readonly roles?: RoleDelegations,
  ) {
    const { inspection } = input;
    this.state = {
      phase: 'waiting',
      revision: 0,
      inspection: {
        opensAt: inspection.opensAt,
        dueAt: inspection.dueAt,
        graceEndsAt: inspection.graceEndsAt,
        units: input.members.map((m) => ({ unitId: m.unitId, unitName: m.unitName })),
      },
      meeting: input.meeting,
      awards: input.awards.map((a) => ({ awardId: a.id, name: a.name, status: 'waiting', rounds: [], elected: [] })),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Delegation (role-delegation.ts): a substitute is written to, and may act, while it runs.

  private actingAs(role: 'inspector' | 'leader', p: Person): Person {
    return this.roles ? this.roles.acting([role], p) : p;
  }

  private mayActAs(role: 'inspector' | 'leader', holder: Person, by: string): boolean {
    return by === holder.email || this.roles?.actorFor([role], holder, by) !== undefined;
  }

  /** Whether a waiting tie's link has not been sent to whoever acts as the chair now (a delegation started or ended). */
  chairUntold(): boolean {
    const chair = this.input.chair;
    if (!chair) return false;
    const to = this.actingAs('leader', chair).email;
    return this.state.awards.some((a) => a.status === 'tie' && !this.tieSentTo.has(`${a.awardId}:${to}`));
  }

  /** Sends each waiting tie's link to whoever acts as the chair now, if they were not sent it yet. */
  async tellChairOfTies(): Promise<void> {
    const to = this.actingAs('leader', this.input.chair!);
    for (const award of this.state.awards.filter((a) => a.status === 'tie' && a.tie && !this.tieSentTo.has(`${a.awardId}:${to.email}`))) {
      this.tieSentTo.add(`${award.awardId}:${to.email}`);
      await this.notify('ballot.tie', `tie:${award.awardId}:${to.email}`, [to], { awardName: award.name, tie: award.tie, units: this.unitNames() }, { role: 'chair', step: tieLinkStep(award.awardId) });
    }
  }

  /** A substitute for an inspector starts: they get the link of every unit still to inspect. */
  async introduceInspector(email: string, substitute: Person): Promise<void> {
    if (this.state.phase !== 'inspection') return;
    for (const m of this.input.members.filter((x) => x.inspector.email === email && !this.result(x.unitId).inspected)) {
      await this.notify('inspection.request', `inspection:request:${m.unitId}:${substitute.email}`, [substitute], { unitName: m.unitName, dueAt: this.input.inspection.dueAt }, { role: 'inspector', step: inspectionLinkStep(m.unitId) });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Update validators and handlers (the cluster workflow registers them)

  assertCanInspect(req: EnterInspectionInput): void {
    if (this.state.phase !== 'inspection') throw new Error(`the inspection is ${this.state.phase === 'waiting' ? 'not open yet' : 'closed'}`);
    const member = this.member(req.unitId);
    if (!this.mayActAs('inspector', member.inspector, req.by)) throw new Error(`${req.by} does not inspect ${member.unitName}`);
    const entry = entryOf(req);
    const problems = validateEntry(this.input.scoring.sheet, entry, { step: this.input.scoring.step });
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
    const self = this.result(req.unitId).self;
    for (const part of ['criteria', 'bonuses', 'deductions'] as const) {
      const r = reconcile(self?.[part] ?? {}, withRemovals(self?.[part], entry[part]), req.reasons ?? {});
      if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
    }
  }

  inspect(req: EnterInspectionInput): UnitResult {
    const entry = entryOf(req);
    const self = this.result(req.unitId).self;
    const changes = (['criteria', 'bonuses', 'deductions'] as const).flatMap(
      (part) => reconcile(self?.[part] ?? {}, withRemovals(self?.[part], entry[part]), req.reasons ?? {}).changes,
    );
    const r = this.result(req.unitId);
    const inspector = this.member(req.unitId).inspector.email;
    r.inspected = {
      entry,
      total: totalScore(this.input.scoring.sheet, entry, { step: this.input.scoring.step }).total,
      by: req.by,
      at: iso(Date.now()),
      changes,
      ...(req.by !== inspector ? { actingFor: inspector } : {}),
    };
    this.dirty = true;
    return r;
  }

  assertCanCrossCheck(req: SubmitCrossCheckInput): void {
    if (this.state.phase !== 'inspection') throw new Error('cross-checking happens while the inspection is open');
    if (!this.crossCheck(req.checker, req.checked)) throw new Error(`${req.checker} was not assigned to check ${req.checked}`);
    const checker = this.member(req.checker);
    if (!checker.contacts.some((c) => c.email === req.by)) throw new Error(`${req.by} does not act for ${checker.unitName}`);
    if (!req.findings.trim()) throw new Error('the findings are empty');
    if (req.findings.length > 10_000) throw new Error('the findings are longer than 10000 characters');
  }

  submitCrossCheck(req: SubmitCrossCheckInput): CrossCheckState {
    const c = this.crossCheck(req.checker, req.checked)!;
    Object.assign(c, { findings: req.findings.trim(), by: req.by, at: iso(Date.now()) });
    this.dirty = true;
    return c;
  }

  assertCanVote(req: CastVoteInput): void {
    const award = this.award(req.awardId);
    const round = award.rounds[award.rounds.length - 1];
    if (!round || round.round !== req.round) throw new Error(`round ${req.round} of "${award.name}" is not the current one`);
    if (round.status !== 'open') throw new Error(`the ballot for "${award.name}" is closed`);
    const member = this.member(req.voterUnitId);
    const quorum = this.input.quorum;
    if (quorum) {
      // With a quorum rule only present units vote, and an absent one through the holder of its proxy.
      if (!this.state.attendance) throw new Error('the chair has not recorded the attendance yet');
      const who = castsFor(quorum, this.state.attendance, req.voterUnitId);
      if (!who) throw new Error(`${member.unitName} is not present at the meeting and has no proxy`);
      const expected = who.by === 'itself' ? member.delegate : this.member(who.holder).delegate;
      if (req.by !== expected.email) throw new Error(`${req.by} does not cast the ballot of ${member.unitName}${who.by === 'proxy' ? ' (its proxy is held by another unit)' : ''}`);
    } else if (req.by !== member.delegate.email) throw new Error(`${req.by} is not the delegate of ${member.unitName}`);
    const earlier = round.voted.find((v) => v.unitId === req.voterUnitId);
    if (earlier && earlier.receipt !== req.receipt) throw new Error(`${member.unitName} has already voted in this round`);
  }

  vote(req: CastVoteInput): { voted: number; of: number } {
    const round = this.award(req.awardId).rounds.at(-1)!;
    if (!round.voted.some((v) => v.unitId === req.voterUnitId)) round.voted.push({ unitId: req.voterUnitId, receipt: req.receipt });
    this.dirty = true;
    return { voted: round.voted.length, of: this.input.members.length };
  }

  assertCanRecordAttendance(req: RecordAttendanceInput): void {
    const quorum = this.input.quorum;
    if (!quorum) throw new Error("this cluster's meeting has no quorum rule: attendance is not recorded");
    if (!['classified', 'voting'].includes(this.state.phase)) throw new Error(`attendance is recorded for the meeting, not while the year-end is ${this.state.phase}`);
    const problems = attendanceProblems(this.input.members.map((m) => m.unitId), quorum, req);
    if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    // A correction may not take the vote away from a unit that has already voted in an open round.
    for (const a of this.state.awards) {
      const round = a.rounds.at(-1);
      if (round?.status !== 'open') continue;
      for (const v of round.voted) {
        if (!castsFor(quorum, req, v.unitId)) throw new Error(`${this.member(v.unitId).unitName} has voted on "${a.name}": it must stay present or represented`);
      }
    }
  }

  recordAttendance(req: RecordAttendanceInput): NonNullable<YearEndState['attendance']> {
    this.state.attendance = { present: [...req.present], proxies: req.proxies.map((p) => ({ ...p })), by: req.by, at: iso(Date.now()) };
    this.dirty = true;
    return this.state.attendance;
  }

  assertCanDecideTie(req: DecideTieInput): void {
    const award = this.award(req.awardId);
    if (award.status !== 'tie' || !award.tie) throw new Error(`"${award.name}" has no tie to decide`);
    if (!this.input.chair || !this.mayActAs('leader', this.input.chair, req.by)) throw new Error(`${req.by} does not chair this cluster's meeting`);
    chairDecides(award.tie, req.chosen);
  }

  decideTie(req: DecideTieInput): AwardState {
    const award = this.award(req.awardId);
    award.elected = [...award.elected, ...chairDecides(award.tie!, req.chosen)];
    award.status = 'decided';
    award.decidedBy = 'chair';
    // Who chose: the chair, or their substitute on the chair's behalf (assertCanDecideTie let no one else).
    const chair = this.input.chair!;
    award.chosenBy = req.by;
    award.chosenByName = req.by === chair.email ? chair.name : (this.roles?.actorFor(['leader'], chair, req.by)?.name ?? req.by);
    if (req.by !== chair.email) {
      award.actingFor = chair.email;
      award.actingForName = chair.name;
    }
    award.decidedAt = iso(Date.now());
    this.dirty = true;
    return award;
  }

  /** A unit joins before the inspection opens (afterwards it would miss the requests and the cross-check assignment). */
  assertCanAdd(): void {
    if (this.state.phase !== 'waiting') throw new Error('the inspection has opened: a unit can no longer join this year');
  }

  addMember(member: MemberRef): void {
    this.input.members = [...this.input.members, member];
    this.state.inspection.units.push({ unitId: member.unitId, unitName: member.unitName });
    this.dirty = true;
  }

  /** A unit leaves before the ballots: afterwards the meeting's membership (and so the tally) is fixed. */
  assertCanWithdraw(unitId: string): void {
    if (unitId === this.input.headUnitId) throw new Error(`${this.member(unitId).unitName} heads the cluster: name another head before withdrawing it`);
    if (!['waiting', 'inspection', 'classified'].includes(this.state.phase)) throw new Error('the ballots are open or over: the cluster can no longer change');
  }

  withdraw(unitId: string, reason?: string): void {
    const member = this.input.members.find((m) => m.unitId === unitId);
    if (member) this.withdrawals.push({ member, visit: this.input.visits?.find((v) => v.unitId === unitId), reason });
    this.input.members = this.input.members.filter((m) => m.unitId !== unitId);
    this.input.visits = this.input.visits?.filter((v) => v.unitId !== unitId);
    const ins = this.state.inspection;
    ins.units = ins.units.filter((u) => u.unitId !== unitId);
    ins.crossChecks = ins.crossChecks?.filter((c) => c.checker !== unitId && c.checked !== unitId);
    this.dirty = true;
  }

  assertCanRescheduleInspection(req: RescheduleInspectionInput): void {
    if (!['waiting', 'inspection'].includes(this.state.phase)) throw new Error(`the inspection is ${this.state.phase === 'cancelled' ? 'cancelled' : 'closed'}: its dates can no longer move`);
    const t = [req.inspection.opensAt, req.inspection.dueAt, req.inspection.graceEndsAt].map(ms);
    if (t.some(Number.isNaN)) throw new Error('the new inspection schedule has an invalid instant');
    if (!(t[0] <= t[1] && t[1] <= t[2])) throw new Error('the inspection must open before its deadline, and the grace must end after it');
    if (this.state.phase === 'inspection' && t[2] <= Date.now()) throw new Error('the inspection is open: its new end is already past');
    for (const v of req.visits ?? []) this.member(v.unitId);
  }

  rescheduleInspection(req: RescheduleInspectionInput): { inspection: ClusterYearEndInput['inspection']; visits: InspectionVisit[]; version: number } {
    // Only cycles that receive this update reach the marker: histories without it replay unchanged.
    patched('inspection-follows-meeting');
    this.input.inspection = req.inspection;
    if (req.visits) this.input.visits = req.visits;
    const ins = this.state.inspection;
    Object.assign(ins, { opensAt: req.inspection.opensAt, dueAt: req.inspection.dueAt, graceEndsAt: req.inspection.graceEndsAt });
    this.state.inspectionVersion = (this.state.inspectionVersion ?? 0) + 1;
    // Before the opening nobody has been told: the requests and visits go out once, with the new dates.
    if (this.state.phase === 'inspection') this.inspectionMoved = true;
    this.inspectionMoveReason = req.reason;
    this.dirty = true;
    return { inspection: req.inspection, visits: this.input.visits ?? [], version: this.state.inspectionVersion };
  }

  assertCanMoveMeeting(req: MoveMeetingInput): void {
    if (!this.input.meeting) throw new Error("this cluster's plan has no meeting");
    if (!['waiting', 'inspection', 'classified'].includes(this.state.phase)) throw new Error('the ballots are open or over: the meeting can no longer move');
    const { inviteAt, opensAt, closesAt } = req.schedule;
    const t = [inviteAt, opensAt, closesAt].map(ms);
    if (t.some(Number.isNaN)) throw new Error('the new meeting has an invalid instant');
    if (!(t[0] <= t[1] && t[1] < t[2])) throw new Error('the invitation must come before the ballots open, and they must open before they close');
    if (t[1] <= Date.now()) throw new Error('the new meeting is in the past');
  }

  moveMeeting(req: MoveMeetingInput): { meeting: NonNullable<ClusterYearEndInput['meeting']>; version: number } {
    this.input.meeting = req.schedule;
    this.state.meeting = req.schedule;
    this.state.meetingVersion = (this.state.meetingVersion ?? 0) + 1;
    this.moveReason = req.reason;
    this.dirty = true;
    return { meeting: req.schedule, version: this.state.meetingVersion };
  }

  // -------------------------------------------------------------------------------------------
  // The main loop

  async run(): Promise<void> {
    await this.inspection();
    const escalating = this.escalateUninspected();
    if (!this.input.meeting) {
      await this.finish('classified');
      await escalating;
      return;
    }
    await this.meeting();
    await escalating;
    await this.finish('results');
  }

  /**
   * The inspection's escalations (báo cáo chậm), at their planned instants after deadline + grace:
   * when units were classified from their self scores because nobody inspected them, the leader in
   * charge, the council and those units' inspectors are told which, level by level, until the ballots
   * open (afterwards the classes are on the ballot). Runs beside the wait for the meeting.
   */
  private async escalateUninspected(): Promise<void> {
    const planned = [...this.input.inspection.escalations];
    const uninspected = () => this.state.inspection.units.filter((u) => !u.inspected && this.input.members.some((m) => m.unitId === u.unitId));
    // Earlier runs (and years where every unit was inspected) send nothing and record no marker.
    if (planned.length === 0 || uninspected().length === 0 || !patched('inspection-escalations')) return;
    for (const e of planned) {
      const at = ms(e.at);
      if (Date.now() < at) await condition(() => this.state.phase !== 'classified', at - Date.now());
      if (this.state.phase !== 'classified') return;
      const units = uninspected();
      if (units.length === 0) return;
      const inspectors = units.map((u) => this.member(u.unitId).inspector);
      const to = uniqueByEmail([...(this.input.chair ? [this.input.chair] : []), ...(this.input.proposal ? [this.input.proposal.council] : []), ...inspectors]);
      await this.notify('inspection.escalation', `inspection:escalation:${e.level}`, to, {
        level: e.level,
        dueAt: this.input.inspection.dueAt,
        units: units.map((u) => ({ unitName: u.unitName, total: u.total, bandName: u.bandName, inspector: this.member(u.unitId).inspector.name })),
      });
    }
  }

  enterPhase(phase: 'proposal'): Promise<void> {
    this.state.phase = phase;
    return this.project();
  }

  /** The council decided the cluster's proposal: every member and the chair are told. */
  async announceDecision(): Promise<void> {
    await this.project();
    const p = this.state.proposal;
    if (p?.status !== 'approved') return;
    await this.documents('decision');
    const to = uniqueByEmail([...this.input.members.map((m) => m.delegate), ...(this.input.chair ? [this.input.chair] : [])]);
    await this.notify('award.decision', 'award:decision', to, { awards: this.state.awards, units: this.unitNames(), comment: p.review?.comment });
  }

  /** The cycle was cancelled: the visits still to come and the meeting leave the calendars of those told of them. */
  async cancel(): Promise<void> {
    const was = this.state.phase;
    this.state.phase = 'cancelled';
    await this.project();
    if (!patched('year-end-cancel-calendar')) return;
    if (was !== 'waiting') {
      for (const v of this.input.visits ?? []) {
        if (ms(v.startsAt) <= Date.now()) continue;
        const m = this.member(v.unitId);
        await this.notify('inspection.visit-cancelled', `inspection:visit-cancelled:${v.unitId}`, m.contacts, { unitName: m.unitName, visit: v, calendarEvent: this.visitEvent(v, true) });
      }
    }
    const meeting = this.input.meeting;
    if (meeting && this.invitedVersion >= 0 && ms(meeting.closesAt) > Date.now()) {
      await this.notify('meeting.cancelled', 'meeting:cancelled', this.invited(), { meeting, calendarEvent: this.meetingEvent(true) });
    }
  }

  /** A withdrawn unit's visit (if announced and still to come) and its delegate's invitation are cancelled. */
  private async sendWithdrawals(): Promise<void> {
    if (this.withdrawals.length === 0 || !patched('year-end-withdraw-calendar')) return;
    while (this.withdrawals.length > 0) {
      const { member, visit, reason } = this.withdrawals.shift()!;
      if (visit && this.state.phase !== 'waiting' && ms(visit.startsAt) > Date.now()) {
        await this.notify('inspection.visit-cancelled', `inspection:visit-cancelled:${member.unitId}`, member.contacts, { unitName: member.unitName, visit, withdrawn: true, reason, calendarEvent: this.visitEvent(visit, true) });
      }
      const meeting = this.input.meeting;
      if (meeting && this.invitedVersion >= 0) {
        await this.notify('meeting.cancelled', `meeting:cancelled:${member.unitId}`, [member.delegate], { meeting, unitName: member.unitName, withdrawn: true, reason, calendarEvent: this.meetingEvent(true) });
      }
    }
  }

  private visitEvent(v: InspectionVisit, cancelled = false) {
    const uid = `${workflowInfo().workflowId}:visit:${v.unitId}@thidua`;
    const version = this.state.inspectionVersion ?? 0;
    return { uid, sequence: cancelled ? version + 1 : version, kind: 'inspection' as const, start: v.startsAt, end: v.endsAt, location: v.place, ...(cancelled ? { cancelled: true } : {}) };
  }

  private meetingEvent(cancelled: boolean) {
    const m = this.input.meeting!;
    const version = this.state.meetingVersion ?? 0;
    return { uid: `${workflowInfo().workflowId}:meeting@thidua`, sequence: cancelled ? version + 1 : version, kind: 'meeting' as const, start: m.opensAt, end: m.closesAt, location: m.place, ...(cancelled ? { cancelled: true } : {}) };
  }

  private invited(): Person[] {
    return uniqueByEmail([...this.input.members.map((m) => m.delegate), ...(this.input.chair ? [this.input.chair] : [])]);
  }

  private async inspection(): Promise<void> {
    // Read afresh at every use: the inspection may move with the meeting (rescheduleInspection).
    const insp = () => this.input.inspection;
    await this.sleepUntil(() => insp().opensAt);
    const selfScores = await acts.getSelfScores({ cycleId: this.cycle.cycleId, unitIds: this.input.members.map((m) => m.unitId) });
    for (const r of this.state.inspection.units) {
      const self = selfScores[r.unitId];
      if (!self) continue;
      try {
        r.self = { ...self, total: totalScore(this.input.scoring.sheet, self, { step: this.input.scoring.step }).total };
      } catch (err) {
        // A self-score that does not fit the sheet (it changed?) counts as none; the inspector scores from scratch.
        log.warn('self-score does not fit the sheet', { unitId: r.unitId, error: String(err) });
      }
    }
    this.state.phase = 'inspection';
    await this.project();
    for (const m of this.input.members) {
      await this.notify('inspection.request', `inspection:request:${m.unitId}`, [this.actingAs('inspector', m.inspector)], { unitName: m.unitName, dueAt: insp().dueAt, ...this.versioned() }, { role: 'inspector', step: inspectionLinkStep(m.unitId) });
    }
    await this.announceVisits();
    await this.assignCrossChecks();
    const allInspected = () => this.state.inspection.units.every((u) => u.inspected);
    let reminders = [...insp().reminders];
    // Corrections are allowed until the deadline; a unit nobody inspected waits until the grace ends.
    for (;;) {
      const closeAt = allInspected() ? ms(insp().dueAt) : ms(insp().graceEndsAt);
      const next = reminders.length > 0 ? Math.min(ms(reminders[0].at), closeAt) : closeAt;
      await condition(() => this.dirty, Math.max(next - Date.now(), 0));
      await this.flush();
      if (this.inspectionMoved) {
        // The reminders of the new deadline that are still to come; those concerned are told of the move.
        this.inspectionMoved = false;
        reminders = insp().reminders.filter((r) => ms(r.at) > Date.now());
        await this.announceInspectionMove();
      }
      if (Date.now() >= (allInspected() ? ms(insp().dueAt) : ms(insp().graceEndsAt))) break;
      while (reminders.length > 0 && ms(reminders[0].at) <= Date.now()) {
        const r = reminders.shift()!;
        const v = this.state.inspectionVersion ?? 0;
        for (const m of this.input.members.filter((x) => !this.result(x.unitId).inspected)) {
          await this.notify('inspection.reminder', `inspection:reminder:${v === 0 ? '' : `v${v}:`}${r.n}:${m.unitId}`, [this.actingAs('inspector', m.inspector)], { unitName: m.unitName, dueAt: insp().dueAt, daysLeft: r.daysLeft, ...this.versioned() }, { role: 'inspector', step: inspectionLinkStep(m.unitId) });
        }
      }
    }
    this.lockClasses();
    await this.project();
    await this.documents('classes');
    for (const m of this.input.members) {
      const r = this.result(m.unitId);
      await this.notify('classes.published', 'classes:published', m.contacts, { unitName: m.unitName, total: r.total, bandName: r.bandName, source: r.source });
    }
  }

  /** The inspectors' calendar entry follows a moved inspection (same UID, the move's SEQUENCE); nothing for a plan never moved. */
  private versioned(): { scheduleVersion?: number } {
    const v = this.state.inspectionVersion ?? 0;
    return v === 0 ? {} : { scheduleVersion: v };
  }

  /**
   * The inspection moved while open: inspectors who have not finished get the request again with the
   * new deadline (their calendar entry updated), units whose visit is still to come get their new slot
   * (the same calendar event, a higher SEQUENCE), the team the new timetable.
   */
  private async announceInspectionMove(): Promise<void> {
    const v = this.state.inspectionVersion ?? 0;
    const reason = this.inspectionMoveReason;
    for (const m of this.input.members.filter((x) => !this.result(x.unitId).inspected)) {
      await this.notify('inspection.request', `inspection:request:v${v}:${m.unitId}`, [this.actingAs('inspector', m.inspector)], { unitName: m.unitName, dueAt: this.input.inspection.dueAt, moved: true, reason, ...this.versioned() }, { role: 'inspector', step: inspectionLinkStep(m.unitId) });
    }
    const visits = (this.input.visits ?? []).filter((x) => ms(x.startsAt) > Date.now());
    for (const x of visits) {
      const m = this.member(x.unitId);
      await this.notify('inspection.visit', `inspection:visit:v${v}:${x.unitId}`, m.contacts, { unitName: m.unitName, visit: x, moved: true, reason, calendarEvent: this.visitEvent(x) });
    }
    const team = uniqueByEmail(this.input.team ?? []);
    if (team.length > 0 && visits.length > 0) {
      const names = this.unitNames();
      await this.notify('inspection.timetable', `inspection:timetable:v${v}`, team, { visits: (this.input.visits ?? []).map((x) => ({ ...x, unitName: names[x.unitId] })), moved: true, reason });
    }
  }

  /** Each visited unit gets its slot (with a calendar event); the team gets the whole timetable. */
  private async announceVisits(): Promise<void> {
    const visits = this.input.visits ?? [];
    if (visits.length === 0) return;
    const { workflowId } = workflowInfo();
    for (const v of visits) {
      const m = this.member(v.unitId);
      await this.notify('inspection.visit', `inspection:visit:${v.unitId}`, m.contacts, {
        unitName: m.unitName,
        visit: v,
        calendarEvent: { uid: `${workflowId}:visit:${v.unitId}@thidua`, sequence: this.state.inspectionVersion ?? 0, kind: 'inspection', start: v.startsAt, end: v.endsAt, location: v.place },
      });
    }
    const team = uniqueByEmail(this.input.team ?? []);
    if (team.length > 0) {
      const names = this.unitNames();
      await this.notify('inspection.timetable', 'inspection:timetable', team, { visits: visits.map((v) => ({ ...v, unitName: names[v.unitId] })) });
    }
  }

  /** Who checks whose files: a seeded assignment (rules/cross-check.ts), the same on every replay. */
  private async assignCrossChecks(): Promise<void> {
    const cc = this.input.crossCheck;
    if (!cc) return;
    const { assignments } = assignCrossChecks(this.input.members.map((m) => m.unitId), { checksPerUnit: cc.checksPerUnit, seed: cc.seed });
    this.state.inspection.crossChecks = assignments.map((a) => ({ checker: a.checker, checked: a.checked }));
    await this.project();
    for (const a of assignments) {
      const checker = this.member(a.checker);
      await this.notify(
        'crosscheck.assignment',
        `crosscheck:${a.checker}:${a.checked}`,
        checker.contacts,
        { unitName: checker.unitName, checkedName: this.member(a.checked).unitName, dueAt: this.input.inspection.dueAt },
        { role: 'checker', step: crossCheckLinkStep(a.checker, a.checked) },
      );
    }
  }

  private crossCheck(checker: string, checked: string): CrossCheckState | undefined {
    return this.state.inspection.crossChecks?.find((c) => c.checker === checker && c.checked === checked);
  }

  /** The classes are the bands of the inspected totals (else the self totals); locked from here on. */
  private lockClasses(): void {
    const { sheet, bands, step } = this.input.scoring;
    for (const r of this.state.inspection.units) {
      const entry = r.inspected?.entry ?? r.self;
      if (!entry) continue;
      const t = totalScore(sheet, entry, { step });
      const c = classify(t.total, bands, { deduction: t.deduction });
      Object.assign(r, { total: t.total, source: r.inspected ? 'inspection' : 'self', bandId: c.band.id, bandName: c.band.name });
    }
    this.state.inspection.closedAt = iso(Date.now());
    this.state.phase = 'classified';
  }

  /** Invites (again, when the meeting moved since): one calendar entry, its SEQUENCE the meeting's version. */
  private async invite(): Promise<void> {
    const version = this.state.meetingVersion ?? 0;
    if (this.invitedVersion === version) return;
    const meeting = this.input.meeting!;
    // A moved meeting's Giấy mời is stored again (from the projected state) before the new invitation links it.
    if (version > 0 && patched('moved-invitation-document')) await this.documents('classes');
    const invited = uniqueByEmail([...this.input.members.map((m) => m.delegate), ...(this.input.chair ? [this.input.chair] : [])]);
    const { workflowId } = workflowInfo();
    await this.notify('meeting.invitation', version === 0 ? 'meeting:invitation' : `meeting:invitation:v${version}`, invited, {
      meeting,
      dueAt: meeting.opensAt,
      moved: this.invitedVersion >= 0,
      reason: this.moveReason,
      calendarEvent: { uid: `${workflowId}:meeting@thidua`, sequence: version, kind: 'meeting', start: meeting.opensAt, end: meeting.closesAt, location: meeting.place },
    });
    this.invitedVersion = version;
  }

  private async meeting(): Promise<void> {
    // The instants are read afresh at every wake-up: the coordinator may move the meeting meanwhile.
    await this.sleepUntil(() => this.input.meeting!.inviteAt);
    await this.invite();
    await this.sleepUntil(() => this.input.meeting!.opensAt, () => this.invite());
    const meeting = this.input.meeting!;
    this.state.phase = 'voting';
    for (const [i, award] of this.state.awards.entries()) {
      const rule = this.input.awards[i];
      const candidates = this.state.inspection.units.filter((u) => u.bandId && rule.eligibleBands.includes(u.bandId)).map((u) => u.unitId);
      if (candidates.length === 0) award.status = 'no-candidates';
      else await this.openRound(award, candidates, rule.quota, meeting.closesAt);
    }
    await this.project();

    for (;;) {
      const open = this.state.awards.filter((a) => a.status === 'voting');
      const waiting = this.state.awards.filter((a) => a.status === 'tie');
      if (open.length === 0 && waiting.length === 0) break;
      const due = open.map((a) => ms(a.rounds.at(-1)!.closesAt));
      const roundDone = (a: AwardState) => a.rounds.at(-1)!.voted.length === this.voters();
      const next = due.length > 0 ? Math.min(...due) : undefined;
      const wake = () => this.dirty || open.some(roundDone);
      if (next === undefined) await condition(wake);
      else await condition(wake, Math.max(next - Date.now(), 0));
      await this.flush();
      await this.sendProxyLinks();
      for (const a of open) if (roundDone(a) || Date.now() >= ms(a.rounds.at(-1)!.closesAt)) await this.closeRound(a);
    }
  }

  private async openRound(award: AwardState, candidates: string[], seats: number, closesAt: string): Promise<void> {
    const round: BallotRoundState = { round: award.rounds.length + 1, candidates, seats, opensAt: iso(Date.now()), closesAt, status: 'open', voted: [] };
    award.rounds.push(round);
    award.status = 'voting';
    await this.project();
    // The ballot (Phiếu suy tôn) is stored before its delegates are mailed: the mail links it.
    if (patched('ballot-documents')) await this.documents('ballots');
    for (const m of this.input.members) {
      await this.notify(
        'ballot.open',
        `ballot:${award.awardId}:${round.round}:${m.unitId}`,
        [m.delegate],
        { unitName: m.unitName, awardName: award.name, round: round.round, seats, dueAt: closesAt },
        { role: 'voter', step: ballotLinkStep(award.awardId, round.round, m.unitId), expiresAt: closesAt },
      );
    }
    await this.sendProxyLinks();
  }

  /** How many units can vote: every member, or with a quorum rule those present or represented. */
  private voters(): number {
    const quorum = this.input.quorum;
    if (!quorum) return this.input.members.length;
    if (!this.state.attendance) return Number.POSITIVE_INFINITY;
    return this.input.members.filter((m) => castsFor(quorum, this.state.attendance, m.unitId)).length;
  }

  /** The holder of a written proxy gets the absent unit's ballot link for every open round (once each). */
  private async sendProxyLinks(): Promise<void> {
    const quorum = this.input.quorum;
    const attendance = this.state.attendance;
    if (!quorum?.proxies || !attendance) return;
    for (const award of this.state.awards) {
      const round = award.rounds.at(-1);
      if (award.status !== 'voting' || round?.status !== 'open') continue;
      for (const p of attendance.proxies) {
        const key = `${award.awardId}:${round.round}:${p.absent}:${p.holder}`;
        if (this.proxyLinksSent.has(key)) continue;
        this.proxyLinksSent.add(key);
        const absent = this.member(p.absent);
        await this.notify(
          'ballot.open',
          `ballot:${award.awardId}:${round.round}:${p.absent}:proxy:${p.holder}`,
          [this.member(p.holder).delegate],
          { unitName: absent.unitName, awardName: award.name, round: round.round, seats: round.seats, dueAt: round.closesAt },
          { role: 'voter', step: ballotLinkStep(award.awardId, round.round, p.absent), expiresAt: round.closesAt },
        );
      }
    }
  }

  private async closeRound(award: AwardState): Promise<void> {
    const i = this.state.awards.indexOf(award);
    const rule = this.input.awards[i];
    const round = award.rounds.at(-1)!;
    round.status = 'closed';
    round.closedAt = iso(Date.now());
    const counted = await acts.countBallots({
      boxId: ballotBoxId(workflowInfo().workflowId, award.awardId, round.round),
      config: ballotConfig(rule, round.round === 1 ? round.candidates : this.state.awards[i].rounds[0].candidates),
      members: this.input.members.map((m) => m.unitId),
      participation: round.voted.length,
      tie: round.round === 1 ? undefined : award.tie,
    });
    round.result = counted.result;
    round.unresolved = counted.unresolved;
    if (this.input.quorum) {
      // Without the quorum the ballots are counted (for the minutes) but the result is void.
      round.quorum = countQuorum(this.input.members.map((m) => m.unitId), this.input.quorum, this.state.attendance);
      if (!round.quorum.met) {
        award.status = 'void';
        award.tie = undefined;
        award.decidedAt = iso(Date.now());
        await this.project();
        return;
      }
    }
    award.elected = [...award.elected, ...counted.result.elected];
    const tie = counted.result.tie;
    // One second round at most: a tie again goes to the chair when there is one, else stays undecided.
    const chairCanDecide = this.input.chair !== undefined && this.input.chair !== null;
    const tieRule = tie && round.round >= 2 ? (chairCanDecide ? 'chair' : 'none') : tie?.rule;
    if (patched('ballot-closed-mail')) {
      // Every delegate learns the ballot closed, how many voted and what comes next (the names come with the results).
      const next = !tie || tieRule === 'none' ? 'decided' : tieRule === 'second-round' ? 'second-round' : 'chair';
      for (const m of this.input.members) {
        await this.notify('ballot.closed', `ballot:closed:${award.awardId}:${round.round}:${m.unitId}`, [m.delegate], {
          unitName: m.unitName,
          awardName: award.name,
          round: round.round,
          voted: round.voted.length,
          members: this.input.members.length,
          votedHere: round.voted.some((v) => v.unitId === m.unitId),
          next,
        });
      }
    }
    if (!tie || tieRule === 'none') {
      award.status = 'decided';
      award.decidedBy = 'ballot';
      award.tie = undefined;
      award.decidedAt = iso(Date.now());
      if (tie) award.undecided = { among: tie.among, seats: tie.seats };
    } else if (tieRule === 'second-round') {
      award.tie = tie;
      const closesAt = iso(Date.now() + this.input.meeting!.secondRoundMinutes * 60_000);
      await this.openRound(award, tie.among, tie.seats, closesAt);
    } else {
      award.tie = { ...tie, rule: 'chair' };
      award.status = 'tie';
      const to = this.actingAs('leader', this.input.chair!);
      this.tieSentTo.add(`${award.awardId}:${to.email}`);
      await this.notify('ballot.tie', `tie:${award.awardId}`, [to], { awardName: award.name, tie, units: this.unitNames() }, { role: 'chair', step: tieLinkStep(award.awardId) });
    }
    await this.project();
  }

  private async finish(phase: 'classified' | 'results'): Promise<void> {
    if (phase === 'results') {
      const head = this.input.headUnitId;
      const members = this.input.members.map((m) => m.unitId);
      // Stored plans carry null for an absent deputy.
      const deputy = this.input.deputyUnitId ?? undefined;
      const next = nextHead({ members, head, ...(deputy ? { deputy } : {}) }, 'rotate');
      this.state.nextHead = next.deputy ? { head: next.head, deputy: next.deputy } : { head: next.head };
      this.state.phase = 'results';
      await this.project();
      await this.documents('results');
      const to = uniqueByEmail([...this.input.members.map((m) => m.delegate), ...(this.input.chair ? [this.input.chair] : [])]);
      await this.notify('meeting.results', 'meeting:results', to, { awards: this.state.awards, nextHead: this.state.nextHead, units: this.unitNames() });
    } else {
      this.state.phase = phase;
      await this.project();
    }
  }

  // -------------------------------------------------------------------------------------------

  private unitNames(): Record<string, string> {
    return Object.fromEntries(this.input.members.map((m) => [m.unitId, m.unitName]));
  }

  private member(unitId: string): MemberRef {
    const m = this.input.members.find((x) => x.unitId === unitId);
    if (!m) throw new Error(`${unitId} is not a member of this cluster`);
    return m;
  }

  private result(unitId: string): UnitResult {
    return this.state.inspection.units.find((u) => u.unitId === unitId)!;
  }

  private award(awardId: string): AwardState {
    const a = this.state.awards.find((x) => x.awardId === awardId);
    if (!a) throw new Error(`unknown award "${awardId}"`);
    return a;
  }

  private async sleepUntil(instant: string | (() => string), onWake?: () => Promise<void>): Promise<void> {
    const at = () => ms(typeof instant === 'string' ? instant : instant());
    while (Date.now() < at()) {
      await condition(() => this.dirty, at() - Date.now());
      await this.flush();
      await onWake?.();
    }
  }

  /** Projects what the handlers changed. */
  private async flush(): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      await this.project();
      await this.sendWithdrawals();
    }
  }

  /** The stage's documents (score table, report, minutes, proposal…); a failure is logged, the year goes on. */
  private async documents(stage: 'classes' | 'ballots' | 'results' | 'decision'): Promise<void> {
    try {
      await acts.generateYearEndDocuments({ cycleId: this.cycle.cycleId, clusterId: this.clusterId, stage });
    } catch (err) {
      log.error('year-end documents not generated', { stage, error: String(err) });
    }
  }

  private project(): Promise<void> {
    this.state.revision += 1;
    return acts.projectYearEnd({ cycleId: this.cycle.cycleId, clusterId: this.clusterId, workflowId: workflowInfo().workflowId, state: this.state });
  }

  /** A permanent mail failure is recorded by the outbox and shown to the secretariat; the year goes on. */
  private async notify(
    template: string,
    keySuffix: string,
    to: Person[],
    data: Record<string, unknown>,
    link?: { role: YearEndLinkRole; step: string; expiresAt?: string },
  ): Promise<void> {
    const { workflowId } = workflowInfo();
    try {
      await acts.notify({
        key: `${workflowId}:${keySuffix}`,
        kind: template,
        template,
        cycle: this.cycle,
        to,
        data: { clusterName: this.input.clusterName, ...data },
        link: link ? { workflowId, step: link.step, role: link.role, expiresAt: link.expiresAt ?? linkExpiry(this.input.inspection.graceEndsAt) } : undefined,
      });
    } catch (err) {
      log.error('notification failed permanently', { template, keySuffix, error: String(err) });
    }
  }
}

/** A bonus or deduction the unit claimed and the inspector left out is a change to 0: it needs a reason too. */
function withRemovals(self: Record<string, number> | undefined, inspected: Record<string, number>): Record<string, number> {
  const out = { ...inspected };
  for (const [id, v] of Object.entries(self ?? {})) if (!(id in out) && v !== 0) out[id] = 0;
  return out;
}

function entryOf(req: EnterInspectionInput): ScoreEntryState {
  return { criteria: req.criteria, bonuses: req.bonuses ?? {}, deductions: req.deductions ?? {} };
}

/** The rules of one award as the tally takes them; `eligible` is the round-1 candidates. */
export function ballotConfig(rule: AwardRule, eligible: string[]): BallotConfig {
  return assertBallotConfig({ titleId: rule.id, quota: rule.quota, threshold: rule.threshold, eligible, selfVoteAllowed: rule.selfVoteAllowed, tie: rule.tie });
}

