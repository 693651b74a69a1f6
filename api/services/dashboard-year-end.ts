/**
 * The secretariat's view of each cluster's year-end: where it stands (inspection, classes, ballots,
 * proposal) and what is stuck on it — an inspection past its deadline with units not scored, a tie
 * waiting for the chair, ballots that could not be reconciled after a crash. Pure, over the
 * `cluster_year_ends` read model; `now` is passed in.
 */
import type { YearEndPhase, YearEndState } from '../../workflows/cycle/definitions';
import type { Lang } from '../pages';

export interface YearEndRow {
  cycleId: string;
  clusterId: string;
  workflowId: string;
  /** The YearEndState as JSON (see lib/db/models.ts). */
  state: string;
}

export interface YearEndView {
  clusterId: string;
  clusterName: string;
  workflowId: string;
  phase: YearEndPhase;
  phaseLabel: string;
  inspected: number;
  members: number;
  inspectionDueAt: string;
  classes: { unitName: string; total?: number; bandName?: string; source?: string }[];
  awards: { name: string; statusLabel: string; progress?: string; elected: string[] }[];
  nextHead?: string;
  proposalStatus?: string;
}

export type YearEndReasonCode = 'inspection_overdue' | 'tie_waiting' | 'ballots_unresolved';

export interface YearEndStuck {
  clusterId: string;
  workflowId: string;
  code: YearEndReasonCode;
  text: string;
  daysOverdue: number;
}

const DAY_MS = 24 * 3600 * 1000;

const PHASES: Record<YearEndPhase, [string, string]> = {
  waiting: ['Chưa đến đợt kiểm tra', 'Before the inspection'],
  inspection: ['Đang kiểm tra, chấm điểm', 'Inspection in progress'],
  classified: ['Đã khóa kết quả xếp loại', 'Classes locked'],
  voting: ['Đang bỏ phiếu suy tôn', 'Ballots open'],
  results: ['Đã có kết quả bỏ phiếu', 'Ballot results out'],
  proposal: ['Đang đề nghị khen thưởng', 'Award proposal under way'],
  done: ['Hoàn thành', 'Done'],
  cancelled: ['Đã hủy', 'Cancelled'],
};

const AWARD_STATUS: Record<string, [string, string]> = {
  waiting: ['Chưa bỏ phiếu', 'Not voted yet'],
  voting: ['Đang bỏ phiếu', 'Voting'],
  tie: ['Hòa phiếu, chờ chủ trì quyết định', 'Tied: waiting for the chair'],
  decided: ['Đã có kết quả', 'Decided'],
  'no-candidates': ['Không có đơn vị đủ điều kiện', 'No eligible unit'],
  void: ['Không đủ số đại biểu tối thiểu: kết quả không có giá trị', 'Quorum not met: the result is void'],
};

export function yearEndView(row: YearEndRow, clusterName: string, unitNames: Map<string, string>, now: Date, lang: Lang): { view: YearEndView; stuck: YearEndStuck[] } {
  const pick = ([vi, en]: [string, string]) => (lang === 'en' ? en : vi);
  const state = JSON.parse(row.state) as YearEndState;
  const name = (id: string) => unitNames.get(id) ?? id;
  const units = state.inspection.units;
  const inspected = units.filter((u) => u.inspected).length;
  const view: YearEndView = {
    clusterId: row.clusterId,
    clusterName,
    workflowId: row.workflowId,
    phase: state.phase,
    phaseLabel: pick(PHASES[state.phase]),
    inspected,
    members: units.length,
    inspectionDueAt: state.inspection.dueAt,
    classes: units.map((u) => ({ unitName: u.unitName, total: u.total, bandName: u.bandName, source: u.source })),
    awards: state.awards.map((a) => {
      const round = a.rounds.at(-1);
      return {
        name: a.name,
        statusLabel: pick(AWARD_STATUS[a.status] ?? [a.status, a.status]),
        progress: round && round.status === 'open' ? `${round.voted.length}/${units.length}${lang === 'en' ? ' voted' : ' đã bỏ phiếu'} (${lang === 'en' ? 'round' : 'vòng'} ${round.round})` : undefined,
        elected: a.elected.map(name),
      };
    }),
    nextHead: state.nextHead ? name(state.nextHead.head) : undefined,
    proposalStatus: state.proposal?.status,
  };

  const stuck: YearEndStuck[] = [];
  const late = now.getTime() - Date.parse(state.inspection.dueAt);
  if (state.phase === 'inspection' && late > 0 && inspected < units.length) {
    const missing = units.filter((u) => !u.inspected).map((u) => u.unitName);
    stuck.push({
      clusterId: row.clusterId,
      workflowId: row.workflowId,
      code: 'inspection_overdue',
      daysOverdue: Math.ceil(late / DAY_MS),
      text: lang === 'en' ? `Inspection past its deadline; not scored: ${missing.join(', ')}` : `Quá hạn kiểm tra; chưa chấm điểm: ${missing.join(', ')}`,
    });
  }
  for (const a of state.awards) {
    if (a.status === 'tie' && a.tie) {
      stuck.push({
        clusterId: row.clusterId,
        workflowId: row.workflowId,
        code: 'tie_waiting',
        daysOverdue: 0,
        text: lang === 'en' ? `${a.name}: tie between ${a.tie.among.map(name).join(', ')}, waiting for the chair` : `${a.name}: hòa phiếu giữa ${a.tie.among.map(name).join(', ')}, chờ chủ trì quyết định`,
      });
    }
    for (const r of a.rounds) {
      if (r.unresolved) {
        stuck.push({
          clusterId: row.clusterId,
          workflowId: row.workflowId,
          code: 'ballots_unresolved',
          daysOverdue: 0,
          text: lang === 'en' ? `${a.name}, round ${r.round}: ${r.unresolved} ballot(s) could not be reconciled after a crash (not counted)` : `${a.name}, vòng ${r.round}: ${r.unresolved} phiếu không đối chiếu được sau sự cố (không tính)`,
        });
      }
    }
  }
  return { view, stuck };
}
