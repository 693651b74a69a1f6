/** One error shape for every JSON answer: `{ error: { code, message, details? } }`. */
import type { ErrorRequestHandler, Response } from 'express';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A request the schema refused: 400, every problem named by its path. */
export function invalidRequest(err: { issues: { path: PropertyKey[]; message: string }[] }): HttpError {
  return new HttpError(400, 'invalid_request', 'the request is not valid', { problems: err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) });
}

export function sendError(res: Response, err: HttpError): void {
  res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
}

/** True for errors meaning "a server we depend on is down or too slow" → 503, not 500. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: number | string; name?: string; message?: string; details?: string; cause?: unknown };
  if (e?.cause && isUnavailable(e.cause)) return true;
  // Temporal's WorkflowNotReady (9 FAILED_PRECONDITION): the update met a failed workflow task (e.g. a
  // worker killed mid-task). The same update id succeeds once a later task does, so it is "try later".
  if (e?.code === 9 && /^Unable to perform workflow execution update/.test(e.details ?? e.message ?? '')) return true;
  // gRPC: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 1 CANCELLED (our deadline, or a channel closing); Mongo: network/selection errors.
  return (
    e?.code === 14 ||
    e?.code === 4 ||
    // (1 only from gRPC, which sets metadata: MongoDB's error code 1 is its InternalError.)
    (e?.code === 1 && typeof e === 'object' && 'metadata' in e) ||
    e?.name === 'MongoServerSelectionError' ||
    e?.name === 'MongoNetworkError' ||
    e?.name === 'MongoNotConnectedError' ||
    /ECONNREFUSED|Connection is closed|Client must be connected|buffering timed out/.test(e?.message ?? '')
  );
}

export const jsonErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof HttpError) return sendError(res, err);
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') return sendError(res, new HttpError(413, 'too_large', 'request body is too large'));
  if (e.type === 'entity.parse.failed') return sendError(res, new HttpError(400, 'bad_json', `body is not valid JSON: ${e.message}`));
  // Other client errors of express and body-parser (a bad %-escape in a path, an unsupported charset…).
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendError(res, new HttpError(e.status, e.type?.replace(/[^a-z]+/g, '_') ?? 'bad_request', e.message ?? 'bad request'));
  if (isUnavailable(err)) return sendError(res, new HttpError(503, 'unavailable', 'a backing service is unavailable; try again shortly'));
  res.locals.log?.error({ err }, 'unhandled error');
  sendError(res, new HttpError(500, 'internal', 'internal error'));
};
