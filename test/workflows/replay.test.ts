/**
 * Workflow code changes while cycles run for a year. Histories recorded from the example plan are
 * committed under test/histories/; today's code must replay every one of them (use patched() when
 * behaviour changes). Record new ones with `THIDUA_RECORD_HISTORIES=1 npx jest test/workflows/replay`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { startCycle } from '../../api/services/start-cycle';
import { workflowsPath } from '../../lib/paths';
import { createTimeSkippingEnv, registerSearchAttributes } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { unitWorkflowId } from '../../workflows/cycle/definitions';
import { required } from '../helpers/env';
import { actThroughLink, createHarness, eventually, linkIn, mailbox } from '../helpers/harness';

const dir = path.resolve(__dirname, '../histories');
const recording = process.env.THIDUA_RECORD_HISTORIES === '1';

if (recording) {
  test('record histories of the example plan', async () => {
    const env = await createTimeSkippingEnv(required('THIDUA_TEST_SERVER_PATH'));
    await registerSearchAttributes(env.connection, 'default', { ...SEARCH_ATTRIBUTE_TYPES });
    const h = await createHarness({ label: 'record', client: env.client, connection: env.nativeConnection, taskQueue: 'record' });
    try {
      const plan = parse(fs.readFileSync(path.resolve(__dirname, '../../config/plans/example-registration.yaml'), 'utf8'));
      const year = new Date(await env.currentTimeMs()).getUTCFullYear() + 1;
      plan.year = year;
      plan.stages = {
        registration: { opensOn: `${year}-02-15`, deadline: `${year}-03-05`, reminders: [7, 3, 1], grace: 2, escalations: [0, 3] },
        midYear: { opensOn: `${year}-06-01`, deadline: `${year}-06-15` },
      };
      const cycleId = `thidua:mttq-dinh-quan:${year}`;
      const sleepUntil = async (iso: string) => env.sleep(Math.max(Date.parse(iso) - (await env.currentTimeMs()), 0));
      await h.runWorker(async () => {
        await startCycle(h.deps, plan, 'record');
        await sleepUntil(`${year}-02-16T03:00:00Z`);
        const req = await eventually(async () => (await mailbox(h, 'phutan@xa.example')).find((m) => /Đề nghị/.test(m.subject ?? '')), 'request');
        await actThroughLink(h, linkIn(req.text), { action: 'submit', content: 'a', targets: 'b' });
        const review = await eventually(async () => (await mailbox(h, 'an@mttq-dinhquan.example'))[0], 'review');
        await actThroughLink(h, linkIn(review.text), { action: 'return', comment: 'Bổ sung' });
        await actThroughLink(h, linkIn(req.text), { action: 'submit', content: 'a2', targets: 'b2' });
        const review2 = await eventually(async () => (await mailbox(h, 'an@mttq-dinhquan.example'))[1], 'review 2');
        await actThroughLink(h, linkIn(review2.text), { action: 'approve' });
        // Past the registration escalations and into the mid-year stage: Phú Lợi never answers.
        await sleepUntil(`${year}-06-02T03:00:00Z`);
        await eventually(async () => (await mailbox(h, 'phuloi@xa.example')).length >= 5, 'reminders to Phú Lợi');
        fs.mkdirSync(dir, { recursive: true });
        for (const [name, id] of [
          ['cycle', `${cycleId}:cycle`],
          ['cluster-cum-1', `${cycleId}:cluster:cum-1`],
          ['unit-returned-then-approved', unitWorkflowId(cycleId, 'xa-phu-tan')],
          ['unit-never-answers', unitWorkflowId(cycleId, 'xa-phu-loi')],
        ]) {
          const history = await env.client.workflow.getHandle(id).fetchHistory();
          fs.writeFileSync(path.join(dir, `example-registration.${name}.json`), historyToJSON(history));
        }
        await env.client.workflow.getHandle(`${cycleId}:cycle`).terminate('recorded');
      });
    } finally {
      await h.close();
      await env.teardown();
    }
  });
}

test('today’s workflow code replays every committed history', async () => {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  expect(files.length).toBeGreaterThanOrEqual(4);
  const histories = files.map((f) => ({
    workflowId: f,
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))),
  }));
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath }, histories)) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  expect(failures).toEqual([]);
});
