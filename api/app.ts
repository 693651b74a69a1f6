import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { AppDeps } from './deps';
import { HttpError, jsonErrorHandler, sendError } from './errors';
import { awardsReadRouter } from './routes/awards-read';
import { linkAttachmentsRouter } from './routes/attachments';
import { openApiRouter } from './openapi';
import { paperworkRouter } from './routes/paperwork';
import { apiDocsRouter } from './routes/api-docs';
import { cycleArchiveRouter } from './routes/cycle-archive';
import { consoleRouter } from './routes/console';
import { cyclesRouter } from './routes/cycles';
import { dashboardRouter } from './routes/dashboard';
import { documentLinksRouter } from './routes/document-links';
import { feedsRouter } from './routes/feeds';
import { forwardResendRouter } from './routes/forward-resend';
import { healthRouter } from './routes/health';
import { linksRouter } from './routes/links';
import { lostLinkRouter } from './routes/lost-link';
import { staffAttachmentsRouter } from './routes/scans';
import { staffAuthRouter } from './routes/staff-auth';
import { staffPagesRouter } from './routes/staff-pages';
import { unitsAdminRouter } from './routes/units-admin';
import { yearEndAdminRouter } from './routes/year-end-admin';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(cookieParser());
  app.use((_req, res, next) => {
    res.locals.log = deps.log;
    res.set('X-Content-Type-Options', 'nosniff');
    // Never leak a link token to another site. Not 'no-referrer': under it a browser sends `Origin: null`
    // with every form post, even to this site, and the sign-in forms' same-origin check refuses it.
    res.set('Referrer-Policy', 'same-origin');
    next();
  });

  app.use(healthRouter(deps));
  app.use(openApiRouter());
  app.use(apiDocsRouter(deps));
  // Without MongoDB nothing below can answer correctly: say so at once instead of hanging.
  app.use((req, res, next) => {
    if (deps.db.isUp()) return next();
    if (req.path.startsWith('/api/')) return sendError(res, new HttpError(503, 'unavailable', 'MongoDB is unavailable; try again shortly'));
    res.status(503).type('text').send('Dịch vụ tạm thời gián đoạn (MongoDB). Service temporarily unavailable.');
  });
  app.get('/', (_req, res) => res.redirect(302, '/mailbox'));
  app.use(feedsRouter(deps));
  app.use(documentLinksRouter(deps));
  app.use('/api/cycles', cycleArchiveRouter(deps));
  app.use('/api/cycles', yearEndAdminRouter(deps));
  app.use('/api/cycles', awardsReadRouter(deps));
  app.use('/api/cycles', forwardResendRouter(deps));
  app.use('/api/cycles', unitsAdminRouter(deps));
  app.use('/api/cycles', staffAttachmentsRouter(deps));
  app.use('/api/cycles', cyclesRouter(deps));
  app.use(linkAttachmentsRouter(deps));
  app.use(lostLinkRouter(deps));
  app.use(linksRouter(deps));
  app.use(staffAuthRouter(deps));
  app.use(staffPagesRouter(deps));
  app.use(paperworkRouter(deps));
  app.use(dashboardRouter(deps));
  app.use('/console', consoleRouter(deps));
  app.use('/api', (_req, res) => sendError(res, new HttpError(404, 'not_found', 'no such route')));
  app.use(jsonErrorHandler);
  return app;
}
