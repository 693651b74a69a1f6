/** The document links (`/d/<token>`, then its `.docx` and `.pdf`) of a message's text part, as paths, in order. */
export function documentLinksIn(text: string | undefined | null): string[] {
  const links = [...(text ?? '').matchAll(/http:\/\/thidua\.test(\/d\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.(?:docx|pdf))?)/g)].map((m) => m[1]);
  if (links.length === 0) throw new Error(`no document link in: ${text}`);
  return links;
}
