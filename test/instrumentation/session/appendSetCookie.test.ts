/**
 * appendSetCookie against a real Node HTTP server: whatever way the handler writes its
 * headers, the app's cookies survive and ours is added once.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSetCookie } from '../../../instrumentation/session/appendSetCookie.js';

const OURS = 'sid=new; Path=/; HttpOnly; SameSite=Lax';

const handlers: Record<string, (response: ServerResponse) => void> = {
  'no cookies of its own': (res) => res.end('x'),
  'setHeader string': (res) => {
    res.setHeader('Set-Cookie', 'a=1');
    res.end('x');
  },
  'setHeader array': (res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end('x');
  },
  'writeHead object without cookies': (res) => {
    res.setHeader('Set-Cookie', 'a=1');
    res.writeHead(201, { 'Content-Type': 'text/plain' }).end('x');
  },
  'writeHead object with cookies replaces earlier ones': (res) => {
    res.setHeader('Set-Cookie', 'early=1');
    res.writeHead(200, 'Fine', { 'set-cookie': ['a=1', 'b=2'] }).end('x');
  },
  'writeHead object with cookies only': (res) => res.writeHead(200, { 'Set-Cookie': 'a=1' }).end('x'),
  'writeHead flat array': (res) => res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Test', 'y']).end('x'),
  'writeHead flat array after setHeader': (res) => {
    res.setHeader('X-Early', '1');
    res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']).end('x');
  },
  'app sets our cookie itself': (res) => {
    res.setHeader('Set-Cookie', ['a=1', 'sid=; Max-Age=0']);
    res.end('x');
  },
  'app sets our cookie in writeHead': (res) => res.writeHead(200, { 'Set-Cookie': 'sid=theirs' }).end('x'),
  'app sets a cookie whose name differs only in case': (res) => res.writeHead(200, { 'Set-Cookie': 'SID=theirs' }).end('x'),
  'flushHeaders then end': (res) => {
    res.setHeader('Set-Cookie', 'a=1');
    res.flushHeaders();
    res.end('x');
  },
  'writeHead called twice': (res) => {
    res.writeHead(200);
    try {
      res.writeHead(500);
    } catch {
      res.end('second writeHead threw as in plain Node');
    }
  },
};

let baseUrl: string;
const server = createServer((req, res) => {
  appendSetCookie(res, OURS, 'sid');
  handlers[decodeURIComponent(req.url!.slice(1))]!(res);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('appendSetCookie', () => {
  it.each([
    { handler: 'no cookies of its own', expected: [OURS] },
    { handler: 'setHeader string', expected: ['a=1', OURS] },
    { handler: 'setHeader array', expected: ['a=1', 'b=2', OURS] },
    { handler: 'writeHead object without cookies', expected: ['a=1', OURS] },
    { handler: 'writeHead object with cookies replaces earlier ones', expected: ['a=1', 'b=2', OURS] },
    { handler: 'writeHead object with cookies only', expected: ['a=1', OURS] },
    { handler: 'writeHead flat array', expected: ['a=1', 'b=2', OURS] },
    { handler: 'writeHead flat array after setHeader', expected: ['b=2', OURS] },
    { handler: 'app sets our cookie itself', expected: ['a=1', 'sid=; Max-Age=0'] },
    { handler: 'app sets our cookie in writeHead', expected: ['sid=theirs'] },
    { handler: 'app sets a cookie whose name differs only in case', expected: ['SID=theirs', OURS] },
    { handler: 'flushHeaders then end', expected: ['a=1', OURS] },
    { handler: 'writeHead called twice', expected: [OURS] },
  ])('$handler', async ({ handler, expected }) => {
    const response = await fetch(`${baseUrl}/${encodeURIComponent(handler)}`);
    await response.text();
    expect(response.headers.getSetCookie()).toEqual(expected);
  });

  it('keeps the status code and reason the app chose', async () => {
    const created = await fetch(`${baseUrl}/${encodeURIComponent('writeHead object without cookies')}`);
    expect([created.status, created.headers.get('content-type'), await created.text()]).toEqual([201, 'text/plain', 'x']);
    const fine = await fetch(`${baseUrl}/${encodeURIComponent('writeHead object with cookies replaces earlier ones')}`);
    await fine.text();
    expect(fine.statusText).toBe('Fine');
  });
});
