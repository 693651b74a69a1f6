import { NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { workflowsPath } from '../lib/paths';
import { createQueueWorkers, type QueueWorkers } from './queue-workers';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Tests pass a prebuilt bundle to avoid re-bundling the workflows for every worker. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The worker on TASK_QUEUE and on its cycles' queue, with the real activities. */
export function createWorker(opts: CreateWorkerOptions): Promise<QueueWorkers> {
  return createQueueWorkers({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities(opts.deps),
  });
}
