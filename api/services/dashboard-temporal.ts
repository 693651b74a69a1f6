/**
 * What only Temporal knows about a unit workflow, asked for a bounded set of workflows within a time
 * budget. Temporal being down is an answer ("unavailable"), never an error for the page.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { isUnavailable } from '../errors';

export interface PendingActivityFacts {
  /** The id Temporal knows it by: what "retry now" names. */
  activityId: string;
  activityType: string;
  attempt: number;
  lastFailure?: string;
}

export interface WorkflowFacts {
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT, or NOT_FOUND. */
  status: string;
  pendingActivities: PendingActivityFacts[];
  /** The workflow task waiting to complete, and how many times it was tried (2 or more: it keeps failing). */
  workflowTaskAttempt?: number;
}

export interface InspectResult {
  facts: Map<string, WorkflowFacts>;
  /** Temporal did not answer (down, or too slow for the budget). */
  unavailable: boolean;
  /** Other failures, one line each. */
  errors: string[];
}

const CONCURRENCY = 8;

interface RawPendingActivity {
  activityId?: string | null;
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastFailure?: { message?: string | null } | null;
}

/** The part of `describe()` the dashboard reads (also what tests fake). */
export function factsOf(d: { status: { name: string }; raw: { pendingActivities?: RawPendingActivity[] | null; pendingWorkflowTask?: { attempt?: number | null } | null } }): WorkflowFacts {
  const taskAttempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
  return {
    status: d.status.name,
    ...(taskAttempt > 0 ? { workflowTaskAttempt: taskAttempt } : {}),
    pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
      activityId: a.activityId ?? '?',
      activityType: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 0,
      lastFailure: a.lastFailure?.message ?? undefined,
    })),
  };
}

export async function inspectWorkflows(client: Client, workflowIds: string[], budgetMs: number): Promise<InspectResult> {
  const result: InspectResult = { facts: new Map(), unavailable: false, errors: [] };
  const deadline = Date.now() + budgetMs;
  const queue = [...workflowIds];
  let stop = false;

  const one = async (id: string) => {
    try {
      const d = await client.withDeadline(deadline, () => client.workflow.getHandle(id).describe());
      result.facts.set(id, factsOf(d));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        result.facts.set(id, { status: 'NOT_FOUND', pendingActivities: [] });
      } else if (isUnavailable(err) || Date.now() >= deadline) {
        result.unavailable = true;
        stop = true;
      } else if (result.errors.length < 5) {
        result.errors.push(`${id}: ${(err as Error).message}`);
      }
    }
  };
  const lane = async () => {
    while (!stop && queue.length > 0 && Date.now() < deadline) await one(queue.shift()!);
  };
  // A lazy connection to a dead address may take its own connect timeout: the budget bounds the wait.
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs + 250);
    timer.unref();
  });
  const lanes = Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, lane));
  const outcome = await Promise.race([lanes.then(() => 'done' as const), overBudget]);
  clearTimeout(timer);
  if (outcome === 'late') {
    stop = true;
    // Answers still arriving after this must not change what the caller is reading.
    return { facts: new Map(result.facts), unavailable: true, errors: [...result.errors] };
  }
  if (queue.length > 0 && !stop) result.unavailable = true;
  return result;
}
