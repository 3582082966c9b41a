import { describe, expect, it } from 'vitest';
import { cameOverHttps, formatSessionCookie, readSessionId } from '../../../instrumentation/session/sessionCookie.js';

const ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';

describe('readSessionId', () => {
  it.each([
    { header: undefined, expected: undefined },
    { header: '', expected: undefined },
    { header: `spanpulse_sid=${ID}`, expected: ID },
    { header: `a=1; spanpulse_sid=${ID}; b=2`, expected: ID },
    { header: `a=1;spanpulse_sid=${ID}`, expected: ID },
    { header: `spanpulse_sid=${ID.toUpperCase()}`, expected: ID },
    { header: `spanpulse_sid="${ID}"`, expected: ID },
    { header: `xspanpulse_sid=${ID}`, expected: undefined },
    { header: `spanpulse_sid=${ID}x`, expected: undefined },
    { header: 'spanpulse_sid=<script>alert(1)</script>', expected: undefined },
    { header: `spanpulse_sid=${'a'.repeat(5000)}`, expected: undefined },
    { header: `spanpulse_sid=; spanpulse_sid=${ID}`, expected: ID },
    { header: `spanpulse_sid=bad; spanpulse_sid=${ID}`, expected: ID },
    { header: `other=${ID}`, expected: undefined },
    { header: `a=${'x'.repeat(20_000)}; spanpulse_sid=${ID}`, expected: undefined },
    { header: 'spanpulse_sid', expected: undefined },
  ])('$header -> $expected', ({ header, expected }) => {
    expect(readSessionId(header, 'spanpulse_sid')).toBe(expected);
  });

  it('reads the configured cookie name', () => {
    expect(readSessionId(`sid=${ID}; spanpulse_sid=bad`, 'sid')).toBe(ID);
  });
});

describe('formatSessionCookie', () => {
  it.each([
    { maxAgeSeconds: undefined, secure: false, expected: `sid=${ID}; Path=/; HttpOnly; SameSite=Lax` },
    { maxAgeSeconds: 86400, secure: false, expected: `sid=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400` },
    { maxAgeSeconds: 60, secure: true, expected: `sid=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure` },
  ])('max age $maxAgeSeconds, secure $secure', ({ maxAgeSeconds, secure, expected }) => {
    expect(formatSessionCookie(ID, { name: 'sid', maxAgeSeconds, secure })).toBe(expected);
  });
});

describe('cameOverHttps', () => {
  it.each([
    { headers: {}, encrypted: false, mode: 'auto', expected: false },
    { headers: {}, encrypted: true, mode: 'auto', expected: true },
    { headers: { 'x-forwarded-proto': 'https' }, encrypted: false, mode: 'auto', expected: true },
    { headers: { 'x-forwarded-proto': 'HTTPS, http' }, encrypted: false, mode: 'auto', expected: true },
    { headers: { 'x-forwarded-proto': 'http, https' }, encrypted: false, mode: 'auto', expected: false },
    { headers: {}, encrypted: false, mode: 'always', expected: true },
    { headers: { 'x-forwarded-proto': 'https' }, encrypted: true, mode: 'never', expected: false },
  ] as const)('$headers over TLS=$encrypted in mode $mode -> $expected', ({ headers, encrypted, mode, expected }) => {
    expect(cameOverHttps(headers, { encrypted }, mode)).toBe(expected);
  });
});
