/** `thidua cycle export CYCLE --out FILE.zip` and `thidua cycle archive CYCLE`, through the api. */
import fs from 'node:fs';
import { apiTarget, callApi } from './api-client';
import { CliError } from './plan-check';

interface ArchiveAnswer {
  cycleId: string;
  archivedAt: string;
  manifest: { files: { path: string; bytes: number; sha256: string }[] };
}

/** Downloads the closed year's zip (documents, scores, ballot results, audit, read model, manifest). */
export async function cycleExport(cycleId: string, opts: { api?: string; token?: string; out: string }): Promise<string> {
  const target = apiTarget(opts);
  const path = `/api/cycles/${encodeURIComponent(cycleId)}/export.zip`;
  let res: Response;
  try {
    res = await fetch(`${target.base}${path}`, { headers: { Authorization: `Bearer ${target.token}` }, signal: AbortSignal.timeout(300_000) });
  } catch (err) {
    throw new CliError(`the api at ${target.base} did not answer (${(err as Error).message}); is \`npm start\` running?`);
  }
  if (!res.ok) {
    const text = await res.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new CliError(`GET ${path}: HTTP ${res.status}: ${message}`);
  }
  const zip = Buffer.from(await res.arrayBuffer());
  try {
    fs.writeFileSync(opts.out, zip);
  } catch (err) {
    throw new CliError(`cannot write ${opts.out}: ${(err as Error).message}`, 2);
  }
  return `exported ${cycleId} to ${opts.out} (${zip.length} bytes)`;
}

/** Marks a closed year archived: read-only from then on. */
export async function cycleArchive(cycleId: string, opts: { api?: string; token?: string; reason?: string }): Promise<string> {
  const a = await callApi<ArchiveAnswer>(apiTarget(opts), 'POST', `/api/cycles/${encodeURIComponent(cycleId)}/archive`, {
    type: 'application/json',
    data: JSON.stringify(opts.reason ? { reason: opts.reason } : {}),
  });
  return `archived ${a.cycleId} at ${a.archivedAt} (${a.manifest.files.length} files in its export)`;
}
