/**
 * End to end on a Temporal dev server of its own (so it can be stopped): a small plan whose instants
 * are seconds apart runs through requests, a reminder, an escalation, a submission and an approval —
 * with the Temporal server stopped and started again (same database file) in the middle.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { launchCycle, preparePlan } from '../../api/services/start-cycle';
import { freePort, startTemporalDev, type TemporalDevServer } from '../../scripts/servers';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { unitStateQuery, unitWorkflowId, type StepSchedule } from '../../workflows/cycle/definitions';
import { required } from '../helpers/env';
import { actThroughLink, createHarness, eventually, linkIn, mailbox, type Harness } from '../helpers/harness';
import { smallPlan } from '../helpers/plans';

const S = 1000;

function secondsSchedule(t0: number): StepSchedule {
  const at = (s: number) => new Date(t0 + s * S).toISOString();
  return {
    opensAt: at(0),
    reminders: [{ n: 1, at: at(10), daysLeft: 1 }],
    dueAt: at(14),
    graceEndsAt: at(15),
    escalations: [{ level: 1, at: at(17) }],
  };
}

describe('registration end to end on the dev server, across a server restart', () => {
  const dbFile = path.join(required('THIDUA_TEST_DIR'), 'e2e-temporal.db');
  let server: TemporalDevServer;
  let port: number;
  const connect = async () => {
    const connection = await Connection.connect({ address: server.address });
    const native = await NativeConnection.connect({ address: server.address });
    return { connection, native, client: new Client({ connection }) };
  };
  const start = () => startTemporalDev({ dbFile, port, headless: true, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } });

  beforeAll(async () => {
    port = await freePort();
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('deadlines seconds apart, a reminder, an escalation, an approval, and a restart in between', async () => {
    let c = await connect();
    const h: Harness = await createHarness({ label: 'e2e', client: c.client, connection: c.native, taskQueue: 'e2e' });
    try {
      const plan = smallPlan({ body: { id: 'e2e-restart', name: 'Ủy ban MTTQ Việt Nam huyện Định Quán' } });
      const { plan: valid, compiled } = preparePlan(plan, new Date());
      // The workflows are bundled by the first worker (10 s and more on a busy machine): done before the
      // clock starts, so the step opens before its reminder (t0 + 10 s) instead of after it.
      await h.runWorker(async () => undefined);
      const t0 = Date.now();
      for (const cl of compiled.clusters) for (const u of cl.units) u.steps.registration! = secondsSchedule(t0);
      const cycleId = compiled.cycle.cycleId;
      // Picked by subject: under load an escalation may reach the same reviewer first.
      const reviewRequests = async () => (await mailbox(h, 'an@mttq.test')).filter((m) => /\[Thẩm định\]/.test(m.subject ?? ''));

      await h.runWorker(async () => {
        await launchCycle(h.deps, valid, compiled, 'e2e');
        const reqs = await eventually(async () => {
          // The requests (each unit's launch notice, sent beside them, carries no step link).
          const m = (await mailbox(h)).filter((x) => /Đề nghị|Please register/.test(x.subject ?? ''));
          return m.length >= 6 ? m : undefined;
        }, 'six requests');
        const tan = reqs.find((m) => m.envelopeTo.includes('xa-phu-tan@units.test'))!;
        expect((await actThroughLink(h, linkIn(tan.text), { action: 'submit', content: 'Nội dung', targets: 'Chỉ tiêu' })).status).toBe(200);
        await eventually(async () => (await reviewRequests()).length === 1, 'the review request');
      });

      // Stop Temporal in the middle of the cycle, then start it again on the same database file.
      await c.connection.close();
      await c.native.close();
      await server.stop();
      server = await start();
      c = await connect();
      h.deps.temporal = c.client;

      await h.runWorker(async () => {
        // The workflows survived, and visibility finds them by our search attributes.
        const listed: string[] = [];
        for await (const wf of c.client.workflow.list({ query: `ThiduaBody = 'e2e-restart' AND ThiduaCluster = 'cum-1'` })) listed.push(wf.workflowId);
        expect(listed.sort()).toEqual(
          [`${cycleId}:cluster:cum-1`, ...['xa-phu-loi', 'xa-phu-tan', 'xa-phu-vinh'].map((u) => unitWorkflowId(cycleId, u))].sort(),
        );

        // The reviewer approves through the link received before the restart.
        const [review] = await reviewRequests();
        expect((await actThroughLink(h, linkIn(review.text), { action: 'approve' })).status).toBe(200);

        // Units that never answered get their reminder and, after deadline + grace, the escalation.
        await eventually(async () => (await mailbox(h, 'xa-phu-loi@units.test')).some((m) => /\[Nhắc hạn\]/.test(m.subject ?? '')), 'a reminder', 30_000);
        await eventually(async () => (await mailbox(h, 'an@mttq.test')).some((m) => /\[Quá hạn – mức 1\].*Phú Lợi/.test(m.subject ?? '')), 'an escalation', 30_000);

        const tan = await c.client.workflow.getHandle(unitWorkflowId(cycleId, 'xa-phu-tan')).query(unitStateQuery);
        expect(tan.steps.registration!.status).toBe('approved');
        // On a busy machine the reminder (t0+10 s) may fire before the unit's submission: allowed, not asserted.
        expect(tan.steps.registration!.history.map((e) => e.event).filter((e) => e !== 'reminded')).toEqual(['opened', 'submitted', 'approved']);
        const row = await eventually(async () => {
          const r = await h.db.models.StepState.findById(`${unitWorkflowId(cycleId, 'xa-phu-tan')}:registration`).lean();
          return r?.status === 'approved' ? r : undefined;
        }, 'the read model');
        expect(row.round).toBe(1);
        // Phú Tân got a reminder only if one fired before it acted (none after): one mail per reminder event.
        const reminded = tan.steps.registration!.history.filter((e) => e.event === 'reminded').length;
        expect(reminded).toBeLessThanOrEqual(1);
        expect((await mailbox(h, 'xa-phu-tan@units.test')).filter((m) => /\[Nhắc hạn\]/.test(m.subject ?? ''))).toHaveLength(reminded);
        await c.client.workflow.getHandle(`${cycleId}:cycle`).terminate('test over');
      }, c.native);
    } finally {
      await h.close();
      await c.connection.close();
      await c.native.close();
    }
  });
});
