/**
 * The cycle workflow family: one cycle workflow per (issuing body, year), one cluster workflow per
 * cluster, one unit workflow per unit. Types, updates, queries and ID helpers shared by the workflows,
 * the activities and the api live here, and nothing else.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Attendance, QuorumCount, QuorumRule, RoundResult, TallyResult, Tie } from '../../rules/ballot';
import type { Band } from '../../rules/classification';
import type { ChecklistAnswers, ChecklistItem } from '../../rules/checklist';
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
  /**
   * The units' task queue, when the cycle runs on its own (cyclesTaskQueue): its clusters run there
   * too, and start their units here. Unset for cycles started before (all on one queue).
   */
  unitTaskQueue?: string;
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
  /** Forwards from the level below not yet received (taken again by the next run: receiving is idempotent). */
  inbox?: ForwardInput[];
  /** Forwards already received. */
  inbound?: CycleState['inbound'];
  /** The council's decisions on received forwards that have not finished (asked, or decided but not yet reported down). */
  decisions?: { forward: ForwardInput; state: ForwardDecisionState }[];
  /** The decisions already finished (reported down), still shown by the state query. */
  decided?: ForwardDecisionState[];
  /** The parent's decisions on this cycle's own forwards, received so far. */
  outcomes?: CycleState['outcomes'];
  /** Role delegations (council members) named for this cycle. */
  delegations?: RoleDelegation[];
}

/** terminated: by the secretariat from its dashboard (the api tells the cycle, the cluster cannot); the cycle still completes. */
export type ClusterEnd = 'completed' | 'cancelled' | 'failed' | 'terminated';

export interface ClusterWorkflowInput {
  cycle: CycleRef;
  clusterId: string;
  /**
   * The cycle workflow to tell when this cluster ends (clusterFinishedSignal). Set by cycles that may
   * continue as new: their clusters are not awaited as children across runs.
   */
  reportTo?: string;
  /** The task queue of the cluster's units (CycleWorkflowInput.unitTaskQueue); unset: the cluster's own. */
  unitTaskQueue?: string;
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
  /** The individual award titles the nominations step asks for (with their per-unit quotas). */
  individualAwards?: IndividualAwardRule[];
  /** The evidence checklists of the steps that have one (only present when some step has). */
  checklists?: Partial<Record<StepName, ChecklistItem[]>>;
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
  /** The person `by` stood in for (a delegation): "by on behalf of actingFor". */
  actingFor?: string;
}

export interface StepState {
  step: StepName;
  status: StepStatus;
  /** A return opens a new round; each link action is accepted once per round. */
  round: number;
  schedule: StepSchedule;
  /** How many times the coordinator moved this step's dates (0: as planned). */
  scheduleVersion?: number;
  submission?: { fields: Record<string, string>; by: string; at: string; round: number; onBehalf?: boolean; checklist?: ChecklistAnswers };
  /** The evidence checklist the step requires before it may be sent (rules/checklist.ts). */
  checklist?: ChecklistItem[];
  review?: { decision: 'approve' | 'return'; comment?: string; by: string; at: string; round: number; forward?: boolean; actingFor?: string };
  history: StepEvent[];
}

export interface UnitState {
  /** Who may act for the unit now: a replaced person's links stop working; a substitute's work while the delegation runs. */
  people: { contacts: string[]; reviewer: string; acting?: ActingNow[] };
  /** Every delegation named for this unit (past, running and to come). */
  delegations?: Delegation[];
  cycleId: string;
  clusterId: string;
  unitId: string;
  unitName: string;
  /** The stage of the first step (in plan order) that is not approved yet; 'done' when all are. */
  stage: StageName | 'done';
  steps: Partial<Record<StepName, StepState>>;
  /** Set when a coordinator withdrew the unit from the cycle. */
  withdrawn?: { by: string; reason: string; at: string };
  /** The launch notice (thông báo phát động) its contacts were sent when its year started (workflows/cycle/launch-notice.ts). */
  launchNotice?: { key: string; to: string[]; at: string };
}

export interface SubmitStepInput {
  step: StepName;
  round: number;
  /** Email of the person whose link was used, or the staff member recording it on the unit's behalf. */
  by: string;
  fields: Record<string, string>;
  /** The ticked items of the step's evidence checklist, with their notes. */
  checklist?: ChecklistAnswers;
  /** Set when staff record the submission for the unit (received on paper); the api checked the role. */
  onBehalf?: { note?: string };
}

export interface ReviewStepInput {
  step: StepName;
  round: number;
  by: string;
  decision: 'approve' | 'return';
  comment?: string;
  /** The council approves the cluster's proposal and forwards it to the parent body's cycle. */
  forward?: boolean;
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

/**
 * A coordinator names an acting substitute for a unit's contact or its reviewer for a period
 * [fromAt, untilAt): meanwhile their mail and links go to the substitute, who acts on their behalf
 * (recorded as such); afterwards everything goes to the person again.
 */
export interface DelegateInput {
  role: 'contact' | 'reviewer';
  /** The email of the person who is away. */
  email: string;
  substitute: Person;
  fromAt: string;
  untilAt: string;
  by: string;
  reason?: string;
}

export interface Delegation extends DelegateInput {
  at: string;
}

/** A substitute acting now: `email` acts for `for` in `role` until `until`. */
export interface ActingNow {
  role: 'contact' | 'reviewer';
  email: string;
  for: string;
  until: string;
}

export const delegateUpdate = defineUpdate<Delegation[], [DelegateInput]>('delegate');
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
  /** The meeting's quorum (plan stages.meeting.quorum): attendance is recorded, a round without it is void. */
  quorum?: QuorumRule;
  awards: AwardRule[];
  proposal?: { schedule: StepSchedule; council: Person; checklist?: ChecklistItem[] };
  /** The parent body's cycle, when the council may forward the proposal there. */
  forwardTo?: ForwardTarget;
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
  inspected?: { entry: ScoreEntryState; total: number; by: string; at: string; changes: ScoreChange[]; actingFor?: string };
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
  /** With a quorum rule: where it stood when the round closed; not met → the round's result is void. */
  quorum?: QuorumCount;
}

export interface AwardState {
  awardId: string;
  name: string;
  /** void: a round closed without the meeting's quorum; its result does not count and nobody is elected. */
  status: 'waiting' | 'voting' | 'tie' | 'decided' | 'no-candidates' | 'void';
  rounds: BallotRoundState[];
  tie?: Tie;
  elected: string[];
  decidedBy?: 'ballot' | 'chair';
  /** A tie decided by the chair: who chose (the chair's email, or their acting substitute's). */
  chosenBy?: string;
  chosenByName?: string;
  /** The chair `chosenBy` stood in for (a role delegation): "chosenBy on behalf of actingFor". */
  actingFor?: string;
  actingForName?: string;
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
  /** How many times the inspection moved with the meeting (the visits' and inspectors' calendar SEQUENCE). */
  inspectionVersion?: number;
  awards: AwardState[];
  /** Who attended the meeting (and by proxy), as the chair recorded it; with a quorum rule only. */
  attendance?: Attendance & { by: string; at: string };
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

/** The chair's record of who attends the meeting (present units, and absent ones voting by written proxy). */
export interface RecordAttendanceInput extends Attendance {
  by: string;
}

/**
 * A coordinator moved the meeting, and with it an inspection whose dates the plan writes relative to
 * it: the inspection's window (requests, reminders, deadline) and the visits (moved by as many working
 * days) follow, before the inspection closes. Those already told are told again.
 */
export interface RescheduleInspectionInput {
  inspection: StepSchedule;
  visits?: InspectionVisit[];
  by: string;
  reason?: string;
}

export const rescheduleInspectionUpdate = defineUpdate<{ inspection: StepSchedule; visits: InspectionVisit[]; version: number }, [RescheduleInspectionInput]>('rescheduleInspection');
export const recordAttendanceUpdate = defineUpdate<Attendance & { by: string; at: string }, [RecordAttendanceInput]>('recordAttendance');
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

/**
 * One of the cluster's own registration steps (the pact, the year's head and deputy): the head's
 * delegate sends it through its link, the approver accepts or returns it; reminders and escalations
 * as for a unit's step. `prefill` is what the form starts with (e.g. the head and deputy the plan names).
 */
export interface ClusterStepInput {
  schedule: StepSchedule;
  submitter: Person;
  approver: Person;
  prefill?: Record<string, string>;
  checklist?: ChecklistItem[];
}

export interface ClusterState {
  cycleId: string;
  clusterId: string;
  units: { unitId: string; workflowId: string; done: boolean; withdrawn?: { by: string; reason: string; at: string } }[];
  yearEnd?: YearEndState;
  nominations?: NominationListState;
  /** What the council forwarded to the parent body's cycle. */
  forwarded?: { forwardId: string; kind: 'proposal' | 'nominations'; toCycleId: string; delivered: boolean }[];
  /** The cluster's own registration steps (pact, head and deputy), when the plan has them. */
  steps?: Partial<Record<StepName, StepState>>;
  /** Acting substitutes for the cluster's head, leader, council and inspectors (POST /api/cycles/:id/delegations). */
  delegations?: RoleDelegation[];
}
export const clusterStateQuery = defineQuery<ClusterState>('clusterState');

export interface CycleState {
  cycleId: string;
  clusters: { clusterId: string; workflowId: string; done: boolean }[];
  status: 'starting' | 'running' | 'completed';
  /** Proposals forwarded to this cycle by the councils of the bodies below (ForwardInput ids). */
  inbound?: { forwardId: string; fromCycleId: string; kind: 'proposal' | 'nominations'; items: number }[];
  /** How many times the cycle has continued as new (absent before that existed). */
  runs?: number;
  /** This council's decision on each forward received from below (forward-decision.ts). */
  decisions?: ForwardDecisionState[];
  /** The parent's decisions on what this cycle's councils forwarded up, as the parent sent them back. */
  outcomes?: { forwardId: string; toCycleId: string; decidedAt: string; approved: number; returned: number }[];
  /** Acting substitutes for this cycle's council members (POST /api/cycles/:id/delegations). */
  delegations?: RoleDelegation[];
}
export const cycleStateQuery = defineQuery<CycleState>('cycleState');

export const cycleIdOf = (bodyId: string, year: number): string => `thidua:${bodyId}:${year}`;
/**
 * The task queue of a deployment's cycle and cluster workflows, beside its TASK_QUEUE for the units:
 * a cycle's and its clusters' tasks (the batches of starts) do not queue behind the units' (worker/queue-workers.ts).
 */
export const cyclesTaskQueue = (taskQueue: string): string => `${taskQueue}-cycles`;

export const cycleWorkflowId = (cycleId: string): string => `${cycleId}:cycle`;
export const clusterWorkflowId = (cycleId: string, clusterId: string): string => `${cycleId}:cluster:${clusterId}`;
export const unitWorkflowId = (cycleId: string, unitId: string): string => `${cycleId}:unit:${unitId}`;

/** Who may act on a step through a link, and with which actions. */
export type LinkRole = 'unit' | 'reviewer';
export const ACTIONS_BY_ROLE: Record<LinkRole, readonly ('submit' | 'approve' | 'return' | 'forward')[]> = {
  unit: ['submit'],
  reviewer: ['approve', 'return', 'forward'],
};

/** Links to the cluster's year-end actions: the link's step names the unit, ballot or award it acts on. */
export type YearEndLinkRole = 'inspector' | 'voter' | 'chair' | 'checker' | 'council';
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

// ---------------------------------------------------------------------------------------------
// Individual awards (rules/nominations.ts): units nominate persons, followers verify, the council
// decides each nomination; and forwarding a decision to the parent body's cycle.

export interface IndividualAwardRule {
  id: string;
  name: string;
  criteria: string;
  documents: string[];
  quota: { perUnit?: number; perCluster?: number };
  decidedBy: 'council' | 'parent';
}

/** The parent body's cycle of the same year (thidua:<body.parent>:<year>), when the plan names one. */
export interface ForwardTarget {
  cycleId: string;
  bodyId: string;
  bodyName?: string;
}

/** What the cluster workflow needs to collect its units' nominations and have the council decide them. */
export interface ClusterNominationsInput {
  clusterName: string;
  titles: IndividualAwardRule[];
  /** The nominations stage: the list goes to the council when every member's list is verified, at the latest when its grace ends. */
  schedule: StepSchedule;
  council: Person;
  members: { unitId: string; unitName: string; contacts: Person[] }[];
  forwardTo?: ForwardTarget;
}

export interface NominatedPerson {
  titleId: string;
  name: string;
  position: string;
  achievements: string;
}

export type CouncilDecision = 'approve' | 'forward' | 'refuse';

export interface NominationItem extends NominatedPerson {
  /** `<unitId>:<n>`: the n-th person (from 1) of the unit's verified list. */
  id: string;
  unitId: string;
  unitName: string;
  titleName: string;
  verifiedAt: string;
  decision?: CouncilDecision;
  reason?: string;
  decidedAt?: string;
  decidedBy?: string;
  /** Set when the decision forwarded it: the forward's id (see ForwardInput). */
  forwardId?: string;
}

export interface NominationListState {
  /** collecting: waiting for the units' verified lists; deciding: with the council; decided: every nomination decided. */
  phase: 'collecting' | 'deciding' | 'decided' | 'cancelled';
  revision: number;
  sentAt?: string;
  /** Units whose verified list (possibly empty) has arrived. */
  received: string[];
  items: NominationItem[];
}

/** A unit workflow tells its cluster that its follower approved its nominations (a workflow can signal, not update, another). */
export interface NominationsVerifiedInput {
  unitId: string;
  round: number;
  nominations: NominatedPerson[];
}

export interface DecideNominationsInput {
  by: string;
  decisions: { id: string; decision: CouncilDecision; reason?: string }[];
}

export const nominationsVerifiedSignal = defineSignal<[NominationsVerifiedInput]>('nominationsVerified');
export const decideNominationsUpdate = defineUpdate<NominationListState, [DecideNominationsInput]>('decideNominations');
export const nominationsLinkStep = (clusterId: string) => `nominations:${clusterId}`;

/** One entry of a forwarded proposal: a unit (for a collective title) or a person (for an individual one). */
export interface ForwardItem {
  kind: 'unit' | 'person';
  titleId: string;
  titleName: string;
  unitId: string;
  unitName: string;
  person?: { name: string; position: string; achievements: string };
  /** The nomination's id in the sending cluster's list (persons). */
  nominationId?: string;
}

/** A council's decision forwarded to the level above: a signal to the parent body's cycle workflow. */
export interface ForwardInput {
  /** `<fromCycleId>:<clusterId>:<kind>:<n>`: the business key; the parent takes each once. */
  forwardId: string;
  kind: 'proposal' | 'nominations';
  fromCycleId: string;
  fromBodyId: string;
  fromBodyName: string;
  fromClusterId: string;
  fromClusterName: string;
  toCycleId: string;
  items: ForwardItem[];
  decidedBy: string;
  decidedAt: string;
  comment?: string;
  /**
   * Items the parent returned, sent again after amending (POST /api/cycles/:id/forwards/:forwardId/resend):
   * the forward they come from and each item's `n` there, in this forward's order.
   */
  resendOf?: { forwardId: string; items: number[] };
}

export const forwardSignal = defineSignal<[ForwardInput]>('forwardedProposal');

/** The parent council's decision on one item of a forward: approve it, or return it to the body below with a comment. */
export type ForwardItemDecision = 'approve' | 'return';

/** The parent cycle's decision on one forward (workflows/cycle/forward-decision.ts): asked, decided, reported down. */
export interface ForwardDecisionState {
  forwardId: string;
  fromCycleId: string;
  kind: 'proposal' | 'nominations';
  /** Who decides (any one of them decides for the council): each got a personal link. */
  council: Person[];
  /** The council's deadline (plan forwards.decideWithin), with the reminders before it. */
  dueAt?: string;
  reminders: { n: number; at: string; daysLeft: number }[];
  expiresAt: string;
  status: 'deciding' | 'decided';
  /** One entry per item of the forward, in its order (`n` from 0). */
  items: { n: number; decision?: ForwardItemDecision; comment?: string }[];
  decidedBy?: string;
  /** The council member the decider stood in for (a delegation). */
  actingFor?: string;
  decidedAt?: string;
  /** How the body below learnt the decision: its cycle took the signal, or (not running) it was mailed from here. */
  reported?: 'signal' | 'mail';
}

export interface DecideForwardInput {
  forwardId: string;
  by: string;
  decisions: { n: number; decision: ForwardItemDecision; comment?: string }[];
}

/** What goes back down to the cycle that forwarded: the decision on each item. */
export interface ForwardOutcome {
  forwardId: string;
  kind: 'proposal' | 'nominations';
  fromCycleId: string;
  fromClusterId: string;
  fromClusterName: string;
  toCycleId: string;
  toBodyName: string;
  items: (ForwardItem & { decision: ForwardItemDecision; comment?: string })[];
  decidedBy: string;
  actingFor?: string;
  decidedAt: string;
}

export const decideForwardUpdate = defineUpdate<ForwardDecisionState, [DecideForwardInput]>('decideForward');
export const forwardDecidedSignal = defineSignal<[ForwardOutcome]>('forwardDecided');
/** The council's link to decide one forward (role `council`, on the parent cycle's workflow). */
export const forwardLinkStep = (forwardId: string) => `forward:${forwardId}`;

// ---------------------------------------------------------------------------------------------
// Delegation for the people of a cluster and a cycle (head, leader, council, inspectors): an acting
// substitute for local days from–to, as for a unit's contacts and reviewer (rules/delegation.ts).

export type RoleDelegationRole = 'head' | 'leader' | 'council' | 'inspector';

/** A delegation of one of the roles beyond a unit's contacts and reviewer; the same period and parties. */
export interface DelegateRoleInput extends Omit<DelegateInput, 'role'> {
  role: RoleDelegationRole;
}

export interface RoleDelegation extends DelegateRoleInput {
  at: string;
}

export const delegateRoleUpdate = defineUpdate<RoleDelegation[], [DelegateRoleInput]>('delegateRole');

// ---------------------------------------------------------------------------------------------
// The cycle's daily mail: personal digests (plans with notifications.digest) and the secretariat's digest.

export const dailyMailWorkflowId = (cycleId: string): string => `${cycleId}:daily-mail`;

export interface DailyMailInput {
  cycleId: string;
  /** The workflow's time (ISO): what is due is decided from it, not from the activity's clock. */
  at: string;
}

export interface DailyMailResult {
  /** When to run again (ISO UTC). */
  nextAt: string;
  /** The cycle has ended: held items were dropped, nothing more will be due. */
  done: boolean;
  digests?: { digests: number; alone: number; refused: number; dropped: number };
  secretariat?: { day: string; items: number; sent: number };
}
