import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { PageRenderer } from './pages';

export interface AppDeps {
  config: AppConfig;
  db: Db;
  temporal: Client;
  pages: PageRenderer;
  log: Logger;
  /** Set when the embedded SMTP server is the one in use: /mailbox is served only then. */
  mailboxEnabled: boolean;
  /** Answers whether the SMTP server accepts connections (for /health). */
  smtpUp(): Promise<boolean>;
  now(): Date;
}
