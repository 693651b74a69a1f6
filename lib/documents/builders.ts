/**
 * Builders of the cycle's documents: each is a pure function from plain data to an OfficialDocument
 * (no workflow, database or clock). Dates are 'YYYY-MM-DD', times 'HH:mm'. Thresholds, quotas and
 * results are inputs: the builders only lay them out (and check that counts add up).
 */
import { assertDate, assertTime } from '../../rules/calendar';
import { formatViNumber, normaliseRecipients, type Block, type OfficialDocument, type RichText, type Signature } from './model';

/** The parts every document shares: who issues it, where, when, its number and who signs. */
export type Letterhead = {
  issuer: OfficialDocument['issuer'];
  number?: string;
  /** Default per document type (e.g. 'KH-MTTQ-BTT' for a plan). */
  symbol?: string;
  place: string;
  /** 'YYYY-MM-DD'. */
  date: string;
  signature?: Signature;
  /** The 'Nơi nhận:' list; '- Lưu: VT.' is appended when no archive line is given. */
  recipients?: string[];
};

// ---------------------------------------------------------------------------------------------
// Formatting helpers

/** '2024-11-10' → '10/11/2024'. */
export function shortDate(date: string): string {
  const [y, m, d] = assertDate(date).split('-');
  return `${d}/${m}/${y}`;
}

const WEEKDAYS = ['Chủ nhật', 'thứ Hai', 'thứ Ba', 'thứ Tư', 'thứ Năm', 'thứ Sáu', 'thứ Bảy'];

/** '2024-12-05' → 'thứ Năm'. */
export function weekdayVi(date: string): string {
  return WEEKDAYS[new Date(`${assertDate(date)}T00:00:00Z`).getUTCDay()];
}

/** '08:00' → '08 giờ 00'. */
export function timeVi(time: string): string {
  const [h, m] = assertTime(time).split(':');
  return `${h} giờ ${m}`;
}

/** 7 → '07' (Vietnamese documents write small counts with two digits: '05 đơn vị'). */
export function count2(n: number): string {
  return n < 10 && n >= 0 && Number.isInteger(n) ? `0${n}` : String(n);
}

/** 6 of 7 → '85,71%'. */
export function percentVi(part: number, whole: number): string {
  return whole > 0 ? `${formatViNumber((part / whole) * 100)}%` : '0%';
}

function finish(lh: Letterhead, type: string, defaultSymbol: string, subject: string, body: Block[], extra: Partial<OfficialDocument> = {}): OfficialDocument {
  assertDate(lh.date);
  return {
    issuer: lh.issuer,
    number: lh.number,
    symbol: lh.symbol ?? defaultSymbol,
    place: lh.place,
    date: lh.date,
    type,
    subject,
    body,
    recipients: lh.recipients === undefined ? normaliseRecipients([]) : lh.recipients.length ? normaliseRecipients(lh.recipients) : [],
    signature: lh.signature,
    ...extra,
  };
}

const p = (text: RichText, extra: Partial<Extract<Block, { kind: 'paragraph' }>> = {}): Block => ({ kind: 'paragraph', text, ...extra });
const h = (level: 1 | 2 | 3, text: string): Block => ({ kind: 'heading', level, text });
const list = (items: string[]): Block[] => (items.length ? [{ kind: 'list', items }] : []);
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'];
const roman = (i: number) => ROMAN[i] ?? String(i + 1);
/** Roman section numbers: I, II, … (from `start`, 0-based). */
function numbering(start = 0): () => string {
  let i = start;
  return () => roman(i++);
}

// ---------------------------------------------------------------------------------------------
// Kế hoạch

export type PlanStage = {
  name: string;
  /** 'YYYY-MM-DD'; with `to`, a period; alone, a day. */
  from?: string;
  to?: string;
  /** A deadline ('trước ngày …'). */
  deadline?: string;
  /** Who does it. */
  owner?: string;
  tasks?: string[];
};

export type PlanCluster = {
  name: string;
  members: string[];
  head?: string;
  deputy?: string;
  /** The leader in charge of the cluster. */
  overseer?: string;
};

export type PlanInput = {
  letterhead: Letterhead;
  year: number;
  /** The body that carries the plan out, as a sentence subject: 'Ban Thường trực Ủy ban MTTQ Việt Nam huyện'. */
  issuerName: string;
  /** Where the plan applies: 'trong hệ thống Mặt trận huyện'. */
  scope?: string;
  subject?: string;
  bases?: string[];
  purposes?: string[];
  requirements?: string[];
  stages: PlanStage[];
  clusters?: PlanCluster[];
  implementation?: string[];
};

/** 'từ ngày 01/02/2024 đến ngày 15/03/2024', 'ngày 05/12/2024', 'trước ngày 10/11/2024'. */
export function stageWhen(s: Pick<PlanStage, 'from' | 'to' | 'deadline'>): string {
  const parts: string[] = [];
  if (s.from && s.to) parts.push(`từ ngày ${shortDate(s.from)} đến ngày ${shortDate(s.to)}`);
  else if (s.from) parts.push(`ngày ${shortDate(s.from)}`);
  else if (s.to) parts.push(`đến ngày ${shortDate(s.to)}`);
  if (s.deadline) parts.push(`trước ngày ${shortDate(s.deadline)}`);
  return parts.join(', ');
}

/** Kế hoạch thi đua, khen thưởng: bases, purposes, stages with dates, clusters with members, implementation. */
export function planDocument(input: PlanInput): OfficialDocument {
  const scope = input.scope ?? '';
  const what = `công tác thi đua, khen thưởng${scope ? ` ${scope}` : ''} năm ${input.year}`;
  const body: Block[] = [];
  if (input.bases?.length) body.push(...list(input.bases.map((b) => b.replace(/^[-–]\s*/, ''))));
  body.push(p(`${input.issuerName} xây dựng kế hoạch thực hiện ${what} như sau:`));
  const section = numbering();
  if (input.purposes?.length || input.requirements?.length) {
    body.push(h(1, `${section()}. MỤC ĐÍCH, YÊU CẦU`));
    if (input.purposes?.length) body.push(h(2, '1. Mục đích'), ...list(input.purposes));
    if (input.requirements?.length) body.push(h(2, `${input.purposes?.length ? 2 : 1}. Yêu cầu`), ...list(input.requirements));
  }
  body.push(h(1, `${section()}. NỘI DUNG, THỜI GIAN THỰC HIỆN`));
  body.push({
    kind: 'table',
    header: ['STT', 'Nội dung', 'Thời gian', 'Đơn vị thực hiện'],
    widths: [1, 5, 3.2, 3],
    align: ['center', 'left', 'center', 'left'],
    rows: input.stages.map((s, i) => [i + 1, s.name, stageWhen(s), s.owner ?? '']),
  });
  input.stages.forEach((s, i) => {
    if (!s.tasks?.length) return;
    const when = stageWhen(s);
    body.push(h(2, `${i + 1}. ${s.name}${when ? ` (${when})` : ''}`), ...list(s.tasks));
  });
  if (input.clusters?.length) {
    body.push(h(1, `${section()}. CỤM THI ĐUA`));
    input.clusters.forEach((c, i) => {
      body.push(h(2, `${i + 1}. ${c.name} (${count2(c.members.length)} đơn vị)`));
      const roles: string[] = [];
      if (c.head) roles.push(`Cụm trưởng: ${c.head}`);
      if (c.deputy) roles.push(`Cụm phó: ${c.deputy}`);
      if (c.overseer) roles.push(`Phụ trách cụm: ${c.overseer}`);
      if (roles.length) body.push(p(`${roles.join('; ')}.`));
      body.push({
        kind: 'table',
        header: ['STT', 'Đơn vị', 'Ghi chú'],
        widths: [1, 7, 3],
        align: ['center', 'left', 'center'],
        rows: c.members.map((m, k) => [k + 1, m, m === c.head ? 'Cụm trưởng' : m === c.deputy ? 'Cụm phó' : '']),
      });
    });
  }
  if (input.implementation?.length) {
    body.push(h(1, `${section()}. TỔ CHỨC THỰC HIỆN`));
    input.implementation.forEach((t, i) => body.push(p(`${i + 1}. ${t}`)));
  }
  body.push(p(`Trên đây là kế hoạch thực hiện ${what} của ${input.issuerName}./.`));
  const subject = input.subject ?? `Thực hiện công tác thi đua, khen thưởng${scope ? `\n${scope}` : ''} năm ${input.year}`;
  return finish(input.letterhead, 'KẾ HOẠCH', 'KH-MTTQ-BTT', subject, body);
}

// ---------------------------------------------------------------------------------------------
// Giấy mời

export type InvitationInput = {
  letterhead: Letterhead;
  /** Whom: 'Ban Thường trực Ủy ban MTTQ Việt Nam các huyện, thành phố trong Cụm thi đua số 2'. */
  invitee: string;
  meeting: {
    /** 'Hội nghị tổng kết phong trào thi đua Cụm thi đua số 2 năm 2024'. */
    title: string;
    /** 'đồng chí Nguyễn Văn An, Phó Chủ tịch Ủy ban MTTQ Việt Nam tỉnh'. */
    chair?: string;
    date: string;
    start: string;
    end?: string;
    place: string;
    agenda: string[];
  };
  /** Things to bring or prepare. */
  notes?: string[];
  /** 'Bà Lê Thị Hoa, Văn phòng, ĐT: 0251 3822 123'. */
  contact?: string;
  subject?: string;
};

/** Giấy mời: invitee, meeting, chair, time, place, agenda, notes. */
export function invitationDocument(input: InvitationInput): OfficialDocument {
  const m = input.meeting;
  const time = `${timeVi(m.start)}${m.end ? ` đến ${timeVi(m.end)}` : ''}, ${weekdayVi(m.date)}, ngày ${shortDate(m.date)}`;
  const body: Block[] = [
    p([{ text: 'Trân trọng kính mời: ', bold: true }, { text: input.invitee, bold: true }], { indent: true }),
    p([{ text: 'Đến dự: ', bold: true }, { text: m.title }]),
  ];
  if (m.chair) body.push(p([{ text: 'Chủ trì: ', bold: true }, { text: m.chair }]));
  body.push(p([{ text: 'Thời gian: ', bold: true }, { text: time }]));
  body.push(p([{ text: 'Địa điểm: ', bold: true }, { text: m.place }]));
  body.push(p([{ text: 'Nội dung:', bold: true }]), { kind: 'list', items: m.agenda, ordered: false });
  if (input.notes?.length) body.push(p([{ text: 'Đề nghị:', bold: true }]), ...list(input.notes));
  if (input.contact) body.push(p(`Thông tin liên hệ: ${input.contact}.`, { italic: true }));
  body.push(p('Rất mong các đồng chí đến dự đúng thời gian và thành phần./.'));
  return finish(input.letterhead, 'GIẤY MỜI', 'GM-MTTQ-BTT', input.subject ?? m.title, body);
}

// ---------------------------------------------------------------------------------------------
// Phiếu suy tôn

export type BallotAward = {
  /** 'Cờ thi đua của Ủy ban Trung ương MTTQ Việt Nam'. */
  title: string;
  /** At most this many units per ballot. */
  quota: number;
  units: string[];
};

export type BallotInput = {
  letterhead: Letterhead;
  /** 'Cụm thi đua số 2'. */
  cluster: string;
  year: number;
  awards: BallotAward[];
  subject?: string;
};

/** Phiếu suy tôn: per award title, the eligible units with a column to mark and the quota. */
export function ballotDocument(input: BallotInput): OfficialDocument {
  if (!input.awards.length) throw new Error('A ballot needs at least one award');
  const body: Block[] = [];
  input.awards.forEach((a, i) => {
    if (!Number.isInteger(a.quota) || a.quota < 1) throw new Error(`Quota of ${JSON.stringify(a.title)} must be a positive integer`);
    if (!a.units.length) throw new Error(`No eligible units for ${JSON.stringify(a.title)}`);
    body.push(h(2, `${input.awards.length > 1 ? `${i + 1}. ` : ''}Suy tôn đề nghị tặng ${a.title}`));
    body.push(
      p(
        `Đồng ý suy tôn đơn vị nào thì đánh dấu X vào ô tương ứng, tối đa ${count2(a.quota)} đơn vị. ` +
          `Phiếu đánh dấu quá ${count2(a.quota)} đơn vị, hoặc không đánh dấu đơn vị nào, là phiếu không hợp lệ.`,
        { italic: true },
      ),
    );
    body.push({
      kind: 'table',
      header: ['STT', 'Tên đơn vị', 'Đồng ý (X)'],
      widths: [1, 7, 2.5],
      align: ['center', 'left', 'center'],
      rows: a.units.map((u, k) => [k + 1, u, '']),
    });
  });
  const subject = input.subject ?? `Đề nghị khen thưởng năm ${input.year}\n${input.cluster}`;
  const lh: Letterhead = { ...input.letterhead, recipients: input.letterhead.recipients ?? [] };
  return finish(lh, 'PHIẾU SUY TÔN', '', subject, body);
}

// ---------------------------------------------------------------------------------------------
// Biên bản

export type Person = { name: string; title: string };

export type MinutesAward = {
  title: string;
  quota: number;
  ballots: { issued: number; returned: number; valid: number; invalid: number };
  votes: { unit: string; votes: number }[];
  /** The rule that was applied, for the record: 'trên 50% tổng số phiếu hợp lệ'. */
  rule?: string;
  /** The units proposed, as decided by the configured rule. */
  elected: string[];
  /** A tie the chair decided (plan tie rule 'chair'): who chose, e.g. 'Lê Văn A' or 'Trần B, thay mặt đồng chí Lê Văn A'. */
  tieDecidedBy?: string;
};

export type MinutesInput = {
  letterhead: Letterhead;
  meeting: { title: string; date: string; start: string; end: string; place: string };
  chair: Person;
  secretary: Person;
  attendance: {
    /** Members invited (voters). */
    expected: number;
    present: { name: string; title?: string; unit?: string }[];
    absent?: { name: string; reason?: string }[];
    guests?: string[];
  };
  proceedings?: string[];
  awards: MinutesAward[];
  subject?: string;
};

function checkAward(a: MinutesAward): void {
  const b = a.ballots;
  const bad = (msg: string) => new Error(`${a.title}: ${msg}`);
  for (const [k, v] of Object.entries(b)) if (!Number.isInteger(v) || v < 0) throw bad(`ballots.${k} must be a whole number ≥ 0`);
  if (b.returned > b.issued) throw bad(`${b.returned} ballots returned but only ${b.issued} issued`);
  if (b.valid + b.invalid !== b.returned) throw bad(`valid ${b.valid} + invalid ${b.invalid} ≠ returned ${b.returned}`);
  for (const v of a.votes) {
    if (!Number.isInteger(v.votes) || v.votes < 0 || v.votes > b.valid) throw bad(`${v.unit} has ${v.votes} votes of ${b.valid} valid ballots`);
  }
  if (a.votes.reduce((s, v) => s + v.votes, 0) > b.valid * a.quota) throw bad(`more votes than ${b.valid} valid ballots × quota ${a.quota}`);
  const names = new Set(a.votes.map((v) => v.unit));
  for (const e of a.elected) if (!names.has(e)) throw bad(`elected unit ${JSON.stringify(e)} is not on the ballot`);
  if (a.elected.length > a.quota) throw bad(`${a.elected.length} units elected, quota ${a.quota}`);
}

/** Biên bản hội nghị / kiểm phiếu: attendance, ballots issued/returned/valid/invalid, votes per unit, result. */
export function minutesDocument(input: MinutesInput): OfficialDocument {
  input.awards.forEach(checkAward);
  const m = input.meeting;
  const att = input.attendance;
  const body: Block[] = [
    p(`Vào lúc ${timeVi(m.start)}, ${weekdayVi(m.date)}, ngày ${shortDate(m.date)}, tại ${m.place}, ${m.title}.`),
    h(1, 'I. THÀNH PHẦN'),
    p(`Chủ trì: ${input.chair.name}, ${input.chair.title}.`),
    p(`Thư ký: ${input.secretary.name}, ${input.secretary.title}.`),
    p(`Có mặt: ${count2(att.present.length)}/${count2(att.expected)} thành viên; vắng: ${count2(att.expected - att.present.length)}.`),
  ];
  if (att.present.length > att.expected) throw new Error(`${att.present.length} present but ${att.expected} expected`);
  body.push({
    kind: 'table',
    header: ['STT', 'Họ và tên', 'Chức vụ', 'Đơn vị'],
    widths: [1, 4, 3.5, 4],
    align: ['center', 'left', 'left', 'left'],
    rows: att.present.map((x, i) => [i + 1, x.name, x.title ?? '', x.unit ?? '']),
  });
  if (att.absent?.length) body.push(p('Vắng mặt:'), ...list(att.absent.map((a) => `${a.name}${a.reason ? ` (${a.reason})` : ''}`)));
  if (att.guests?.length) body.push(p('Khách mời:'), ...list(att.guests));
  const section = numbering(1);
  if (input.proceedings?.length) {
    body.push(h(1, `${section()}. NỘI DUNG`), ...list(input.proceedings));
  }
  body.push(h(1, `${section()}. KẾT QUẢ BỎ PHIẾU SUY TÔN`));
  input.awards.forEach((a, i) => {
    const b = a.ballots;
    body.push(h(2, `${i + 1}. ${a.title} (tối đa ${count2(a.quota)} đơn vị)`));
    body.push(
      ...list([
        `Số phiếu phát ra: ${count2(b.issued)} phiếu.`,
        `Số phiếu thu về: ${count2(b.returned)} phiếu.`,
        `Số phiếu hợp lệ: ${count2(b.valid)} phiếu; số phiếu không hợp lệ: ${count2(b.invalid)} phiếu.`,
      ]),
    );
    const sorted = [...a.votes].sort((x, y) => y.votes - x.votes || x.unit.localeCompare(y.unit, 'vi'));
    body.push({
      kind: 'table',
      header: ['STT', 'Đơn vị', 'Số phiếu', 'Tỷ lệ (so với phiếu hợp lệ)', 'Kết quả'],
      widths: [1, 5, 2, 3, 2.5],
      align: ['center', 'left', 'center', 'center', 'center'],
      rows: sorted.map((v, k) => [k + 1, v.unit, v.votes, percentVi(v.votes, b.valid), a.elected.includes(v.unit) ? 'Đề nghị' : '']),
    });
    if (a.tieDecidedBy) body.push(p(`Các đơn vị bằng số phiếu: chủ trì hội nghị quyết định theo kế hoạch thi đua (người quyết định: ${a.tieDecidedBy}).`));
    const result = a.elected.length
      ? `Kết quả: đề nghị tặng ${a.title} cho ${a.elected.join(', ')}${a.rule ? ` (đạt ${a.rule})` : ''}.`
      : `Kết quả: không có đơn vị nào đủ điều kiện đề nghị tặng ${a.title}${a.rule ? ` (yêu cầu ${a.rule})` : ''}.`;
    body.push(p(result, { bold: true }));
  });
  body.push(
    p(
      `Hội nghị kết thúc vào lúc ${timeVi(m.end)} cùng ngày. Biên bản đã được thông qua tại hội nghị, ` +
        'các thành viên dự hội nghị thống nhất với nội dung biên bản./.',
    ),
  );
  const lh: Letterhead = { ...input.letterhead, recipients: input.letterhead.recipients ?? [], signature: { title: 'CHỦ TRÌ', name: input.chair.name } };
  const doc = finish(lh, 'BIÊN BẢN', input.letterhead.symbol ?? 'BB-MTTQ', input.subject ?? m.title, body);
  return doc.recipients.length ? doc : { ...doc, leftSignature: { title: 'THƯ KÝ', name: input.secretary.name } };
}

// ---------------------------------------------------------------------------------------------
// Báo cáo tổng hợp của cụm

export type ClusterReportInput = {
  letterhead: Letterhead;
  cluster: string;
  year: number;
  maxScore: number;
  units: { name: string; selfScore?: number; score: number; class: string }[];
  /** Paragraphs before the table (the year's activity). */
  summary?: string[];
  /** Proposals after the table. */
  proposals?: string[];
  subject?: string;
};

/** Báo cáo tổng hợp kết quả chấm điểm, xếp loại của cụm: units ranked by score with their classes. */
export function clusterReportDocument(input: ClusterReportInput): OfficialDocument {
  const ranked = [...input.units].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name, 'vi'));
  for (const u of ranked) {
    if (u.score < 0 || u.score > input.maxScore) throw new Error(`${u.name}: score ${u.score} outside 0–${input.maxScore}`);
  }
  const classes = new Map<string, number>();
  for (const u of ranked) classes.set(u.class, (classes.get(u.class) ?? 0) + 1);
  const hasSelf = ranked.some((u) => u.selfScore !== undefined);
  const body: Block[] = [];
  const section = numbering();
  if (input.summary?.length) {
    body.push(h(1, `${section()}. KẾT QUẢ THỰC HIỆN PHONG TRÀO THI ĐUA`), ...input.summary.map((s) => p(s)));
  }
  body.push(h(1, `${section()}. KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI`));
  body.push(p(`${input.cluster} có ${count2(ranked.length)} đơn vị; thang điểm tối đa ${formatViNumber(input.maxScore)} điểm. Kết quả như sau:`));
  body.push({
    kind: 'table',
    header: hasSelf ? ['STT', 'Đơn vị', 'Tự chấm', 'Điểm thẩm định', 'Xếp loại'] : ['STT', 'Đơn vị', 'Điểm thẩm định', 'Xếp loại'],
    widths: hasSelf ? [1, 5, 2, 2.2, 4] : [1, 6, 2.2, 4],
    align: hasSelf ? ['center', 'left', 'center', 'center', 'left'] : ['center', 'left', 'center', 'left'],
    rows: ranked.map((u, i) => (hasSelf ? [i + 1, u.name, u.selfScore ?? '', u.score, u.class] : [i + 1, u.name, u.score, u.class])),
  });
  body.push(p('Tổng hợp xếp loại:'), ...list([...classes].map(([c, n]) => `${c}: ${count2(n)} đơn vị.`)));
  if (input.proposals?.length) body.push(h(1, `${section()}. ĐỀ XUẤT, KIẾN NGHỊ`), ...list(input.proposals));
  body.push(p(`Trên đây là báo cáo tổng hợp kết quả chấm điểm, xếp loại thi đua năm ${input.year} của ${input.cluster}./.`));
  const subject = input.subject ?? `Tổng hợp kết quả chấm điểm, xếp loại thi đua năm ${input.year}\n${input.cluster}`;
  return finish(input.letterhead, 'BÁO CÁO', 'BC-MTTQ', subject, body);
}

// ---------------------------------------------------------------------------------------------
// Tờ trình

export type ProposalInput = {
  letterhead: Letterhead;
  /** 'Hội đồng Thi đua - Khen thưởng Ủy ban MTTQ Việt Nam tỉnh'. */
  to: string;
  /** The proposing body as a sentence subject: 'Ban Thường trực Ủy ban MTTQ Việt Nam huyện'. */
  from: string;
  year: number;
  bases?: string[];
  proposals: {
    award: string;
    collectives?: { name: string; achievement?: string }[];
    individuals?: { name: string; position: string; unit: string; achievement?: string }[];
  }[];
  attachments?: string[];
  subject?: string;
};

/** Tờ trình đề nghị khen thưởng: to the council, per award the collectives and individuals proposed. */
export function proposalDocument(input: ProposalInput): OfficialDocument {
  const body: Block[] = [p(`Kính gửi: ${input.to}.`, { align: 'center', indent: false })];
  if (input.bases?.length) body.push(...list(input.bases.map((b) => b.replace(/^[-–]\s*/, ''))));
  body.push(p(`${input.from} kính trình ${input.to} xem xét, khen thưởng cho các tập thể, cá nhân có thành tích xuất sắc năm ${input.year}, cụ thể như sau:`));
  let collectives = 0;
  let individuals = 0;
  input.proposals.forEach((pr, i) => {
    const c = pr.collectives ?? [];
    const ind = pr.individuals ?? [];
    if (!c.length && !ind.length) throw new Error(`Proposal for ${JSON.stringify(pr.award)} has nobody`);
    collectives += c.length;
    individuals += ind.length;
    const parts = [c.length ? `${count2(c.length)} tập thể` : '', ind.length ? `${count2(ind.length)} cá nhân` : ''].filter(Boolean).join(', ');
    body.push(h(2, `${i + 1}. ${pr.award}: ${parts}`));
    if (c.length) {
      body.push({
        kind: 'table',
        header: ['STT', 'Tập thể', 'Thành tích'],
        widths: [1, 5, 6],
        align: ['center', 'left', 'left'],
        rows: c.map((x, k) => [k + 1, x.name, x.achievement ?? '']),
      });
    }
    if (ind.length) {
      body.push({
        kind: 'table',
        header: ['STT', 'Họ và tên', 'Chức vụ, đơn vị', 'Thành tích'],
        widths: [1, 3.5, 4.5, 4],
        align: ['center', 'left', 'left', 'left'],
        rows: ind.map((x, k) => [k + 1, x.name, `${x.position}, ${x.unit}`, x.achievement ?? '']),
      });
    }
  });
  body.push(p(`Tổng cộng: ${count2(collectives)} tập thể và ${count2(individuals)} cá nhân.`, { bold: true }));
  if (input.attachments?.length) body.push(p('Hồ sơ kèm theo:', { italic: true }), ...list(input.attachments));
  body.push(p(`Kính trình ${input.to} xem xét, quyết định./.`));
  const subject = input.subject ?? `Về việc đề nghị khen thưởng thành tích năm ${input.year}`;
  return finish(input.letterhead, 'TỜ TRÌNH', 'TTr-MTTQ-BTT', subject, body);
}
