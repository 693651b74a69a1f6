import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { activeDelegation, actingFor, delegationRefusal, nextBoundary } from '../../rules/delegation';
import { checkUnitNominations } from '../../rules/nominations';
import { STEP_KINDS, STEP_NAMES } from '../../rules/steps';
import { SA } from '../search-attributes';
import {
  clusterWorkflowId,
  delegateUpdate,
  nominationsVerifiedSignal,
  type SubmitStepInput,
  escalateNowUpdate,
  remindNowUpdate,
  replacePersonUpdate,
  rescheduleStepUpdate,
  reviewStepUpdate,
  submitStepUpdate,
  unitStateQuery,
  unitWithdrawnSignal,
  type WithdrawUnitInput,
  type ActingNow,
  type Delegation,
  type Person,
  type StepName,
  type ReplacePersonInput,
  type StepSchedule,
  type StepState,
  type UnitState,
  type UnitWorkflowInput,
} from './definitions';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import { assertCanAskNow, assertCanReschedule, assertCanReview, assertCanSubmit, ReviewedStep } from './reviewed-step';
import { launchNotice } from './launch-notice';

const { projectStep } = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);

const newStep = (step: StepName, schedule: StepSchedule, checklist?: StepState['checklist']): StepState => ({
  step,
  status: 'pending',
  round: 1,
  schedule,
  history: [],
  ...(checklist && checklist.length > 0 ? { checklist } : {}),
});

/**
 * One unit's year: every step its plan schedules (registration, the six-month report, the year-end
 * reports) runs on its own dates, concurrently — stages may overlap, and only the steps the plan names
 * gate each other.
 */
export async function unitWorkflow(input: UnitWorkflowInput): Promise<UnitState> {
  const steps = new Map<StepName, ReviewedStep>();
  const state: UnitState = {
    people: { contacts: input.contacts.map((c) => c.email), reviewer: input.reviewer.email },
    cycleId: input.cycle.cycleId,
    clusterId: input.clusterId,
    unitId: input.unitId,
    unitName: input.unitName,
    stage: 'registration',
    steps: {},
  };

  // Delegations: who stands in for a contact or the reviewer, and when (rules/delegation.ts).
  const delegations: Delegation[] = [];
  const acting = (p: Person): Person =>
    (activeDelegation(delegations, 'contact', p.email, Date.now()) ?? activeDelegation(delegations, 'reviewer', p.email, Date.now()))?.substitute ?? p;
  const actingNow = (): ActingNow[] =>
    delegations
      .filter((d) => Date.parse(d.fromAt) <= Date.now() && Date.now() < Date.parse(d.untilAt))
      .map((d) => ({ role: d.role, email: d.substitute.email, for: d.email, until: d.untilAt }));
  const peopleNow = (): UnitState['people'] => {
    const now = actingNow();
    return { contacts: input.contacts.map((c) => c.email), reviewer: input.reviewer.email, ...(now.length > 0 ? { acting: now } : {}) };
  };

  /** The step the unit is "at": the first one, in plan order, that is not approved yet. */
  const current = () => STEP_NAMES.map((n) => steps.get(n)).find((s) => s && s.state.status !== 'approved');

  const changed = async (step: ReviewedStep) => {
    if (delegations.length > 0) state.people = peopleNow();
    const at = current();
    state.stage = at ? STEP_KINDS[at.state.step].stage : 'done';
    upsertSearchAttributes([
      { key: SA.stage, value: at ? at.state.step : 'done' },
      { key: SA.status, value: at ? at.state.status : 'approved' },
      ...(at ? [{ key: SA.dueAt, value: new Date(at.state.schedule.dueAt) }] : []),
    ]);
    await projectStep({
      cycleId: input.cycle.cycleId,
      clusterId: input.clusterId,
      unitId: input.unitId,
      unitName: input.unitName,
      workflowId: workflowInfo().workflowId,
      state: step.state,
      people: state.people,
    });
    if (step.state.step === 'nominations' && step.state.status === 'approved' && !nominationsSent) {
      nominationsSent = true;
      if (patched('nominations-to-cluster')) await sendNominations(step.state.submission?.fields, step.state.round);
    }
  };

  // The follower approved the unit's nominations: its cluster collects them for the council.
  let nominationsSent = false;
  const sendNominations = async (fields: Record<string, string> | undefined, round: number) => {
    const checked = checkUnitNominations(input.individualAwards ?? [], JSON.parse(fields?.nominations ?? '[]'));
    const nominations = checked.ok ? checked.nominations : [];
    try {
      await getExternalWorkflowHandle(clusterWorkflowId(input.cycle.cycleId, input.clusterId)).signal(nominationsVerifiedSignal, { unitId: input.unitId, round, nominations });
    } catch (err) {
      log.error('the cluster could not be told of the verified nominations', { error: String(err) });
    }
  };

  for (const name of STEP_NAMES) {
    const schedule = input.steps[name];
    if (!schedule) continue;
    const step = new ReviewedStep(newStep(name, schedule, input.checklists?.[name]), input, changed, acting);
    steps.set(name, step);
    state.steps[name] = step.state;
  }
  const stepOf = (name: string): ReviewedStep => {
    const step = steps.get(name as StepName);
    if (!step) throw new Error(`step ${name} is not part of this unit's plan`);
    return step;
  };

  setHandler(unitStateQuery, () => state);
  // A substitute acts as the person they stand in for, while the delegation runs (recorded as "on behalf of").
  const substitutes = (role: 'contact' | 'reviewer'): Person[] =>
    delegations.filter((d) => d.role === role && activeDelegation([d], role, d.email, Date.now())).map((d) => d.substitute);
  /** The list must fit the plan's titles and per-unit quotas, however it was sent (link or on paper). */
  const assertNominations = (req: SubmitStepInput) => {
    let rows: unknown;
    try {
      rows = JSON.parse(req.fields.nominations ?? '[]');
    } catch {
      throw new Error('nominations: is not a JSON list');
    }
    const checked = checkUnitNominations(input.individualAwards ?? [], rows);
    if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  };
  setHandler(submitStepUpdate, (req) => stepOf(req.step).submit(req, actingFor(delegations, 'contact', req.by, Date.now())), {
    validator: (req) => {
      assertCanSubmit(stepOf(req.step).state, req, [...input.contacts, ...substitutes('contact')]);
      if (STEP_KINDS[stepOf(req.step).state.step].nominated) assertNominations(req);
    },
  });
  setHandler(reviewStepUpdate, (req) => stepOf(req.step).review(req, actingFor(delegations, 'reviewer', req.by, Date.now())), {
    validator: (req) => {
      const sub = actingFor(delegations, 'reviewer', req.by, Date.now()) === input.reviewer.email ? substitutes('reviewer').find((p) => p.email === req.by) : undefined;
      assertCanReview(stepOf(req.step).state, req, sub ?? input.reviewer);
      if (req.forward) throw new Error("only the council's decision on a cluster's proposal is forwarded");
    },
  });

  setHandler(
    delegateUpdate,
    (req) => {
      delegations.push({ ...req, at: new Date(Date.now()).toISOString() });
      state.delegations = delegations;
      return delegations;
    },
    {
      validator: (req) => {
        const refusal = delegationRefusal(delegations, req, { contacts: input.contacts.map((c) => c.email), reviewer: input.reviewer.email }, Date.now());
        if (refusal) throw new Error(refusal);
      },
    },
  );
  /**
   * Wakes at every start and end of a delegation: a substitute who starts is sent what the person
   * would have had (with their own link); each change is projected (the links page reads who acts).
   * Without a delegation it waits without a timer, so histories of earlier runs replay unchanged.
   */
  const delegationLoop = async () => {
    await condition(() => delegations.length > 0);
    if (!patched('delegation')) return;
    const started = new Set<Delegation>();
    const ended = new Set<Delegation>();
    for (;;) {
      const now = Date.now();
      for (const d of delegations) {
        const running = Date.parse(d.fromAt) <= now && now < Date.parse(d.untilAt);
        const over = now >= Date.parse(d.untilAt);
        if (running && !started.has(d)) {
          started.add(d);
          for (const s of steps.values()) await s.introduce(d.role, d.substitute);
        }
        if (running || (over && !ended.has(d))) {
          if (over) ended.add(d);
          for (const s of steps.values()) await changed(s);
        }
      }
      const known = delegations.length;
      const next = nextBoundary(delegations, now);
      if (next === undefined) await condition(() => delegations.length !== known);
      else await condition(() => delegations.length !== known, next - now);
    }
  };

  setHandler(rescheduleStepUpdate, (req) => stepOf(req.step).reschedule(req), {
    validator: (req) => assertCanReschedule(stepOf(req.step).state, req),
  });

  // The secretariat's dashboard: one more reminder, or an escalation, now (the step's main loop sends it).
  setHandler(remindNowUpdate, (req) => stepOf(req.step).remindNow(req), {
    validator: (req) => assertCanAskNow(stepOf(req.step).state, req, 'remind'),
  });
  setHandler(escalateNowUpdate, (req) => stepOf(req.step).escalateNow(req), {
    validator: (req) => assertCanAskNow(stepOf(req.step).state, req, 'escalate'),
  });

  // People are replaced in the workflow's own input, which the steps read for every message they send.
  const introductions: ReplacePersonInput[] = [];
  setHandler(
    replacePersonUpdate,
    (req) => {
      if (req.role === 'reviewer') input.reviewer = req.person;
      else input.contacts = input.contacts.map((c) => (c.email === req.email ? req.person : c));
      if (req.role === 'contact' && input.clusterHead.email === req.email) input.clusterHead = req.person;
      state.people = { contacts: input.contacts.map((c) => c.email), reviewer: input.reviewer.email };
      introductions.push(req);
      return state.people;
    },
    {
      validator: (req) => {
        if (req.role === 'reviewer' && input.reviewer.email !== req.email) throw new Error(`${req.email} is not this unit's reviewer`);
        if (req.role === 'contact' && !input.contacts.some((c) => c.email === req.email)) throw new Error(`${req.email} is not a contact of this unit`);
        if (req.role === 'contact' && req.email !== req.person.email && input.contacts.some((c) => c.email === req.person.email))
          throw new Error(`${req.person.email} is already a contact of this unit`);
      },
    },
  );
  const introduceLoop = async () => {
    for (;;) {
      await condition(() => introductions.length > 0);
      const req = introductions.shift()!;
      for (const s of steps.values()) {
        await s.introduce(req.role, req.person);
        await changed(s);
      }
    }
  };

  let withdrawn: WithdrawUnitInput | undefined;
  setHandler(unitWithdrawnSignal, (w) => {
    withdrawn ??= w;
  });

  // The year's launch notice, sent beside the steps (units of running cycles replay without it).
  const launch = patched('launch-notice') ? launchNotice(input) : undefined;
  if (launch) state.launchNotice = launch.record;

  try {
    // The introductions loop never ends by itself: the year ends when every step has, or the unit is withdrawn.
    const year = [...(launch ? [launch.send()] : []), ...[...steps.values()].map((s) => s.run())];
    await Promise.race([Promise.all(year), introduceLoop(), delegationLoop(), condition(() => withdrawn !== undefined)]);
    if (withdrawn) {
      state.withdrawn = { by: withdrawn.by, reason: withdrawn.reason, at: new Date(Date.now()).toISOString() };
      for (const s of steps.values()) await s.cancel({ reason: withdrawn.reason });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The cycle was cancelled: close what is still open, tell the people concerned, then end as cancelled.
    await CancellationScope.nonCancellable(async () => {
      for (const s of steps.values()) await s.cancel();
    });
    throw err;
  }
  state.stage = 'done';
  await condition(allHandlersFinished);
  return state;
}
