/**
 * Email rendering: one handlebars source per message kind and language
 * (`templates/email/<lang>/<kind>.hbs`, a `subject:` front matter then the HTML body), wrapped in one
 * layout; the plain-text part is derived from the HTML so the two never drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { registerFormatHelpers } from '../templating';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export type Lang = 'vi' | 'en';

interface Compiled {
  subject: Handlebars.TemplateDelegate;
  body: Handlebars.TemplateDelegate;
}

export class MailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Compiled>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(private readonly dir: string) {
    registerFormatHelpers(this.hbs);
    this.layout = this.hbs.compile(fs.readFileSync(path.join(dir, 'layout.hbs'), 'utf8'));
  }

  /**
   * Renders the first of `kinds` that has a template (a step's own wording before the generic one);
   * English falls back to Vietnamese (the first language) when a translation is missing.
   */
  render(kinds: string | string[], lang: Lang, data: Record<string, unknown>): RenderedMail {
    const list = Array.isArray(kinds) ? kinds : [kinds];
    let t: Compiled | undefined;
    for (const kind of list) if ((t = this.load(kind, lang) ?? this.load(kind, 'vi'))) break;
    if (!t) throw new Error(`no email template for kind "${list.join('" or "')}" in ${this.dir}`);
    const ctx = { ...data, lang };
    const subject = t.subject(ctx).replace(/\s+/g, ' ').trim();
    const html = this.layout({ ...ctx, subject, body: t.body(ctx) });
    // No hard wrapping: clients wrap, and a wrap must never split a date from its time.
    const text = convert(html, { wordwrap: false, selectors: [{ selector: 'a', options: { hideLinkHrefIfSameAsText: true } }] });
    return { subject, html, text };
  }

  private load(kind: string, lang: Lang): Compiled | undefined {
    const key = `${lang}/${kind}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const file = path.join(this.dir, lang, `${kind}.hbs`);
    if (!/^[a-z0-9.-]+$/.test(kind) || !fs.existsSync(file)) return undefined;
    const source = fs.readFileSync(file, 'utf8');
    const m = /^---\nsubject:\s*(.+?)\n---\n([\s\S]*)$/.exec(source);
    if (!m) throw new Error(`${file}: expected a "---\\nsubject: …\\n---" header`);
    const compiled = { subject: this.hbs.compile(m[1], { noEscape: true }), body: this.hbs.compile(m[2]) };
    this.cache.set(key, compiled);
    return compiled;
  }
}
