/**
 * The cluster's year-end documents (Nghị định 30 layout), generated from the read model at three
 * points of its year-end and kept in the versioned document store (GridFS):
 *
 * - 'classes' (classes locked): the score table (XLSX), the summary report (Báo cáo tổng hợp) and the
 *   meeting invitation (Giấy mời), sent after this point (and again before a moved meeting's
 *   invitation goes out, which links the new version);
 * - 'ballots' (a ballot round opened): the ballot (Phiếu suy tôn) of each round opened so far, which
 *   the ballot mail links;
 * - 'results' (meeting results out): the invitation again (a new version if the meeting moved), one ballot (Phiếu suy tôn) per award
 *   and round, and the minutes (Biên bản) with participation, ballot counts, votes, ties, next head;
 * - 'decision' (proposal approved): the award proposal (Tờ trình) to the council.
 *
 * Each official document is stored as DOCX, printable HTML and PDF (the HTML printed by headless
 * Chromium), the three with the same version. DOCX, HTML and XLSX are stored first: without Chromium
 * the PDFs fail alone, permanently (PdfUnavailable), and the year-end goes on.
 *
 * Inputs are the projected YearEndState (`cluster_year_ends`), the cluster's compiled plan
 * (`cluster_plans.yearEnd`) and the cycle's plan (`cycles.plan`: body, place, time zone, document
 * settings). Every date in a document comes from that state (never from the clock), so the same state
 * always gives the same document: the store compares a hash of the document's data and adds a version
 * only when it changed, which makes the activity idempotent under retries.
 *
 * Secrecy: the documents carry counts (ballots issued, returned, valid; votes per unit) and which
 * units took part in a round, never a ballot's marks or a receipt. Invalid ballots are counted, their
 * reasons (which name marked units) are not printed.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import mongoose, { type Connection } from 'mongoose';
import {
  ballotDocument,
  clusterReportDocument,
  count2,
  invitationDocument,
  minutesDocument,
  proposalDocument,
  shortDate,
  type Letterhead,
  type MinutesAward,
} from '../lib/documents/builders';
import type { Db, Models } from '../lib/db';
import { renderDocx } from '../lib/documents/docx';
import { renderHtml } from '../lib/documents/html';
import { chromiumPath, htmlsToPdf } from '../lib/documents/pdf';
import { formatViNumber, type Block, type OfficialDocument, type Signature } from '../lib/documents/model';
import { latestDocument, listDocuments, storeDocument, type StoredDocument } from '../lib/documents/store';
import { renderScoreTableXlsx, type ScoreTableInput } from '../lib/documents/xlsx';
import { minutesSummary, type MinutesSummary, type RoundResult, type TallyResult } from '../rules/ballot';
import { formatViDateTime, localDate } from '../rules/calendar';
import type { Plan } from '../rules/plan';
import { assertSheet, type Scores } from '../rules/scoring';
import type { AwardRule, AwardState, BallotRoundState, ClusterYearEndInput, MemberRef, ScoreEntryState, YearEndState } from '../workflows/cycle/definitions';

export type YearEndDocumentStage = 'classes' | 'ballots' | 'results' | 'decision';

export interface GenerateYearEndDocumentsInput {
  cycleId: string;
  clusterId: string;
  stage: YearEndDocumentStage;
}

export interface GeneratedDocument {
  kind: string;
  format: StoredDocument['format'];
  version: number;
  /** False when the latest stored version already had this content (a retry, or nothing changed). */
  created: boolean;
}

/**
 * The store's owner key of a cluster's documents. The store files documents under one `cycleId`
 * (listDocuments/latestDocument match it exactly), so a cluster's documents never mix with the
 * cycle's own (the plan) nor with another cluster's.
 */
export const clusterDocumentsOwner = (cycleId: string, clusterId: string): string => `${cycleId}:cluster:${clusterId}`;

/** Bump when the way documents are laid out from the same data changes: every document gets a new version. */
const LAYOUT_VERSION = 1;

/** The data a year-end document is made from. */
export interface YearEndContext {
  plan: Plan;
  yearEnd: ClusterYearEndInput;
  state: YearEndState;
}

/** One rendered file, with the data its version is compared on. */
export interface RenderedDocument {
  kind: string;
  format: StoredDocument['format'];
  content: Buffer;
  source: string;
}

/** The document store works on a Db; only its connection is used (GridFS bucket `documents`). */
export function documentStoreDb(models: Models, conn?: Connection): Db {
  const connection = conn ?? (models.Cycle.db as Connection);
  return { conn: connection, models, close: async () => undefined, isUp: () => connection.readyState === 1 };
}

export function createDocumentActivities({ models, conn }: { models: Models; conn?: Connection }) {
  const db = documentStoreDb(models, conn);

  return {
    /**
     * Renders and stores the documents of one point of a cluster's year-end. Call it after the state of
     * that point has been projected (after projectYearEnd): it reads the read model, not the workflow.
     */
    async generateYearEndDocuments(input: GenerateYearEndDocumentsInput): Promise<{ documents: GeneratedDocument[] }> {
      const ctx = await loadContext(models, input);
      const { files, printable } = await renderYearEndDocuments(input.stage, ctx);
      const owner = clusterDocumentsOwner(input.cycleId, input.clusterId);
      const documents: GeneratedDocument[] = [];
      const keep = async (r: RenderedDocument) => {
        const { stored, created } = await storeOnce(db, owner, r);
        documents.push({ kind: r.kind, format: r.format, version: stored.version, created });
      };
      for (const r of files) await keep(r);
      // A PDF is printed only when its data changed: a retry or a repeated stage starts no browser.
      const toPrint: PrintableDocument[] = [];
      for (const p of printable) {
        const latest = await latestDocument(db, owner, p.kind, 'pdf');
        if (latest?.sha256 === sourceHash(p.source)) documents.push({ kind: p.kind, format: 'pdf', version: latest.version, created: false });
        else toPrint.push(p);
      }
      if (toPrint.length) {
        try {
          chromiumPath();
        } catch (err) {
          throw ApplicationFailure.nonRetryable(`${(err as Error).message}; the DOCX and HTML are stored`, 'PdfUnavailable');
        }
        const pdfs = await htmlsToPdf(toPrint.map((p) => p.html));
        for (const [i, p] of toPrint.entries()) await keep({ kind: p.kind, format: 'pdf', content: pdfs[i], source: p.source });
      }
      return { documents };
    },
  };
}

async function loadContext(models: Models, input: GenerateYearEndDocumentsInput): Promise<YearEndContext> {
  if (!['classes', 'ballots', 'results', 'decision'].includes(input.stage)) {
    throw ApplicationFailure.nonRetryable(`unknown document stage ${JSON.stringify(input.stage)}`, 'BadStage');
  }
  const key = `${input.cycleId}:${input.clusterId}`;
  const [cycle, clusterPlan, row] = await Promise.all([
    models.Cycle.findById(input.cycleId).lean(),
    models.ClusterPlan.findById(key).lean(),
    models.ClusterYearEnd.findById(key).lean(),
  ]);
  // None of these appears by retrying: the call is wrong, or it was made before the projection.
  if (!cycle) throw ApplicationFailure.nonRetryable(`no cycle ${input.cycleId}`, 'CycleMissing');
  if (!clusterPlan?.yearEnd) throw ApplicationFailure.nonRetryable(`no year-end plan for cluster ${input.clusterId} of ${input.cycleId}`, 'PlanMissing');
  if (!row) throw ApplicationFailure.nonRetryable(`no year-end read model for cluster ${input.clusterId} of ${input.cycleId}`, 'YearEndMissing');
  const ctx: YearEndContext = { plan: cycle.plan as Plan, yearEnd: clusterPlan.yearEnd as ClusterYearEndInput, state: JSON.parse(row.state) as YearEndState };
  const notReady = stageNotReady(input.stage, ctx);
  if (notReady) throw ApplicationFailure.nonRetryable(`${input.stage} documents of ${key}: ${notReady}`, 'YearEndNotReady');
  return ctx;
}

/** Why the state does not have what a stage's documents need yet ('' when it has). */
export function stageNotReady(stage: YearEndDocumentStage, { state, yearEnd }: YearEndContext): string {
  if (!state.inspection.closedAt) return 'the classes are not locked yet';
  if (stage === 'classes') return '';
  if (stage === 'ballots') return state.awards.some((a) => a.rounds.length > 0) ? '' : 'no ballot has opened yet';
  if (!(state.meeting ?? yearEnd.meeting)) return 'the plan has no meeting';
  if (!state.nextHead || state.awards.some((a) => a.status === 'waiting' || a.status === 'voting' || a.status === 'tie')) return 'the meeting results are not out yet';
  if (stage === 'results') return '';
  if (state.proposal?.status !== 'approved') return 'the proposal is not approved yet';
  return '';
}

/**
 * storeDocument adds a version when the latest one's hash differs. Two attempts of the same
 * activity running at once (a timed-out attempt still alive while its retry runs) can both add the
 * same version: the one with the smallest file id is kept and the other removed, by both of them.
 */
async function storeOnce(db: Db, owner: string, r: RenderedDocument): Promise<{ stored: StoredDocument; created: boolean }> {
  const result = await storeDocument(db, { cycleId: owner, kind: r.kind, format: r.format, content: r.content, source: r.source });
  if (!result.created) return result;
  const same = (await listDocuments(db, owner)).filter((d) => d.kind === r.kind && d.format === r.format && d.version === result.stored.version);
  if (same.length <= 1) return result;
  same.sort((a, b) => a.fileId.localeCompare(b.fileId));
  const bucket = new mongoose.mongo.GridFSBucket(db.conn.db!, { bucketName: 'documents' });
  for (const d of same.slice(1)) await bucket.delete(new mongoose.Types.ObjectId(d.fileId)).catch(() => undefined);
  const kept = (await latestDocument(db, owner, r.kind, r.format)) ?? same[0];
  return { stored: kept, created: kept.fileId === result.stored.fileId };
}

// ---------------------------------------------------------------------------------------------
// Rendering (pure apart from the renderers)

/** An official document's HTML page, to be printed to PDF, with the data its version is compared on. */
export interface PrintableDocument {
  kind: string;
  html: string;
  source: string;
}

/** The store's hash of a document's data (storeDocument compares the same). */
const sourceHash = (source: string): string => createHash('sha256').update(source).digest('hex');

/**
 * Every file of a stage: each official document as DOCX and HTML, the score table as XLSX; and each
 * official document's page to print as PDF (the same data, so the same version).
 */
export async function renderYearEndDocuments(stage: YearEndDocumentStage, ctx: YearEndContext): Promise<{ files: RenderedDocument[]; printable: PrintableDocument[] }> {
  const out: RenderedDocument[] = [];
  const printable: PrintableDocument[] = [];
  const official = async (kind: string, doc: OfficialDocument) => {
    const source = JSON.stringify({ layout: LAYOUT_VERSION, doc });
    const html = renderHtml(doc);
    out.push({ kind, format: 'docx', content: await renderDocx(doc), source });
    out.push({ kind, format: 'html', content: Buffer.from(html, 'utf8'), source });
    printable.push({ kind, html, source });
  };
  const docs = yearEndDocuments(stage, ctx);
  for (const [kind, doc] of docs.official) await official(kind, doc);
  if (docs.scoreTable) {
    out.push({ kind: 'score-table', format: 'xlsx', content: await renderScoreTableXlsx(docs.scoreTable), source: JSON.stringify({ layout: LAYOUT_VERSION, table: docs.scoreTable }) });
  }
  return { files: out, printable };
}

/** The documents of a stage as data: official documents by kind, and the score table. */
export function yearEndDocuments(stage: YearEndDocumentStage, ctx: YearEndContext): { official: [string, OfficialDocument][]; scoreTable?: ScoreTableInput } {
  const c = new Context(ctx);
  switch (stage) {
    case 'classes':
      // The invitation too: it goes out after the classes are locked, so it exists when it is sent
      // (and gets a new version at 'results' if the meeting moved in between).
      return { official: [['cluster-report', c.report()], ...(c.hasMeeting ? [['invitation', c.invitation()] as [string, OfficialDocument]] : [])], scoreTable: c.scoreTable() };
    case 'ballots':
      // The ballots of the rounds opened so far, before their delegates are mailed (the mail links them);
      // 'results' renders the same data again, so it adds no version.
      return { official: c.ballots() };
    case 'results':
      return { official: [['invitation', c.invitation()], ...c.ballots(), ['minutes', c.minutes()]] };
    case 'decision':
      return { official: [['proposal', c.proposal()]] };
  }
}

/** What every document shares: names, dates in the plan's zone, letterheads. */
class Context {
  readonly plan: Plan;
  readonly ye: ClusterYearEndInput;
  readonly state: YearEndState;
  readonly year: number;
  readonly cluster: string;
  private readonly names: Map<string, string>;

  constructor({ plan, yearEnd, state }: YearEndContext) {
    this.plan = plan;
    this.ye = yearEnd;
    this.state = state;
    this.year = plan.year;
    this.cluster = yearEnd.clusterName;
    this.names = new Map(yearEnd.members.map((m) => [m.unitId, m.unitName]));
  }

  name = (unitId: string): string => this.names.get(unitId) ?? unitId;
  /** Who chose for the chair, by name ('Trần B, thay mặt đồng chí Lê Văn A' for a substitute). */
  private chooser = (a: AwardState): string => {
    const by = a.chosenByName ?? a.chosenBy!;
    return a.actingFor ? `${by}, thay mặt đồng chí ${a.actingForName ?? a.actingFor}` : by;
  };
  list = (unitIds: string[]): string => unitIds.map(this.name).join(', ');
  local = (instant: string): string => localDate(instant, this.plan.timeZone);
  /** 'HH:mm' local. */
  time = (instant: string): string => formatViDateTime(instant, this.plan.timeZone).slice(0, 5);

  get place(): string {
    return this.plan.body.place ?? this.plan.body.name;
  }

  get meeting() {
    return (this.state.meeting ?? this.ye.meeting)!;
  }

  get hasMeeting(): boolean {
    return (this.state.meeting ?? this.ye.meeting) !== undefined;
  }

  get head(): MemberRef {
    return this.ye.members.find((m) => m.unitId === this.ye.headUnitId) ?? this.ye.members[0];
  }

  get deputy(): MemberRef | undefined {
    return this.ye.deputyUnitId ? this.ye.members.find((m) => m.unitId === this.ye.deputyUnitId) : undefined;
  }

  /** The symbol of what the body issues: the plan's symbol with its type part replaced (KH-MTTQ-BTT → BC-MTTQ-BTT). */
  bodySymbol(prefix: string): string {
    const s = this.plan.document?.symbol?.trim();
    if (!s) return `${prefix}-MTTQ`;
    const m = /^[^-]+-(.+)$/.exec(s);
    return `${prefix}-${m ? m[1] : s}`;
  }

  /** Documents the body's issuing department issues (report, invitation), signed as the plan says. */
  bodyLetterhead(prefix: string, date: string, recipients: string[]): Letterhead {
    const settings = this.plan.document;
    const chair = this.ye.chair;
    const department = settings?.issuingDepartment ?? 'BAN THƯỜNG TRỰC';
    const signature: Signature | undefined =
      settings?.signer ?? (chair ? { onBehalf: 'TM.', onBehalfOf: department, title: chair.role ?? 'Phụ trách cụm', name: chair.name } : undefined);
    return {
      issuer: { parent: this.plan.body.name.toUpperCase(), body: department },
      // The plan's number is the plan's own: these are drafts until the office registers them.
      number: undefined,
      symbol: this.bodySymbol(prefix),
      place: this.place,
      date,
      signature,
      recipients: [...recipients, ...(settings?.recipients ?? [])].filter((r, i, all) => all.indexOf(r) === i),
    };
  }

  /** Documents the cluster issues (ballots, minutes, proposal), signed by its head. */
  clusterLetterhead(symbol: string, date: string, recipients: string[]): Letterhead {
    return {
      issuer: { parent: this.plan.body.name.toUpperCase(), body: this.cluster.toUpperCase() },
      number: undefined,
      symbol,
      place: this.place,
      date,
      signature: { onBehalf: 'TM.', onBehalfOf: 'CỤM THI ĐUA', title: 'CỤM TRƯỞNG', name: this.head.delegate.name },
      recipients,
    };
  }

  // -------------------------------------------------------------------------------------------
  // 'classes'

  private sheet() {
    return assertSheet(this.ye.scoring.sheet);
  }

  /** One row per unit, a pair of columns (self, final) per criterion, bonus and deduction item. */
  scoreTable(): ScoreTableInput {
    const sheet = this.sheet();
    const criteria: ScoreTableInput['criteria'] = [
      ...sheet.groups.flatMap((g) => g.criteria.map((c) => ({ id: c.id, name: `${c.id}. ${c.name}`, max: c.max, group: g.id }))),
      ...sheet.bonuses.map((b) => ({ id: b.id, name: `Điểm thưởng: ${b.name}`, max: b.max, group: 'bonus' })),
      ...sheet.deductions.map((d) => ({ id: d.id, name: `Điểm trừ: ${d.name}`, max: -d.max, group: 'deduction' })),
    ];
    const flat = (e: ScoreEntryState | undefined): Scores => {
      if (!e) return {};
      const out: Scores = { ...pick(e.criteria, criteria), ...pick(e.bonuses, criteria) };
      for (const [id, v] of Object.entries(pick(e.deductions, criteria))) out[id] = v === 0 ? 0 : -v;
      return out;
    };
    const units = this.state.inspection.units.map((u) => {
      const final = flat(u.inspected?.entry ?? u.self);
      return { id: u.unitId, name: u.unitName, cluster: this.cluster, self: flat(u.self), final, total: u.total ?? 0, class: this.classOf(u.unitId) };
    });
    // A bonus cap, or a total clamped at 0, makes the total differ from the sum of its items: one
    // more column says by how much, so the sheet's sums stay the totals.
    const sum = (s: Scores) => Math.round(Object.values(s).reduce((a, b) => a + b * 100, 0)) / 100;
    const adjust = units.map((u) => Math.round((u.total - sum(u.final)) * 100) / 100);
    if (adjust.some((a) => a !== 0)) {
      criteria.push({ id: 'dieu-chinh', name: 'Điều chỉnh (trần điểm thưởng, điểm tối thiểu)', max: 0, group: 'adjustment' });
      units.forEach((u, i) => {
        if (adjust[i] !== 0) u.final = { ...u.final, 'dieu-chinh': adjust[i] };
      });
    }
    return { title: `BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM ${this.year}`, subtitle: `${this.cluster} - ${this.plan.body.name}`, criteria, units };
  }

  /** The class as published: the band, flagged when it rests on the self-score; a unit with no score has none. */
  classOf(unitId: string): string {
    const u = this.state.inspection.units.find((x) => x.unitId === unitId);
    if (!u?.bandName) return 'Chưa xếp loại (không có điểm)';
    return u.source === 'self' ? `${u.bandName} (theo điểm tự chấm)` : u.bandName;
  }

  report(): OfficialDocument {
    const sheet = this.sheet();
    const units = this.state.inspection.units;
    const maxBase = sheet.groups.reduce((a, g) => a + g.criteria.reduce((b, c) => b + c.max * 100, 0), 0) / 100;
    const maxBonus = sheet.bonusCap ?? sheet.bonuses.reduce((a, b) => a + b.max * 100, 0) / 100;
    const inspected = units.filter((u) => u.source === 'inspection');
    const bySelf = units.filter((u) => u.source === 'self');
    const unscored = units.filter((u) => u.total === undefined);
    const changes = units.reduce((a, u) => a + (u.inspected?.changes.length ?? 0), 0);
    const summary = [
      `Thực hiện Kế hoạch công tác thi đua, khen thưởng năm ${this.year} của ${this.plan.body.name}, các đơn vị trong ${this.cluster} đã tự chấm điểm theo bảng chấm điểm ` +
        `(${formatViNumber(maxBase)} điểm các tiêu chí${maxBonus > 0 ? `, điểm thưởng tối đa ${formatViNumber(maxBonus)} điểm` : ''}); ` +
        `đoàn kiểm tra đã kiểm tra, chấm điểm lại ${count2(inspected.length)}/${count2(units.length)} đơn vị` +
        (changes > 0 ? `, điều chỉnh điểm ở ${count2(changes)} nội dung so với điểm tự chấm (mỗi điều chỉnh có lý do kèm theo).` : '.'),
    ];
    if (bySelf.length) summary.push(`${bySelf.map((u) => u.unitName).join(', ')} chưa được đoàn kiểm tra chấm lại: xếp loại theo điểm tự chấm.`);
    if (unscored.length) summary.push(`${unscored.map((u) => u.unitName).join(', ')} không có điểm tự chấm và chưa được chấm lại: chưa xếp loại.`);
    return clusterReportDocument({
      letterhead: this.bodyLetterhead('BC', this.local(this.state.inspection.closedAt!), [`Các đơn vị trong ${this.cluster}`]),
      cluster: this.cluster,
      year: this.year,
      maxScore: maxBase + maxBonus,
      // The band alone (the summary says which classes rest on a self-score), so the class counts group by band.
      units: units.map((u) => ({ name: u.unitName, selfScore: u.self?.total, score: u.total ?? 0, class: u.bandName ?? this.classOf(u.unitId) })),
      summary,
    });
  }

  // -------------------------------------------------------------------------------------------
  // 'results'

  get meetingTitle(): string {
    return `Hội nghị tổng kết phong trào thi đua ${this.cluster} năm ${this.year}`;
  }

  get meetingPlace(): string {
    return this.meeting.place ?? `trụ sở ${this.head.unitName} (đơn vị Cụm trưởng)`;
  }

  invitation(): OfficialDocument {
    const m = this.meeting;
    const chair = this.ye.chair;
    return invitationDocument({
      letterhead: this.bodyLetterhead('GM', this.local(m.inviteAt), ['Như thành phần mời']),
      invitee: `Đại diện lãnh đạo các đơn vị trong ${this.cluster}: ${this.ye.members.map((x) => x.unitName).join(', ')}`,
      meeting: {
        title: this.meetingTitle,
        chair: chair ? `đồng chí ${chair.name}${chair.role ? `, ${chair.role}` : ''}` : undefined,
        date: m.date,
        start: this.time(m.opensAt),
        end: this.time(m.closesAt),
        place: this.meetingPlace,
        agenda: [
          'Thông qua báo cáo tổng hợp kết quả chấm điểm, xếp loại thi đua của Cụm',
          ...this.state.awards.map((a) => `Bỏ phiếu kín suy tôn đề nghị tặng ${a.name}`),
          `Giới thiệu Cụm trưởng, Cụm phó năm ${this.year + 1}`,
        ],
      },
      notes: ['Mỗi đơn vị cử 01 đại biểu nhận phiếu và bỏ phiếu suy tôn thay mặt đơn vị (theo đường liên kết gửi qua thư điện tử).'],
    });
  }

  /** One Phiếu suy tôn per award and round: the round's candidates, at most its seats. */
  ballots(): [string, OfficialDocument][] {
    return this.state.awards.flatMap((a) =>
      a.rounds.map((r): [string, OfficialDocument] => [
        r.round === 1 ? `ballot-${a.awardId}` : `ballot-${a.awardId}-round-${r.round}`,
        ballotDocument({
          letterhead: { ...this.clusterLetterhead('', this.meeting.date, []), signature: undefined },
          cluster: this.cluster,
          year: this.year,
          awards: [{ title: a.name, quota: r.seats, units: r.candidates.map(this.name) }],
          subject: `Đề nghị khen thưởng năm ${this.year}${r.round > 1 ? ` (bỏ phiếu vòng ${r.round})` : ''}\n${this.cluster}`,
        }),
      ]),
    );
  }

  minutes(): OfficialDocument {
    const m = this.meeting;
    const members = this.ye.members;
    const voters = new Set(this.state.awards.flatMap((a) => a.rounds.flatMap((r) => r.voted.map((v) => v.unitId))));
    const head = this.head;
    const chair = this.ye.chair
      ? { name: this.ye.chair.name, title: this.ye.chair.role ?? `lãnh đạo phụ trách ${this.cluster}` }
      : { name: head.delegate.name, title: `Cụm trưởng (${head.unitName})` };
    const keeper = this.ye.chair ? head : (this.deputy ?? head);
    const secretary = { name: keeper.delegate.name, title: `đại diện ${keeper.unitName}` };

    const entries: { award: AwardState; rule: AwardRule; round: BallotRoundState; summary: MinutesSummary; last: boolean }[] = [];
    for (const [i, award] of this.state.awards.entries()) {
      const rule = this.ye.awards.find((r) => r.id === award.awardId) ?? this.ye.awards[i];
      const counted = award.rounds.filter((r) => r.result);
      counted.forEach((round, k) => entries.push({ award, rule, round, summary: minutesSummary(asTally(round, members.length)), last: k === counted.length - 1 }));
    }
    const picksOf = (award: AwardState) => award.elected.filter((u) => !award.rounds.some((r) => r.result?.elected.includes(u)));
    const awards: MinutesAward[] = entries.map(({ award, rule, round, summary, last }) => ({
      title: award.rounds.length > 1 ? `${award.name} - bỏ phiếu vòng ${round.round}` : award.name,
      quota: round.seats,
      ballots: { issued: summary.issued, returned: summary.returned, valid: summary.valid, invalid: summary.invalid },
      votes: summary.rows.map((r) => ({ unit: this.name(r.unitId), votes: r.votes })),
      rule: round.round === 1 ? thresholdText(rule, summary) : undefined,
      // A round without the meeting's quorum elects nobody, whatever its count.
      elected: round.quorum && !round.quorum.met ? [] : [...summary.elected, ...(last ? picksOf(award) : [])].map(this.name),
      ...(last && award.decidedBy === 'chair' && award.chosenBy ? { tieDecidedBy: this.chooser(award) } : {}),
    }));
    const lastClose = [m.closesAt, ...this.state.awards.flatMap((a) => a.rounds.map((r) => r.closesAt))].reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
    const units = this.state.inspection.units;

    const doc = minutesDocument({
      letterhead: { ...this.clusterLetterhead('BB-MTTQ', m.date, []) },
      meeting: { title: this.meetingTitle, date: m.date, start: this.time(m.opensAt), end: this.time(lastClose), place: this.meetingPlace },
      chair,
      secretary,
      attendance: this.state.attendance
        ? this.recordedAttendance(this.state.attendance)
        : {
            expected: members.length,
            present: members.filter((x) => voters.has(x.unitId)).map((x) => ({ name: x.delegate.name, title: x.delegate.role ?? 'Đại biểu', unit: x.unitName })),
            absent: members.filter((x) => !voters.has(x.unitId)).map((x) => ({ name: `${x.delegate.name} (${x.unitName})`, reason: 'không tham gia bỏ phiếu' })),
          },
      proceedings: [
        `Thông qua kết quả chấm điểm, xếp loại thi đua năm ${this.year}: ${units.map((u) => `${u.unitName} ${u.total === undefined ? 'chưa có điểm' : `${formatViNumber(u.total)} điểm, ${this.classOf(u.unitId)}`}`).join('; ')}.`,
        `Bỏ phiếu kín suy tôn đề nghị khen thưởng${this.state.awards.length ? `: ${this.state.awards.map((a) => a.name).join(', ')}` : ''}; mỗi đơn vị thành viên 01 phiếu.`,
        `Giới thiệu Cụm trưởng, Cụm phó năm ${this.year + 1}.`,
      ],
      awards,
    });

    // Around each round's section: who took part before the table, the outcome (ties, the chair's
    // choice) instead of the builder's one-line result.
    const body: Block[] = [];
    let section = -1;
    let result = -1;
    for (const block of doc.body) {
      if (block.kind === 'heading' && block.level === 2) {
        body.push(block, ...this.participation(entries[++section].round));
        continue;
      }
      if (block.kind === 'paragraph' && block.bold && typeof block.text === 'string' && block.text.startsWith('Kết quả:')) {
        const e = entries[++result];
        body.push(...this.outcome(e.award, e.rule, e.round, e.summary, e.last, e.last ? picksOf(e.award) : []));
        continue;
      }
      body.push(block);
    }
    const closing = body.pop()!;
    const level1 = body.filter((b) => b.kind === 'heading' && b.level === 1).length;
    for (const a of this.state.awards.filter((x) => x.status === 'no-candidates')) {
      body.push(para(`${a.name}: không có đơn vị nào thuộc loại được suy tôn; không bỏ phiếu.`, { bold: true }));
    }
    const next = this.state.nextHead!;
    body.push(
      { kind: 'heading', level: 1, text: `${roman(level1)}. CỤM TRƯỞNG, CỤM PHÓ NĂM ${this.year + 1}` },
      para(
        `Theo nguyên tắc luân phiên, hội nghị thống nhất giới thiệu ${this.name(next.head)} làm Cụm trưởng` +
          `${next.deputy ? `, ${this.name(next.deputy)} làm Cụm phó` : ''} ${this.cluster} năm ${this.year + 1}.`,
      ),
      closing,
    );
    return { ...doc, body };
  }

  private participation(round: BallotRoundState): Block[] {
    const voted = this.ye.members.filter((m) => round.voted.some((v) => v.unitId === m.unitId)).map((m) => m.unitName);
    const out: Block[] = [
      para(`Đơn vị tham gia bỏ phiếu${round.round > 1 ? ` vòng ${round.round}` : ''}: ${count2(voted.length)}/${count2(this.ye.members.length)}${voted.length ? ` (${voted.join(', ')})` : ''}.`),
    ];
    const abstentions = round.result?.abstentions ?? 0;
    if (abstentions > 0) out.push(para(`Trong số phiếu hợp lệ có ${count2(abstentions)} phiếu không đánh dấu đơn vị nào.`));
    if (round.unresolved) out.push(para(`Số phiếu không đối chiếu được (sự cố kỹ thuật): ${count2(round.unresolved)} phiếu, không được tính.`, { italic: true }));
    return out;
  }

  /** The attendance as the chair recorded it (with a quorum rule): present, absent, and whose proxy. */
  private recordedAttendance(a: NonNullable<YearEndState['attendance']>) {
    const members = this.ye.members;
    const proxyOf = (unitId: string) => a.proxies.find((p) => p.absent === unitId);
    return {
      expected: members.length,
      present: members.filter((x) => a.present.includes(x.unitId)).map((x) => ({ name: x.delegate.name, title: x.delegate.role ?? 'Đại biểu', unit: x.unitName })),
      absent: members
        .filter((x) => !a.present.includes(x.unitId))
        .map((x) => {
          const p = proxyOf(x.unitId);
          const reason = p ? `vắng mặt, ủy quyền bằng văn bản cho đại biểu ${this.name(p.holder)} bỏ phiếu${p.document ? ` (${p.document})` : ''}` : 'vắng mặt';
          return { name: `${x.delegate.name} (${x.unitName})`, reason };
        }),
    };
  }

  private outcome(award: AwardState, rule: AwardRule, round: BallotRoundState, s: MinutesSummary, last: boolean, picks: string[]): Block[] {
    const out: Block[] = [];
    const q = round.quorum;
    if (q && !q.met) {
      return [
        para(
          `Kết quả: không có giá trị. Hội nghị không đủ số đơn vị tối thiểu theo quy định: có mặt ${count2(q.present)}` +
            `${q.represented ? `, ủy quyền ${count2(q.represented)}` : ''} trên tổng số ${count2(q.members)} đơn vị thành viên (cần ít nhất ${count2(q.needed)}); ` +
            `không đề nghị tặng ${award.name} theo kết quả bỏ phiếu này.`,
          { bold: true },
        ),
      ];
    }
    const rule1 = round.round === 1 ? `đạt ${thresholdText(rule, s)}` : 'nhiều phiếu nhất trong số các đơn vị bằng phiếu';
    if (!s.tie) {
      out.push(
        para(s.elected.length ? `Kết quả: đề nghị tặng ${award.name} cho ${this.list(s.elected)} (${rule1}).` : `Kết quả: không có đơn vị nào ${rule1}; không đề nghị tặng ${award.name}.`, { bold: true }),
      );
    } else {
      if (s.elected.length) out.push(para(`Kết quả: ${this.list(s.elected)} ${rule1}, được đề nghị tặng ${award.name}.`, { bold: true }));
      out.push(para(`${this.list(s.tie.among)} cùng đạt ${count2(s.tie.votes)} phiếu, bằng phiếu nhau cho ${count2(s.tie.seats)} suất còn lại.`));
      if (s.tie.rule === 'second-round') {
        out.push(para(`Theo quy định, hội nghị bỏ phiếu vòng ${round.round + 1} giữa các đơn vị bằng phiếu, mỗi phiếu đánh dấu tối đa ${count2(s.tie.seats)} đơn vị.`));
      } else if (picks.length) {
        out.push(para(`Theo quy định, Chủ trì hội nghị quyết định khi bằng phiếu: Chủ trì quyết định đề nghị tặng ${award.name} cho ${this.list(picks)}.`, { bold: true }));
      } else {
        out.push(para('Theo quy định, Chủ trì hội nghị quyết định khi bằng phiếu; Chủ trì chưa quyết định.'));
      }
    }
    if (last && (award.rounds.length > 1 || s.tie)) {
      out.push(
        para(
          award.elected.length
            ? `Kết quả chung: đề nghị tặng ${award.name} cho ${this.list(award.elected)}${award.decidedBy === 'chair' ? ' (Chủ trì quyết định khi bằng phiếu)' : ''}.`
            : `Kết quả chung: không đề nghị tặng ${award.name}.`,
          { bold: true },
        ),
      );
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // 'decision'

  proposal(): OfficialDocument {
    const step = this.state.proposal!;
    const submittedAt = step.submission?.at ?? step.review?.at ?? this.meeting.closesAt;
    const council = this.plan.body.name;
    const totals = new Map(this.state.inspection.units.map((u) => [u.unitId, u]));
    const achievement = (award: AwardState, unitId: string): string => {
      const u = totals.get(unitId);
      const round = [...award.rounds].reverse().find((r) => r.result && unitId in r.result.votes);
      const votes = round?.result ? `${count2(round.result.votes[unitId])}/${count2(round.result.valid)} phiếu hợp lệ${award.rounds.length > 1 ? ` (vòng ${round.round})` : ''}` : '';
      const chair = award.decidedBy === 'chair' && !award.rounds.some((r) => r.result?.elected.includes(unitId)) ? '; Chủ trì quyết định khi bằng phiếu' : '';
      return [u?.total !== undefined ? `${formatViNumber(u.total)} điểm, ${this.classOf(unitId)}` : '', votes].filter(Boolean).join('; ') + chair;
    };
    const doc = proposalDocument({
      letterhead: this.clusterLetterhead('TTr-MTTQ', this.local(submittedAt), ['Như trên', `Các đơn vị trong ${this.cluster}`]),
      to: `Hội đồng Thi đua - Khen thưởng ${council}`,
      from: this.cluster,
      year: this.year,
      bases: [
        `Căn cứ Kế hoạch công tác thi đua, khen thưởng năm ${this.year} của ${this.plan.body.name};`,
        `Căn cứ kết quả chấm điểm, xếp loại và kết quả bỏ phiếu suy tôn tại ${this.meetingTitle} ngày ${shortDate(this.meeting.date)};`,
      ],
      proposals: this.state.awards
        .filter((a) => a.elected.length > 0)
        .map((a) => ({ award: a.name, collectives: a.elected.map((u) => ({ name: this.name(u), achievement: achievement(a, u) })) })),
      attachments: [`Biên bản ${this.meetingTitle}`, `Báo cáo tổng hợp kết quả chấm điểm, xếp loại thi đua năm ${this.year}`, 'Bảng tổng hợp điểm thi đua'],
    });
    // What the head wrote in the proposal step, as approved, goes after the totals (before the attachments).
    const text = (step.submission?.fields.proposal ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    if (!text.length) return doc;
    const body = [...doc.body];
    const attachments = body.findIndex((b) => b.kind === 'paragraph' && b.text === 'Hồ sơ kèm theo:');
    body.splice(attachments >= 0 ? attachments : body.length - 1, 0, para('Nội dung đề nghị của Cụm:', { italic: true }), ...text.map((t) => para(t)));
    return { ...doc, body };
  }
}

/** A second round's RoundResult as the minutes summary takes it: one ballot per member, no threshold. */
function asTally(round: BallotRoundState, members: number): TallyResult {
  const r = round.result as TallyResult | RoundResult;
  if ('issued' in r) return r;
  return {
    ...r,
    issued: members,
    quota: round.seats,
    eligible: [...round.candidates],
    threshold: { of: 'valid-ballots', share: 1, strict: false },
    thresholdBase: r.valid,
    needed: 1,
    passing: [...round.candidates],
  };
}

/** 'trên 50% tổng số phiếu hợp lệ, tối thiểu 02 phiếu'. */
function thresholdText(rule: AwardRule, s: MinutesSummary): string {
  const t = rule.threshold;
  const base = t.of === 'members' ? 'tổng số đơn vị thành viên' : 'tổng số phiếu hợp lệ';
  return `${t.strict ? 'trên' : 'từ'} ${formatViNumber(t.share * 100)}% ${base}${t.strict ? '' : ' trở lên'}, tối thiểu ${count2(s.needed)} phiếu`;
}

function pick(scores: Scores | undefined, known: { id: string }[]): Scores {
  const out: Scores = {};
  for (const { id } of known) if (scores && Object.prototype.hasOwnProperty.call(scores, id)) out[id] = scores[id];
  return out;
}

const para = (text: string, extra: { bold?: boolean; italic?: boolean } = {}): Block => ({ kind: 'paragraph', text, ...extra });

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'];
const roman = (i: number): string => ROMAN[i] ?? String(i + 1);
