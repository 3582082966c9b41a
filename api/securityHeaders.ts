/**
 * Headers against content sniffing, framing and injected script, on every answer of the API
 * app. The pages get PAGE_POLICY, which lets them load only their own files and call only
 * this origin (README.md, "Status API"); everything else (JSON, /metrics, assets) is never
 * a document, so its policy allows nothing.
 */
import type { RequestHandler } from 'express';

export const PAGE_POLICY = [
  "default-src 'none'",
  // Our own scripts only: no inline script, no eval, no other origin (chart.js is served from here).
  "script-src 'self'",
  // Stylesheets from our own files; no inline <style> or style="" (Chart.js sizes its canvas
  // through element.style, which CSP does not restrict).
  "style-src 'self'",
  "img-src 'self'",
  // The pages poll /api/status... on the origin that served them.
  "connect-src 'self'",
  // Sinks such as innerHTML refuse strings: the pages build the DOM with textContent only.
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'";

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', NOTHING_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // For browsers that predate frame-ancestors.
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};
