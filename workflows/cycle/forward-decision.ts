/**
 * The parent body's council decides what the councils below forwarded to it (the higher level
 * considers proposals from below and decides; the lower body learns the result):
 *
 * - parent side (`ForwardDecisions`): each forward received by the cycle (cycle-workflow.ts) gets one
 *   decision. Every council member (plan `forwards.council`, default the plan's `council`) is mailed
 *   one personal link per forward — one link per batch, since a forward is what one council below
 *   decided at once — whose page lists every item; any one member decides for the council, item by
 *   item (approve, or return with a comment), through the `decideForward` update. Reminders go out
 *   before the council's deadline when the plan gives one (`forwards.decideWithin`). The decision is
 *   held in the cycle's state (carried across continue-as-new), projected to the forward's row (so
 *   both cycles' GET /forwards show it) and signalled to the cycle below; a cycle below that no longer
 *   runs is told by mail from here instead (the same mail, keyed once).
 * - lower side (`ForwardOutcomes`): the cycle that forwarded takes each decision once, keeps it in its
 *   state and mails its coordinators and secretariat (the parent mails them too, under the same key:
 *   one mail). It closes when its own clusters are done (patch 'close-before-outcomes'; runs
 *   recorded before waited for every decision): a decision taken later is on the forward's row.
 *
 * Calendar maths (the deadline, the reminders) happen in the activity that opens the decision.
 */
import { condition, getExternalWorkflowHandle, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import {
  cycleWorkflowId,
  decideForwardUpdate,
  forwardDecidedSignal,
  forwardLinkStep,
  type CycleState,
  type DecideForwardInput,
  type ForwardDecisionState,
  type ForwardInput,
  type ForwardOutcome,
  type Person,
} from './definitions';
import type { RoleDelegations } from './role-delegation';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);
const iso = (ms: number) => new Date(ms).toISOString();
const COUNCIL = ['council'] as const;

/** Why a decision cannot be taken, or undefined (the update's validator; pure over the state). */
export function decideForwardRefusal(d: ForwardDecisionState | undefined, req: DecideForwardInput, mayDecide: (by: string) => boolean): string | undefined {
  if (!d) return `no forward ${req.forwardId} awaits this council's decision`;
  if (d.status === 'decided') return `forward ${req.forwardId} was already decided by ${d.decidedBy} on ${d.decidedAt}`;
  if (!mayDecide(req.by)) return `${req.by} does not decide for this council`;
  const seen = new Set<number>();
  for (const x of req.decisions) {
    if (!d.items.some((i) => i.n === x.n)) return `item ${x.n} is not part of forward ${req.forwardId}`;
    if (seen.has(x.n)) return `item ${x.n} is decided twice`;
    seen.add(x.n);
    if (x.decision !== 'approve' && x.decision !== 'return') return `item ${x.n}: the decision must be approve or return`;
    if (x.decision === 'return' && !x.comment?.trim()) return `item ${x.n}: a return needs a comment`;
  }
  const missing = d.items.filter((i) => !seen.has(i.n)).map((i) => i.n);
  if (missing.length > 0) return `decide every item: ${missing.join(', ')} not decided`;
  return undefined;
}

export class ForwardDecisions {
  private readonly open = new Map<string, { forward: ForwardInput; state: ForwardDecisionState }>();
  private running = 0;

  constructor(
    private readonly state: CycleState,
    private readonly roles: RoleDelegations,
    /** This body's name, as the body below reads it in the outcome. */
    private readonly bodyName: string,
    carried: { forward: ForwardInput; state: ForwardDecisionState }[] = [],
    decided: ForwardDecisionState[] = [],
  ) {
    if (decided.length > 0) this.state.decisions = [...decided];
    setHandler(decideForwardUpdate, (req) => this.decide(req), {
      validator: (req) => {
        // A decided forward leaves `open` once reported down; its state still says who decided it.
        const d = this.open.get(req.forwardId)?.state ?? this.state.decisions?.find((x) => x.forwardId === req.forwardId);
        const refusal = decideForwardRefusal(d, req, (by) => d!.council.some((c) => this.roles.actorFor(COUNCIL, c, by) !== undefined));
        if (refusal) throw new Error(refusal);
      },
    });
    for (const c of carried) this.add(c.forward, c.state);
  }

  /** A forward has been received: its decision is planned (who, by when) and asked for. */
  async start(f: ForwardInput): Promise<void> {
    if (this.open.has(f.forwardId) || this.state.decisions?.some((d) => d.forwardId === f.forwardId)) return;
    const plan = await acts.openForwardDecision({ forward: f, at: iso(Date.now()) });
    if (!plan) return; // no council named: the forward stays stored, nobody decides it here
    this.add(f, {
      forwardId: f.forwardId,
      fromCycleId: f.fromCycleId,
      kind: f.kind,
      council: plan.council,
      ...(plan.dueAt ? { dueAt: plan.dueAt } : {}),
      reminders: plan.reminders,
      expiresAt: plan.expiresAt,
      status: 'deciding',
      items: f.items.map((_, n) => ({ n })),
    });
  }

  /** Nothing is being asked, reminded or reported: the cycle may end. */
  drained = (): boolean => this.running === 0;

  /** What a continued run must take over: the open decisions, and the finished ones for the state query. */
  carry(): { decisions?: { forward: ForwardInput; state: ForwardDecisionState }[]; decided?: ForwardDecisionState[] } {
    const decided = (this.state.decisions ?? []).filter((d) => !this.open.has(d.forwardId));
    return { ...(this.open.size > 0 ? { decisions: [...this.open.values()] } : {}), ...(decided.length > 0 ? { decided } : {}) };
  }

  /** A substitute for a council member starts: they get the link to every forward still undecided. */
  async introduce(substitute: Person): Promise<void> {
    for (const { forward, state } of this.open.values()) {
      if (state.status === 'deciding') await this.mail(forward, state, 'forward.received', `forward-decide:${forward.forwardId}`, [substitute]);
    }
  }

  private add(forward: ForwardInput, st: ForwardDecisionState): void {
    this.open.set(forward.forwardId, { forward, state: st });
    const list = (this.state.decisions ??= []);
    const at = list.findIndex((d) => d.forwardId === st.forwardId);
    if (at >= 0) list[at] = st;
    else list.push(st);
    this.running++;
    void this.run(forward, st).finally(() => this.running--);
  }

  private decide(req: DecideForwardInput): ForwardDecisionState {
    const st = this.open.get(req.forwardId)!.state;
    for (const x of req.decisions) {
      const item = st.items.find((i) => i.n === x.n)!;
      item.decision = x.decision;
      if (x.comment?.trim()) item.comment = x.comment.trim();
    }
    const standsIn = st.council.find((c) => c.email !== req.by && this.roles.actorFor(COUNCIL, c, req.by));
    Object.assign(st, { status: 'decided', decidedBy: req.by, decidedAt: iso(Date.now()), ...(standsIn ? { actingFor: standsIn.email } : {}) });
    return st;
  }

  private async run(f: ForwardInput, st: ForwardDecisionState): Promise<void> {
    if (st.status === 'deciding') {
      // Keyed by forward: a continued run asks again under the same key, so nobody is asked twice.
      await this.mail(f, st, 'forward.received', `forward-decide:${f.forwardId}`, st.council.map((c) => this.roles.acting(COUNCIL, c)));
      await acts.projectForwardDecision({ forward: f, decision: st });
      for (const r of st.reminders) {
        const wait = Date.parse(r.at) - Date.now();
        if (wait <= 0) continue; // already past (a continued run): it was sent, or its day is over
        if (await condition(() => st.status === 'decided', wait)) break;
        await this.mail(f, st, 'forward.reminder', `forward-reminder:${r.n}:${f.forwardId}`, st.council.map((c) => this.roles.acting(COUNCIL, c)), { daysLeft: r.daysLeft });
      }
      await condition(() => st.status === 'decided');
    }
    await acts.projectForwardDecision({ forward: f, decision: st });
    const outcome: ForwardOutcome = {
      forwardId: f.forwardId,
      kind: f.kind,
      fromCycleId: f.fromCycleId,
      fromClusterId: f.fromClusterId,
      fromClusterName: f.fromClusterName,
      toCycleId: f.toCycleId,
      toBodyName: this.bodyName,
      items: f.items.map((item, n) => {
        const d = st.items.find((i) => i.n === n)!;
        return { ...item, decision: d.decision!, ...(d.comment ? { comment: d.comment } : {}) };
      }),
      decidedBy: st.decidedBy!,
      ...(st.actingFor ? { actingFor: st.actingFor } : {}),
      decidedAt: st.decidedAt!,
    };
    // The cycle below no longer waits for the decision: it may be closing as the signal arrives (taken,
    // yet never announced). So the mail goes from here first; the cycle below sends it under the same
    // key, so its coordinators get it once either way.
    const mailedHere = patched('outcome-mail-from-parent');
    if (mailedHere) {
      // A mail refused for good must not stop the report down (the signal, the row).
      await acts.announceForwardOutcome({ outcome }).catch((err) => log.error('the outcome mail failed permanently', { forwardId: f.forwardId, error: String(err) }));
    }
    try {
      await getExternalWorkflowHandle(cycleWorkflowId(f.fromCycleId)).signal(forwardDecidedSignal, outcome);
      st.reported = 'signal';
    } catch (err) {
      // The cycle below has closed: its coordinators are told from here, with the mail it would have sent.
      log.info('the cycle below cannot be signalled: told by mail', { fromCycleId: f.fromCycleId, error: String(err) });
      if (!mailedHere) await acts.announceForwardOutcome({ outcome });
      st.reported = 'mail';
    }
    await acts.projectForwardDecision({ forward: f, decision: st });
    this.open.delete(f.forwardId);
  }

  private async mail(f: ForwardInput, st: ForwardDecisionState, template: string, key: string, to: Person[], extra: Record<string, unknown> = {}): Promise<void> {
    try {
      await acts.notifyForward({
        key: `${workflowInfo().workflowId}:${key}`,
        template,
        forward: f,
        to,
        data: { dueAt: st.dueAt, decide: true, ...extra },
        link: { workflowId: workflowInfo().workflowId, step: forwardLinkStep(f.forwardId), role: 'council', expiresAt: st.expiresAt },
      });
    } catch (err) {
      log.error('notification failed permanently', { template, key, error: String(err) });
    }
  }
}

/** The cycle below: takes the parent's decisions on its forwards, each once, and tells its coordinators. */
export class ForwardOutcomes {
  private readonly queue: ForwardOutcome[] = [];
  private announcing = false;

  constructor(private readonly state: CycleState) {
    setHandler(forwardDecidedSignal, (o) => {
      if (this.state.outcomes?.some((x) => x.forwardId === o.forwardId) || this.queue.some((x) => x.forwardId === o.forwardId)) return;
      this.queue.push(o);
    });
  }

  async loop(): Promise<never> {
    for (;;) {
      await condition(() => this.queue.length > 0);
      this.announcing = true;
      const o = this.queue[0];
      await acts.announceForwardOutcome({ outcome: o });
      this.queue.shift();
      (this.state.outcomes ??= []).push({
        forwardId: o.forwardId,
        toCycleId: o.toCycleId,
        decidedAt: o.decidedAt,
        approved: o.items.filter((i) => i.decision === 'approve').length,
        returned: o.items.filter((i) => i.decision === 'return').length,
      });
      this.announcing = false;
    }
  }

  /** Waits until every forward of this cycle that the parent is deciding has come back decided (only runs recorded before 'close-before-outcomes'). */
  async awaitAll(): Promise<void> {
    const ids = await acts.forwardsAwaitingDecision({ fromCycleId: this.state.cycleId });
    await condition(() => !this.announcing && this.queue.length === 0 && ids.every((id) => this.state.outcomes?.some((x) => x.forwardId === id)));
  }
}
