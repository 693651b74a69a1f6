/**
 * Activities: every side effect of the workflows. Built by a factory so tests inject real parts
 * (a real MongoDB-compatible server, a real SMTP server) instead of mocks. Each one is idempotent by a
 * business key, so Temporal may retry it freely.
 */
import { log } from '@temporalio/activity';
import type { Connection } from 'mongoose';
import type { Transporter } from 'nodemailer';
import type { Models } from '../lib/db';
import type { MailRenderer } from '../lib/mail/render';
import { createAwardActivities } from './awards';
import { createDailyMailActivities } from './daily-mail';
import { createDocumentActivities } from './documents';
import { createForwardDecisionActivities } from './forward-decisions';
import { createMailActivities } from './notify';
import { createPlanActivities } from './plan';
import { createProjectionActivities } from './projection';
import { createYearEndActivities } from './year-end';

export interface ActivityDeps {
  models: Models;
  transport: Transporter;
  renderer: MailRenderer;
  linkSecret: string;
  publicBaseUrl: string;
  mailFrom: string;
  /** The connection behind `models`, for the document store (GridFS); default: the models' own connection. */
  conn?: Connection;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPlanActivities(deps),
    ...createProjectionActivities(deps),
    ...createMailActivities(deps, log),
    ...createYearEndActivities(deps),
    ...createDocumentActivities(deps),
    ...createAwardActivities(deps),
    ...createDailyMailActivities(deps),
    ...createForwardDecisionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
