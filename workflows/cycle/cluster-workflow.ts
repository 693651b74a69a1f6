import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { proxyWorkflowActivities, PROJECTION_ACTIVITIES } from './activity-options';
import type { Activities } from '../../activities';
import { SA } from '../search-attributes';
import {
  clusterFinishedSignal,
  castVoteUpdate,
  clusterStateQuery,
  decideNominationsUpdate,
  nominationsVerifiedSignal,
  type ForwardInput,
  decideTieUpdate,
  enterInspectionUpdate,
  moveMeetingUpdate,
  recordAttendanceUpdate,
  rescheduleInspectionUpdate,
  rescheduleStepUpdate,
  reviewStepUpdate,
  submitCrossCheckUpdate,
  submitStepUpdate,
  unitWithdrawnSignal,
  unitWorkflowId,
  withdrawUnitUpdate,
  addUnitUpdate,
  type AddUnitInput,
  type UnitWorkflowInput,
  type WithdrawUnitInput,
  type ClusterState,
  type ClusterWorkflowInput,
  type ClusterEnd,
  type ClusterYearEndInput,
  type ClusterStepInput,
  type CycleRef,
  type Person,
  type RoleDelegation,
  type StepState,
} from './definitions';
import { CLUSTER_REGISTRATION_STEPS, type ClusterRegistrationStep } from '../../rules/steps';
import { forwardToParent } from './forward';
import { NominationList } from './nominations';
import { assertCanReschedule, assertCanReview, assertCanSubmit, ReviewedStep, uniqueByEmail } from './reviewed-step';
import { clusterRoleHolders, RoleDelegations } from './role-delegation';
import { unitWorkflow } from './unit-workflow';
import { YearEnd } from './year-end';

const { getClusterPlan, projectCluster, projectStep } = proxyWorkflowActivities<Activities>(PROJECTION_ACTIVITIES);

/** Unit workflows are started this many at a time: no workflow task carries more child starts than this. */
const UNIT_START_BATCH = 50;

/**
 * A cluster started by a cycle that may continue as new is not awaited as a child: it tells the
 * cycle how it ended (clusterFinishedSignal), whatever the ending.
 */
export async function clusterWorkflow(input: ClusterWorkflowInput): Promise<ClusterState> {
  if (!input.reportTo) return runCluster(input);
  const report = (status: ClusterEnd) =>
    CancellationScope.nonCancellable(() =>
      // A cycle that has already closed (terminated) cannot hear it: nothing else to tell.
      getExternalWorkflowHandle(input.reportTo!).signal(clusterFinishedSignal, { clusterId: input.clusterId, status }).catch(() => undefined),
    );
  try {
    const state = await runCluster(input);
    await report('completed');
    return state;
  } catch (err) {
    await report(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}

/**
 * A cluster (cụm thi đua): starts one unit workflow per member, and runs the cluster's own year-end
 * (inspection, classes, meeting and ballots, award proposal) when the plan schedules it. The
 * cluster's units come from MongoDB through an activity, so the cycle's input stays small however
 * many units the plan has.
 */
async function runCluster(input: ClusterWorkflowInput): Promise<ClusterState> {
  const { cycle, clusterId } = input;
  const plan = await getClusterPlan({ cycleId: cycle.cycleId, clusterId });
  const state: ClusterState = {
    cycleId: cycle.cycleId,
    clusterId,
    units: plan.units.map((u) => ({ unitId: u.unitId, workflowId: unitWorkflowId(cycle.cycleId, u.unitId), done: false })),
  };
  // Acting substitutes for the head, the leader, the council and the inspectors (role-delegation.ts).
  const holders = clusterRoleHolders(plan);
  const roles = new RoleDelegations((role, email) => holders[role].includes(email));
  roles.register((list) => (state.delegations = list));
  const yearEnd = plan.yearEnd ? new YearEnd(cycle, clusterId, plan.yearEnd, roles) : undefined;
  const proposal = plan.yearEnd?.proposal ? proposalStep(cycle, clusterId, plan.yearEnd, roles) : undefined;
  if (yearEnd) {
    state.yearEnd = yearEnd.state;
    setHandler(enterInspectionUpdate, (req) => yearEnd.inspect(req), { validator: (req) => yearEnd.assertCanInspect(req) });
    setHandler(castVoteUpdate, (req) => yearEnd.vote(req), { validator: (req) => yearEnd.assertCanVote(req) });
    setHandler(decideTieUpdate, (req) => yearEnd.decideTie(req), { validator: (req) => yearEnd.assertCanDecideTie(req) });
    setHandler(submitCrossCheckUpdate, (req) => yearEnd.submitCrossCheck(req), { validator: (req) => yearEnd.assertCanCrossCheck(req) });
    setHandler(moveMeetingUpdate, (req) => yearEnd.moveMeeting(req), { validator: (req) => yearEnd.assertCanMoveMeeting(req) });
    setHandler(rescheduleInspectionUpdate, (req) => yearEnd.rescheduleInspection(req), { validator: (req) => yearEnd.assertCanRescheduleInspection(req) });
    setHandler(recordAttendanceUpdate, (req) => yearEnd.recordAttendance(req), { validator: (req) => yearEnd.assertCanRecordAttendance(req) });
  }
  // The cluster's reviewed steps: the award proposal, and the registration steps (pact, head and deputy).
  const reviewed = new Map<string, { step: ReviewedStep; people: { contacts: Person[]; reviewer: Person }; project: () => Promise<void>; gate?: () => void }>();
  if (proposal) {
    yearEnd!.state.proposal = proposal.step.state;
    reviewed.set(proposal.step.state.step, {
      ...proposal,
      gate: () => {
        if (yearEnd!.state.phase !== 'proposal') throw new Error('the proposal opens once the meeting results are out');
      },
    });
  }
  const registrationSteps = CLUSTER_REGISTRATION_STEPS.flatMap((name) => {
    const c = plan.clusterSteps?.[name];
    return c ? [clusterStep(cycle, clusterId, plan.name, name, c, roles)] : [];
  });
  if (registrationSteps.length > 0) {
    state.steps = {};
    for (const r of registrationSteps) {
      reviewed.set(r.step.state.step, r);
      state.steps[r.step.state.step] = r.step.state;
    }
  }
  if (reviewed.size > 0) {
    const of = (name: string) => {
      const r = reviewed.get(name);
      if (!r) throw new Error(`step ${name} is not this cluster's`);
      return r;
    };
    // A substitute for the head (or the approver) acts while the delegation runs, recorded as on behalf of them.
    setHandler(submitStepUpdate, (req) => of(req.step).step.submit(req, roles.actingFor(HEAD, req.by)), {
      validator: (req) => {
        const r = of(req.step);
        r.gate?.();
        assertCanSubmit(r.step.state, req, uniqueByEmail([...r.people.contacts, ...r.people.contacts.map((c) => roles.acting(HEAD, c))]));
      },
    });
    // A coordinator moved the meeting, and with it a deadline written relative to it (api/services/year-end-admin.ts).
    setHandler(rescheduleStepUpdate, (req) => of(req.step).step.reschedule(req), {
      validator: (req) => assertCanReschedule(of(req.step).step.state, req),
    });
    const standsInFor = (reviewer: Person, by: string) => (by !== reviewer.email && roles.actorFor(APPROVER, reviewer, by) ? reviewer.email : undefined);
    setHandler(reviewStepUpdate, (req) => of(req.step).step.review(req, standsInFor(of(req.step).people.reviewer, req.by)), {
      validator: (req) => {
        const r = of(req.step);
        assertCanReview(r.step.state, req, roles.actorFor(APPROVER, r.people.reviewer, req.by) ?? r.people.reviewer);
        if (req.forward && req.step !== 'award-proposal') throw new Error("only the council's decision on the award proposal is forwarded");
        if (req.forward && req.decision !== 'approve') throw new Error('only an approval can be forwarded');
        if (req.forward && !plan.yearEnd?.forwardTo) throw new Error('the plan names no parent body (body.parent) to forward to');
      },
    });
  }
  // Individual nominations (only plans with individual awards; older histories never reach this).
  const activeMembers = () => state.units.filter((u) => !u.withdrawn).map((u) => u.unitId);
  const nominations = plan.nominations && patched('individual-awards') ? new NominationList(cycle, clusterId, plan.nominations, activeMembers, roles) : undefined;
  if (nominations) {
    state.nominations = nominations.state;
    state.forwarded = nominations.forwarded;
    setHandler(nominationsVerifiedSignal, (v) => nominations.receive(v));
    setHandler(decideNominationsUpdate, (req) => nominations.decide(req), { validator: (req) => nominations.assertCanDecide(req) });
  }
  setHandler(clusterStateQuery, () => state);

  // Withdrawing a unit: the year-end forgets it at once, its own workflow is told by a signal.
  const withdrawals: WithdrawUnitInput[] = [];
  setHandler(
    withdrawUnitUpdate,
    (req) => {
      const u = state.units.find((x) => x.unitId === req.unitId)!;
      u.withdrawn = { by: req.by, reason: req.reason, at: new Date(Date.now()).toISOString() };
      yearEnd?.withdraw(req.unitId, req.reason);
      withdrawals.push(req);
      return u;
    },
    {
      validator: (req) => {
        const u = state.units.find((x) => x.unitId === req.unitId);
        if (!u) throw new Error(`${req.unitId} is not a member of this cluster`);
        if (u.withdrawn) throw new Error(`${req.unitId} was already withdrawn`);
        if (u.done) throw new Error(`${req.unitId} has finished its year`);
        if (!req.reason.trim()) throw new Error('a withdrawal needs a reason');
        yearEnd?.assertCanWithdraw(req.unitId);
      },
    },
  );
  const withdrawLoop = async () => {
    for (;;) {
      await condition(() => withdrawals.length > 0);
      const w = withdrawals.shift()!;
      await getExternalWorkflowHandle(unitWorkflowId(cycle.cycleId, w.unitId)).signal(unitWithdrawnSignal, w);
    }
  };

  const startUnit = (u: UnitWorkflowInput) =>
    startChild(unitWorkflow, {
      workflowId: unitWorkflowId(cycle.cycleId, u.unitId),
      args: [u],
      // A cluster on its cycle's own queue starts its units on theirs (worker/queue-workers.ts).
      ...(input.unitTaskQueue ? { taskQueue: input.unitTaskQueue } : {}),
      // A cancelled cluster asks its units to stop rather than killing them mid-activity.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: SA.body, value: cycle.bodyId },
        { key: SA.year, value: cycle.year },
        { key: SA.cluster, value: clusterId },
        { key: SA.unit, value: u.unitId },
        { key: SA.status, value: 'pending' },
      ],
    });
  // Bounded fan-out: the units start in batches (a cluster of at most UNIT_START_BATCH units starts
  // exactly as before, in one batch).
  const handles: Awaited<ReturnType<typeof startUnit>>[] = [];
  if (patched('bounded-unit-fan-out')) {
    for (let from = 0; from < plan.units.length; from += UNIT_START_BATCH) handles.push(...(await Promise.all(plan.units.slice(from, from + UNIT_START_BATCH).map(startUnit))));
  } else handles.push(...(await Promise.all(plan.units.map(startUnit))));
  // Every unit's end, in the order the units joined (a unit added mid-year is appended).
  const unitEnds: Promise<void>[] = [];
  /** Awaited in order below; marked handled now, so a later unit failing first is not an unhandled rejection (a failed workflow task). */
  const track = (end: Promise<void>) => {
    end.catch(() => undefined);
    unitEnds.push(end);
  };
  handles.forEach((h, i) =>
    track(
      h.result().then(() => {
        state.units[i].done = true;
      }),
    ),
  );
  const allUnitsDone = async () => {
    for (let i = 0; i < unitEnds.length; i++) await unitEnds[i];
  };

  // Adding a unit mid-year: it joins the year-end (until its inspection opens) and starts its own workflow.
  const additions: AddUnitInput[] = [];
  setHandler(
    addUnitUpdate,
    (req) => {
      const entry = { unitId: req.unit.unitId, workflowId: unitWorkflowId(cycle.cycleId, req.unit.unitId), done: false };
      state.units.push(entry);
      if (req.member) yearEnd?.addMember(req.member);
      if (nominations && plan.nominations) plan.nominations.members.push({ unitId: req.unit.unitId, unitName: req.unit.unitName, contacts: req.unit.contacts });
      additions.push(req);
      return entry;
    },
    {
      validator: (req) => {
        if (req.unit.clusterId !== clusterId) throw new Error(`${req.unit.unitId} is compiled for cluster ${req.unit.clusterId}, not ${clusterId}`);
        if (state.units.some((u) => u.unitId === req.unit.unitId)) throw new Error(`${req.unit.unitId} is already a member of this cluster`);
        if (yearEnd && !req.member) throw new Error("this cluster has a year-end: the new unit's member entry is missing");
        yearEnd?.assertCanAdd();
      },
    },
  );
  const additionLoop = async () => {
    for (;;) {
      await condition(() => additions.length > 0);
      const req = additions.shift()!;
      const h = await startUnit(req.unit);
      const entry = state.units.find((u) => u.unitId === req.unit.unitId)!;
      track(
        h.result().then(() => {
          entry.done = true;
        }),
      );
    }
  };
  await projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'running' });
  // Plans without cluster registration steps never reach the marker: their histories replay unchanged.
  const runRegistrationSteps = async () => {
    if (registrationSteps.length === 0 || !patched('cluster-registration-steps')) return;
    await Promise.all(registrationSteps.map((r) => r.step.run()));
  };
  const runYearEnd = async () => {
    if (!yearEnd) return;
    await yearEnd.run();
    if (!proposal) return;
    await yearEnd.enterPhase('proposal');
    await proposal.step.run();
    yearEnd.state.phase = 'done';
    await yearEnd.announceDecision();
    const review = proposal.step.state.review;
    if (proposal.step.state.status === 'approved' && review?.forward && plan.yearEnd?.forwardTo && patched('forward-proposal')) {
      await forwardProposal(review.by, review.at, review.comment);
    }
  };
  /** The council approved the cluster's proposal with "forward": its elected units and titles go to the parent's cycle. */
  const forwardProposal = async (by: string, at: string, comment?: string) => {
    const ye = plan.yearEnd!;
    const names = new Map(ye.members.map((m) => [m.unitId, m.unitName]));
    const f: ForwardInput = {
      forwardId: `${cycle.cycleId}:${clusterId}:proposal:1`,
      kind: 'proposal',
      fromCycleId: cycle.cycleId,
      fromBodyId: cycle.bodyId,
      fromBodyName: cycle.bodyName,
      fromClusterId: clusterId,
      fromClusterName: ye.clusterName,
      toCycleId: ye.forwardTo!.cycleId,
      items: yearEnd!.state.awards.flatMap((a) => a.elected.map((u) => ({ kind: 'unit' as const, titleId: a.awardId, titleName: a.name, unitId: u, unitName: names.get(u) ?? u }))),
      decidedBy: by,
      decidedAt: at,
      ...(comment ? { comment } : {}),
    };
    const entry = { forwardId: f.forwardId, kind: 'proposal' as const, toCycleId: f.toCycleId, delivered: false };
    // With nominations, state.forwarded is the list's own array (shared): one push records it.
    (state.forwarded ??= []).push(entry);
    entry.delivered = await forwardToParent(f);
  };
  /** A substitute starts: they get what the person would have had (with their own link); the steps show who acts. */
  const substituteStarts = async (d: RoleDelegation) => {
    for (const r of reviewed.values()) {
      if (d.role === 'head' && r.people.contacts.some((c) => c.email === d.email)) await r.step.introduce('contact', d.substitute);
      if ((d.role === 'council' || d.role === 'leader') && r.people.reviewer.email === d.email) await r.step.introduce('reviewer', d.substitute);
    }
    if (d.role === 'inspector') await yearEnd?.introduceInspector(d.email, d.substitute);
    if (d.role === 'council') await nominations?.introduceCouncil(d.email, d.substitute);
  };
  const delegationLoop = () =>
    roles.loop(cycle.cycleId, substituteStarts, async () => {
      for (const r of reviewed.values()) await r.project();
      // A chair's substitute starting, or the chair back after them, gets the ties still waiting
      // (earlier code told nobody: a new activity).
      if (yearEnd?.chairUntold() && patched('chair-substitute-tie')) await yearEnd.tellChairOfTies();
    });
  const runNominations = async () => {
    if (!nominations) return;
    await nominations.run(() => state.units.every((u) => u.done || u.withdrawn !== undefined));
  };
  try {
    // The withdrawal loop never ends by itself: the cluster's year ends when its units' and its own have.
    await Promise.race([
      // A unit added while the others finished is awaited by the second pass.
      Promise.all([allUnitsDone(), runYearEnd(), runNominations(), runRegistrationSteps()]).then(allUnitsDone),
      // Not cancellable: on cancellation the cluster must wait for its units to close their steps,
      // which the wait above does; a cancelled wait here would end the race at once.
      CancellationScope.nonCancellable(withdrawLoop),
      CancellationScope.nonCancellable(additionLoop),
      // Waits without a timer until a coordinator names a substitute: earlier histories replay unchanged.
      CancellationScope.nonCancellable(delegationLoop),
    ]);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      await proposal?.step.cancel();
      for (const r of registrationSteps) await r.step.cancel();
      await yearEnd?.cancel();
      await nominations?.cancel();
      await projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'cancelled' });
    });
    throw err;
  }
  await projectCluster({ cycleId: cycle.cycleId, clusterId, status: 'completed' });
  await condition(allHandlersFinished);
  return state;
}

/**
 * The award proposal is a reviewed step of the cluster: its head sends it (through the same links
 * as a unit's reports), the council's reviewer approves or returns it.
 */
function proposalStep(cycle: CycleRef, clusterId: string, ye: ClusterYearEndInput, roles: RoleDelegations) {
  const { schedule, council, checklist } = ye.proposal!;
  const head = ye.members.find((m) => m.unitId === ye.headUnitId)!;
  const people = {
    cycle,
    clusterId,
    clusterName: ye.clusterName,
    unitId: clusterId,
    unitName: ye.clusterName,
    contacts: [head.delegate],
    reviewer: council,
    clusterHead: head.delegate,
    steps: {},
  };
  const state: StepState = { step: 'award-proposal', status: 'pending', round: 1, schedule, history: [], ...(checklist?.length ? { checklist } : {}) };
  const project = (s: ReviewedStep) =>
    projectStep({
      cycleId: cycle.cycleId,
      clusterId,
      unitId: clusterId,
      unitName: ye.clusterName,
      workflowId: workflowInfo().workflowId,
      state: s.state,
      people: { contacts: people.contacts.map((c) => c.email), reviewer: council.email, ...actingOn(roles, people) },
    });
  const step = new ReviewedStep(state, people, project, (p) => roles.acting(STEP_ROLES, p));
  return { step, people, project: () => project(step) };
}

const HEAD = ['head'] as const;
const APPROVER = ['council', 'leader'] as const;
const STEP_ROLES = ['head', 'council', 'leader'] as const;

/** Who stands in now for a cluster step's submitter (the head) or approver, as the links page reads it. */
function actingOn(roles: RoleDelegations, people: { contacts: Person[]; reviewer: Person }) {
  const acting = roles.actingNow((d) =>
    d.role === 'head' && people.contacts.some((c) => c.email === d.email) ? 'contact' : (d.role === 'council' || d.role === 'leader') && d.email === people.reviewer.email ? 'reviewer' : undefined,
  );
  return acting.length > 0 ? { acting } : {};
}

/**
 * A cluster's registration step (the pact, or the year's head and deputy): the head's delegate sends
 * it through its link, the approver (council or leader in charge) accepts or returns it; reminders go
 * to the head, escalations to the approver and the head.
 */
function clusterStep(cycle: CycleRef, clusterId: string, clusterName: string, name: ClusterRegistrationStep, c: ClusterStepInput, roles: RoleDelegations) {
  const people = {
    cycle,
    clusterId,
    clusterName,
    unitId: clusterId,
    unitName: clusterName,
    contacts: [c.submitter],
    reviewer: c.approver,
    clusterHead: c.submitter,
    steps: {},
  };
  const state: StepState = { step: name, status: 'pending', round: 1, schedule: c.schedule, history: [], ...(c.checklist?.length ? { checklist: c.checklist } : {}) };
  const project = (s: ReviewedStep) =>
    projectStep({
      cycleId: cycle.cycleId,
      clusterId,
      unitId: clusterId,
      unitName: clusterName,
      workflowId: workflowInfo().workflowId,
      state: s.state,
      people: { contacts: people.contacts.map((p) => p.email), reviewer: people.reviewer.email, ...actingOn(roles, people) },
    });
  const step = new ReviewedStep(state, people, project, (p) => roles.acting(STEP_ROLES, p));
  return { step, people, project: () => project(step) };
}
