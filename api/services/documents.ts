/** Generating a cycle's documents and serving their latest versions. */
import { renderDocx } from '../../lib/documents/docx';
import { renderHtml } from '../../lib/documents/html';
import { yearPlanDocument } from '../../lib/documents/plan-document';
import { storeDocument, type StoredDocument } from '../../lib/documents/store';
import type { Plan } from '../../rules/plan';
import type { AppDeps } from '../deps';

/**
 * The year's plan as DOCX and printable HTML, dated the day the cycle was created; a new version only
 * when the plan's data changed.
 */
export async function generatePlanDocuments(deps: AppDeps, cycleId: string, plan: Plan, issuedAt: Date): Promise<StoredDocument[]> {
  const doc = yearPlanDocument(plan, issuedAt);
  const source = JSON.stringify(doc);
  const docx = await renderDocx(doc);
  const html = Buffer.from(renderHtml(doc), 'utf8');
  const out: StoredDocument[] = [];
  for (const [format, content] of [['docx', docx], ['html', html]] as const) {
    out.push((await storeDocument(deps.db, { cycleId, kind: 'plan', format, content, source })).stored);
  }
  return out;
}
