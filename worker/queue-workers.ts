/**
 * One deployment's worker, on its two task queues: TASK_QUEUE (the units' workflows, the other
 * workflows the api starts, and every activity they call) and the cycles' queue (cyclesTaskQueue:
 * the cycle and cluster workflows, and the activities they call). They are kept apart so that a
 * cycle's next batch of cluster starts, and each cluster's start of its units, never wait in the same
 * queue behind the units' own tasks: at 1,000 units the last cluster started its units two minutes
 * after the first (BENCHMARKS.md, cycle-start). Both SDK workers register every workflow and every
 * activity, so a cycle started before the split goes on as it began, on TASK_QUEUE.
 */
import { bundleWorkflowCode, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { cyclesTaskQueue } from '../workflows/cycle/definitions';

/** The surface of the SDK's Worker that the worker process, the tests and the benchmarks use. */
export interface QueueWorkers {
  /** Runs both until shutdown (SIGINT/SIGTERM, or shutdown()); rejects when either fails, after stopping the other. */
  run(): Promise<void>;
  /** Runs both until `work` settles, then shuts both down; rejects as soon as either fails. */
  runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R>;
  shutdown(): void;
}

export async function createQueueWorkers(options: WorkerOptions): Promise<QueueWorkers> {
  // One bundle for both (building it is seconds of CPU), logged where the SDK logs, as Worker.create's own.
  const { workflowsPath, ...rest } = options;
  const bundle = (path: string) => bundleWorkflowCode({ workflowsPath: path, workflowInterceptorModules: options.interceptors?.workflowModules, logger: Runtime.instance().logger });
  const code = options.workflowBundle ?? (workflowsPath ? await bundle(workflowsPath) : undefined);
  const shared = code ? { ...rest, workflowBundle: code } : rest;
  return pairOf(await Promise.all([Worker.create(shared), Worker.create({ ...shared, taskQueue: cyclesTaskQueue(options.taskQueue) })]));
}

function pairOf(workers: Worker[]): QueueWorkers {
  const shutdown = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const run = async () => {
    const runs = workers.map((w) => w.run().catch((err: unknown) => {
      // Half a worker would leave one queue unserved: stop the other too.
      shutdown();
      throw err;
    }));
    const settled = await Promise.allSettled(runs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  };
  return {
    shutdown,
    run,
    async runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R> {
      const running = run();
      const stopped = running.then(() => {
        throw new Error('the worker stopped before the work was done');
      });
      stopped.catch(() => undefined);
      try {
        return await Promise.race([typeof work === 'function' ? work() : work, stopped]);
      } finally {
        shutdown();
        await Promise.allSettled([running]);
      }
    },
  };
}
