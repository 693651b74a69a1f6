/** Handlebars helpers shared by emails and pages: dates are always shown in the plan's time zone. */
import type Handlebars from 'handlebars';
import { formatViDate, formatViDateTime } from '../rules/calendar';

const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';

export function registerFormatHelpers(hbs: typeof Handlebars): void {
  const tzOf = (options: Handlebars.HelperOptions): string =>
    (options.data?.root?.timeZone as string | undefined) ?? DEFAULT_TZ;
  hbs.registerHelper('date', (instant: unknown, options: Handlebars.HelperOptions) =>
    typeof instant === 'string' || instant instanceof Date ? formatViDate(new Date(instant).toISOString(), tzOf(options)) : '',
  );
  hbs.registerHelper('dateTime', (instant: unknown, options: Handlebars.HelperOptions) =>
    typeof instant === 'string' || instant instanceof Date
      ? formatViDateTime(new Date(instant).toISOString(), tzOf(options))
      : '',
  );
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  /** `{{encode id}}`: one path segment of a URL (cycle ids hold ':'). */
  hbs.registerHelper('encode', (v: unknown) => encodeURIComponent(String(v ?? '')));
  /** `{{t "vi text" "en text"}}`: pick by the page/email language. */
  hbs.registerHelper('t', (vi: string, en: string, options: Handlebars.HelperOptions) =>
    options.data?.root?.lang === 'en' ? en : vi,
  );
}
