/**
 * Renders an OfficialDocument as a printable HTML page (A4, print CSS) from the Handlebars template
 * templates/documents/official.hbs: for the browser, and the input of a PDF step (headless Chromium
 * `--print-to-pdf`). The layout mirrors the DOCX renderer.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths';
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
  type OfficialDocument,
  type Signature,
} from './model';

export const OFFICIAL_TEMPLATE = path.join(templatesDir, 'documents', 'official.hbs');

export type HtmlOptions = {
  /** Body font size in points (13–14); default 14. */
  fontSize?: 13 | 14;
};

let compiled: Handlebars.TemplateDelegate | null = null;

function template(): Handlebars.TemplateDelegate {
  if (!compiled) {
    // An isolated instance: the project's global helpers and partials are not needed or touched.
    const hbs = Handlebars.create();
    compiled = hbs.compile(fs.readFileSync(OFFICIAL_TEMPLATE, 'utf8'), { strict: false, noEscape: false });
  }
  return compiled;
}

function blockView(block: Block): Record<string, unknown> {
  switch (block.kind) {
    case 'paragraph': {
      const align = block.align ?? 'justify';
      return { paragraph: { align, indent: block.indent ?? align === 'justify', runs: inlines(block.text, { bold: block.bold, italic: block.italic }) } };
    }
    case 'heading':
      return { heading: { level: block.level, text: block.text } };
    case 'list':
      return {
        list: {
          items: block.items.map((item, i) => ({ marker: block.ordered ? `${i + 1}. ` : `${block.marker ?? '-'} `, runs: inlines(item) })),
        },
      };
    case 'table': {
      const rel = block.widths ?? block.header.map(() => 1);
      const sum = rel.reduce((a, b) => a + b, 0);
      const align = (i: number) => block.align?.[i] ?? 'left';
      const row = (cells: (string | number)[]) => cells.map((c, i) => ({ text: cellText(c), align: align(i) }));
      return {
        table: {
          widths: rel.map((w) => Math.round((w / sum) * 10000) / 100),
          header: block.header,
          rows: block.rows.map(row),
          footer: block.footer ? row(block.footer) : null,
        },
      };
    }
  }
}

function signatureView(sig: Signature | undefined) {
  return sig ? { first: onBehalfLine(sig), title: sig.title.toUpperCase(), name: sig.name } : null;
}

/** The template's view of a document (exposed for tests and other templates). */
export function htmlView(input: OfficialDocument, options: HtmlOptions = {}): Record<string, unknown> {
  const doc = parseOfficialDocument(input);
  const fontSize = options.fontSize ?? 14;
  const subject = lines(doc.subject);
  return {
    title: `${doc.type} ${subject.join(' ')}`.trim(),
    fontSize,
    cellSize: Math.max(fontSize - 1, 11),
    issuerParent: lines(doc.issuer.parent).map((l) => l.toUpperCase()),
    issuerBody: lines(doc.issuer.body).map((l) => l.toUpperCase()),
    numberLine: numberLine(doc),
    nationalName: NATIONAL_NAME,
    motto: NATIONAL_MOTTO,
    dateLine: dateLine(doc),
    type: doc.type.toUpperCase(),
    subject,
    blocks: doc.body.map(blockView),
    hasFooter: doc.recipients.length > 0 || !!doc.signature || !!doc.leftSignature,
    recipientsLabel: RECIPIENTS_LABEL,
    recipients: doc.recipients,
    signature: signatureView(doc.signature),
    leftSignature: signatureView(doc.leftSignature),
  };
}

/** Renders an OfficialDocument (validated first) to a complete HTML page. */
export function renderHtml(doc: OfficialDocument, options: HtmlOptions = {}): string {
  return template()(htmlView(doc, options)).trimStart();
}
