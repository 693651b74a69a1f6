/**
 * Renders an OfficialDocument to DOCX (Office Open XML) in the layout of Nghị định 30/2020/NĐ-CP:
 * A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm, Times New Roman 14 pt; the header
 * as a borderless two-column table (issuing body | national name, motto, place and date), the type
 * and subject centred, the body, then a borderless two-column table ('Nơi nhận:' | signature).
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  LineRuleType,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableBorders,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
  convertMillimetersToTwip,
  type IBorderOptions,
} from 'docx';
import {
  NATIONAL_MOTTO,
  NATIONAL_NAME,
  RECIPIENTS_LABEL,
  cellText,
  dateLine,
  inlines,
  lines,
  numberLine,
  onBehalfLine,
  parseOfficialDocument,
  type Block,
  type Inline,
  type OfficialDocument,
  type RichText,
  type Signature,
  type TableBlock,
} from './model';

export const FONT = 'Times New Roman';
/** A4 in twips (1/20 pt): 210 × 297 mm. */
export const A4_TWIPS = { width: 11906, height: 16838 } as const;
/** ND30: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm. */
export const MARGINS_MM = { top: 20, bottom: 20, left: 30, right: 15 } as const;

export type DocxOptions = {
  /** Body font size in points (13–14); default 14. */
  fontSize?: 13 | 14;
};

const TEXT_WIDTH = A4_TWIPS.width - convertMillimetersToTwip(MARGINS_MM.left) - convertMillimetersToTwip(MARGINS_MM.right);
const FIRST_LINE_INDENT = convertMillimetersToTwip(10);
const LINE_SPACING = 276; // 1.15 lines (auto rule, in 240ths of a line)
const PARA_BEFORE = 120; // 6 pt

type Align = (typeof AlignmentType)[keyof typeof AlignmentType];
const ALIGN: Record<'justify' | 'left' | 'center' | 'right', Align> = {
  justify: AlignmentType.JUSTIFIED,
  left: AlignmentType.LEFT,
  center: AlignmentType.CENTER,
  right: AlignmentType.RIGHT,
};

const LINE: IBorderOptions = { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 1 };
const CELL_BORDERS = { top: LINE, bottom: LINE, left: LINE, right: LINE };

type RunStyle = { bold?: boolean; italic?: boolean; underline?: boolean; size: number };

/** `size` in points. */
function run(text: string, style: RunStyle): TextRun {
  return new TextRun({
    text,
    font: FONT,
    size: style.size * 2,
    bold: style.bold || undefined,
    italics: style.italic || undefined,
    underline: style.underline ? {} : undefined,
  });
}

function runs(text: RichText, size: number, base: { bold?: boolean; italic?: boolean } = {}): TextRun[] {
  return inlines(text, base).map((r: Inline) => run(r.text, { bold: r.bold, italic: r.italic, underline: r.underline, size }));
}

/** A centred single-run paragraph without spacing (header and signature lines). */
function centred(text: string, style: RunStyle, extra: { before?: number; after?: number } = {}): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    spacing: { before: extra.before ?? 0, after: extra.after ?? 0, line: 240, lineRule: LineRuleType.AUTO },
    children: [run(text, style)],
  });
}

/** A short horizontal rule (a bottom border of an empty paragraph narrowed by indents). */
function rule(cellWidth: number, fraction: number): Paragraph {
  const indent = Math.round((cellWidth * (1 - fraction)) / 2);
  return new Paragraph({
    spacing: { before: 0, after: 120, line: 120, lineRule: LineRuleType.EXACT },
    indent: { left: indent, right: indent },
    border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 1 } },
    children: [run('', { size: 6 })],
  });
}

function borderless(columns: number[], cells: Paragraph[][]): Table {
  const total = columns.reduce((a, b) => a + b, 0);
  return new Table({
    width: { size: total, type: WidthType.DXA },
    columnWidths: columns,
    layout: TableLayoutType.FIXED,
    borders: TableBorders.NONE,
    rows: [
      new TableRow({
        children: cells.map(
          (children, i) =>
            new TableCell({
              width: { size: columns[i], type: WidthType.DXA },
              margins: { left: 0, right: 0 },
              children: children.length ? children : [new Paragraph({})],
            }),
        ),
      }),
    ],
  });
}

function header(doc: OfficialDocument, size: number): Table {
  const left = Math.round(TEXT_WIDTH * 0.4);
  const right = TEXT_WIDTH - left;
  const leftCol: Paragraph[] = [
    ...lines(doc.issuer.parent).map((l) => centred(l.toUpperCase(), { size: 13 })),
    ...lines(doc.issuer.body).map((l) => centred(l.toUpperCase(), { size: 13, bold: true })),
    rule(left, 0.35),
  ];
  const num = numberLine(doc);
  if (num) leftCol.push(centred(num, { size: 13 }));
  const rightCol: Paragraph[] = [
    centred(NATIONAL_NAME, { size: 13, bold: true }),
    centred(NATIONAL_MOTTO, { size: 14, bold: true, underline: true }),
    centred(dateLine(doc), { size, italic: true }, { before: 240 }),
  ];
  return borderless([left, right], [leftCol, rightCol]);
}

function titleBlock(doc: OfficialDocument, size: number): Paragraph[] {
  const out = [centred(doc.type.toUpperCase(), { size: 14, bold: true }, { before: 360 })];
  lines(doc.subject).forEach((l) => out.push(centred(l, { size, bold: true })));
  // ND30 draws a short rule under the subject of a document with a type name.
  if (lines(doc.subject).length) out.push(rule(TEXT_WIDTH, 0.25));
  return out;
}

function paragraphOf(text: RichText, size: number, opts: { align?: Align; indent?: boolean; bold?: boolean; italic?: boolean; left?: number; hanging?: number }): Paragraph {
  return new Paragraph({
    alignment: opts.align ?? AlignmentType.JUSTIFIED,
    spacing: { before: PARA_BEFORE, after: 0, line: LINE_SPACING, lineRule: LineRuleType.AUTO },
    indent: {
      firstLine: opts.indent && !opts.hanging ? FIRST_LINE_INDENT : undefined,
      left: opts.left,
      hanging: opts.hanging,
    },
    children: runs(text, size, { bold: opts.bold, italic: opts.italic }),
  });
}

function tableOf(block: TableBlock, size: number): Table {
  const n = block.header.length;
  const rel = block.widths ?? block.header.map(() => 1);
  const sum = rel.reduce((a, b) => a + b, 0);
  const widths = rel.map((w) => Math.floor((w / sum) * TEXT_WIDTH));
  const cellSize = Math.max(size - 1, 11);
  const cell = (text: string, i: number, style: { bold?: boolean; align?: Align }) =>
    new TableCell({
      width: { size: widths[i], type: WidthType.DXA },
      borders: CELL_BORDERS,
      verticalAlign: VerticalAlignTable.CENTER,
      margins: { left: 80, right: 80, top: 40, bottom: 40 },
      children: [
        new Paragraph({
          alignment: style.align ?? AlignmentType.LEFT,
          spacing: { before: 0, after: 0, line: 240, lineRule: LineRuleType.AUTO },
          children: [run(text, { size: cellSize, bold: style.bold })],
        }),
      ],
    });
  const align = (i: number): Align => ALIGN[block.align?.[i] ?? 'left'];
  const rows = [
    new TableRow({ tableHeader: true, cantSplit: true, children: block.header.map((h, i) => cell(h, i, { bold: true, align: AlignmentType.CENTER })) }),
    ...block.rows.map((r) => new TableRow({ cantSplit: true, children: r.map((c, i) => cell(cellText(c), i, { align: align(i) })) })),
  ];
  if (block.footer) rows.push(new TableRow({ cantSplit: true, children: block.footer.map((c, i) => cell(cellText(c), i, { bold: true, align: align(i) })) }));
  return new Table({
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths.slice(0, n),
    layout: TableLayoutType.FIXED,
    borders: { top: LINE, bottom: LINE, left: LINE, right: LINE, insideHorizontal: LINE, insideVertical: LINE },
    rows,
  });
}

function blockOf(block: Block, size: number): (Paragraph | Table)[] {
  switch (block.kind) {
    case 'paragraph': {
      const align = block.align ?? 'justify';
      return [paragraphOf(block.text, size, { align: ALIGN[align], indent: block.indent ?? align === 'justify', bold: block.bold, italic: block.italic })];
    }
    case 'heading':
      return [
        paragraphOf(block.level === 1 ? block.text.toUpperCase() : block.text, size, {
          indent: true,
          bold: true,
          italic: block.level === 3,
        }),
      ];
    case 'list':
      return block.items.map((item, i) => {
        const marker = block.ordered ? `${i + 1}. ` : `${block.marker ?? '-'} `;
        return paragraphOf([{ text: marker }, ...inlines(item)], size, { indent: true });
      });
    case 'table': {
      // A table directly after another block needs a little air above it.
      return [new Paragraph({ spacing: { before: 0, after: 0, line: 120, lineRule: LineRuleType.EXACT }, children: [] }), tableOf(block, size)];
    }
  }
}

function signatureLines(sig: Signature, size: number): Paragraph[] {
  const out: Paragraph[] = [];
  const first = onBehalfLine(sig);
  if (first) out.push(centred(first, { size, bold: true }));
  out.push(centred(sig.title.toUpperCase(), { size, bold: true }));
  // Room for the signature and the seal.
  for (let i = 0; i < 4; i++) out.push(centred('', { size }, { after: 120 }));
  out.push(centred(sig.name, { size, bold: true }));
  return out;
}

function footer(doc: OfficialDocument, size: number): Table | null {
  if (!doc.recipients.length && !doc.signature && !doc.leftSignature) return null;
  const left = Math.round(TEXT_WIDTH * 0.45);
  const right = TEXT_WIDTH - left;
  let leftCol: Paragraph[] = [];
  if (doc.recipients.length) {
    leftCol = [
      new Paragraph({ spacing: { before: 0, after: 0, line: 240, lineRule: LineRuleType.AUTO }, children: [run(RECIPIENTS_LABEL, { size: 12, bold: true, italic: true })] }),
      ...doc.recipients.map((r) => new Paragraph({ spacing: { before: 0, after: 0, line: 240, lineRule: LineRuleType.AUTO }, children: [run(r, { size: 11 })] })),
    ];
  } else if (doc.leftSignature) {
    leftCol = signatureLines(doc.leftSignature, size);
  }
  const rightCol = doc.signature ? signatureLines(doc.signature, size) : [];
  return borderless([left, right], [leftCol, rightCol]);
}

/** Builds the docx object model (exposed for callers that pack it themselves). */
export function buildDocx(input: OfficialDocument, options: DocxOptions = {}): Document {
  const doc = parseOfficialDocument(input);
  const size = options.fontSize ?? 14;
  const children: (Paragraph | Table)[] = [header(doc, size), ...titleBlock(doc, size)];
  for (const block of doc.body) children.push(...blockOf(block, size));
  const foot = footer(doc, size);
  if (foot) {
    children.push(new Paragraph({ spacing: { before: 240, after: 0 }, children: [] }));
    children.push(foot);
  }
  return new Document({
    creator: doc.issuer.body,
    title: `${doc.type} ${lines(doc.subject).join(' ')}`.trim(),
    styles: { default: { document: { run: { font: FONT, size: size * 2 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: A4_TWIPS.width, height: A4_TWIPS.height, orientation: PageOrientation.PORTRAIT },
            margin: {
              top: convertMillimetersToTwip(MARGINS_MM.top),
              bottom: convertMillimetersToTwip(MARGINS_MM.bottom),
              left: convertMillimetersToTwip(MARGINS_MM.left),
              right: convertMillimetersToTwip(MARGINS_MM.right),
            },
          },
        },
        children,
      },
    ],
  });
}

/** Renders an OfficialDocument (validated first) to a DOCX file. */
export async function renderDocx(doc: OfficialDocument, options: DocxOptions = {}): Promise<Buffer> {
  return Packer.toBuffer(buildDocx(doc, options));
}
