/**
 * The scoring sheet as an HTML form and back: `c.<id>` criteria, `b.<id>` bonuses, `d.<id>`
 * deductions, `e.<id>` evidence (self-scoring), `r.<id>` the reason for a change (inspection).
 * Item ids may contain dots ("1.2"): a field name is its one-letter prefix, a dot, then the id.
 */
import { assertSheet, validateEntry, type ScoreEntry, type SheetInput } from '../../rules/scoring';
import type { ScoreEntryState } from '../../workflows/cycle/definitions';
import type { Lang } from '../pages';

type Part = 'criteria' | 'bonuses' | 'deductions';
const PREFIX: Record<Part, string> = { criteria: 'c', bonuses: 'b', deductions: 'd' };

export interface ScoreRow {
  /** A group heading row (no input). */
  heading?: string;
  part?: Part;
  id?: string;
  name?: string;
  max?: number;
  field?: string;
  value?: number | '';
  self?: number | '';
  reasonField?: string;
  evidenceField?: string;
  evidence?: string;
  required?: boolean;
}

const PART_HEADING: Record<Exclude<Part, 'criteria'>, [string, string]> = {
  bonuses: ['Điểm thưởng', 'Bonus points'],
  deductions: ['Điểm trừ', 'Deductions'],
};

/** Rows of the sheet for a page: group headings, then one input per item. */
export function scoreRows(
  sheetInput: SheetInput,
  lang: Lang,
  opts: { self?: Partial<ScoreEntryState>; value?: Partial<ScoreEntryState>; evidence?: Record<string, string>; withReason?: boolean; withEvidence?: boolean },
): ScoreRow[] {
  const sheet = assertSheet(sheetInput);
  const item = (part: Part, i: { id: string; name: string; max: number }): ScoreRow => ({
    part,
    id: i.id,
    name: i.name,
    max: i.max,
    field: `${PREFIX[part]}.${i.id}`,
    value: opts.value?.[part]?.[i.id] ?? '',
    self: opts.self?.[part]?.[i.id] ?? '',
    required: part === 'criteria',
    reasonField: opts.withReason ? `r.${i.id}` : undefined,
    evidenceField: opts.withEvidence ? `e.${i.id}` : undefined,
    evidence: opts.evidence?.[i.id] ?? '',
  });
  const rows: ScoreRow[] = [];
  for (const g of sheet.groups) rows.push({ heading: `${g.id}. ${g.name}` }, ...g.criteria.map((c) => item('criteria', c)));
  for (const part of ['bonuses', 'deductions'] as const) {
    if (sheet[part].length === 0) continue;
    rows.push({ heading: PART_HEADING[part][lang === 'en' ? 1 : 0] }, ...sheet[part].map((i) => item(part, i)));
  }
  return rows;
}

export type ParsedScores =
  | { ok: true; entry: ScoreEntryState; reasons: Record<string, string>; evidence: Record<string, string> }
  | { ok: false; problems: string[] };

/** Reads the sheet's fields from a form body; every problem names the item. */
export function parseScoreForm(sheetInput: SheetInput, body: Record<string, unknown>, opts: { step?: number; reasons?: boolean } = {}): ParsedScores {
  const sheet = assertSheet(sheetInput);
  const problems: string[] = [];
  const entry: ScoreEntryState = { criteria: {}, bonuses: {}, deductions: {} };
  const text = (name: string, max: number): string | undefined => {
    const v = body[name];
    if (typeof v !== 'string' || v.trim() === '') return undefined;
    if (v.length > max) problems.push(`${name}: is longer than ${max} characters`);
    return v.trim().slice(0, max);
  };
  const items: [Part, { id: string }][] = [
    ...sheet.groups.flatMap((g) => g.criteria.map((c) => ['criteria', c] as [Part, { id: string }])),
    ...sheet.bonuses.map((b) => ['bonuses', b] as [Part, { id: string }]),
    ...sheet.deductions.map((d) => ['deductions', d] as [Part, { id: string }]),
  ];
  const reasons: Record<string, string> = {};
  const evidence: Record<string, string> = {};
  for (const [part, i] of items) {
    const name = `${PREFIX[part]}.${i.id}`;
    const raw = text(name, 20);
    if (raw === undefined) {
      if (part === 'criteria') problems.push(`${name}: is required`);
    } else {
      const n = Number(raw.replace(',', '.'));
      if (!Number.isFinite(n)) problems.push(`${name}: "${raw}" is not a number`);
      else entry[part][i.id] = n;
    }
    const reason = opts.reasons ? text(`r.${i.id}`, 2000) : undefined;
    if (reason) reasons[i.id] = reason;
    const ev = text(`e.${i.id}`, 2000);
    if (ev) evidence[i.id] = ev;
  }
  if (problems.length === 0) {
    const e: ScoreEntry = entry;
    problems.push(...validateEntry(sheet, e, { step: opts.step }).map((p) => `${PREFIX[p.part]}.${p.id}: ${p.message}`));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entry, reasons, evidence };
}

/** The evidence a unit gave with its self-scores (the step's `evidence` field, JSON). */
export function evidenceOf(fields: Record<string, string> | undefined): Record<string, string> {
  try {
    return fields?.evidence ? (JSON.parse(fields.evidence) as Record<string, string>) : {};
  } catch {
    return {};
  }
}
