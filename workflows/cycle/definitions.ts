/**
 * The cycle workflow family: one cycle workflow per (issuing body, year), one cluster workflow per
 * cluster, one unit workflow per unit. Types, updates, queries and ID helpers shared by the workflows,
 * the activities and the api live here, and nothing else.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RoundResult, TallyResult, Tie } from '../../rules/ballot';
import type { Band } from '../../rules/classification';
import type { ScoreChange, Scores, SheetInput } from '../../rules/scoring';
import type { StageName, StepName } from '../../rules/steps';

export type { StageName, StepName };

export type Lang = 'vi' | 'en';

export interface Person {
  name: string;
  email: string;
  lang: Lang;
  role?: string;
}

/** Absolute instants (ISO UTC) computed by rules/schedule from the plan: workflows never do calendar maths. */
export interface StepSchedule {
  opensAt: string;
  dueAt: string;
  graceEndsAt: string;
  reminders: { n: number; at: string; daysLeft: number }[];
  escalations: { level: number; at: string }[];
}

export interface CycleRef {
  cycleId: string;
  bodyId: string;
  bodyName: string;
  year: number;
  timeZone: string;
}

export interface CycleWorkflowInput {
  cycle: CycleRef;
  clusterIds: string[];
  /** Set by the cycle itself when it continues as new: how far the previous runs got. */
  carried?: CycleCarried;
}

/** What a cycle run hands to the next when its history grows long (continue-as-new). */
export interface CycleCarried {
  /** Clusters [0, started) of clusterIds have been started. */
  started: number;
  /** Clusters that have reported their end, with how they ended. */
  finished: { clusterId: string; status: ClusterEnd }[];
  /** Continue-as-new happened this many times before (for the state query and tests). */
  runs: number;
}

export type ClusterEnd = 'completed' | 'cancelled' | 'failed';

export interface ClusterWorkflowInput {
  cycle: CycleRef;
  clusterId: string;
  /**
   * The cycle workflow to tell when this cluster ends (clusterFinishedSignal). Set by cycles that may
   * continue as new: their clusters are not awaited as children across runs.
   */
  reportTo?: string;
}

/** A cluster tells its cycle that it has ended (sent to the workflow id, so it reaches the cycle's current run). */
export const clusterFinishedSignal = defineSignal<[{ clusterId: string; status: ClusterEnd }]>('clusterFinished');

export interface UnitWorkflowInput {
  cycle: CycleRef;
  clusterId: string;
  clusterName: string;
  unitId: string;
  unitName: string;
  contacts: Person[];
  reviewer: Person;
  clusterHead: Person;
  /** Only the steps the plan schedules. */
  steps: Partial<Record<StepName, StepSchedule>>;
}

/** pending → open ⇄ submitted → (returned → submitted …) → approved; any unfinished step → cancelled. */
export type StepStatus = 'pending' | 'open' | 'submitted' | 'returned' | 'approved' | 'cancelled';

export interface StepEvent {
  at: string;
  event: 'opened' | 'submitted' | 'returned' | 'approved' | 'reminded' | 'escalated' | 'rescheduled' | 'cancelled';
  round: number;
  by?: string;
  comment?: string;
  n?: number;
  /** Recorded by staff for the unit (e.g. received on paper). */
  onBehalf?: boolean;
}

export interface StepState {
  step: StepName;
  status: StepStatus;
  /** A return opens a new round; each link action is accepted once per round. */
  round: number;
  schedule: StepSchedule;
  /** How many times the coordinator moved this step's dates (0: as planned). */
  scheduleVersion?: number;
  submission?: { fields: Record<string, string>; by: string; at: string; round: number; onBehalf?: boolean };
  review?: { decision: 'approve' | 'return'; comment?: string; by: string; at: string; round: number };
  history: StepEvent[];
}

export interface UnitState {
  /** Who may act for the unit now: a replaced person's links stop working. */
  people: { contacts: string[]; reviewer: string };
  cycleId: string;
  clusterId: string;
  unitId: string;
  unitName: string;
  /** The stage of the first step (in plan order) that is not approved yet; 'done' when all are. */
  stage: StageName | 'done';
  steps: Partial<Record<StepName, StepState>>;
  /** Set when a coordinator withdrew the unit from the cycle. */
  withdrawn?: { by: string; reason: string; at: string };
}

export interface SubmitStepInput {
  step: StepName;
  round: number;
  /** Email of the person whose link was used, or the staff member recording it on the unit's behalf. */
  by: string;
  fields: Record<string, string>;
  /** Set when staff record the submission for the unit (received on paper); the api checked the role. */
  onBehalf?: { note?: string };
}

export interface ReviewStepInput {
  step: StepName;
  round: number;
  by: string;
  decision: 'approve' | 'return';
  comment?: string;
}

/** A coordinator moves a step's dates: every pending reminder and escalation is re-planned. */
export interface RescheduleStepInput {
  step: StepName;
  schedule: StepSchedule;
  by: string;
  reason?: string;
}

/** A coordinator replaces a unit's contact or its reviewer; the new person gets their own links. */
export interface ReplacePersonInput {
  role: 'contact' | 'reviewer';
  /** The email of the person being replaced. */
  email: string;
  person: Person;
  by: string;
}

export const submitStepUpdate = defineUpdate<StepState, [SubmitStepInput]>('submitStep');
export const replacePersonUpdate = defineUpdate<UnitState['people'], [ReplacePersonInput]>('replacePerson');
export const rescheduleStepUpdate = defineUpdate<StepState, [RescheduleStepInput]>('rescheduleStep');
export const reviewStepUpdate = defineUpdate<StepState, [ReviewStepInput]>('reviewStep');
export const unitStateQuery = defineQuery<UnitState>('unitState');

// ---------------------------------------------------------------------------------------------
// The cluster's year-end: inspection → classes → meeting with secret ballots → award proposal.

export interface MemberRef {
  unitId: string;
  unitName: string;
  /** Casts the unit's one ballot (its first contact). */
  delegate: Person;
  contacts: Person[];
  /** The staff member who follows the unit inspects it and enters its final scores. */
  inspector: Person;
}

export interface AwardRule {
  id: string;
  name: string;
  quota: number;
  eligibleBands: string[];
  threshold: { of: 'valid-ballots' | 'members'; share: number; strict: boolean };
  selfVoteAllowed: boolean;
  tie: 'second-round' | 'chair';
}

/** Absolute instants of one cluster's meeting day. */
export interface MeetingSchedule {
  /** Local date of the meeting. */
  date: string;
  place?: string;
  inviteAt: string;
  opensAt: string;
  closesAt: string;
  secondRoundMinutes: number;
}

/** One unit's inspection visit (a morning or afternoon on the timetable). */
export interface InspectionVisit {
  unitId: string;
  date: string;
  slot: 'morning' | 'afternoon';
  startsAt: string;
  endsAt: string;
  place?: string;
}

export interface ClusterYearEndInput {
  clusterName: string;
  /** The visits to this cluster's units, in timetable order; the team receives them all. */
  visits?: InspectionVisit[];
  team?: Person[];
  /** Units check each other's files; the seed makes the assignment repeatable. */
  crossCheck?: { checksPerUnit: number; seed: number };
  members: MemberRef[];
  headUnitId: string;
  deputyUnitId?: string;
  /** The leader in charge: chairs the meeting, decides a 'chair' tie. */
  chair?: Person;
  scoring: { sheet: SheetInput; bands: Band[]; step?: number };
  inspection: StepSchedule;
  meeting?: MeetingSchedule;
  awards: AwardRule[];
  proposal?: { schedule: StepSchedule; council: Person };
}

export interface ScoreEntryState {
  criteria: Scores;
  bonuses: Scores;
  deductions: Scores;
}

export interface UnitResult {
  unitId: string;
  unitName: string;
  /** What the unit gave itself (its self-scoring step), as of the inspection's opening. */
  self?: ScoreEntryState & { total: number };
  inspected?: { entry: ScoreEntryState; total: number; by: string; at: string; changes: ScoreChange[] };
  /** Set when the classes are locked: the inspected total, else the self total (flagged). */
  total?: number;
  source?: 'inspection' | 'self';
  bandId?: string;
  bandName?: string;
}

export interface CrossCheckState {
  checker: string;
  checked: string;
  findings?: string;
  by?: string;
  at?: string;
}

export interface SubmitCrossCheckInput {
  checker: string;
  checked: string;
  by: string;
  findings: string;
}

export interface BallotRoundState {
  round: number;
  /** The units that may be marked (by class in round 1; the tied units in a second round). */
  candidates: string[];
  /** Most units a ballot may mark in this round. */
  seats: number;
  opensAt: string;
  closesAt: string;
  status: 'open' | 'closed';
  closedAt?: string;
  /** Member units that have voted: participation only, never what they marked. */
  voted: { unitId: string; receipt: string }[];
  result?: TallyResult | RoundResult;
  /** Ballots that could not be matched after a crash (see lib/ballot-box.ts); listed in the minutes. */
  unresolved?: number;
}

export interface AwardState {
  awardId: string;
  name: string;
  status: 'waiting' | 'voting' | 'tie' | 'decided' | 'no-candidates';
  rounds: BallotRoundState[];
  tie?: Tie;
  elected: string[];
  decidedBy?: 'ballot' | 'chair';
  decidedAt?: string;
  /** A second round tied again and no chair may decide: these seats stay empty (shown in the minutes). */
  undecided?: { among: string[]; seats: number };
}

export type YearEndPhase = 'waiting' | 'inspection' | 'classified' | 'voting' | 'results' | 'proposal' | 'done' | 'cancelled';

export interface YearEndState {
  phase: YearEndPhase;
  /** Grows with every projection to the read model. */
  revision: number;
  inspection: {
    opensAt: string;
    dueAt: string;
    graceEndsAt: string;
    closedAt?: string;
    units: UnitResult[];
    /** Who checks whose files (kiểm tra chéo), and what they found; the inspector reconciles. */
    crossChecks?: CrossCheckState[];
  };
  meeting?: MeetingSchedule;
  /** How many times the coordinator moved the meeting (the invitation's calendar SEQUENCE). */
  meetingVersion?: number;
  awards: AwardState[];
  /** Next year's head by rotation, announced with the results. */
  nextHead?: { head: string; deputy?: string };
  proposal?: StepState;
}

export interface EnterInspectionInput {
  unitId: string;
  by: string;
  criteria: Scores;
  bonuses?: Scores;
  deductions?: Scores;
  /** A reason for every score that differs from the unit's own. */
  reasons?: Record<string, string>;
}

export interface CastVoteInput {
  awardId: string;
  round: number;
  voterUnitId: string;
  by: string;
  /** A hash of the ballot form's one-time nonce: matches a retry of the same ballot, never the ballot itself. */
  receipt: string;
}

export interface DecideTieInput {
  awardId: string;
  by: string;
  chosen: string[];
}

/** A coordinator moves a cluster's meeting before its ballots open; the invited are told again. */
export interface MoveMeetingInput {
  schedule: MeetingSchedule;
  by: string;
  reason?: string;
}

export const moveMeetingUpdate = defineUpdate<{ meeting: MeetingSchedule; version: number }, [MoveMeetingInput]>('moveMeeting');
export const submitCrossCheckUpdate = defineUpdate<CrossCheckState, [SubmitCrossCheckInput]>('submitCrossCheck');
export const enterInspectionUpdate = defineUpdate<UnitResult, [EnterInspectionInput]>('enterInspection');
export const castVoteUpdate = defineUpdate<{ voted: number; of: number }, [CastVoteInput]>('castVote');
export const decideTieUpdate = defineUpdate<AwardState, [DecideTieInput]>('decideTie');

/** A coordinator withdraws a unit from the cycle (merged, dissolved, moved): its open steps close. */
export interface WithdrawUnitInput {
  unitId: string;
  by: string;
  reason: string;
}

/** A coordinator adds a unit to a running cluster (compiled by the api from the amended plan). */
export interface AddUnitInput {
  unit: UnitWorkflowInput;
  /** Its entry in the cluster's year-end, when the plan has one. */
  member?: MemberRef;
  by: string;
  reason: string;
}

export const addUnitUpdate = defineUpdate<ClusterState['units'][number], [AddUnitInput]>('addUnit');
export const withdrawUnitUpdate = defineUpdate<ClusterState['units'][number], [WithdrawUnitInput]>('withdrawUnit');
/** The cluster tells its unit workflow (a workflow can signal another, not update it). */
export const unitWithdrawnSignal = defineSignal<[WithdrawUnitInput]>('unitWithdrawn');

export interface ClusterState {
  cycleId: string;
  clusterId: string;
  units: { unitId: string; workflowId: string; done: boolean; withdrawn?: { by: string; reason: string; at: string } }[];
  yearEnd?: YearEndState;
}
export const clusterStateQuery = defineQuery<ClusterState>('clusterState');

export interface CycleState {
  cycleId: string;
  clusters: { clusterId: string; workflowId: string; done: boolean }[];
  status: 'starting' | 'running' | 'completed';
  /** How many times the cycle has continued as new (absent before that existed). */
  runs?: number;
}
export const cycleStateQuery = defineQuery<CycleState>('cycleState');

export const cycleIdOf = (bodyId: string, year: number): string => `thidua:${bodyId}:${year}`;
export const cycleWorkflowId = (cycleId: string): string => `${cycleId}:cycle`;
export const clusterWorkflowId = (cycleId: string, clusterId: string): string => `${cycleId}:cluster:${clusterId}`;
export const unitWorkflowId = (cycleId: string, unitId: string): string => `${cycleId}:unit:${unitId}`;

/** Who may act on a step through a link, and with which actions. */
export type LinkRole = 'unit' | 'reviewer';
export const ACTIONS_BY_ROLE: Record<LinkRole, readonly ('submit' | 'approve' | 'return')[]> = {
  unit: ['submit'],
  reviewer: ['approve', 'return'],
};

/** Links to the cluster's year-end actions: the link's step names the unit, ballot or award it acts on. */
export type YearEndLinkRole = 'inspector' | 'voter' | 'chair' | 'checker';
export const inspectionLinkStep = (unitId: string) => `inspection:${unitId}`;
export const crossCheckLinkStep = (checker: string, checked: string) => `crosscheck:${checker}:${checked}`;
export const ballotLinkStep = (awardId: string, round: number, voterUnitId: string) => `ballot:${awardId}:${round}:${voterUnitId}`;
export const tieLinkStep = (awardId: string) => `tie:${awardId}`;
/** The ballot box of one round of one award in one cluster. */
export const ballotBoxId = (clusterWorkflowId: string, awardId: string, round: number) => `${clusterWorkflowId}:${awardId}:${round}`;

/** Statuses in which the unit is the one expected to act (reminders and escalations apply). */
export const awaitingUnit = (s: StepStatus): boolean => s === 'open' || s === 'returned';

/** The secretariat asks, from its dashboard, for one more reminder or an escalation now (audited by the api). */
export interface ManualStepActionInput {
  step: StepName;
  /** The staff member who clicked (or 'api-token'). */
  by: string;
}

/** What was queued: the step's main loop sends it with the business key `manual-<action>:<n>`. */
export interface ManualStepActionResult {
  step: StepName;
  action: 'remind' | 'escalate';
  /** Counts per step and action: the n-th manual reminder (or escalation) of this step. */
  n: number;
}

export const remindNowUpdate = defineUpdate<ManualStepActionResult, [ManualStepActionInput]>('remindNow');
export const escalateNowUpdate = defineUpdate<ManualStepActionResult, [ManualStepActionInput]>('escalateNow');
