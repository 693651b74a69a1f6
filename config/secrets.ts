/**
 * Secrets left unset are generated once and kept in DATA_DIR/secrets.json, so that links already sent
 * in emails keep verifying after a restart. Environment values always win.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './env';

export interface Secrets {
  LINK_SECRET: string;
  API_TOKEN: string;
}

export function resolveSecrets(config: Config): Config & Secrets {
  const file = path.join(config.DATA_DIR, 'secrets.json');
  let stored: Partial<Secrets> = {};
  if (fs.existsSync(file)) {
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`, { cause: err });
    }
  }
  const merged: Secrets = {
    LINK_SECRET: config.LINK_SECRET ?? stored.LINK_SECRET ?? randomBytes(32).toString('base64url'),
    API_TOKEN: config.API_TOKEN ?? stored.API_TOKEN ?? randomBytes(24).toString('base64url'),
  };
  const toStore: Partial<Secrets> = { ...stored };
  if (!config.LINK_SECRET) toStore.LINK_SECRET = merged.LINK_SECRET;
  if (!config.API_TOKEN) toStore.API_TOKEN = merged.API_TOKEN;
  if (JSON.stringify(toStore) !== JSON.stringify(stored)) {
    fs.mkdirSync(config.DATA_DIR, { recursive: true });
    // Write-then-rename so a crash never leaves a half-written secrets file behind.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(toStore, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return { ...config, ...merged };
}
