/** `thidua plan check` as a coordinator runs it: a real child process, its output and exit code. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const root = path.resolve(__dirname, '../..');
const thidua = (...args: string[]) =>
  spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['cli/index.ts', ...args], { cwd: root, encoding: 'utf8' });

test('a valid plan prints its timeline in local time, exit 0', () => {
  const r = thidua('plan', 'check', 'config/plans/example-registration.yaml');
  expect(r.status).toBe(0);
  // Deadline Friday 05/03/2027 17:00; reminders 7, 3, 1 working days before at 08:00; grace 2 working
  // days (ends Tuesday 09/03); escalations the next working day (Wednesday) and 3 working days later.
  expect(r.stdout).toContain('2 clusters, 6 units, times in Asia/Ho_Chi_Minh');
  for (const line of [
    'reminder 1   08:00 24/02/2027  (7 working days left)',
    'reminder 2   08:00 02/03/2027  (3 working days left)',
    'reminder 3   08:00 04/03/2027  (1 working day left)',
    'deadline     17:00 05/03/2027',
    'grace ends   17:00 09/03/2027',
    'escalation 1 08:00 10/03/2027',
    'escalation 2 08:00 15/03/2027',
  ]) {
    expect(r.stdout).toContain(line);
  }
});

/** The lines of one titled block of the report, up to the next blank line. */
const section = (stdout: string, title: string): string => {
  const start = stdout.indexOf(`\n${title}`);
  if (start < 0) throw new Error(`no "${title}" in:\n${stdout}`);
  const end = stdout.indexOf('\n\n', start + 1);
  return stdout.slice(start + 1, end < 0 ? undefined : end);
};

test('a plan with the year-end prints the inspection, each cluster meeting, the awards and the proposal in local time', () => {
  const r = thidua('plan', 'check', 'config/plans/mttq-dinh-quan-2024.yaml');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('Ủy ban MTTQ Việt Nam huyện Định Quán — 2024 (thidua:mttq-dinh-quan:2024), 2 clusters, 14 units, times in Asia/Ho_Chi_Minh');

  // Inspection 20/11–29/11/2024 (Friday), reminders 3 and 1 working days before, no escalations.
  const inspection = section(r.stdout, 'Kiểm tra, chấm điểm, xếp loại / Inspection');
  for (const line of ['opens        00:00 20/11/2024', 'reminder 1   08:00 26/11/2024  (3 working days left)', 'reminder 2   08:00 28/11/2024  (1 working day left)', 'deadline     17:00 29/11/2024']) {
    expect(inspection).toContain(line);
  }
  expect(inspection).not.toContain('escalation');

  // Cụm 2 meets on Friday 06/12 (its own day); invited 7 calendar days before at 08:00; ballots 09:30–11:00.
  const meetings = section(r.stdout, 'Hội nghị tổng kết cụm / Cluster meetings');
  expect(meetings).toContain('cum-1: Cụm thi đua số 1 — 05/12/2024 (Thứ Năm)');
  expect(meetings).toContain('cum-2: Cụm thi đua số 2 — 06/12/2024 (Thứ Sáu)');
  const cum2 = meetings.slice(meetings.indexOf('cum-2:'));
  for (const line of ['place         Hội trường Ủy ban MTTQ Việt Nam huyện Định Quán', 'head          Ủy ban MTTQ Việt Nam xã La Ngà', 'invitation    08:00 29/11/2024', 'ballot opens  09:30 06/12/2024', 'ballot closes 11:00 06/12/2024  (a second round for a tie: 20 minutes)']) {
    expect(cum2).toContain(line);
  }

  const awards = section(r.stdout, 'Danh hiệu bỏ phiếu suy tôn / Award titles');
  expect(awards).toContain('Giấy khen của Ủy ban MTTQ Việt Nam huyện Định Quán (giay-khen)\n    quota         2 per cluster');
  expect(awards).toContain('threshold     at least 2/3 of the valid ballots; votes needed if every ballot is valid: cum-1 5/7, cum-2 5/7');
  expect(awards).toContain('threshold     more than 50% of the member units; votes needed: cum-1 4/7, cum-2 4/7');
  expect(awards).toContain("tie           the chair decides (the cluster's leader)");

  // Proposal due Monday 16/12 at 17:00; one working day of grace; escalations to the council and the head.
  const proposal = section(r.stdout, "Tờ trình đề nghị khen thưởng của cụm / The cluster's award proposal");
  for (const line of ['opens        00:00 06/12/2024', 'reminder 1   08:00 11/12/2024  (3 working days left)', 'deadline     17:00 16/12/2024', 'grace ends   17:00 17/12/2024', 'escalation 1 08:00 18/12/2024  (to the council and the cluster head)', 'council      Cao Quốc Việt <hdtdkt@mttqdinhquan.example>']) {
    expect(proposal).toContain(line);
  }
});

test('an inspection timetable prints every visit in local time, with the team and the cross-check rule', () => {
  const plan = parse(fs.readFileSync(path.join(root, 'config/plans/mttq-dinh-quan-2024.yaml'), 'utf8'));
  plan.stages.inspection = {
    ...plan.stages.inspection,
    timetable: [
      { date: '2024-11-22', slot: 'afternoon', units: ['xa-la-nga'] },
      { date: '2024-11-21', slot: 'morning', units: ['tt-dinh-quan'], place: 'Trụ sở Ủy ban MTTQ Việt Nam thị trấn Định Quán' },
    ],
    team: ['pct-1', 'cb-phuong'],
    crossCheck: { checksPerUnit: 1 },
  };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-cli-')), 'timetable.yaml');
  fs.writeFileSync(file, stringify(plan));
  const r = thidua('plan', 'check', file);
  expect(r.stderr).toBe('');
  const inspection = section(r.stdout, 'Kiểm tra, chấm điểm, xếp loại / Inspection');
  expect(inspection).toContain('team         Đỗ Đức Thắng <pct1@mttqdinhquan.example>, Bùi Thị Phương <phuong.vp@mttqdinhquan.example>');
  expect(inspection).toContain("cross-check  each unit checks 1 other unit's files in its cluster");
  // In time order, whatever the order of the timetable.
  expect(inspection).toContain(
    [
      '  visits',
      '    07:30–11:30 21/11/2024 (morning)  Ủy ban MTTQ Việt Nam thị trấn Định Quán (cum-1), Trụ sở Ủy ban MTTQ Việt Nam thị trấn Định Quán',
      '    13:30–17:00 22/11/2024 (afternoon)  Ủy ban MTTQ Việt Nam xã La Ngà (cum-2)',
    ].join('\n'),
  );
});

test('a plan with only registration prints no year-end', () => {
  const r = thidua('plan', 'check', 'config/plans/example-registration.yaml');
  expect(r.status).toBe(0);
  expect(r.stdout).not.toContain('Inspection');
  expect(r.stdout).not.toContain('Cluster meetings');
});

test('an impossible plan lists every problem by path, exit 1', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thidua-cli-')), 'bad.yaml');
  const plan = fs.readFileSync(path.join(root, 'config/plans/example-registration.yaml'), 'utf8')
    .replace('head: xa-phu-tan', 'head: tt-dinh-quan')
    .replace('email: phutan@xa.example', 'email: not-an-email');
  fs.writeFileSync(file, plan);
  const r = thidua('plan', 'check', file);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('2 problem(s)');
  expect(r.stderr).toContain('units[0].contacts[0].email: Invalid email address');
  expect(r.stderr).toContain('clusters[0].head: head "tt-dinh-quan" is not a member of the cluster');
});

test('a missing file or a bad command is a usage error, exit 2', () => {
  expect(thidua('plan', 'check', '/no/such/plan.yaml')).toMatchObject({ status: 2 });
  expect(thidua('plan', 'check', '/no/such/plan.yaml').stderr).toContain('cannot read /no/such/plan.yaml');
  expect(thidua('plan', 'bogus').status).toBe(2);
});

test('a plan with individual awards prints the nominations step, each title with its quota and who decides, and the parent cycle', () => {
  const r = thidua('plan', 'check', 'config/plans/mttq-dinh-quan-2024.yaml');
  expect(r.status).toBe(0);
  const step = section(r.stdout, 'Đề nghị khen thưởng cá nhân / Nominations of individuals for awards');
  for (const line of ['opens        00:00 19/02/2024', 'deadline     17:00 29/03/2024', 'grace ends   17:00 02/04/2024', 'escalation 1 08:00 03/04/2024']) expect(step).toContain(line);
  const titles = section(r.stdout, 'Khen thưởng cá nhân / Individual awards');
  expect(titles).toContain('Kỷ niệm chương "Vì sự nghiệp Đại đoàn kết dân tộc" (ky-niem-chuong)\n    quota         2 per unit, 8 per cluster');
  expect(titles).toContain('decided by    the parent body: the council forwards it to Ủy ban MTTQ Việt Nam tỉnh Đồng Nai (thidua:mttq-dong-nai:2024)');
  expect(titles).toContain('Giấy khen của Ủy ban MTTQ Việt Nam huyện Định Quán (cá nhân) (giay-khen-ca-nhan)\n    quota         1 per unit\n    decided by    the council');
});
