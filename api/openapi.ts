/**
 * GET /openapi.json: the JSON api described as OpenAPI 3.1, generated from the zod schemas that
 * validate each request body at the boundary (so the document cannot drift from what is enforced),
 * and from the response schemas below, which say what each route answers — the fault test
 * (test/faults/schemathesis.fault.ts) checks every answer against them.
 * Pages (/l/…, /console, /dashboard, /login) are HTML for people and are not described here.
 */
import { Router } from 'express';
import { z } from 'zod';
import { planSchema } from '../rules/plan';
import { DASHBOARD_ACTIONS, dashboardActionSchema } from './services/dashboard-actions';
import { schema as addUnitSchema } from './services/add-unit';
import { cancelSchema, delegateSchema, moveDeadlineSchema, replacePersonSchema } from './services/coordinate';
import { schema as withdrawUnitSchema } from './services/withdraw-unit';
import { roleDelegateSchema } from './services/role-delegation';
import { attendanceSchema, moveMeetingSchema } from './services/year-end-admin';
import { archiveSchema } from './services/cycle-archive';
import { resendSchema } from './services/resend-forward';

// ───────────────────────── response shapes ─────────────────────────

const problem = z.object({ path: z.string(), message: z.string() });
const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.looseObject({ problems: z.array(problem).optional() }).optional() }),
});
const isoString = z.string();
const nullableString = z.string().nullable();
const service = z.object({ up: z.boolean(), error: z.string().optional() });
const healthSchema = z.object({ status: z.enum(['ok', 'unavailable']), down: z.array(z.string()), services: z.object({ temporal: service, mongodb: service, smtp: service }) });
const cycleSummary = z.looseObject({ cycleId: z.string(), workflowId: z.string(), bodyId: z.string(), year: z.number(), status: z.string() });
const stepRow = z.looseObject({ clusterId: z.string(), unitId: z.string(), workflowId: z.string(), step: z.string(), status: z.string(), round: z.number() });
const documentRow = z.looseObject({ fileId: z.string(), cycleId: z.string(), kind: z.string(), format: z.enum(['docx', 'html', 'xlsx', 'pdf']), version: z.number(), filename: z.string(), number: z.string().nullable().optional() });
const submissionBody = z.object({
  round: z.number().int().min(1),
  note: z.string().max(500).optional(),
  fields: z.record(z.string(), z.string().min(1)),
  checklist: z.record(z.string(), z.object({ checked: z.boolean(), note: z.string().optional() })).optional(),
  nominations: z.array(z.object({ titleId: z.string(), name: z.string(), position: z.string(), achievements: z.string() })).optional(),
});
const attachmentRow = z.looseObject({ id: z.string(), filename: z.string(), size: z.number() });

// ───────────────────────── building the document ─────────────────────────

type Json = Record<string, unknown>;
const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
};
const json = (s: z.ZodType) => ({ 'application/json': { schema: schemaOf(s, 'output') } });
const binary = (type: string) => ({ [type]: { schema: { type: 'string', format: 'binary' } } });
/** A stored document, by its format (lib/documents/store.ts). */
const documentContent = {
  ...binary('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
  ...binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
  ...binary('application/pdf'),
  'text/html': { schema: { type: 'string' } },
};

/** An uploaded file, in the types rules/attachments.ts accepts. */
const attachmentContent = {
  ...binary('application/pdf'),
  ...binary('image/png'),
  ...binary('image/jpeg'),
  ...binary('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
  ...binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
};
const scanBody = {
  'multipart/form-data': {
    schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, version: { type: 'string', pattern: '^[0-9]+$' } }, required: ['file'] },
  },
};

const ERRORS: Record<number, string> = {
  400: 'the request is not valid: `details.problems` names each field',
  401: 'no or a wrong API token / session',
  403: 'the role or cluster scope does not allow it, or a missing CSRF token',
  404: 'no such cycle, cluster, unit, step or document',
  409: 'refused in the current state (the workflow said why, the cycle is closed or archived)',
  413: 'the body is too large',
  415: 'the body is not in a supported media type or charset',
  503: 'Temporal, MongoDB or the worker did not answer; nothing was done',
};
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERRORS[c], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));

const READ = [400, 401, 404, 503];
const WRITE = [400, 401, 403, 404, 409, 413, 415, 503];

interface Op {
  summary: string;
  params?: string[];
  query?: Record<string, Json>;
  body?: Json;
  ok: Record<string, { description: string; content?: Json }>;
  errors: number[];
  public?: boolean;
}

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } });

function operation(op: Op): Json {
  const params = op.params ?? [];
  return {
    summary: op.summary,
    ...(op.public ? { security: [] } : {}),
    parameters: [
      ...params.map(pathParam),
      ...Object.entries(op.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ],
    ...(op.body ? { requestBody: { required: true, content: op.body } } : {}),
    responses: { ...op.ok, ...errors(...op.errors) },
  };
}

const body = (s: z.ZodType) => ({ 'application/json': { schema: schemaOf(s, 'input') } });
const ok = (description: string, s: z.ZodType, status = '200') => ({ [status]: { description, content: json(s) } });

/** The document, built once per process. */
let built: Json | undefined;
export function openApiDocument(): Json {
  if (built) return built;
  const C = ['cycleId'];
  const paths: Record<string, Record<string, Op>> = {
    '/health': { get: { summary: 'Temporal, MongoDB and SMTP up?', public: true, ok: ok('every backing service answers', healthSchema), errors: [] } },
    '/api/session': { get: { summary: 'who is signed in, and the CSRF token', ok: ok('the principal', z.looseObject({ principal: z.looseObject({ kind: z.enum(['token', 'account']) }), via: z.enum(['bearer', 'cookie']) })), errors: [401] } },
    '/api/cycles': {
      post: {
        summary: 'start a cycle from a plan (JSON or YAML)',
        body: { ...body(planSchema), 'application/yaml': { schema: { type: 'string' } } },
        ok: ok('the cycle started', z.object({ cycle: cycleSummary }), '201'),
        errors: WRITE,
      },
    },
    '/api/cycles/{cycleId}': { get: { summary: 'the read model of a cycle', params: C, ok: ok('the cycle and its steps', z.object({ cycle: cycleSummary, steps: z.array(stepRow) })), errors: READ } },
    '/api/cycles/{cycleId}/units/{unitId}': {
      get: { summary: "a unit's live state (workflow query)", params: [...C, 'unitId'], ok: ok('the state', z.object({ workflowId: z.string(), state: z.looseObject({}) })), errors: [...READ, 403] },
    },
    '/api/cycles/{cycleId}/stages/{stage}/deadline': {
      post: {
        summary: "move a stage's deadline",
        params: [...C, 'stage'],
        body: body(moveDeadlineSchema),
        ok: ok('what moved', z.looseObject({ stage: z.string(), updated: z.array(z.looseObject({})), refused: z.array(z.looseObject({})), unavailable: z.array(z.looseObject({})) })),
        errors: WRITE,
      },
    },
    '/api/cycles/{cycleId}/units/{unitId}/steps/{step}/submission': {
      post: { summary: 'record a submission received on paper', params: [...C, 'unitId', 'step'], body: body(submissionBody), ok: ok('the step', z.looseObject({ workflowId: z.string(), step: z.string(), status: z.string(), round: z.number() })), errors: WRITE },
    },
    '/api/cycles/{cycleId}/units/{unitId}/delegations': {
      post: {
        summary: 'name an acting substitute for a contact or the reviewer, for a period',
        params: [...C, 'unitId'],
        body: body(delegateSchema),
        ok: ok('the delegations now', z.looseObject({ workflowId: z.string(), delegation: z.looseObject({}), delegations: z.array(z.looseObject({})) })),
        errors: WRITE,
      },
    },
    '/api/cycles/{cycleId}/delegations': {
      post: {
        summary: 'name an acting substitute for a cluster head, leader in charge, council member or inspector, for local days from–to',
        params: C,
        body: body(roleDelegateSchema),
        ok: ok('the workflows that took it', z.looseObject({ delegation: z.looseObject({}), updated: z.array(z.string()), refused: z.array(z.looseObject({})), unavailable: z.array(z.string()) })),
        errors: WRITE,
      },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/attendance': {
      post: { summary: "the meeting's attendance and proxies, as the chair records it", params: [...C, 'clusterId'], body: body(attendanceSchema), ok: ok('the attendance now', z.looseObject({})), errors: WRITE },
    },
    '/api/cycles/{cycleId}/nominations': {
      get: { summary: "each cluster's nominations of individuals and the council's decisions", params: C, ok: ok('the nominations', z.looseObject({ cycleId: z.string(), clusters: z.array(z.looseObject({ clusterId: z.string() })) })), errors: [...READ, 403] },
    },
    '/api/cycles/{cycleId}/forwards': {
      get: {
        summary: 'what this cycle forwarded to the level above, and what was forwarded to it',
        params: C,
        ok: ok('the forwards', z.looseObject({ cycleId: z.string(), outgoing: z.array(z.looseObject({})), incoming: z.array(z.looseObject({})) })),
        errors: [...READ, 403],
      },
    },
    '/api/cycles/{cycleId}/forwards/{forwardId}/resend': {
      post: {
        summary: 'send the items the parent council returned up again, once amended (a new forward `<forwardId>:r2`; the same request twice is one forward, answered 200)',
        params: [...C, 'forwardId'],
        body: body(resendSchema),
        ok: ok('the new forward', z.looseObject({ forward: z.looseObject({ forwardId: z.string() }), created: z.boolean(), delivered: z.boolean() }), '201'),
        errors: WRITE,
      },
    },
    '/api/cycles/{cycleId}/attachments': {
      get: {
        summary: "the units' attachments and the signed scans",
        params: C,
        query: { unitId: { type: 'string' }, purpose: { type: 'string', enum: ['step', 'scan'] }, step: { type: 'string' } },
        ok: ok('the files', z.object({ attachments: z.array(attachmentRow) })),
        errors: [...READ, 403],
      },
    },
    '/api/cycles/{cycleId}/attachments/{fileId}': {
      get: { summary: 'one attachment or scan', params: [...C, 'fileId'], ok: { '200': { description: 'the file', content: attachmentContent } }, errors: [...READ, 403] },
    },
    '/api/cycles/{cycleId}/documents/{name}/scans': {
      post: { summary: 'the signed scan of an issued document (multipart: file, version?)', params: [...C, 'name'], body: scanBody, ok: ok('stored', z.looseObject({ scan: z.looseObject({}) }), '201'), errors: WRITE },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/documents/{name}/scans': {
      post: { summary: "the signed scan of a cluster's issued document (multipart: file, version?)", params: [...C, 'clusterId', 'name'], body: scanBody, ok: ok('stored', z.looseObject({ scan: z.looseObject({}) }), '201'), errors: WRITE },
    },
    '/api/cycles/{cycleId}/units/{unitId}/people': {
      post: { summary: 'replace a contact or the reviewer', params: [...C, 'unitId'], body: body(replacePersonSchema), ok: ok('the people now', z.looseObject({ workflowId: z.string(), people: z.unknown() })), errors: WRITE },
    },
    '/api/cycles/{cycleId}/units/{unitId}/withdraw': {
      post: { summary: 'withdraw a unit', params: [...C, 'unitId'], body: body(withdrawUnitSchema), ok: ok('withdrawn', z.looseObject({ unitId: z.string(), clusterId: z.string(), repeated: z.boolean() })), errors: WRITE },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/units': {
      post: { summary: 'add a unit to a cluster', params: [...C, 'clusterId'], body: body(addUnitSchema), ok: ok('added', z.looseObject({}), '201'), errors: WRITE },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/meeting': {
      post: { summary: "move a cluster's meeting", params: [...C, 'clusterId'], body: body(moveMeetingSchema), ok: ok('the meeting now', z.looseObject({ meeting: z.looseObject({}), version: z.number() })), errors: WRITE },
    },
    '/api/cycles/{cycleId}/cancel': {
      post: { summary: 'cancel a cycle', params: C, body: body(cancelSchema), ok: ok('cancelling (again: `already` names the first request, nothing more is done)', z.object({ cycleId: z.string(), status: z.string(), already: z.object({ at: isoString, by: z.string(), reason: z.string() }).optional() }), '202'), errors: WRITE },
    },
    '/api/cycles/{cycleId}/archive': {
      post: { summary: 'archive a closed cycle (read-only afterwards)', params: C, body: body(archiveSchema), ok: ok('archived', z.looseObject({ cycleId: z.string(), archivedAt: isoString, manifest: z.looseObject({}) })), errors: WRITE },
    },
    '/api/cycles/{cycleId}/export.zip': {
      get: { summary: 'a closed cycle as a zip: documents, scores, ballot results, audit, read model, manifest with checksums', params: C, ok: { '200': { description: 'the zip', content: binary('application/zip') } }, errors: [...READ, 403, 409] },
    },
    '/api/cycles/{cycleId}/documents': { get: { summary: "the cycle's documents (every version)", params: C, ok: ok('the documents', z.object({ documents: z.array(documentRow) })), errors: READ } },
    '/api/cycles/{cycleId}/documents/{name}': {
      get: { summary: 'the latest version of a document, e.g. plan.docx', params: [...C, 'name'], ok: { '200': { description: 'the document', content: documentContent } }, errors: READ },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/documents': {
      get: { summary: "a cluster's year-end documents", params: [...C, 'clusterId'], ok: ok('the documents', z.object({ documents: z.array(documentRow) })), errors: [...READ, 403] },
    },
    '/api/cycles/{cycleId}/clusters/{clusterId}/documents/{name}': {
      get: { summary: "the latest version of a cluster's document", params: [...C, 'clusterId', 'name'], ok: { '200': { description: 'the document', content: documentContent } }, errors: [...READ, 403] },
    },
    '/api/cycles/{cycleId}/feeds': {
      get: { summary: 'the calendar feed URL of every unit and staff member', params: C, ok: ok('the feeds', z.object({ cycleId: z.string(), units: z.array(z.looseObject({ unitId: z.string(), url: z.string() })), staff: z.array(z.looseObject({ id: z.string(), url: z.string() })) })), errors: READ },
    },
    '/api/dashboard': {
      get: {
        summary: "the secretariat's view",
        query: { cycleId: { type: 'string' }, slaDays: { type: 'integer', minimum: 1, maximum: 365 }, idleDays: { type: 'integer', minimum: 1, maximum: 365 }, lang: { type: 'string', description: '`en` for English labels; anything else is Vietnamese' } },
        ok: ok('the dashboard', z.looseObject({ generatedAt: z.string(), cycles: z.array(z.looseObject({})) })),
        errors: [...READ, 403],
      },
    },
    '/api/dashboard.xlsx': {
      get: {
        summary: 'the dashboard as a spreadsheet',
        query: { cycleId: { type: 'string' }, slaDays: { type: 'integer', minimum: 1, maximum: 365 }, idleDays: { type: 'integer', minimum: 1, maximum: 365 } },
        ok: { '200': { description: 'the spreadsheet', content: binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') } },
        errors: [...READ, 403],
      },
    },
    '/api/dashboard/actions/{action}': {
      post: {
        summary: `an action on a stuck item: ${DASHBOARD_ACTIONS.join(', ')}`,
        params: ['action'],
        body: body(dashboardActionSchema),
        ok: ok('done', z.looseObject({ action: z.enum(DASHBOARD_ACTIONS), workflowId: z.string(), cycleId: z.string(), clusterId: z.string() })),
        errors: WRITE,
      },
    },
    '/api/mailbox': {
      get: { summary: 'messages the embedded SMTP server received', query: { to: { type: 'string' } }, ok: ok('the messages', z.object({ messages: z.array(z.looseObject({ envelopeTo: z.array(z.string()), subject: nullableString.optional() })) })), errors: [401, 403, 404, 503] },
    },
  };
  built = {
    openapi: '3.1.0',
    info: { title: 'thidua', version: '1', description: 'Thi đua – khen thưởng: the coordinator and secretariat api. Errors share one shape: `{ error: { code, message, details? } }`.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the API token, or a staff session cookie (then X-CSRF-Token on changes)' } },
      schemas: { Error: schemaOf(errorSchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).map(([p, ops]) => [p, Object.fromEntries(Object.entries(ops).map(([m, op]) => [m, operation(op)]))])),
  };
  return built;
}

/** Each documented path as a pattern, with the methods it has (HEAD with GET, OPTIONS always). */
function documentedMethods(): { pattern: RegExp; methods: Set<string> }[] {
  return Object.entries(openApiDocument().paths as Record<string, Json>).map(([p, ops]) => {
    const methods = new Set(Object.keys(ops).map((m) => m.toUpperCase()));
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    const pattern = new RegExp(`^${p.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}/?$`);
    return { pattern, methods };
  });
}

/**
 * GET /openapi.json, and the methods of the documented paths: OPTIONS answers 204 with `Allow`, a method
 * a path does not have answers 405 with `Allow` (not the 404 of an unknown path).
 */
export function openApiRouter(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  const paths = documentedMethods();
  r.use((req, res, next) => {
    const matching = paths.filter((p) => p.pattern.test(req.path));
    if (matching.length === 0) return next();
    const allowed = new Set(matching.flatMap((p) => [...p.methods]));
    if (allowed.has(req.method)) {
      if (req.method !== 'OPTIONS') return next();
      return res.status(204).set('Allow', [...allowed].join(', ')).end();
    }
    res.set('Allow', [...allowed].join(', ')).status(405).json({ error: { code: 'method_not_allowed', message: `${req.method} is not allowed here; allowed: ${[...allowed].join(', ')}` } });
  });
  return r;
}
