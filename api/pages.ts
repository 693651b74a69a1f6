/** Server-rendered pages: handlebars, one layout, Vietnamese first with an English switch. */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { registerFormatHelpers } from '../lib/templating';

export type Lang = 'vi' | 'en';

export class PageRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(private readonly dir: string) {
    registerFormatHelpers(this.hbs);
    this.layout = this.hbs.compile(fs.readFileSync(path.join(dir, 'layout.hbs'), 'utf8'));
  }

  render(name: string, lang: Lang, data: Record<string, unknown>): string {
    let t = this.cache.get(name);
    if (!t) {
      t = this.hbs.compile(fs.readFileSync(path.join(this.dir, `${name}.hbs`), 'utf8'));
      this.cache.set(name, t);
    }
    const ctx = { ...data, lang, otherLang: lang === 'vi' ? 'en' : 'vi' };
    return this.layout({ ...ctx, body: t(ctx) });
  }
}

export const langOf = (query: unknown): Lang => ((query as { lang?: unknown })?.lang === 'en' ? 'en' : 'vi');
