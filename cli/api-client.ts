/**
 * The CLI talks to a running thidua api, like any script: base URL and bearer token from options, the
 * environment, or (for `npm start` on this machine) the generated secrets under DATA_DIR.
 */
import { loadConfig } from '../config';
import { CliError } from './plan-check';

export interface ApiTarget {
  base: string;
  token: string;
}

export function apiTarget(opts: { api?: string; token?: string }): ApiTarget {
  let base = opts.api ?? process.env.THIDUA_API_URL;
  let token = opts.token ?? process.env.API_TOKEN;
  if (!base || !token) {
    try {
      const config = loadConfig();
      base ??= `http://localhost:${config.PORT}`;
      token ??= config.API_TOKEN;
    } catch (err) {
      throw new CliError(`cannot find the api: pass --api and --token (${(err as Error).message})`, 2);
    }
  }
  return { base: base.replace(/\/+$/, ''), token };
}

export async function callApi<T>(target: ApiTarget, method: 'GET' | 'POST', path: string, body?: { type: string; data: string }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${target.token}`, ...(body ? { 'Content-Type': body.type } : {}) },
      body: body?.data,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new CliError(`the api at ${target.base} did not answer (${(err as Error).message}); is \`npm start\` running?`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = (json as { error?: { message?: string; details?: { problems?: { path: string; message: string }[] } } }).error;
    const problems = e?.details?.problems?.map((p) => `\n  ${p.path}: ${p.message}`).join('') ?? '';
    throw new CliError(`${method} ${path}: HTTP ${res.status}: ${e?.message ?? text}${problems}`);
  }
  return json as T;
}
