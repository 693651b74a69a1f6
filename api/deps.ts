import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { MailRenderer } from '../lib/mail/render';
import type { LoginLimits } from '../lib/staff';
import type { Transporter } from 'nodemailer';
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
  /** Mail sent by the api itself (password reset links); without it no reset mail goes out. */
  mailer?: { transport: Transporter; renderer: MailRenderer };
  /** Sign-in rate limit; default 5 failures per email and 20 per address in 15 minutes. */
  loginLimits?: LoginLimits;
}
