import { Router } from 'express';
import type { AppDeps } from '../deps';

const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

async function probe(check: () => Promise<unknown>): Promise<{ up: boolean; error?: string }> {
  try {
    const ok = await within(3000, check());
    return ok === false ? { up: false, error: 'not accepting connections' } : { up: true };
  } catch (err) {
    return { up: false, error: (err as Error).message };
  }
}

/** GET /health: 200 when Temporal, MongoDB and SMTP all answer, otherwise 503 naming what is down. */
export function healthRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/health', async (_req, res) => {
    const [temporal, mongodb, smtp] = await Promise.all([
      probe(() =>
        deps.temporal.withDeadline(Date.now() + 3000, () =>
          deps.temporal.workflowService.describeNamespace({ namespace: deps.config.TEMPORAL_NAMESPACE }),
        ),
      ),
      probe(async () => {
        if (!deps.db.isUp()) throw new Error('not connected');
        return deps.db.conn.db!.admin().ping();
      }),
      probe(() => deps.smtpUp()),
    ]);
    const services = { temporal, mongodb, smtp };
    const down = Object.entries(services).filter(([, s]) => !s.up).map(([name]) => name);
    res.status(down.length ? 503 : 200).json({ status: down.length ? 'unavailable' : 'ok', down, services });
  });
  return r;
}
