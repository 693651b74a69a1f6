/**
 * MongoDB collections. Only features that both MongoDB and FerretDB v1 support are used: plain and
 * unique indexes, upserts, findOneAndUpdate without projection; no transactions, TTL, partial indexes,
 * change streams or $lookup. Idempotency comes from business keys used as `_id`.
 */
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const cycleSchema = new Schema(
  {
    _id: { type: String, required: true }, // thidua:<body>:<year>
    bodyId: { type: String, required: true },
    bodyName: { type: String, required: true },
    year: { type: Number, required: true },
    workflowId: { type: String, required: true },
    status: { type: String, enum: ['starting', 'running', 'completed', 'cancelled', 'failed'], required: true },
    plan: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    /** Set once when a closed year is archived (api/services/cycle-archive.ts): read-only from then on. */
    archivedAt: { type: Date },
    archivedBy: { type: String },
  },
  { collection: 'cycles', versionKey: false, minimize: false },
);

/** The compiled plan of one cluster: what its workflow needs to start its units. */
const clusterPlanSchema = new Schema(
  {
    _id: { type: String, required: true }, // <cycleId>:<clusterId>
    cycleId: { type: String, required: true, index: true },
    clusterId: { type: String, required: true },
    name: { type: String, required: true },
    status: { type: String, default: 'pending' },
    units: { type: Schema.Types.Mixed, required: true },
    /** The cluster's own stages (inspection, meeting, proposal), when the plan has them. */
    yearEnd: { type: Schema.Types.Mixed },
    /** The cluster's individual nominations (titles, council, members), when the plan has individual awards. */
    nominations: { type: Schema.Types.Mixed },
    /** The cluster's own registration steps (pact, head and deputy), when the plan has them. */
    clusterSteps: { type: Schema.Types.Mixed },
  },
  { collection: 'cluster_plans', versionKey: false, minimize: false },
);

/** Read model of a cluster's year-end (scores, classes, ballots' participation and results), upserted by its workflow. */
const clusterYearEndSchema = new Schema(
  {
    _id: { type: String, required: true }, // <cycleId>:<clusterId>
    cycleId: { type: String, required: true, index: true },
    clusterId: { type: String, required: true },
    workflowId: { type: String, required: true },
    phase: { type: String, required: true },
    /** Grows with every projection: a delayed retry of an older one never overwrites a newer one. */
    revision: { type: Number, required: true },
    /** The YearEndState as JSON: score sheets key items by ids like "1.2", which FerretDB refuses as field names. */
    state: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'cluster_year_ends', versionKey: false, minimize: false },
);

/** Read model of a cluster's individual nominations and the council's decision on each, upserted by its workflow. */
/**
 * Who stands in for whom now in one cluster's or cycle's workflow (a head, leader, council member or
 * inspector away: workflows/cycle/role-delegation.ts), projected by the workflow at every start and
 * end of a delegation: the link pages and the audit read it ("X on behalf of Y").
 */
const roleActingSchema = new Schema(
  {
    _id: { type: String, required: true }, // the workflow id
    cycleId: { type: String, required: true, index: true },
    /** [{ role, email (the substitute), for, until }] */
    acting: { type: Schema.Types.Mixed, required: true },
    /** Grows with every projection: a delayed retry never overwrites a newer list. */
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'role_acting', versionKey: false, minimize: false },
);

const clusterNominationsSchema = new Schema(
  {
    _id: { type: String, required: true }, // <cycleId>:<clusterId>
    cycleId: { type: String, required: true, index: true },
    clusterId: { type: String, required: true },
    workflowId: { type: String, required: true, index: true },
    phase: { type: String, required: true },
    revision: { type: Number, required: true },
    /** The NominationListState as JSON (free text from the units inside). */
    state: { type: String, required: true },
    /** What this list forwarded to the parent body's cycle, as JSON. */
    forwarded: { type: String },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'cluster_nominations', versionKey: false, minimize: false },
);

/**
 * A council's decision forwarded to the parent body's cycle: one row per forward, seen from both
 * cycles (outgoing by fromCycleId, incoming by toCycleId). Each side sets its own fields (the sender
 * sentAt/pendingSince, the parent deliveredAt), so their writes never overwrite each other.
 */
const forwardSchema = new Schema(
  {
    _id: { type: String, required: true }, // the ForwardInput's forwardId
    fromCycleId: { type: String, required: true, index: true },
    fromClusterId: { type: String, required: true },
    toCycleId: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    /** The ForwardInput as JSON. */
    forward: { type: String, required: true },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
    /** The parent's cycle could not be signalled (not started): it takes this forward when it starts. */
    pendingSince: { type: Date },
    deliveredAt: { type: Date },
    /** The parent's council was asked to decide (workflows/cycle/forward-decision.ts), and by when. */
    decisionOpenedAt: { type: Date },
    decisionDueAt: { type: Date },
    /** The parent's ForwardDecisionState as JSON, and when it was decided. */
    decision: { type: String },
    decidedAt: { type: Date },
    /** The cycle below was told the decision (its coordinators mailed). */
    outcomeAnnouncedAt: { type: Date },
    /** This forward re-sends items the parent returned from that forward (its id). */
    resendOf: { type: String },
  },
  { collection: 'forwards', versionKey: false, minimize: false },
);

/**
 * The ballot box. A row holds the marks of one ballot and nothing about who cast it: its _id is a
 * hash of the ballot form's one-time nonce, no timestamp, no voter (see lib/ballot-box.ts).
 */
const ballotSchema = new Schema(
  {
    _id: { type: String, required: true },
    boxId: { type: String, required: true, index: true },
    marks: { type: [String], required: true },
    /** 'sealed' until the workflow has recorded the unit's participation; then 'cast'. */
    status: { type: String, enum: ['sealed', 'cast'], required: true },
  },
  { collection: 'ballots', versionKey: false },
);

/** Read model: one row per (unit workflow, step), upserted by the workflow after every change. */
const stepStateSchema = new Schema(
  {
    _id: { type: String, required: true }, // <unitWorkflowId>:<step>
    cycleId: { type: String, required: true, index: true },
    clusterId: { type: String, required: true },
    unitId: { type: String, required: true },
    unitName: { type: String, required: true },
    workflowId: { type: String, required: true },
    step: { type: String, required: true },
    status: { type: String, required: true },
    round: { type: Number, required: true },
    dueAt: { type: Date, required: true },
    lastProgressAt: { type: Date, required: true },
    /** History length of the projected state: a late, older projection never overwrites a newer one. */
    version: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    /** Who may act for the unit now; a replaced person's links are refused. */
    /** `acting`: substitutes standing in now (a delegation), whose links work meanwhile. */
    people: { contacts: [String], reviewer: String, acting: { type: [Schema.Types.Mixed], default: undefined } },
  },
  { collection: 'step_states', versionKey: false, minimize: false },
);

/**
 * Every email goes through here first. `_id` is the business key, so a retried activity finds the row
 * and does not send again; `messageId` is fixed at insert so a resend inside the crash window is
 * recognisable as the same message.
 */
const outboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    cycleId: { type: String, index: true },
    kind: { type: String, required: true },
    to: { type: String, required: true },
    subject: { type: String, required: true },
    messageId: { type: String, required: true },
    status: { type: String, enum: ['pending', 'sent', 'failed'], required: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
  },
  { collection: 'outbox', versionKey: false },
);

/**
 * A lease on one outbox row while an attempt sends it. Inserting under the row's key is the atomic
 * step (a unique _id is atomic on MongoDB and FerretDB alike; FerretDB's findOneAndUpdate is not).
 * The lease of a sent message is left in place, expired (deleting costs more than keeping it).
 */
const outboxClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    until: { type: Date, required: true },
  },
  { collection: 'outbox_claims', versionKey: false },
);

/**
 * Daily digests (activities/digest.ts). An item is one held notice for one person and local day
 * (`<cycleId>|<day>|<mail key>`, the notice itself as JSON: FerretDB refuses dotted field names).
 * A group (`<cycleId>|<day>|<email>`) is sealed before its content is fixed: an item recorded after
 * the seal is sent on its own unless the content (first writer wins) lists it.
 */
const digestItemSchema = new Schema(
  {
    _id: { type: String, required: true },
    cycleId: { type: String, required: true, index: true },
    day: { type: String, required: true },
    to: { type: String, required: true },
    mailKey: { type: String, required: true },
    notice: { type: String, required: true },
    createdAt: { type: Date, required: true },
    /** Sent (in a digest or alone) or dropped (the cycle ended): not looked at again. */
    done: { type: Boolean, default: false },
    outcome: { type: String },
  },
  { collection: 'digest_items', versionKey: false },
);
digestItemSchema.index({ cycleId: 1, done: 1, day: 1 });

const digestSealSchema = new Schema(
  {
    _id: { type: String, required: true },
    cycleId: { type: String, required: true },
    day: { type: String, required: true },
    to: { type: String, required: true },
    sealedAt: { type: Date, required: true },
  },
  { collection: 'digest_seals', versionKey: false },
);

const digestContentSchema = new Schema(
  {
    _id: { type: String, required: true },
    items: { type: [String], required: true },
    at: { type: Date, required: true },
  },
  { collection: 'digest_contents', versionKey: false },
);

/** The secretariat's daily escalation digest of one cycle and working day: what was stuck then, and what was new. */
const secretariatDigestSchema = new Schema(
  {
    _id: { type: String, required: true }, // <cycleId>|<day>
    cycleId: { type: String, required: true, index: true },
    day: { type: String, required: true },
    /** Every (item, reason) stuck at that run: tomorrow's "new" is what is not in here. */
    keys: { type: [String], required: true },
    /** The new ones as listed in the email (JSON), the same on every retry. */
    items: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'secretariat_digests', versionKey: false },
);

/** One row per (token, round, action): a link acts once per round of its step. */
const linkUseSchema = new Schema(
  {
    _id: { type: String, required: true },
    workflowId: { type: String, required: true },
    step: { type: String, required: true },
    action: { type: String, required: true },
    by: { type: String, required: true },
    usedAt: { type: Date, required: true },
  },
  { collection: 'link_uses', versionKey: false },
);

/**
 * Link actions that no worker accepted in time. An update is only durable once a worker accepts it,
 * so the api keeps the click here and a retrier delivers it later with the same update id.
 */
const actionInboxSchema = new Schema(
  {
    _id: { type: String, required: true }, // the update id: <tokenId>:<round>:<action>
    workflowId: { type: String, required: true },
    update: { type: String, enum: ['submitStep', 'reviewStep', 'enterInspection', 'decideTie', 'submitCrossCheck'], required: true },
    /** The update's argument as JSON (scores are keyed by item ids such as "1.2"); older rows have `args`. */
    argsJson: { type: String },
    args: { type: Schema.Types.Mixed },
    step: { type: String, required: true },
    /** The audited action, e.g. 'step.submit' (older rows: 'submit'). */
    action: { type: String, required: true },
    by: { type: String, required: true },
    role: { type: String },
    audit: { type: Schema.Types.Mixed },
    status: { type: String, enum: ['queued', 'delivered', 'rejected'], required: true, index: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String },
    createdAt: { type: Date, required: true },
    doneAt: { type: Date },
  },
  { collection: 'action_inbox', versionKey: false, minimize: false },
);

/** Append-only: the app inserts, never updates or deletes. */
const auditSchema = new Schema(
  {
    at: { type: Date, required: true, index: true },
    actor: { type: String, required: true },
    action: { type: String, required: true },
    target: { type: String, required: true },
    details: { type: Schema.Types.Mixed },
  },
  { collection: 'audit', versionKey: false },
);
// The app never edits the audit: any update, replace or delete through the model throws.
for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate', 'findOneAndReplace', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndDelete'] as const) {
  auditSchema.pre(op, function refuse() {
    throw new Error(`the audit log is append-only (${op} refused)`);
  });
}

export const STAFF_ROLES = ['coordinator', 'secretariat', 'council', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** A staff member who signs in with a password. `_id` is the email, lowercase. */
const staffAccountSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    roles: { type: [{ type: String, enum: STAFF_ROLES }], required: true },
    /** Absent: every cluster. `clusters` set: only routes naming one of those clusters. */
    scope: { clusters: { type: [String], default: undefined }, _id: false },
    /** Argon2id PHC string, or the older scrypt$N$r$p$salt$hash (lib/staff.ts). */
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    disabledAt: { type: Date },
    failedLogins: { type: Number, default: 0 },
    lockedUntil: { type: Date },
  },
  { collection: 'staff_accounts', versionKey: false },
);

/**
 * A signed-in browser. `_id` is the sha256 of the cookie's random value (a read of this collection
 * gives no usable cookie); `kind: 'token'` is a session opened with the API token. Deleted on logout;
 * `expiresAt` is compared on every request (no TTL index on FerretDB).
 */
const staffSessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['account', 'token'], required: true },
    email: { type: String, required: true, index: true },
    csrf: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'staff_sessions', versionKey: false },
);

/** A one-time password reset link: `_id` is the sha256 of the emailed token. */
const passwordResetSchema = new Schema(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true, index: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date },
  },
  { collection: 'password_resets', versionKey: false },
);

/** One row per failed sign-in, per key (`email:<email>`, `ip:<ip>`); counted over a window, old rows pruned. */
const loginFailureSchema = new Schema(
  {
    key: { type: String, required: true, index: true },
    at: { type: Date, required: true, index: true },
  },
  { collection: 'login_failures', versionKey: false },
);

/** What the embedded SMTP server received (only used when SMTP_URL is unset). */
const mailboxSchema = new Schema(
  {
    receivedAt: { type: Date, required: true, index: true },
    envelopeFrom: { type: String },
    envelopeTo: { type: [String], required: true },
    messageId: { type: String, index: true },
    from: { type: String },
    to: { type: String },
    subject: { type: String },
    text: { type: String },
    html: { type: String },
    headers: { type: Schema.Types.Mixed },
    attachments: [
      { filename: String, contentType: String, size: Number, content: Buffer, _id: false },
    ],
  },
  { collection: 'mailbox', versionKey: false },
);

export type CycleDoc = InferSchemaType<typeof cycleSchema>;
export type ClusterPlanDoc = InferSchemaType<typeof clusterPlanSchema>;
export type StepStateDoc = InferSchemaType<typeof stepStateSchema>;
export type OutboxDoc = InferSchemaType<typeof outboxSchema>;
export type MailboxDoc = InferSchemaType<typeof mailboxSchema>;
export interface StaffAccountDoc {
  _id: string;
  name: string;
  roles: StaffRole[];
  scope?: { clusters?: string[] };
  passwordHash: string;
  createdAt: Date;
  disabledAt?: Date;
  failedLogins: number;
  lockedUntil?: Date;
}
export type StaffSessionDoc = InferSchemaType<typeof staffSessionSchema> & { _id: string };
export type PasswordResetDoc = InferSchemaType<typeof passwordResetSchema> & { _id: string };

export function createModels(conn: Connection) {
  return {
    Cycle: conn.model('Cycle', cycleSchema) as Model<CycleDoc>,
    ClusterPlan: conn.model('ClusterPlan', clusterPlanSchema) as Model<ClusterPlanDoc>,
    StepState: conn.model('StepState', stepStateSchema) as Model<StepStateDoc>,
    Outbox: conn.model('Outbox', outboxSchema) as Model<OutboxDoc>,
    OutboxClaim: conn.model('OutboxClaim', outboxClaimSchema),
    LinkUse: conn.model('LinkUse', linkUseSchema),
    ActionInbox: conn.model('ActionInbox', actionInboxSchema),
    Audit: conn.model('Audit', auditSchema),
    Mailbox: conn.model('Mailbox', mailboxSchema) as Model<MailboxDoc>,
    ClusterYearEnd: conn.model('ClusterYearEnd', clusterYearEndSchema),
    Ballot: conn.model('Ballot', ballotSchema),
    ClusterNominations: conn.model('ClusterNominations', clusterNominationsSchema),
    RoleActing: conn.model('RoleActing', roleActingSchema),
    Forward: conn.model('Forward', forwardSchema),
    StaffAccount: conn.model('StaffAccount', staffAccountSchema) as unknown as Model<StaffAccountDoc>,
    StaffSession: conn.model('StaffSession', staffSessionSchema) as unknown as Model<StaffSessionDoc>,
    PasswordReset: conn.model('PasswordReset', passwordResetSchema) as unknown as Model<PasswordResetDoc>,
    LoginFailure: conn.model('LoginFailure', loginFailureSchema),
    DigestItem: conn.model('DigestItem', digestItemSchema),
    DigestSeal: conn.model('DigestSeal', digestSealSchema),
    DigestContent: conn.model('DigestContent', digestContentSchema),
    SecretariatDigest: conn.model('SecretariatDigest', secretariatDigestSchema),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Mongo's duplicate-key error (E11000), the signal that a business key already exists. */
export const isDuplicateKey = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
