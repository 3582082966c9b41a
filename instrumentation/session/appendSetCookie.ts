/**
 * Adds one `Set-Cookie` value to a response at the moment its headers are written, after
 * the app has set all of its own.
 *
 * The HTTP instrumentation's hooks run before any app code, so setting the header there would
 * be overwritten by the app's `res.setHeader('Set-Cookie', ...)`. Every way Node writes a
 * response head (`end`, `write`, `flushHeaders`, explicit `writeHead`) goes through
 * `res.writeHead`, so wrapping it on this one response instance sees the final header set.
 * Headers passed to `writeHead(status, headers)` replace same-named ones set earlier (Node
 * semantics), so when they carry `Set-Cookie` our value joins the entry that wins.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

type WriteHead = ServerResponse['writeHead'];

export function appendSetCookie(response: ServerResponse, cookie: string, cookieName: string): void {
  const original = response.writeHead;
  let done = false;
  const writeHead = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (!done && !this.headersSent) {
      done = true;
      try {
        args = withCookie(this, args, cookie, cookieName);
      } catch {
        // Whatever went wrong, the app's response goes out exactly as the app wrote it.
      }
    }
    return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
  };
  response.writeHead = writeHead as WriteHead;
}

function withCookie(response: ServerResponse, args: unknown[], cookie: string, cookieName: string): unknown[] {
  const index = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[index];
  // Cookie names are case-sensitive (RFC 6265): an app's `SID` is another cookie than our `sid`.
  const prefix = `${cookieName}=`;
  const setsOurCookie = (value: unknown): boolean => toList(value).some((item) => String(item).trimStart().startsWith(prefix));

  if (Array.isArray(headers)) {
    // Flat [name, value, name, value, ...]; the last Set-Cookie pair wins when setHeader was used before.
    let last = -1;
    for (let i = 0; i + 1 < headers.length; i += 2) if (isSetCookie(headers[i])) last = i;
    if (last !== -1) {
      if (setsOurCookie(headers[last + 1])) return args;
      const copy = [...(headers as OutgoingHttpHeader[])];
      copy[last + 1] = [...toList(headers[last + 1]), cookie];
      return replaceAt(args, index, copy);
    }
  } else if (headers !== null && typeof headers === 'object') {
    const key = Object.keys(headers).filter(isSetCookie).pop();
    if (key !== undefined) {
      const value = (headers as OutgoingHttpHeaders)[key];
      if (setsOurCookie(value)) return args;
      return replaceAt(args, index, { ...(headers as OutgoingHttpHeaders), [key]: [...toList(value), cookie] });
    }
  }
  // The app may manage our cookie itself (e.g. clear it on logout): then it decides.
  if (setsOurCookie(response.getHeader('set-cookie'))) return args;
  response.appendHeader('Set-Cookie', cookie);
  return args;
}

function isSetCookie(name: unknown): boolean {
  return typeof name === 'string' && name.length === 10 && name.toLowerCase() === 'set-cookie';
}

function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function replaceAt(args: unknown[], index: number, value: unknown): unknown[] {
  const copy = [...args];
  copy[index] = value;
  return copy;
}
