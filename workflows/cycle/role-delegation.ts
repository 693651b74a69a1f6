/**
 * Acting substitutes for the people a cluster or a cycle workflow writes to and takes link actions
 * from — the cluster head (pact, heads and proposal steps), the leader in charge (approver, chair),
 * council members (approver, nominations, forwarded proposals) and inspectors — by the same rules as
 * a unit's contacts and reviewer (rules/delegation.ts): for a period [fromAt, untilAt) their mail and
 * links go to the substitute, whose actions are recorded as "on behalf of" them.
 *
 * No patch is needed: nothing here runs before a delegateRole update arrives, which histories of
 * earlier code never hold (the loop waits without a timer until then).
 */
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { activeDelegation, actingFor, nextBoundary, periodRefusal } from '../../rules/delegation';
import {
  delegateRoleUpdate,
  type ActingNow,
  type ClusterNominationsInput,
  type ClusterStepInput,
  type ClusterYearEndInput,
  type Person,
  type RoleDelegation,
  type RoleDelegationRole,
} from './definitions';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

/** Who holds each delegable role in a cluster, from its compiled plan (the api picks the clusters with it too). */
export function clusterRoleHolders(plan: {
  yearEnd?: Pick<ClusterYearEndInput, 'members' | 'headUnitId' | 'chair' | 'proposal' | 'team'>;
  nominations?: Pick<ClusterNominationsInput, 'council'>;
  clusterSteps?: Partial<Record<string, Pick<ClusterStepInput, 'submitter' | 'approver'>>>;
}): Record<RoleDelegationRole, string[]> {
  const ye = plan.yearEnd;
  const steps = Object.values(plan.clusterSteps ?? {}).filter((s): s is Pick<ClusterStepInput, 'submitter' | 'approver'> => s !== undefined);
  const head = ye?.members.find((m) => m.unitId === ye.headUnitId)?.delegate;
  const council = [ye?.proposal?.council, plan.nominations?.council].filter((p): p is Person => p !== undefined);
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))];
  return {
    head: uniq([head?.email, ...steps.map((s) => s.submitter.email)]),
    // A cluster step's approver is the council or the leader: a delegation under either role covers it.
    leader: uniq([ye?.chair?.email, ...steps.map((s) => s.approver.email).filter((e) => !council.some((c) => c.email === e))]),
    council: uniq([...council.map((c) => c.email), ...steps.map((s) => s.approver.email).filter((e) => e !== ye?.chair?.email)]),
    inspector: uniq([...(ye?.members.map((m) => m.inspector.email) ?? []), ...(ye?.team?.map((t) => t.email) ?? [])]),
  };
}

export class RoleDelegations {
  readonly list: RoleDelegation[];

  constructor(
    /** Whether `email` holds `role` in this workflow (checked before a delegation is accepted). */
    private readonly holds: (role: RoleDelegationRole, email: string) => boolean,
    carried: RoleDelegation[] = [],
  ) {
    this.list = [...carried];
  }

  /** The update handler; `onAccepted` runs in the handler (e.g. to show the list in the state). */
  register(onAccepted: (list: RoleDelegation[]) => void = () => undefined): void {
    setHandler(
      delegateRoleUpdate,
      (req) => {
        this.list.push({ ...req, at: new Date(Date.now()).toISOString() });
        onAccepted(this.list);
        return this.list;
      },
      {
        validator: (req) => {
          if (!this.holds(req.role, req.email)) throw new Error(`${req.email} is not the ${req.role} here`);
          const refusal = periodRefusal(this.list, req, Date.now());
          if (refusal) throw new Error(refusal);
        },
      },
    );
  }

  /** The person written to now for someone holding one of `roles`: their running substitute, else themselves. */
  acting(roles: readonly RoleDelegationRole[], p: Person): Person {
    for (const role of roles) {
      const d = activeDelegation(this.list, role, p.email, Date.now());
      if (d) return d.substitute;
    }
    return p;
  }

  /** Whom `by` stands in for now under one of `roles`, if anyone. */
  actingFor(roles: readonly RoleDelegationRole[], by: string): string | undefined {
    for (const role of roles) {
      const f = actingFor(this.list, role, by, Date.now());
      if (f) return f;
    }
    return undefined;
  }

  /** `holder` themselves, or (as a Person) their substitute `by` while the delegation runs; undefined if `by` may not act for them. */
  actorFor(roles: readonly RoleDelegationRole[], holder: Person, by: string): Person | undefined {
    if (by === holder.email) return holder;
    const sub = this.acting(roles, holder);
    return sub.email === by && sub !== holder ? sub : undefined;
  }

  /** Substitutes standing in now, as the links page and the audit read them (`role` as the step's projection names it). */
  actingNow<R extends string = ActingNow['role']>(map: (d: RoleDelegation) => R | undefined): { role: R; email: string; for: string; until: string }[] {
    const now = Date.now();
    return this.list
      .filter((d) => Date.parse(d.fromAt) <= now && now < Date.parse(d.untilAt))
      .flatMap((d) => {
        const role = map(d);
        return role ? [{ role, email: d.substitute.email, for: d.email, until: d.untilAt }] : [];
      });
  }

  /** Who stands in now, projected for the link pages and the audit (versioned by the workflow's clock). */
  project(cycleId: string): Promise<void> {
    return acts.projectActing({ workflowId: workflowInfo().workflowId, cycleId, version: Date.now(), acting: this.actingNow((d) => d.role) });
  }

  /**
   * Wakes at every start and end of a delegation: `started` once per delegation as it starts (the
   * substitute is sent what the person would have had), then who acts now is projected and `changed`
   * runs (the workflow re-projects what shows it).
   */
  async loop(cycleId: string, started: (d: RoleDelegation) => Promise<void>, changed: () => Promise<void>): Promise<never> {
    const begun = new Set<RoleDelegation>();
    const ended = new Set<RoleDelegation>();
    for (;;) {
      await condition(() => this.list.length > 0);
      const now = Date.now();
      const starting = this.list.filter((d) => Date.parse(d.fromAt) <= now && now < Date.parse(d.untilAt) && !begun.has(d));
      const ending = this.list.filter((d) => now >= Date.parse(d.untilAt) && !ended.has(d));
      if (starting.length > 0 || ending.length > 0) {
        // Projected first: a substitute's link must work by the time their mail arrives.
        await this.project(cycleId);
        for (const d of ending) ended.add(d);
        for (const d of starting) {
          begun.add(d);
          await started(d);
        }
        await changed();
      }
      const known = this.list.length;
      const next = nextBoundary(this.list, now);
      if (next === undefined) await condition(() => this.list.length !== known);
      else await condition(() => this.list.length !== known, next - now);
    }
  }
}
