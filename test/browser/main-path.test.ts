/**
 * The main path in a real browser: playwright-core driving Debian's Chromium (headless) against the
 * real app on a real port, the Temporal dev server, a real worker, the database and the embedded SMTP
 * server. A coordinator signs in (by keyboard), uploads a plan file in the console, checks and launches
 * it; a unit opens the link of the email the SMTP server received and submits; its reviewer opens
 * theirs and approves; the dashboard shows the step approved. Every page is checked for a language,
 * a label on every field, and (on a phone, 390 px wide) no sideways scrolling. Screenshots go to
 * test-artifacts/browser/ (git-ignored).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { createAccount } from '../../lib/staff';
import { unitWorkflowId } from '../../workflows/cycle/definitions';
import { required } from '../helpers/env';
import { createHarness, eventually, linkIn, mailbox, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/browser');
const PASSWORD = 'mật-khẩu-đủ-dài-1';

/**
 * Problems a page has with the basics: its language, a title, a label for every field a person fills,
 * a name for every button. Runs in the page (a string: this project's types have no DOM).
 */
const A11Y_SCRIPT = `(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('<html> has no lang');
  if (!document.title.trim()) problems.push('the page has no title');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset'].includes(el.type)) continue;
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push(el.tagName.toLowerCase() + '[name=' + el.name + '] has no label');
  }
  for (const b of document.querySelectorAll('button')) if (!b.textContent.trim()) problems.push('a button without text');
  return problems;
})()`;
const a11yProblems = (page: Page) => page.evaluate(A11Y_SCRIPT) as Promise<string[]>;
const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
const focusedId = (page: Page) => page.evaluate('document.activeElement && document.activeElement.id') as Promise<string>;

describe('the main path in Chromium', () => {
  let connection: Connection;
  let native: NativeConnection;
  let h: Harness;
  let browser: Browser;
  let server: ReturnType<Harness['app']['listen']>;
  let base: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the browser test needs it. Install Debian's package: ` +
          '`sudo apt-get update && sudo apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).',
      );
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const address = required('THIDUA_TEST_TEMPORAL_ADDRESS');
    connection = await Connection.connect({ address });
    native = await NativeConnection.connect({ address });
    h = await createHarness({ label: 'browser', client: new Client({ connection }), connection: native, taskQueue: `browser-${Date.now()}` });
    server = h.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await h?.close();
    await native?.close();
    await connection?.close();
  });

  test('sign in, upload and launch a plan, submit and approve through the emailed links, see the dashboard change', async () => {
    // This year's plan, due at its end; in the last days of December, next year's (due in March).
    const today = new Date();
    const late = today.getUTCMonth() === 11 && today.getUTCDate() > 27;
    const year = today.getUTCFullYear() + (late ? 1 : 0);
    const bodyId = `browser-${Date.now().toString(36)}`;
    const cycleId = `thidua:${bodyId}:${year}`;
    // Registration opens at launch (no opensOn) and is due at the end of the year: no reminder fires.
    const deadline = late ? `${year}-03-31` : `${year}-12-31`;
    const plan = smallPlan({
      year,
      body: { ...smallPlan().body, id: bodyId },
      calendar: { holidays: [] },
      stages: { registration: { deadline, reminders: [], grace: 0, escalations: [] } },
    });
    const planFile = path.join(ARTIFACTS, 'plan.yaml');
    fs.writeFileSync(planFile, stringify(plan));
    await createAccount(h.db.models, { email: 'dieu-phoi@mttq.test', name: 'Điều phối viên', roles: ['coordinator'], password: PASSWORD });

    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await desktop.newPage();
    const shot = (p: Page, name: string) => p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    const expectBasics = async (p: Page, what: string) => expect({ what, problems: await a11yProblems(p) }).toEqual({ what, problems: [] });

    // The check itself finds what it looks for.
    await page.setContent('<html><head><title>x</title></head><body><input name="q"><label for="ok">ok</label><input id="ok" name="ok"><button></button></body></html>');
    expect(await a11yProblems(page)).toEqual(['<html> has no lang', 'input[name=q] has no label', 'a button without text']);

    await h.runWorker(async () => {
      // 1. Sign in, by keyboard only: the fields come in order and Enter submits.
      await page.goto(`${base}/console`);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getAttribute('html', 'lang')).toBe('vi');
      await expectBasics(page, 'login');
      await page.getByLabel('Email').focus();
      await page.keyboard.type('dieu-phoi@mttq.test');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('password');
      await page.keyboard.type(PASSWORD);
      await shot(page, '01-login');
      // (Under `Referrer-Policy: no-referrer` Chromium sent `Origin: null` here and the sign-in was refused.)
      await Promise.all([page.waitForURL(`${base}/console`), page.keyboard.press('Enter')]);
      await expect(page.locator('h1').first().textContent()).resolves.toContain('Bảng điều hành');
      await expectBasics(page, 'console');

      // 2. Upload the plan file, check it (the timeline), launch it.
      await page.goto(`${base}/console/plans/new`);
      await expectBasics(page, 'plan upload');
      await page.getByLabel('Chọn tệp kế hoạch (.yaml)').setInputFiles(planFile);
      await eventually(async () => (await page.locator('#plan').inputValue()).includes(bodyId), 'the file copied into the box', 10_000);
      await shot(page, '02-plan-upload');
      await Promise.all([page.waitForURL(/\/console\/plans\/check/), page.getByRole('button', { name: 'Kiểm tra kế hoạch' }).click()]);
      expect(await page.locator('form#launch').count()).toBe(1);
      await expectBasics(page, 'plan check');
      await shot(page, '03-plan-checked');
      await Promise.all([page.waitForURL(/\/console\/(plans\/launch|cycles\/)/), page.getByRole('button', { name: 'Bắt đầu đợt thi đua' }).click()]);
      await expect(page.locator('body').textContent()).resolves.toContain(cycleId);
      await shot(page, '04-launched');

      // The dashboard before: nothing approved yet.
      const approvedCount = async () => {
        await page.goto(`${base}/dashboard?cycleId=${encodeURIComponent(cycleId)}`);
        return Number(await page.locator('table.counts tr[data-stage="all"] td[data-status="approved"]').first().textContent());
      };
      await eventually(async () => (await h.db.models.StepState.countDocuments({ cycleId })) === 6, 'the six steps in the read model');
      expect(await approvedCount()).toBe(0);
      await expectBasics(page, 'dashboard');
      await shot(page, '05-dashboard-before');

      // 3. The unit opens the link in the email the SMTP server received, on a phone, and submits.
      const request = await eventually(async () => (await mailbox(h, 'xa-phu-tan@units.test')).find((m) => /Đề nghị đăng ký/.test(m.subject ?? '')), 'the request mail');
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      const unit = await phone.newPage();
      await unit.goto(`${base}${linkIn(request.text)}`);
      expect(await unit.getAttribute('html', 'lang')).toBe('vi');
      await expectBasics(unit, 'the unit link page');
      // Readable on a phone: nothing wider than the screen.
      expect(await pageWidth(unit)).toBeLessThanOrEqual(390);
      await shot(unit, '06-unit-link-phone');
      const fields = unit.locator('form textarea[required]');
      for (let i = 0; i < (await fields.count()); i++) await fields.nth(i).fill('Đăng ký thi đua năm nay: hoàn thành xuất sắc nhiệm vụ.');
      await unit.getByRole('button', { name: 'Gửi', exact: true }).click();
      await expect(unit.locator('h1').textContent()).resolves.toContain('Đã gửi');
      await shot(unit, '07-unit-sent-phone');
      await phone.close();

      // 4. The reviewer opens theirs and approves.
      const review = await eventually(async () => (await mailbox(h, 'an@mttq.test')).find((m) => /\[Thẩm định\].*Phú Tân/.test(m.subject ?? '')), 'the review mail');
      const reviewer = await desktop.newPage();
      await reviewer.goto(`${base}${linkIn(review.text)}`);
      await expectBasics(reviewer, 'the review link page');
      await expect(reviewer.locator('body').textContent()).resolves.toContain('Đăng ký thi đua năm nay');
      await reviewer.getByLabel('Ý kiến (bắt buộc khi trả lại)').fill('Đồng ý.');
      await shot(reviewer, '08-review');
      await reviewer.getByRole('button', { name: 'Duyệt', exact: true }).click();
      await expect(reviewer.locator('h1').textContent()).resolves.toContain('Đã duyệt');
      await shot(reviewer, '09-approved');

      // 5. The dashboard changes: one step approved, Phú Tân's registration cell says so.
      await eventually(async () => (await approvedCount()) === 1, 'the dashboard to show the approval', 30_000);
      const cell = page.locator(`table.matrix tr:has(th:text("MTTQ xã Phú Tân")) td[data-step="registration"]`).first();
      expect(await cell.getAttribute('data-status')).toBe('approved');
      await shot(page, '10-dashboard-after');
      // The dashboard on a phone too.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      // Wide tables scroll inside their own region; the page itself does not.
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
      await shot(page, '11-dashboard-phone');
      const row = await h.db.models.StepState.findById(`${unitWorkflowId(cycleId, 'xa-phu-tan')}:registration`).lean();
      expect(row?.status).toBe('approved');
      await desktop.close();
      await h.deps.temporal.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
    });
    for (const f of ['01-login', '04-launched', '06-unit-link-phone', '09-approved', '10-dashboard-after', '11-dashboard-phone']) {
      expect(fs.statSync(path.join(ARTIFACTS, `${f}.png`)).size).toBeGreaterThan(1000);
    }
  });
});
