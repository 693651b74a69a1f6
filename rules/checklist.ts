/**
 * An evidence checklist (danh mục minh chứng) a stage may require before its step can be sent: the
 * plan lists the items, each required or not; the unit ticks each item it has, with an optional
 * note or reference (a document number, where the file is). Pure: the workflow's update validator
 * and the link page both use these functions, so the page and the workflow say the same thing.
 */
import type { Text } from './steps';

export interface ChecklistItem {
  id: string;
  label: Text;
  required: boolean;
}

/** What the unit sent for one item. */
export interface ChecklistAnswer {
  checked: boolean;
  note?: string;
}

export type ChecklistAnswers = Record<string, ChecklistAnswer>;

export const CHECKLIST_NOTE_MAX = 1_000;

export interface ChecklistCheck {
  /** Required items not ticked, in plan order. */
  missing: ChecklistItem[];
  /** Answers for items the checklist does not have. */
  unknown: string[];
  /** Items whose note is longer than CHECKLIST_NOTE_MAX. */
  tooLong: string[];
}

export function checkChecklist(items: readonly ChecklistItem[], answers: ChecklistAnswers | undefined): ChecklistCheck {
  const given = answers ?? {};
  const ids = new Set(items.map((i) => i.id));
  return {
    missing: items.filter((i) => i.required && given[i.id]?.checked !== true),
    unknown: Object.keys(given).filter((id) => !ids.has(id)),
    tooLong: Object.entries(given)
      .filter(([, a]) => typeof a?.note === 'string' && a.note.length > CHECKLIST_NOTE_MAX)
      .map(([id]) => id),
  };
}

/**
 * The reason a submission is refused, naming the missing items (Vietnamese label, then the id), or
 * undefined when the checklist is complete.
 */
export function checklistRefusal(items: readonly ChecklistItem[], answers: ChecklistAnswers | undefined): string | undefined {
  const c = checkChecklist(items, answers);
  const parts: string[] = [];
  if (c.missing.length > 0) parts.push(`the evidence checklist is incomplete: missing ${c.missing.map((i) => `"${i.label.vi}" (${i.id})`).join(', ')}`);
  if (c.unknown.length > 0) parts.push(`the checklist has no item ${c.unknown.map((id) => `"${id}"`).join(', ')}`);
  if (c.tooLong.length > 0) parts.push(`the note of ${c.tooLong.map((id) => `"${id}"`).join(', ')} is longer than ${CHECKLIST_NOTE_MAX} characters`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The answers a browser sends: `check-<id>` ticked ('on'), `ref-<id>` the note; only the checklist's items are read. */
export function checklistFromForm(items: readonly ChecklistItem[], body: Record<string, unknown>): ChecklistAnswers {
  const out: ChecklistAnswers = {};
  for (const i of items) {
    const ticked = body[`check-${i.id}`];
    const note = typeof body[`ref-${i.id}`] === 'string' ? (body[`ref-${i.id}`] as string).trim() : '';
    const checked = ticked === 'on' || ticked === 'true' || ticked === '1';
    if (checked || note) out[i.id] = { checked, ...(note ? { note } : {}) };
  }
  return out;
}
