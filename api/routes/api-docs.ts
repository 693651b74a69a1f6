/**
 * GET /api/docs: the api for people — every documented path and method with its summary, parameters,
 * request body fields and answers, read from the same OpenAPI document as /openapi.json (so the page
 * cannot drift from it). Public, like /openapi.json: it says what exists, not what anyone holds.
 */
import { Router } from 'express';
import { openApiDocument } from '../openapi';
import type { AppDeps } from '../deps';
import { langOf } from '../pages';

type Json = Record<string, unknown>;

interface DocOperation {
  method: string;
  path: string;
  anchor: string;
  summary: string;
  params: { name: string; where: string }[];
  bodyTypes: string[];
  bodyFields: { name: string; required: boolean; type: string }[];
  answers: { status: string; description: string }[];
  public: boolean;
}

const typeOf = (schema: Json | undefined): string => {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map(String).join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items as Json)}[]`;
  if (typeof schema.type === 'string') return schema.format ? `${schema.type} (${String(schema.format)})` : schema.type;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeOf).join(' | ');
  return 'object';
};

/** The operations of the document, in its order. */
export function docOperations(doc: Json = openApiDocument()): DocOperation[] {
  const out: DocOperation[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, { schema?: Json }>;
      const first = Object.values(content)[0]?.schema;
      const required = new Set((first?.required as string[] | undefined) ?? []);
      out.push({
        method: method.toUpperCase(),
        path,
        anchor: `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-'),
        summary: String(op.summary ?? ''),
        params: ((op.parameters as Json[] | undefined) ?? []).map((p) => ({ name: String(p.name), where: String(p.in) })),
        bodyTypes: Object.keys(content),
        bodyFields: Object.entries((first?.properties ?? {}) as Record<string, Json>).map(([name, s]) => ({ name, required: required.has(name), type: typeOf(s) })),
        answers: Object.entries((op.responses ?? {}) as Record<string, Json>).map(([status, r]) => ({ status, description: String(r.description ?? '') })),
        public: Array.isArray(op.security) && (op.security as unknown[]).length === 0,
      });
    }
  }
  return out;
}

export function apiDocsRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/api/docs', (req, res) => {
    const lang = langOf(req.query);
    res.type('html').send(deps.pages.render('api-docs', lang, { title: 'API', operations: docOperations() }));
  });
  return r;
}
