import { ApplicationFailure } from '@temporalio/common';
import type { ClusterNominationsInput, ClusterStepInput, ClusterYearEndInput, UnitWorkflowInput } from '../workflows/cycle/definitions';
import type { ActivityDeps } from '.';

export function createPlanActivities({ models }: Pick<ActivityDeps, 'models'>) {
  return {
    /** The compiled units of one cluster, stored by the api when the cycle was started. */
    async getClusterPlan(input: {
      cycleId: string;
      clusterId: string;
    }): Promise<{ name: string; units: UnitWorkflowInput[]; yearEnd?: ClusterYearEndInput; nominations?: ClusterNominationsInput; clusterSteps?: Record<string, ClusterStepInput> }> {
      const doc = await models.ClusterPlan.findById(`${input.cycleId}:${input.clusterId}`).lean();
      if (!doc) {
        // Retrying cannot make a missing plan appear: fail the cluster workflow visibly instead.
        throw ApplicationFailure.nonRetryable(`no plan stored for cluster ${input.clusterId} of ${input.cycleId}`, 'PlanMissing');
      }
      const units = doc.units as UnitWorkflowInput[];
      // Plans without year-end stages return exactly what they always did (histories replay unchanged).
      const base = doc.yearEnd ? { name: doc.name, units, yearEnd: doc.yearEnd as ClusterYearEndInput } : { name: doc.name, units };
      // Likewise the cluster's nominations and its registration steps: only plans that have them carry the keys.
      return {
        ...base,
        ...(doc.nominations ? { nominations: doc.nominations as ClusterNominationsInput } : {}),
        ...(doc.clusterSteps ? { clusterSteps: doc.clusterSteps as Record<string, ClusterStepInput> } : {}),
      };
    },
  };
}
