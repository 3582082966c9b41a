/** The config of scheduled reports (`extensions.reports`) and of the archive (`extensions.retention.archive`). */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../collector/config/loadConfig.js';
import { problemsOf } from './configProblems.js';

const shipped = fileURLToPath(new URL('../../../otel-config.yaml', import.meta.url));

describe('reports and archive config', () => {
  it('defaults: reports off unless listed, both kinds and csv + json by service and endpoint; archive off', () => {
    const config = parseConfig('', 'empty.yaml', {});
    expect(config.service.extensions).toEqual(['status_api', 'retention', 'alerts']);
    expect(config.extensions.reports).toEqual({
      dir: './data/reports', delay: 15 * 60_000, formats: ['csv', 'json'], by: ['service', 'endpoint'], daily: { enabled: true }, weekly: { enabled: true }, webhooks: false,
    });
    expect(config.extensions.retention).toMatchObject({ archive: false, archive_dir: './data/archive' });
  });

  it('the shipped file turns reports on and puts reports and archive in SPANPULSE_DATA_DIR', () => {
    const config = loadConfig(shipped, { SPANPULSE_DATA_DIR: '/var/lib/sp' });
    expect(config.service.extensions).toEqual(['status_api', 'retention', 'alerts', 'reports']);
    expect(config.extensions.reports.dir).toBe('/var/lib/sp/reports');
    expect(config.extensions.retention).toMatchObject({ archive: false, archive_dir: '/var/lib/sp/archive' });
  });

  it('names every bad value with its key path', () => {
    const problems = problemsOf(`extensions:
  reports: {formats: [xlsx], by: [], delay: 0s, daily: {enabled: yes please}, weekly: {every: monday}, webhooks: sometimes}
  retention: {archive: "maybe", archive_dir: ""}
`);
    const expected = [
      /^extensions\.reports\.delay: expected a duration above zero/, /^extensions\.reports\.formats\.0: /, /^extensions\.reports\.by: /,
      /^extensions\.reports\.daily\.enabled: /, /^extensions\.reports\.weekly\.every: unknown key$/, /^extensions\.reports\.webhooks: /, /^extensions\.retention\.archive: /,
      /^extensions\.retention\.archive_dir: /,
    ];
    expect(problems).toHaveLength(expected.length);
    for (const pattern of expected) expect(problems.filter((problem) => pattern.test(problem)), String(pattern)).toHaveLength(1);
  });

  it('reports.webhooks posts to the alert webhooks, so it needs one with a url', () => {
    expect(problemsOf('extensions: {reports: {webhooks: true}}')).toEqual([
      'extensions.reports.webhooks: is true but extensions.alerts.webhooks has no url to post the reports to',
    ]);
    expect(problemsOf("extensions: {reports: {webhooks: true}, alerts: {webhooks: [{url: ''}]}}")).toHaveLength(1);
    expect(problemsOf("extensions: {reports: {webhooks: true}, alerts: {webhooks: [{url: 'http://127.0.0.1:9/hook'}]}}")).toEqual([]);
    expect(problemsOf('extensions: {reports: {webhook: true}}')).toEqual(['extensions.reports.webhook: unknown key']);
  });
});
