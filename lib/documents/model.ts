/**
 * The data model of an official document in the layout of Nghị định 30/2020/NĐ-CP: issuing body,
 * national name and motto, number and symbol, place and date, type, subject, body, "Nơi nhận:" and
 * the signature block. Renderers (DOCX, HTML) take an `OfficialDocument`; builders make one from
 * plain data. Pure: no I/O.
 */
import { z } from 'zod';
import { assertDate, formatDocumentDate } from '../../rules/calendar';

export const NATIONAL_NAME = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
export const NATIONAL_MOTTO = 'Độc lập - Tự do - Hạnh phúc';
export const RECIPIENTS_LABEL = 'Nơi nhận:';

/** The types used in the cycle; any other type name (in capitals) is allowed too. */
export const DOCUMENT_TYPES = ['KẾ HOẠCH', 'BÁO CÁO', 'GIẤY MỜI', 'BIÊN BẢN', 'PHIẾU SUY TÔN', 'TỜ TRÌNH'] as const;
export type KnownDocumentType = (typeof DOCUMENT_TYPES)[number];

const nonEmpty = z.string().trim().min(1);

/** A run of text with its own emphasis, inside a paragraph, list item or heading. */
export const inlineSchema = z.object({
  text: z.string(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
  underline: z.boolean().optional(),
});
export type Inline = z.infer<typeof inlineSchema>;

/** Plain text, or runs with emphasis. */
export const richTextSchema = z.union([z.string(), z.array(inlineSchema)]);
export type RichText = z.infer<typeof richTextSchema>;

const alignSchema = z.enum(['justify', 'left', 'center', 'right']);
export type BlockAlign = z.infer<typeof alignSchema>;

export const paragraphBlockSchema = z.object({
  kind: z.literal('paragraph'),
  text: richTextSchema,
  /** Default 'justify'. */
  align: alignSchema.optional(),
  /** First-line indent; default true for justified paragraphs, false otherwise. */
  indent: z.boolean().optional(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
});

/** 'I. MỤC ĐÍCH, YÊU CẦU' (level 1, bold capitals), '1. Mục đích' (level 2, bold), 'a) …' (level 3, bold italic). */
export const headingBlockSchema = z.object({
  kind: z.literal('heading'),
  level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  text: nonEmpty,
});

/** A dashed list ('- item'), or numbered ('1. item') when `ordered`. */
export const listBlockSchema = z.object({
  kind: z.literal('list'),
  items: z.array(richTextSchema).min(1),
  ordered: z.boolean().optional(),
  /** The marker of an unordered list; default '-'. */
  marker: z.string().optional(),
});

const cellSchema = z.union([z.string(), z.number()]);
export type TableCellValue = z.infer<typeof cellSchema>;

/** A bordered table: one header row, the rows, an optional bold footer row (totals). */
export const tableBlockSchema = z
  .object({
    kind: z.literal('table'),
    header: z.array(z.string()).min(1),
    rows: z.array(z.array(cellSchema)),
    footer: z.array(cellSchema).optional(),
    /** Relative column widths (any unit; they are scaled to the text width). */
    widths: z.array(z.number().positive()).optional(),
    /** Per-column alignment of body cells; default left. Header cells are centred. */
    align: z.array(z.enum(['left', 'center', 'right'])).optional(),
  })
  .superRefine((t, ctx) => {
    const n = t.header.length;
    t.rows.forEach((r, i) => {
      if (r.length !== n) ctx.addIssue({ code: 'custom', message: `row ${i + 1} has ${r.length} cells, header has ${n}`, path: ['rows', i] });
    });
    if (t.footer && t.footer.length !== n) ctx.addIssue({ code: 'custom', message: `footer has ${t.footer.length} cells, header has ${n}`, path: ['footer'] });
    if (t.widths && t.widths.length !== n) ctx.addIssue({ code: 'custom', message: `widths has ${t.widths.length} entries, header has ${n}`, path: ['widths'] });
    if (t.align && t.align.length !== n) ctx.addIssue({ code: 'custom', message: `align has ${t.align.length} entries, header has ${n}`, path: ['align'] });
  });

export const blockSchema = z.union([paragraphBlockSchema, headingBlockSchema, listBlockSchema, tableBlockSchema]);
export type Block = z.infer<typeof blockSchema>;
export type ParagraphBlock = z.infer<typeof paragraphBlockSchema>;
export type HeadingBlock = z.infer<typeof headingBlockSchema>;
export type ListBlock = z.infer<typeof listBlockSchema>;
export type TableBlock = z.infer<typeof tableBlockSchema>;

export const signatureSchema = z.object({
  /** 'TM.' (on behalf of a collective body) or 'KT.' (a deputy signing for the head). */
  onBehalf: z.enum(['TM.', 'KT.']).optional(),
  /** 'BAN THƯỜNG TRỰC' (after TM.) or 'CHỦ TỊCH' (after KT.). */
  onBehalfOf: z.string().optional(),
  /** 'PHÓ CHỦ TỊCH'. */
  title: nonEmpty,
  name: nonEmpty,
});
export type Signature = z.infer<typeof signatureSchema>;

const dateSchema = z.string().refine(
  (d) => {
    try {
      assertDate(d);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a calendar date 'YYYY-MM-DD'" },
);

export const officialDocumentSchema = z
  .object({
    issuer: z.object({
      /** The parent body, regular capitals; '\n' separates lines ('ỦY BAN MTTQ VIỆT NAM\nHUYỆN ĐỊNH QUÁN'). */
      parent: z.string(),
      /** The issuing body, bold capitals ('BAN THƯỜNG TRỰC'). */
      body: nonEmpty,
    }),
    /** The registered number ('109'); blank for a draft. */
    number: z.string().optional(),
    /** The symbol ('KH-MTTQ-BTT'); empty for documents without a number (a ballot). */
    symbol: z.string(),
    place: nonEmpty,
    /** 'YYYY-MM-DD'. */
    date: dateSchema,
    type: nonEmpty,
    /** The subject (trích yếu), bold, centred; '\n' separates lines. */
    subject: z.string(),
    body: z.array(blockSchema),
    /** The 'Nơi nhận:' list; the last is '- Lưu: VT, …'. Empty: no list. */
    recipients: z.array(z.string()),
    /** The signature block (right). Absent: none (an anonymous ballot). */
    signature: signatureSchema.optional(),
    /** A second signature on the left, used when there is no 'Nơi nhận:' (minutes: the secretary). */
    leftSignature: signatureSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.recipients.length > 0 && d.leftSignature) {
      ctx.addIssue({ code: 'custom', message: "a document has either 'Nơi nhận:' or a left signature, not both", path: ['leftSignature'] });
    }
  });
export type OfficialDocument = z.infer<typeof officialDocumentSchema>;

/** Parses with a schema; throws an Error whose message names each bad field and why. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`Invalid ${what}:\n${z.prettifyError(r.error)}`);
  return r.data;
}

/** Validates a document; throws an Error naming the bad fields. */
export function parseOfficialDocument(input: unknown): OfficialDocument {
  return parseWith(officialDocumentSchema, input, 'document');
}

/** 'Số: 109/KH-MTTQ-BTT'; 'Số:   /KH-MTTQ-BTT' for a draft without a number; '' without a symbol and number. */
export function numberLine(doc: Pick<OfficialDocument, 'number' | 'symbol'>): string {
  const number = doc.number?.trim() ?? '';
  const symbol = doc.symbol.trim();
  if (!number && !symbol) return '';
  if (!symbol) return `Số: ${number}`;
  return `Số: ${number || '  '}/${symbol}`;
}

/** 'Định Quán, ngày 25 tháng 01 năm 2024' (leading zero for day < 10 and months 1–2). */
export function dateLine(doc: Pick<OfficialDocument, 'place' | 'date'>): string {
  return `${doc.place.trim()}, ${formatDocumentDate(doc.date)}`;
}

/** The signature's first line: 'TM. BAN THƯỜNG TRỰC', 'KT. CHỦ TỊCH'; '' without one. */
export function onBehalfLine(sig: Signature): string {
  if (!sig.onBehalf) return sig.onBehalfOf?.trim().toUpperCase() ?? '';
  return `${sig.onBehalf} ${(sig.onBehalfOf ?? '').trim().toUpperCase()}`.trim();
}

/** Lines of a multi-line field ('\n'), trimmed, without empty ones. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** The runs of a rich text, with the block's own emphasis applied underneath. */
export function inlines(text: RichText, base: { bold?: boolean; italic?: boolean } = {}): Inline[] {
  const runs = typeof text === 'string' ? [{ text }] : text;
  return runs.map((r) => ({
    text: r.text,
    bold: r.bold ?? base.bold,
    italic: r.italic ?? base.italic,
    underline: r.underline,
  }));
}

/** The plain text of a rich text. */
export function plainText(text: RichText): string {
  return typeof text === 'string' ? text : text.map((r) => r.text).join('');
}

/** A table cell as text: numbers in Vietnamese notation (decimal comma). */
export function cellText(value: TableCellValue): string {
  return typeof value === 'number' ? formatViNumber(value) : value;
}

/** 18.5 → '18,5'; 1234 → '1.234'. */
export function formatViNumber(value: number, maxFractionDigits = 2): string {
  return new Intl.NumberFormat('vi-VN', { maximumFractionDigits: maxFractionDigits, useGrouping: true }).format(value);
}

/**
 * The 'Nơi nhận:' list as ND30 writes it: each line starts with '- ' and ends with ';', the last ends
 * with '.'; an archive line ('- Lưu: VT.') is added when none is given.
 */
export function normaliseRecipients(recipients: string[], archive = 'Lưu: VT.'): string[] {
  const items = recipients.map((r) => r.trim().replace(/^[-–+]\s*/, '').replace(/[;.,]\s*$/, '')).filter((r) => r.length > 0);
  if (!items.some((r) => /^lưu\b/i.test(r))) items.push(archive.replace(/[;.,]\s*$/, ''));
  return items.map((r, i) => `- ${r}${i === items.length - 1 ? '.' : ';'}`);
}
