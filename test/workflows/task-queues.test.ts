/**
 * A launched cycle and its clusters run on the cycles' own task queue, the units on TASK_QUEUE
 * (worker/queue-workers.ts), so the cycle's batches of starts never wait behind the units' tasks.
 * A cycle started before the split (no unitTaskQueue, on TASK_QUEUE) keeps everything there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startCycle } from '../../api/services/start-cycle';
import { clusterStateQuery, clusterWorkflowId, cyclesTaskQueue, cycleWorkflowId, unitStateQuery, unitWorkflowId, type CycleRef } from '../../workflows/cycle/definitions';
import { eventually } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';
import { useTimeSkipping } from '../helpers/time-skipping';

describe('task queues (time-skipping)', () => {
  const ts = useTimeSkipping('task-queues');
  const queueOf = async (workflowId: string) => (await ts.env().client.workflow.getHandle(workflowId).describe()).taskQueue;

  test('the cycle and its clusters on the cycles queue, the units on TASK_QUEUE', async () => {
    const h = ts.h();
    const year = new Date(await ts.env().currentTimeMs()).getUTCFullYear() + 1;
    const plan = smallPlan({ year, calendar: { holidays: [] } });
    const cycleId = `thidua:mttq-dinh-quan:${year}`;
    await h.runWorker(async () => {
      await startCycle(h.deps, plan, 'test');
      const unit = unitWorkflowId(cycleId, 'xa-phu-tan');
      await eventually(() => ts.env().client.workflow.getHandle(unit).query(unitStateQuery), 'the unit running');
      expect(await queueOf(cycleWorkflowId(cycleId))).toBe(cyclesTaskQueue(h.config.TASK_QUEUE));
      expect(await queueOf(clusterWorkflowId(cycleId, 'cum-1'))).toBe(cyclesTaskQueue(h.config.TASK_QUEUE));
      expect(await queueOf(unit)).toBe(h.config.TASK_QUEUE);
      // Committed for the replay test: `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/task-queues.test.ts`.
      if (process.env.THIDUA_RECORD_HISTORIES === '1') {
        for (const [name, id] of [['cycle', cycleWorkflowId(cycleId)], ['cluster-cum-1', clusterWorkflowId(cycleId, 'cum-1')]]) {
          const history = await ts.env().client.workflow.getHandle(id).fetchHistory();
          fs.writeFileSync(path.resolve(__dirname, `../histories/task-queues.${name}.json`), historyToJSON(history));
        }
      }
      await ts.env().client.workflow.getHandle(cycleWorkflowId(cycleId)).terminate('test over');
    });
  });

  test('a cycle started without unitTaskQueue keeps every workflow on its own queue', async () => {
    const h = ts.h();
    const cycle: CycleRef = { cycleId: 'thidua:task-queues-one:2030', bodyId: 'task-queues-one', bodyName: 'Body', year: 2030, timeZone: 'Asia/Ho_Chi_Minh' };
    await h.db.models.ClusterPlan.create({ _id: `${cycle.cycleId}:c-0`, cycleId: cycle.cycleId, clusterId: 'c-0', name: 'c-0', status: 'pending', units: [] });
    await h.runWorker(async () => {
      const handle = await ts.env().client.workflow.start('cycleWorkflow', { workflowId: cycleWorkflowId(cycle.cycleId), taskQueue: h.config.TASK_QUEUE, args: [{ cycle, clusterIds: ['c-0'] }] });
      await handle.result();
      expect(await queueOf(clusterWorkflowId(cycle.cycleId, 'c-0'))).toBe(h.config.TASK_QUEUE);
      expect((await ts.env().client.workflow.getHandle(clusterWorkflowId(cycle.cycleId, 'c-0')).query(clusterStateQuery)).units).toEqual([]);
    });
  });
});
