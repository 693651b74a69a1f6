/**
 * Bad plans sent to the real api (its own Temporal dev server and MongoDB-compatible server, an SMTP
 * server): too large, malformed YAML or JSON, nested thousands deep, YAML alias bombs (billion laughs),
 * wrong types, prototype pollution, unsupported charsets. Each is answered with a 4xx in the one error
 * shape whose message (or problems) names what is wrong; nothing is stored, no workflow starts, and
 * /health stays 200 after each (the process neither crashed nor hung).
 */
import supertest from 'supertest';
import { stringify } from 'yaml';
import { API_TOKEN, faultPlan, faultStack, say } from './stack';

const L = 'bad-plans';
const MB = 1024 * 1024;

interface Case {
  name: string;
  type: string;
  body: string | Buffer;
  status: number;
  /** What the answer must name: in the message, or as a problem's path or message. */
  names: RegExp;
}

const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

function cases(): Case[] {
  const plan = faultPlan('bad-plans');
  const json = (v: unknown) => JSON.stringify(v);
  const bigName = 'Đ'.repeat(1.5 * MB); // 3 MB in UTF-8
  return [
    // Too large: refused before it is parsed.
    { name: 'a 6 MB JSON plan', type: 'application/json', body: json({ ...plan, body: { ...plan.body, name: 'x'.repeat(6 * MB) } }), status: 413, names: /too large/ },
    { name: 'a 6 MB YAML plan', type: 'application/yaml', body: stringify({ ...plan, body: { ...plan.body, name: 'x'.repeat(6 * MB) } }), status: 413, names: /too large/ },
    { name: 'a plan with a name of 1.5 million characters', type: 'application/json', body: json({ ...plan, body: { ...plan.body, name: bigName } }), status: 400, names: /body\.name/ },
    { name: 'a plan with 100,000 holidays', type: 'application/json', body: json({ ...plan, calendar: { holidays: Array.from({ length: 100_000 }, () => '2024-02-10') } }), status: 400, names: /calendar\.holidays/ },
    { name: 'a plan with 6,000 holidays', type: 'application/json', body: json({ ...plan, calendar: { holidays: Array.from({ length: 6000 }, () => '2024-02-10') } }), status: 400, names: /calendar\.holidays.*5000/ },
    // Malformed.
    { name: 'malformed YAML (unclosed flow sequence)', type: 'application/yaml', body: 'apiVersion: thidua/v1\nunits: [a, b\nyear: 2024\n', status: 400, names: /YAML.*line \d+/s },
    { name: 'malformed YAML (bad indentation)', type: 'application/yaml', body: 'apiVersion: thidua/v1\nbody:\n  id: x\n   name: y\n', status: 400, names: /YAML/ },
    { name: 'YAML with a tab for indentation', type: 'application/yaml', body: 'apiVersion: thidua/v1\nbody:\n\tid: x\n', status: 400, names: /YAML/ },
    { name: 'malformed JSON', type: 'application/json', body: '{"apiVersion": "thidua/v1", "year": 2024,', status: 400, names: /not valid JSON/ },
    { name: 'JSON with a trailing comma', type: 'application/json', body: '{"apiVersion": "thidua/v1",}', status: 400, names: /not valid JSON/ },
    { name: 'an empty YAML body', type: 'application/yaml', body: '', status: 400, names: /plan|JSON|YAML/ },
    { name: 'binary garbage as YAML', type: 'application/yaml', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), status: 400, names: /YAML|plan/ },
    // Nested deep.
    { name: 'JSON nested 100,000 deep', type: 'application/json', body: `{"apiVersion":"thidua/v1","extra":${nested(100_000, '[', ']')}}`, status: 400, names: /nest/ },
    { name: 'JSON objects nested 50,000 deep', type: 'application/json', body: `{"apiVersion":"thidua/v1","body":${nested(50_000, '{"a":', '}')}}`, status: 400, names: /nest/ },
    { name: 'YAML flow sequences nested 100,000 deep', type: 'application/yaml', body: `apiVersion: thidua/v1\nextra: ${nested(100_000, '[', ']')}\n`, status: 400, names: /nest/ },
    { name: 'YAML block mappings nested 2,000 deep', type: 'application/yaml', body: Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n', status: 400, names: /nest/ },
    // Alias bombs.
    {
      name: 'a YAML billion laughs',
      type: 'application/yaml',
      body: ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n',
      status: 400,
      names: /alias/i,
    },
    { name: 'a YAML alias bomb in the units', type: 'application/yaml', body: stringify(plan).replace(/^units:/m, 'x: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\ny: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\nz: &z [*y, *y, *y, *y, *y, *y, *y, *y, *y, *y]\nw: [*z, *z, *z, *z, *z, *z, *z, *z, *z, *z]\nunits:'), status: 400, names: /alias/i },
    { name: 'a recursive YAML alias', type: 'application/yaml', body: 'a: &a [*a]\n', status: 400, names: /nested|alias/i },
    // Wrong types.
    { name: 'a JSON array', type: 'application/json', body: '[1, 2, 3]', status: 400, names: /\(root\)|object/ },
    { name: 'a bare JSON string', type: 'application/json', body: '"thidua/v1"', status: 400, names: /JSON|object|plan/ },
    { name: 'a YAML scalar', type: 'application/yaml', body: 'just some words\n', status: 400, names: /plan|object/ },
    { name: 'year as a string', type: 'application/json', body: json({ ...plan, year: '2024' }), status: 400, names: /year/ },
    { name: 'units as an object', type: 'application/json', body: json({ ...plan, units: { a: 1 } }), status: 400, names: /units/ },
    { name: 'a contact email as a number', type: 'application/json', body: json({ ...plan, units: plan.units.map((u, i) => (i ? u : { ...u, contacts: [{ ...u.contacts[0], email: 12345 }] })) }), status: 400, names: /units\[0\]\.contacts\[0\]\.email/ },
    { name: 'a deadline as an array', type: 'application/json', body: json({ ...plan, stages: { registration: { ...plan.stages.registration, deadline: ['2024-03-01'] } } }), status: 400, names: /stages\.registration\.deadline/ },
    { name: 'NaN and Infinity spelled out', type: 'application/yaml', body: stringify({ ...plan, year: 2024 }).replace(/^year: 2024$/m, 'year: .nan'), status: 400, names: /year/ },
    { name: 'the wrong apiVersion', type: 'application/json', body: json({ ...plan, apiVersion: 'thidua/v0' }), status: 400, names: /apiVersion/ },
    // Other tricks.
    { name: 'prototype pollution', type: 'application/json', body: '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}', status: 400, names: /apiVersion|plan/ },
    { name: 'an unsupported charset', type: 'application/json; charset=klingon', body: json(plan), status: 415, names: /charset/ },
    { name: 'a plan as CSV', type: 'text/csv', body: 'apiVersion,year\nthidua/v1,2024\n', status: 400, names: /JSON.*YAML/ },
  ];
}

describe('fault: bad plans', () => {
  const stack = faultStack(L);

  test('a clear 4xx naming the problem, nothing stored, the server healthy after each', async () => {
    const { api } = await stack.startApi('bad-plans');
    const app = api.app;
    expect((await supertest(app).get('/health')).status).toBe(200);

    const outcomes: { name: string; status: number; message: string; ms: number }[] = [];
    const wrong: unknown[] = [];
    for (const c of cases()) {
      const t = Date.now();
      const res = await supertest(app).post('/api/cycles').set('Authorization', `Bearer ${API_TOKEN}`).set('Content-Type', c.type).send(c.body);
      const ms = Date.now() - t;
      const err = (res.body as { error?: { code: string; message: string; details?: { problems?: { path: string; message: string }[] } } }).error;
      const said = [err?.message ?? res.text, ...(err?.details?.problems ?? []).map((p) => `${p.path}: ${p.message}`)].join(' | ');
      say(L, `${c.name}: HTTP ${res.status} in ${ms} ms: ${said.slice(0, 200)}`);
      outcomes.push({ name: c.name, status: res.status, message: said, ms });
      // The one error shape, the expected status, the problem named.
      const health = await supertest(app).get('/health');
      const got = {
        status: res.status,
        shape: [typeof err?.code, typeof err?.message],
        named: c.names.test(said),
        health: health.status,
        cycles: await api.db.models.Cycle.countDocuments(),
        polluted: ({} as Record<string, unknown>).polluted ?? null,
      };
      const want = { status: c.status, shape: ['string', 'string'], named: true, health: 200, cycles: 0, polluted: null };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ name: c.name, got, want, said: said.slice(0, 300) });
    }
    expect(wrong).toEqual([]);
    // None of them held the process up for long.
    for (const o of outcomes) expect([o.name, o.ms < 10_000]).toEqual([o.name, true]);
    const started = await api.client.workflow.list({ query: 'WorkflowType = "cycleWorkflow"' });
    const ids: string[] = [];
    for await (const w of started) ids.push(w.workflowId);
    expect(ids).toEqual([]);
  });
});
