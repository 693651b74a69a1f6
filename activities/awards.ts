/**
 * Individual nominations and forwards to the level above: their read model, and the parent cycle's
 * side of a forward (taking it once, telling its council). Idempotent: rows are keyed by the business
 * key, a projection carries a revision, a forward's mail is keyed by its id.
 */
import { log } from '@temporalio/activity';
import { isDuplicateKey } from '../lib/db';
import { recordForwardRow } from '../lib/forward-rows';
import type { Plan } from '../rules/plan';
import { DEFAULT_TIME_ZONE } from '../rules/calendar';
import type { ForwardInput, NominationListState } from '../workflows/cycle/definitions';
import type { ActivityDeps } from '.';
import { createMailActivities } from './notify';

export function createAwardActivities(deps: ActivityDeps) {
  const { models } = deps;
  const mail = createMailActivities(deps, log);
  return {
    async projectNominations(input: { cycleId: string; clusterId: string; workflowId: string; state: NominationListState; forwarded?: unknown[] }): Promise<void> {
      const { state } = input;
      try {
        await models.ClusterNominations.updateOne(
          { _id: `${input.cycleId}:${input.clusterId}`, revision: { $lte: state.revision } },
          {
            $set: {
              cycleId: input.cycleId,
              clusterId: input.clusterId,
              workflowId: input.workflowId,
              phase: state.phase,
              revision: state.revision,
              state: JSON.stringify(state),
              forwarded: JSON.stringify(input.forwarded ?? []),
              updatedAt: new Date(),
            },
          },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a newer revision is already there
      }
    },

    /** The sender's side: the forward exists (sent), or the parent's cycle could not be signalled (pending). */
    async recordForward(input: { forward: ForwardInput; event: 'sent' | 'pending' }): Promise<void> {
      await recordForwardRow(models, input.forward, input.event);
    },

    /** Forwards addressed to a cycle that it has not taken yet (it starts after they were sent). */
    async takePendingForwards(input: { toCycleId: string }): Promise<ForwardInput[]> {
      const rows = await models.Forward.find({ toCycleId: input.toCycleId, deliveredAt: { $exists: false } }).sort({ createdAt: 1, _id: 1 }).lean();
      return rows.map((r) => JSON.parse(r.forward) as ForwardInput);
    },

    /** The parent's side: the forward is delivered, and the parent's council is told what came up. */
    async receiveForward(input: { forward: ForwardInput; decided?: boolean }): Promise<void> {
      const f = input.forward;
      const now = new Date();
      await models.Forward.updateOne(
        { _id: f.forwardId },
        { $setOnInsert: { fromCycleId: f.fromCycleId, fromClusterId: f.fromClusterId, toCycleId: f.toCycleId, kind: f.kind, forward: JSON.stringify(f), createdAt: now } },
        { upsert: true },
      );
      await models.Forward.updateOne({ _id: f.forwardId, deliveredAt: { $exists: false } }, { $set: { deliveredAt: now } });
      // The council is asked to decide it with its own links (forward-decision.ts): no separate notice.
      if (input.decided) return;
      const cycle = await models.Cycle.findById(f.toCycleId).lean();
      const plan = cycle?.plan as Plan | undefined;
      const council = plan?.council ? plan.staff.find((s) => s.id === plan.council) : undefined;
      if (!cycle || !plan || !council) {
        log.warn('a forwarded proposal arrived at a cycle without a council: nobody is told', { toCycleId: f.toCycleId, forwardId: f.forwardId });
        return;
      }
      await mail.notify({
        key: `${f.toCycleId}:forward:${f.forwardId}`,
        kind: 'forward.received',
        template: 'forward.received',
        cycle: { cycleId: cycle._id, bodyId: cycle.bodyId, bodyName: cycle.bodyName, year: cycle.year, timeZone: plan.timeZone ?? DEFAULT_TIME_ZONE },
        to: [{ name: council.name, email: council.email, lang: council.lang }],
        data: { forward: f, persons: f.items.filter((i) => i.kind === 'person'), units: f.items.filter((i) => i.kind === 'unit') },
      });
    },
  };
}
