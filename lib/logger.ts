import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs for machines; `npm start` pipes them through pino-pretty for people. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: ['*.LINK_SECRET', '*.API_TOKEN', 'token'] });
}
