/**
 * The stored document a message is about, linked from it: the launch notice → the year's plan (Kế
 * hoạch), the meeting invitation → Giấy mời, a ballot → Phiếu suy tôn, the results → Biên bản, the
 * award decision → Tờ trình. Each link opens one version (the latest when the mail is sent) without
 * an account, read-only and expiring (lib/document-links.ts, api/routes/document-links.ts).
 *
 * Which document follows from the message itself (its template, business key and link), so the
 * workflows pass nothing new. A document that is not stored (its generation failed) is left out:
 * the mail still goes.
 */
import { createDocumentToken, documentLinkExpiry, documentUrl } from '../lib/document-links';
import { planDocumentNumber } from '../lib/documents/plan-document';
import { listDocuments, type StoredDocument } from '../lib/documents/store';
import type { Plan } from '../rules/plan';
import type { Lang } from '../lib/mail/render';
import { clusterDocumentsOwner, documentStoreDb } from './documents';
import type { NotifyInput } from './notify';
import type { ActivityDeps } from '.';

/** One document as a mail lists it (its title in both languages; composeNotice picks the recipient's). */
export interface MailDocument {
  kind: string;
  title: Record<Lang, string>;
  /** The number and symbol it was issued under, when it has one (the plan's `document.number`). */
  number?: string;
  version: number;
  url: string;
  docxUrl?: string;
  pdfUrl?: string;
}

interface DocumentRef {
  owner: string;
  kind: string;
  title: Record<Lang, string>;
}

const TITLES: Record<string, Record<Lang, string>> = {
  plan: { vi: 'Kế hoạch thi đua', en: 'Emulation plan' },
  invitation: { vi: 'Giấy mời', en: 'Invitation' },
  ballot: { vi: 'Phiếu suy tôn', en: 'Ballot' },
  minutes: { vi: 'Biên bản hội nghị', en: 'Minutes of the meeting' },
  proposal: { vi: 'Tờ trình đề nghị khen thưởng', en: 'Award proposal' },
};

/** The cluster whose year-end sent the message: its key starts with the cluster workflow's id. */
function clusterOf(input: NotifyInput): string | undefined {
  const prefix = `${input.cycle.cycleId}:cluster:`;
  if (!input.key.startsWith(prefix)) return undefined;
  return input.key.slice(prefix.length).split(':')[0] || undefined;
}

/** The documents a message is about (none for most messages). */
export function documentRefsOf(input: NotifyInput): DocumentRef[] {
  const { cycleId } = input.cycle;
  if (input.template === 'launch.notice') return [{ owner: cycleId, kind: 'plan', title: TITLES.plan }];
  const clusterId = clusterOf(input);
  if (!clusterId) return [];
  const owner = clusterDocumentsOwner(cycleId, clusterId);
  switch (input.template) {
    case 'meeting.invitation':
      return [{ owner, kind: 'invitation', title: TITLES.invitation }];
    case 'meeting.results':
      return [{ owner, kind: 'minutes', title: TITLES.minutes }];
    case 'award.decision':
      return [{ owner, kind: 'proposal', title: TITLES.proposal }];
    case 'ballot.open': {
      // The voter's link step is `ballot:<awardId>:<round>:<unit>` (definitions.ts ballotLinkStep).
      const m = /^ballot:([a-z0-9-]+):(\d+):/.exec(input.link?.step ?? '');
      if (!m) return [];
      const round = Number(m[2]);
      return [{ owner, kind: round === 1 ? `ballot-${m[1]}` : `ballot-${m[1]}-round-${round}`, title: TITLES.ballot }];
    }
    default:
      return [];
  }
}

/** The latest stored version of each document, as signed links (HTML page, Word, and PDF when printed). */
export async function resolveMailDocuments(deps: Pick<ActivityDeps, 'models' | 'conn' | 'linkSecret' | 'publicBaseUrl'>, input: NotifyInput): Promise<MailDocument[]> {
  const refs = documentRefsOf(input);
  if (refs.length === 0) return [];
  const db = documentStoreDb(deps.models, deps.conn);
  const out: MailDocument[] = [];
  for (const ref of refs) {
    const docs = (await listDocuments(db, ref.owner)).filter((d) => d.kind === ref.kind);
    const html = docs.find((d) => d.format === 'html');
    if (!html) continue;
    const x = documentLinkExpiry(input.cycle.year);
    const token = createDocumentToken(deps.linkSecret, { o: ref.owner, k: ref.kind, n: html.version, x });
    const has = (format: 'docx' | 'pdf') => docs.some((d) => d.format === format && d.version === html.version);
    out.push({
      kind: ref.kind,
      title: ref.title,
      ...(ref.kind === 'plan' ? await numberOf(deps, html, input.cycle.cycleId) : {}),
      version: html.version,
      url: documentUrl(deps.publicBaseUrl, token),
      ...(has('docx') ? { docxUrl: documentUrl(deps.publicBaseUrl, token, 'docx') } : {}),
      ...(has('pdf') ? { pdfUrl: documentUrl(deps.publicBaseUrl, token, 'pdf') } : {}),
    });
  }
  return out;
}

/**
 * The plan's number as its stored document carries it; read from the plan only for documents stored
 * before they carried it (every unit's launch notice asks, and at 1,000 units the plan is a read of
 * half a second or more on FerretDB: BENCHMARKS.md, cycle-start).
 */
async function numberOf(deps: Pick<ActivityDeps, 'models'>, doc: StoredDocument, cycleId: string): Promise<{ number?: string }> {
  if (doc.number !== undefined) return doc.number ? { number: doc.number } : {};
  const plan = (await deps.models.Cycle.findById(cycleId, { 'plan.document': 1 }).lean())?.plan as Pick<Plan, 'document'> | undefined;
  const number = plan && planDocumentNumber(plan);
  return number ? { number } : {};
}
