/**
 * A cluster's individual nominations (đề nghị khen thưởng cá nhân), run by its cluster workflow when the
 * plan has individual awards: each unit's verified list arrives by a signal from its unit workflow;
 * the list goes to the council once every member's list is in, at the latest when the nominations
 * stage's grace ends (a list verified later is added and the council told again); the council decides
 * each nomination (approve, forward to the parent body, or refuse with a reason) through its link; each
 * unit is mailed the decisions on its nominations; forwarded ones go to the parent body's cycle.
 */
import { condition, log, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { checkCouncilDecisions } from '../../rules/nominations';
import { STEP_ACTIVITIES, proxyWorkflowActivities } from './activity-options';
import {
  nominationsLinkStep,
  type ClusterNominationsInput,
  type CycleRef,
  type DecideNominationsInput,
  type ForwardInput,
  type NominationItem,
  type NominationListState,
  type NominationsVerifiedInput,
  type Person,
} from './definitions';
import { forwardToParent } from './forward';
import { linkExpiry } from './reviewed-step';
import type { RoleDelegations } from './role-delegation';

const acts = proxyWorkflowActivities<Activities>(STEP_ACTIVITIES);
const iso = (ms: number) => new Date(ms).toISOString();

export class NominationList {
  readonly state: NominationListState = { phase: 'collecting', revision: 0, received: [], items: [] };
  /** Decisions recorded by the update handler, waiting for the main loop to mail and forward them. */
  private readonly decided: { by: string; ids: string[] }[] = [];
  /** Items added after the council was first asked, not yet announced to it. */
  private unannounced = 0;
  private dirty = false;
  private councilAsks = 0;
  private forwards = 0;
  readonly forwarded: { forwardId: string; kind: 'proposal' | 'nominations'; toCycleId: string; delivered: boolean }[] = [];

  constructor(
    private readonly cycle: CycleRef,
    private readonly clusterId: string,
    private readonly input: ClusterNominationsInput,
    /** Members still in the cluster (a withdrawn unit is not waited for). */
    private readonly activeMembers: () => string[],
    /** Acting substitutes for the council member (role-delegation.ts). */
    private readonly roles?: RoleDelegations,
  ) {}

  /** A substitute for the council member starts: they get the link to the list if some nomination is undecided. */
  async introduceCouncil(email: string, substitute: Person): Promise<void> {
    const pending = this.state.items.filter((x) => !x.decision).length;
    if (email !== this.input.council.email || this.state.phase !== 'deciding' || pending === 0) return;
    await this.notify('nominations.council', `nominations:council:${this.councilAsks}:${substitute.email}`, [substitute], {
      count: this.state.items.length,
      added: 0,
      pending,
      later: false,
      units: this.state.received.length,
      members: this.activeMembers().length,
    }, true);
  }

  /** A unit's follower approved its list: its persons join the cluster's list (once per unit). */
  receive(v: NominationsVerifiedInput): void {
    if (this.state.received.includes(v.unitId) || this.state.phase === 'cancelled') return;
    const m = this.input.members.find((x) => x.unitId === v.unitId);
    if (!m) return log.warn('nominations from a unit that is not a member', { unitId: v.unitId });
    this.state.received.push(v.unitId);
    const titles = new Map(this.input.titles.map((t) => [t.id, t.name]));
    v.nominations.forEach((n, i) => {
      this.state.items.push({ ...n, id: `${v.unitId}:${i + 1}`, unitId: v.unitId, unitName: m.unitName, titleName: titles.get(n.titleId) ?? n.titleId, verifiedAt: iso(Date.now()) });
      if (this.state.phase !== 'collecting') this.unannounced++;
    });
    if (this.state.phase === 'decided' && v.nominations.length > 0) this.state.phase = 'deciding';
    this.dirty = true;
  }

  assertCanDecide(req: DecideNominationsInput): void {
    if (this.state.phase === 'collecting') throw new Error('the nominations have not been sent to the council yet');
    if (this.state.phase === 'cancelled') throw new Error('the cycle was cancelled');
    if (req.by !== this.input.council.email && !this.roles?.actorFor(['council'], this.input.council, req.by)) throw new Error(`${req.by} does not decide for the council`);
    const problems = checkCouncilDecisions(this.input.titles, this.state.items, req.decisions, { hasParent: this.input.forwardTo !== undefined });
    if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }

  decide(req: DecideNominationsInput): NominationListState {
    const at = iso(Date.now());
    for (const d of req.decisions) {
      const item = this.state.items.find((x) => x.id === d.id)!;
      Object.assign(item, { decision: d.decision, decidedAt: at, decidedBy: req.by, ...(d.reason?.trim() ? { reason: d.reason.trim() } : {}) });
    }
    this.decided.push({ by: req.by, ids: req.decisions.map((d) => d.id) });
    if (this.state.items.every((x) => x.decision)) this.state.phase = 'decided';
    this.dirty = true;
    return this.state;
  }

  async cancel(): Promise<void> {
    this.state.phase = 'cancelled';
    await this.project();
  }

  /** Ends once every nomination is decided and no unit can send another list (`unitsDone`). */
  async run(unitsDone: () => boolean): Promise<void> {
    await this.project();
    const allIn = () => this.activeMembers().every((u) => this.state.received.includes(u));
    const sendAt = Date.parse(this.input.schedule.graceEndsAt);
    while (!allIn() && Date.now() < sendAt) {
      await condition(() => this.dirty || allIn(), Math.max(sendAt - Date.now(), 0));
      await this.flush();
    }
    this.state.phase = this.state.items.every((x) => x.decision) ? 'decided' : 'deciding';
    this.state.sentAt = iso(Date.now());
    await this.project();
    await this.askCouncil(this.state.items.length);
    for (;;) {
      await condition(() => this.dirty || this.decided.length > 0 || (this.state.phase === 'decided' && unitsDone()));
      await this.flush();
      while (this.decided.length > 0) await this.announce(this.decided.shift()!);
      if (this.unannounced > 0) {
        const n = this.unannounced;
        this.unannounced = 0;
        await this.askCouncil(n);
      }
      if (this.state.phase === 'decided' && unitsDone() && !this.dirty && this.decided.length === 0) break;
    }
  }

  /** The council gets its link to the cluster's list: at sending, and again for lists verified later. */
  private async askCouncil(added: number): Promise<void> {
    const pending = this.state.items.filter((x) => !x.decision).length;
    if (pending === 0) return; // nobody was nominated: nothing to decide
    this.councilAsks++;
    await this.notify('nominations.council', `nominations:council:${this.councilAsks}`, [this.roles ? this.roles.acting(['council'], this.input.council) : this.input.council], {
      count: this.state.items.length,
      added,
      pending,
      later: this.councilAsks > 1,
      units: this.state.received.length,
      members: this.activeMembers().length,
    }, true);
  }

  /** Each unit is told the council's decisions on its nominations; forwarded ones go up, one forward per batch. */
  private async announce(batch: { by: string; ids: string[] }): Promise<void> {
    const items = batch.ids.map((id) => this.state.items.find((x) => x.id === id)!);
    const up = items.filter((x) => x.decision === 'forward');
    const target = this.input.forwardTo;
    if (up.length > 0 && target) {
      this.forwards++;
      const f: ForwardInput = {
        forwardId: `${this.cycle.cycleId}:${this.clusterId}:nominations:${this.forwards}`,
        kind: 'nominations',
        fromCycleId: this.cycle.cycleId,
        fromBodyId: this.cycle.bodyId,
        fromBodyName: this.cycle.bodyName,
        fromClusterId: this.clusterId,
        fromClusterName: this.input.clusterName,
        toCycleId: target.cycleId,
        items: up.map((x) => ({ kind: 'person', titleId: x.titleId, titleName: x.titleName, unitId: x.unitId, unitName: x.unitName, nominationId: x.id, person: { name: x.name, position: x.position, achievements: x.achievements } })),
        decidedBy: batch.by,
        decidedAt: up[0].decidedAt!,
      };
      for (const x of up) x.forwardId = f.forwardId;
      const entry = { forwardId: f.forwardId, kind: 'nominations' as const, toCycleId: target.cycleId, delivered: false };
      this.forwarded.push(entry);
      await this.project();
      entry.delivered = await forwardToParent(f);
    }
    await this.project();
    const byUnit = new Map<string, NominationItem[]>();
    for (const x of items) byUnit.set(x.unitId, [...(byUnit.get(x.unitId) ?? []), x]);
    for (const [unitId, mine] of byUnit) {
      const m = this.input.members.find((x) => x.unitId === unitId)!;
      await this.notify('nominations.decision', `nominations:decision:${mine.map((x) => x.id).join(',')}`, m.contacts, {
        unitName: m.unitName,
        items: mine,
        parentName: target?.bodyName ?? target?.bodyId,
      });
    }
  }

  private async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.project();
  }

  private project(): Promise<void> {
    this.state.revision += 1;
    return acts.projectNominations({ cycleId: this.cycle.cycleId, clusterId: this.clusterId, workflowId: workflowInfo().workflowId, state: this.state, forwarded: this.forwarded });
  }

  /** A permanent mail failure is recorded by the outbox and shown to the secretariat; the list goes on. */
  private async notify(template: string, keySuffix: string, to: Person[], data: Record<string, unknown>, councilLink = false): Promise<void> {
    const { workflowId } = workflowInfo();
    try {
      await acts.notify({
        key: `${workflowId}:${keySuffix}`,
        kind: template,
        template,
        cycle: this.cycle,
        to,
        data: { clusterName: this.input.clusterName, ...data },
        link: councilLink ? { workflowId, step: nominationsLinkStep(this.clusterId), role: 'council', expiresAt: linkExpiry(this.input.schedule.graceEndsAt) } : undefined,
      });
    } catch (err) {
      log.error('notification failed permanently', { template, keySuffix, error: String(err) });
    }
  }
}
