/**
 * The little a browser does with cookies that the session tests need: remember what
 * `Set-Cookie` says (dropping cleared cookies) and send it back in `Cookie`.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Fetches with this jar's cookies and stores the ones the response sets. */
  async fetch(url: string, extraCookie?: string): Promise<Response> {
    const cookie = [this.header(), extraCookie].filter(Boolean).join('; ');
    const response = await fetch(url, { headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) this.store(line);
    return response;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private store(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
    if (value === '' || expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
