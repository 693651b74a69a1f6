/**
 * The parent cycle's decision on a forward from below (workflows/cycle/forward-decision.ts): who
 * decides and by when (calendar maths stay out of the workflow), its mails, its projection to the
 * forward's row (read by both cycles' GET /forwards), and the outcome mailed to the coordinators and
 * the secretariat of the cycle below. Idempotent: rows are keyed by the forward's id, mails by a key.
 */
import { log } from '@temporalio/activity';
import { DEFAULT_TIME_ZONE, localDate, shiftDate } from '../rules/calendar';
import { calendarOf } from '../rules/compile';
import { linkExpiry } from '../rules/link-expiry';
import type { Plan } from '../rules/plan';
import { computeStepSchedule } from '../rules/schedule';
import type { CycleRef, ForwardDecisionState, ForwardInput, ForwardOutcome, Person } from '../workflows/cycle/definitions';
import type { NotifyInput } from './notify';
import { createMailActivities } from './notify';
import type { ActivityDeps } from '.';

/** A forward without a deadline keeps its links this long (then linkExpiry's margin). */
const NO_DEADLINE_LINK_DAYS = 365;

export interface ForwardDecisionPlan {
  council: Person[];
  dueAt?: string;
  reminders: { n: number; at: string; daysLeft: number }[];
  expiresAt: string;
}

/** The council that decides forwards in this plan: `forwards.council`, else the plan's `council`. */
export function forwardCouncilOf(plan: Plan): Person[] {
  const ids = plan.forwards?.council ?? (plan.council ? [plan.council] : []);
  return ids.flatMap((id) => {
    const s = plan.staff.find((x) => x.id === id);
    return s ? [{ name: s.name, email: s.email, lang: s.lang }] : [];
  });
}

/** The decision's deadline and reminders from the moment it opens (`at`), on the plan's calendar. */
export function forwardDecisionPlan(plan: Plan, at: string): ForwardDecisionPlan | undefined {
  const council = forwardCouncilOf(plan);
  if (council.length === 0) return undefined;
  const within = plan.forwards?.decideWithin;
  if (!within) return { council, reminders: [], expiresAt: linkExpiry(new Date(Date.parse(at) + NO_DEADLINE_LINK_DAYS * 86_400_000).toISOString()) };
  const cal = calendarOf(plan);
  const deadline = shiftDate(localDate(at, cal.timeZone), within, cal);
  const s = computeStepSchedule({ deadline, reminders: plan.forwards?.reminders ?? [], escalations: [] }, cal);
  // A reminder due before the decision opened is dropped (a short decideWithin).
  const reminders = s.reminders.filter((r) => Date.parse(r.at) > Date.parse(at));
  return { council, dueAt: s.dueAt, reminders, expiresAt: linkExpiry(s.graceEndsAt) };
}

export function createForwardDecisionActivities(deps: ActivityDeps) {
  const { models } = deps;
  const mail = createMailActivities(deps, log);
  const cycleRefOf = async (cycleId: string): Promise<{ ref: CycleRef; plan: Plan } | undefined> => {
    const cycle = await models.Cycle.findById(cycleId).lean();
    if (!cycle) return undefined;
    const plan = cycle.plan as Plan;
    return { plan, ref: { cycleId: cycle._id, bodyId: cycle.bodyId, bodyName: cycle.bodyName, year: cycle.year, timeZone: plan.timeZone ?? DEFAULT_TIME_ZONE } };
  };
  return {
    /** Who decides the forward and by when; marks the row as awaiting the council. */
    async openForwardDecision(input: { forward: ForwardInput; at: string }): Promise<ForwardDecisionPlan | undefined> {
      const c = await cycleRefOf(input.forward.toCycleId);
      const p = c ? forwardDecisionPlan(c.plan, input.at) : undefined;
      if (!p) {
        log.warn('a forward arrived at a cycle without a council: nobody decides it', { forwardId: input.forward.forwardId });
        return undefined;
      }
      await models.Forward.updateOne(
        { _id: input.forward.forwardId, decisionOpenedAt: { $exists: false } },
        { $set: { decisionOpenedAt: new Date(input.at), ...(p.dueAt ? { decisionDueAt: new Date(p.dueAt) } : {}) } },
      );
      return p;
    },

    /** The decision as it stands, on the forward's row (both cycles read it). */
    async projectForwardDecision(input: { forward: ForwardInput; decision: ForwardDecisionState }): Promise<void> {
      const d = input.decision;
      await models.Forward.updateOne(
        { _id: input.forward.forwardId },
        { $set: { decision: JSON.stringify(d), ...(d.decidedAt ? { decidedAt: new Date(d.decidedAt) } : {}) } },
      );
    },

    /** A mail about a forward from the parent cycle's council side (the request with its link, a reminder). */
    async notifyForward(input: { key: string; template: string; forward: ForwardInput; to: Person[]; data: Record<string, unknown>; link: NonNullable<NotifyInput['link']> }): Promise<void> {
      const c = await cycleRefOf(input.forward.toCycleId);
      if (!c) return log.warn('no cycle row for the forward: nothing sent', { toCycleId: input.forward.toCycleId });
      const f = input.forward;
      await mail.notify({
        key: input.key,
        kind: input.template,
        template: input.template,
        cycle: c.ref,
        to: input.to,
        data: { forward: f, persons: f.items.filter((i) => i.kind === 'person'), units: f.items.filter((i) => i.kind === 'unit'), ...input.data },
        link: input.link,
      });
    },

    /** The cycle below learns the decision: its coordinators and secretariat are mailed (once per forward). */
    async announceForwardOutcome(input: { outcome: ForwardOutcome }): Promise<void> {
      const o = input.outcome;
      const c = await cycleRefOf(o.fromCycleId);
      if (!c) return log.warn('no cycle row for the cycle below: nobody told', { fromCycleId: o.fromCycleId });
      const to = new Map<string, Person>();
      const langOf = (email: string) => c.plan.staff.find((s) => s.email.toLowerCase() === email.toLowerCase())?.lang ?? 'vi';
      for (const email of c.plan.notifications?.secretariat ?? []) {
        to.set(email.toLowerCase(), { name: c.plan.staff.find((s) => s.email.toLowerCase() === email.toLowerCase())?.name ?? email, email, lang: langOf(email) });
      }
      const accounts = await models.StaffAccount.find({ roles: { $in: ['coordinator', 'secretariat'] } }, { passwordHash: 0 }).lean();
      for (const a of accounts) {
        if (a.disabledAt || (a.scope?.clusters?.length && !a.scope.clusters.includes(o.fromClusterId))) continue;
        if (!to.has(a._id)) to.set(a._id, { name: a.name, email: a._id, lang: langOf(a._id) });
      }
      await models.Forward.updateOne({ _id: o.forwardId }, { $set: { outcomeAnnouncedAt: new Date() } });
      if (to.size === 0) return log.warn('the cycle below has no coordinator or secretariat address: nobody told', { fromCycleId: o.fromCycleId });
      await mail.notify({
        key: `${o.fromCycleId}:forward-outcome:${o.forwardId}`,
        kind: 'forward.outcome',
        template: 'forward.outcome',
        cycle: c.ref,
        to: [...to.values()].sort((a, b) => a.email.localeCompare(b.email)),
        data: {
          outcome: o,
          approved: o.items.filter((i) => i.decision === 'approve'),
          returned: o.items.filter((i) => i.decision === 'return'),
        },
      });
    },

    /** This cycle's forwards whose parent has started deciding and not yet decided (runs recorded before 'close-before-outcomes' wait for them). */
    async forwardsAwaitingDecision(input: { fromCycleId: string }): Promise<string[]> {
      const rows = await models.Forward.find({ fromCycleId: input.fromCycleId, decisionOpenedAt: { $exists: true }, decidedAt: { $exists: false } }, { _id: 1 }).lean();
      return rows.map((r) => String(r._id));
    },
  };
}
