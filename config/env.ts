/**
 * Every setting of thidua comes from the environment (or a `.env` file beside the process), validated
 * here once. A bad value stops the process at start with a message naming the variable, instead of
 * failing later in the middle of a cycle.
 */
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(p)), {
      message: `must start with ${protocols.join(' or ')}`,
    });

export const envSchema = z.object({
  /** host:port of the Temporal frontend; unset → `npm start` runs an embedded dev server. */
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^[^\s:/]+:\d{1,5}$/.test(v), { message: 'must be host:port' }),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_UI_URL: optionalUrl(['http://', 'https://']),
  TASK_QUEUE: z.string().trim().min(1).default('thidua'),
  /** unset → `npm start` runs an embedded MongoDB-compatible server under DATA_DIR. */
  MONGODB_URI: optionalUrl(['mongodb://', 'mongodb+srv://']),
  /** unset → the api runs an embedded SMTP server whose messages appear at /mailbox. */
  SMTP_URL: optionalUrl(['smtp://', 'smtps://']),
  MAIL_FROM: z.string().trim().min(3).default('Thi đua – Khen thưởng <no-reply@thidua.local>'),
  PUBLIC_BASE_URL: optionalUrl(['http://', 'https://']),
  /** HMAC key of the links in emails; unset → generated once and kept under DATA_DIR. */
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Bearer token for scripts and staff; unset → generated once and kept under DATA_DIR. */
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PORT: port.default(3000),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of the embedded SMTP server (only used when SMTP_URL is unset). */
  EMBEDDED_SMTP_PORT: port.default(2525),
  /** How long the api waits for a worker to accept an action before queueing it (ms). */
  UPDATE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'PUBLIC_BASE_URL' | 'DATA_DIR'> {
  PUBLIC_BASE_URL: string;
  DATA_DIR: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses settings; throws ConfigError listing every bad variable by name. */
export function parseEnv(env: NodeJS.ProcessEnv): Config {
  // `PORT=` in a .env template means "unset", not "0".
  const result = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const got = env[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(name, got))})`}`;
      }),
    );
  }
  const e = result.data;
  return {
    ...e,
    DATA_DIR: path.resolve(e.DATA_DIR),
    PUBLIC_BASE_URL: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  };
}

function redact(name: string, value: string): string {
  // A refused URL may still carry a password (mongodb://user:pass@…): never print it.
  return /SECRET|TOKEN|PASSWORD/.test(name) ? `${value.slice(0, 2)}…` : value.replace(/\/\/[^/@\s]*@/, '//***@');
}
