import { isDuplicateKey } from '../lib/db';
import type { StepState } from '../workflows/cycle/definitions';
import type { ActivityDeps } from '.';

export interface ProjectStepInput {
  cycleId: string;
  clusterId: string;
  unitId: string;
  unitName: string;
  workflowId: string;
  state: StepState;
  /** Who may act for the unit now (absent in histories recorded before people could be replaced). */
  people?: { contacts: string[]; reviewer: string; acting?: { role: string; email: string; for: string; until: string }[] };
}

/** Keeps the MongoDB read model in step with the workflows, for the api and the secretariat. */
export function createProjectionActivities({ models }: Pick<ActivityDeps, 'models'>) {
  return {
    async projectStep(input: ProjectStepInput): Promise<void> {
      const { state } = input;
      const version = state.history.length;
      const last = state.history[state.history.length - 1];
      const _id = `${input.workflowId}:${state.step}`;
      const fields = {
        cycleId: input.cycleId,
        clusterId: input.clusterId,
        unitId: input.unitId,
        unitName: input.unitName,
        workflowId: input.workflowId,
        step: state.step,
        status: state.status,
        round: state.round,
        dueAt: new Date(state.schedule.dueAt),
        lastProgressAt: new Date(last?.at ?? state.schedule.opensAt),
        version,
        state,
        ...(input.people ? { people: input.people } : {}),
      };
      // A step's first projection is an insert: on FerretDB/SQLite an upsert that matches nothing
      // scans the collection (hundreds of ms at 5,000 rows, bench/cycle-start.ts) while an insert costs
      // about one. Later versions update the row.
      if (version <= 1) {
        try {
          // The driver's insert, like the update below, stores the fields as given (no mongoose validation).
          await models.StepState.collection.insertOne({ _id, ...fields } as never);
          return;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      try {
        // The version guard keeps a delayed retry of an older projection from overwriting a newer one.
        await models.StepState.updateOne({ _id, version: { $lte: version } }, { $set: fields }, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a newer version is already there
      }
    },

    async projectCluster(input: { cycleId: string; clusterId: string; status: string }): Promise<void> {
      await models.ClusterPlan.updateOne({ _id: `${input.cycleId}:${input.clusterId}` }, { $set: { status: input.status } });
    },

    /** Who stands in for whom now in a cluster's or cycle's workflow (role delegations). */
    async projectActing(input: { workflowId: string; cycleId: string; version: number; acting: { role: string; email: string; for: string; until: string }[] }): Promise<void> {
      try {
        await models.RoleActing.updateOne(
          { _id: input.workflowId, version: { $lte: input.version } },
          { $set: { cycleId: input.cycleId, acting: input.acting, version: input.version, updatedAt: new Date() } },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a newer list is already there
      }
    },

    async projectCycle(input: { cycleId: string; status: 'running' | 'completed' | 'cancelled' }): Promise<void> {
      await models.Cycle.updateOne({ _id: input.cycleId }, { $set: { status: input.status, updatedAt: new Date() } });
    },
  };
}
