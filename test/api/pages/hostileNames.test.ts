/**
 * The status pages in headless Chromium on names a client chose to be hostile: a 256-character
 * service name, a route with a right-to-left override that makes "gnp.exe" read "exe.png", an
 * agent name with NUL and BEL, a very long user agent. At phone and desktop widths the page
 * never scrolls sideways, names are shown escaped and bidi-isolated with the full name on
 * hover, and the pages and JSON answers carry the security headers with no CSP violation.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverSpan, type SpanSpec } from '../../support/otelSpans.js';
import { ARTIFACTS, openPage } from '../support/browser.js';
import { useSeededPages } from '../support/useSeededPages.js';

const LONG_SERVICE = `long-service-${'x'.repeat(243)}`;
const RTL_ROUTE = '/files/report\u202Egnp.exe';
const CONTROL_AGENT = 'bell\u0007agent\u0000nul';
const LONG_USER_AGENT = `Mozilla/5.0 ${'(KHTML, like Gecko) '.repeat(25)}`;

/** How the pages show them (api/public/common.js displayName). */
const SHOWN_ROUTE = '/files/report\\u202Egnp.exe';
const SHOWN_AGENT = 'bell\\u0007agent\\u0000nul';

/** Code points that must never reach the screen unescaped (but the markup's own tabs and newlines). */
const RAW_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

const PAGES = ['/status', '/status/analytics', '/status/api-status'] as const;
const VIEWPORTS = [{ width: 390, height: 844 }, { width: 1280, height: 800 }] as const;

function hostileTraffic(now: Date): SpanSpec[] {
  const t = now.getTime() - 5 * 60_000;
  const span = (route: string, agent: string | undefined, i: number) => {
    const spec = serverSpan({ service: LONG_SERVICE, route, status: 200, startMs: t + i * 1000, durationMs: 12, sessionId: `s${i}`, agent });
    return { ...spec, attributes: { ...spec.attributes, 'user_agent.original': LONG_USER_AGENT } };
  };
  return [span(RTL_ROUTE, CONTROL_AGENT, 0), span(RTL_ROUTE, CONTROL_AGENT, 1), span('/ok', undefined, 2),
    serverSpan({ service: 'shop', route: '/api/products', status: 200, startMs: t, durationMs: 8, agent: CONTROL_AGENT })];
}

describe('status pages with hostile names', () => {
  const seeded = useSeededPages(hostileTraffic);

  it('the store keeps the names as sent, so the pages are shown them raw', async () => {
    const { api } = seeded();
    const data = (await api.getJson('/api/status/api-status?window=24h')).body;
    expect(data.services).toContain(LONG_SERVICE);
    expect(data.endpoints.map((e: any) => e.endpoint)).toContain(RTL_ROUTE);
    expect((await api.getJson('/api/status')).body.agents.map((a: any) => a.agentName)).toContain(CONTROL_AGENT);
  });

  for (const viewport of VIEWPORTS) {
    for (const path of PAGES) {
      it(`${path} at ${viewport.width} px: no sideways scrolling, names escaped, isolated and complete on hover`, async () => {
        const { browser, api } = seeded();
        const { page, problems, close } = await openPage(browser, `${api.url}${path}`, viewport);
        try {
          // The first render comes before the header says "updated".
          await page.locator('#live', { hasText: 'updated' }).waitFor();
          const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
          expect(widths.page).toBeLessThanOrEqual(widths.screen);

          const shown = await page.evaluate(() => {
            const all = Array.from(document.querySelectorAll('body *'));
            return {
              text: document.body.textContent ?? '',
              attributes: all.flatMap((el) => ['title', 'aria-label'].map((name) => el.getAttribute(name) ?? '')).join('\n'),
              names: Array.from(document.querySelectorAll('.name')).map((el) => ({
                text: el.textContent, title: el.getAttribute('title'), bidi: getComputedStyle(el).unicodeBidi,
              })),
              options: Array.from(document.querySelectorAll('option')).map((el) => ({ text: el.textContent, title: el.title })),
            };
          });
          expect(shown.text).not.toMatch(RAW_CONTROLS);
          expect(shown.attributes).not.toMatch(RAW_CONTROLS);
          expect(shown.names.every((n) => n.bidi === 'isolate'), JSON.stringify(shown.names)).toBe(true);
          expect(shown.names).toContainEqual({ text: LONG_SERVICE, title: LONG_SERVICE, bidi: 'isolate' });
          if (path === '/status/api-status') {
            expect(shown.names).toContainEqual({ text: SHOWN_ROUTE, title: SHOWN_ROUTE, bidi: 'isolate' });
            expect(shown.text).not.toContain('exe.png');
          } else {
            expect(shown.names).toContainEqual({ text: SHOWN_AGENT, title: SHOWN_AGENT, bidi: 'isolate' });
          }
          if (path !== '/status') expect(shown.options).toContainEqual({ text: LONG_SERVICE, title: LONG_SERVICE });
          await page.screenshot({ path: join(ARTIFACTS, `hostile${path.replaceAll('/', '-')}-${viewport.width}.png`), fullPage: true });
          expect(problems).toEqual([]);
        } finally {
          await close();
        }
      });
    }
  }

  it('the pages send a CSP without inline script, nosniff and frame protection; the JSON answers too', async () => {
    const { api } = seeded();
    for (const path of PAGES) {
      const headers = (await fetch(`${api.url}${path}`)).headers;
      const policy = headers.get('content-security-policy') ?? '';
      const scriptSrc = policy.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
      expect(scriptSrc, path).toBe("script-src 'self'");
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
    }
    for (const path of ['/api/status', '/api/status/analytics', '/api/status/api-status', '/api/status/minutes', '/api/nothing-here']) {
      const { headers } = await api.getJson(path);
      expect(headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
    }
  });
});
