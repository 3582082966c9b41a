import { describe, expect, it } from 'vitest';
import type { AttributeValue, Span } from '../../../collector/pdata/Span.js';
import { mapSpan, type MapResult } from '../../../collector/mapping/mapSpan.js';
import { describeRejections, mapSpans } from '../../../collector/mapping/mapSpans.js';
import { collapseIds, endpointOf, routeParameter } from '../../../collector/mapping/endpoint.js';
import { codePointPrefix, isStoredUnchanged } from './wellFormed.js';

const START_NS = BigInt(Date.UTC(2026, 10, 25, 10, 30)) * 1_000_000n;
const options = { agentRouteParameter: 'agent', now: () => Date.UTC(2026, 10, 25, 12) };

function span(overrides: Partial<Span> & { attrs?: Record<string, AttributeValue>; service?: string }): Span {
  const { attrs = {}, service = 'shop', ...rest } = overrides;
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'GET',
    kind: 2,
    startTimeUnixNano: START_NS,
    endTimeUnixNano: START_NS + 12_345_678n,
    attributes: new Map(Object.entries(attrs)),
    statusCode: 0,
    statusMessage: '',
    resource: new Map([['service.name', service]]),
    ...rest,
  };
}

function record(result: MapResult) {
  if (result.type !== 'record') throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('mapSpan: requests', () => {
  const cases: Array<[string, Record<string, AttributeValue>, Record<string, unknown>]> = [
    ['stable HTTP names',
      { 'http.request.method': 'post', 'http.response.status_code': 201, 'http.route': '/api/orders', 'url.path': '/api/orders',
        'client.address': '10.0.0.7', 'user_agent.original': 'curl/8' },
      { method: 'POST', statusCode: 201, endpoint: '/api/orders', ipAddress: '10.0.0.7', userAgent: 'curl/8', outcome: 'success' }],
    ['old HTTP names',
      { 'http.method': 'GET', 'http.status_code': 404, 'http.target': '/api/orders/123?x=1', 'net.peer.ip': '::1', 'http.user_agent': 'ua' },
      { method: 'GET', statusCode: 404, endpoint: '/api/orders/:id', ipAddress: '::1', userAgent: 'ua', outcome: 'client_error' }],
    ['status code as a string', { 'http.status_code': '503' }, { statusCode: 503, outcome: 'error' }],
    ['5xx is an error', { 'http.response.status_code': 500 }, { outcome: 'error' }],
    ['no status at all is a success', {}, { statusCode: null, outcome: 'success', endpoint: 'GET', method: 'UNKNOWN' }],
    ['route wins over path', { 'http.route': '/users/:id', 'url.path': '/users/42' }, { endpoint: '/users/:id' }],
    ['uuid and hex ids collapse', { 'url.path': '/s/3f2504e0-4f89-41d3-9a0c-0305e82c3301/x/507f1f77bcf86cd799439011' },
      { endpoint: '/s/:id/x/:id' }],
    ['full URL when there is no path', { 'url.full': 'https://a.example/api/items/77?q' }, { endpoint: '/api/items/:id' }],
    ['agent from gen_ai.agent.name', { 'gen_ai.agent.name': 'support', 'http.route': '/api/agents/:agent/chat',
      'url.path': '/api/agents/sales/chat' }, { agentName: 'support' }],
    ['agent from route parameter', { 'http.route': '/api/agents/:agent/chat', 'url.path': '/api/agents/sales%20bot/chat' },
      { agentName: 'sales bot', endpoint: '/api/agents/:agent/chat' }],
    ['no agent', { 'http.route': '/api/health' }, { agentName: null }],
    ['session and user ids', { 'session.id': 'c1d2', 'user.id': 'u-9' }, { sessionId: 'c1d2', userId: 'u-9' }],
    ['older enduser.id', { 'enduser.id': 'legacy' }, { userId: 'legacy' }],
    ['session id with spaces is not trusted', { 'session.id': 'a b' }, { sessionId: null }],
    ['oversized session id is not trusted', { 'session.id': 'x'.repeat(200) }, { sessionId: null }],
    ['token usage', { 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': '45' }, { inputTokens: 120, outputTokens: 45 }],
    ['negative tokens count as 0', { 'gen_ai.usage.input_tokens': -3 }, { inputTokens: 0 }],
    ['huge user agent is cut', { 'user_agent.original': 'u'.repeat(10_000) }, { userAgent: 'u'.repeat(512) }],
    ['__proto__ attribute is plain data', { ['__proto__']: 'x', 'http.route': '/p' }, { endpoint: '/p' }],
  ];
  it.each(cases)('%s', (_name, attrs, expected) => {
    const mapped = record(mapSpan(span({ attrs }), options));
    expect(mapped).toMatchObject({ kind: 'request', serviceName: 'shop', traceId: '0af7651916cd43dd8448eb211c80319c', ...expected });
  });

  it('response time is end - start in fractional milliseconds, timestamp is the start', () => {
    const mapped = record(mapSpan(span({}), options));
    expect(mapped.responseTime).toBeCloseTo(12.345678, 9);
    expect(mapped.timestamp.toISOString()).toBe('2026-11-25T10:30:00.000Z');
  });

  it('span status ERROR makes a 200 an error', () => {
    const mapped = record(mapSpan(span({ statusCode: 2, attrs: { 'http.response.status_code': 200 } }), options));
    expect(mapped).toMatchObject({ outcome: 'error', statusCode: 200 });
  });

  it('missing service.name becomes unknown_service', () => {
    const mapped = record(mapSpan({ ...span({}), resource: new Map() }, options));
    expect(mapped.serviceName).toBe('unknown_service');
  });

  it('route parameter attribution can be switched off', () => {
    const attrs = { 'http.route': '/api/agents/:agent/chat', 'url.path': '/api/agents/sales/chat' };
    expect(record(mapSpan(span({ attrs }), { ...options, agentRouteParameter: '' })).agentName).toBeNull();
  });
});

describe('mapSpan: agent invocations and other spans', () => {
  it('a non-server span naming an agent is an invocation', () => {
    const result = record(mapSpan(span({ kind: 1, name: 'invoke_agent support', statusCode: 2,
      attrs: { 'gen_ai.agent.name': 'support', 'gen_ai.usage.output_tokens': 9, 'session.id': 's1' } }), options));
    expect(result).toMatchObject({ kind: 'agent_invocation', agentName: 'support', operation: 'invoke_agent support',
      outcome: 'error', outputTokens: 9, sessionId: 's1' });
  });

  it('a client span without an agent is ignored', () => {
    expect(mapSpan(span({ kind: 3, attrs: { 'http.request.method': 'GET' } }), options)).toEqual({ type: 'ignored' });
  });
});

describe('mapSpan: rejections', () => {
  const cases: Array<[string, Partial<Span>, RegExp]> = [
    ['short trace id', { traceId: 'abc' }, /traceId must be 16 non-zero bytes/],
    ['zero trace id', { traceId: '0'.repeat(32) }, /traceId/],
    ['long span id', { spanId: 'b7ad6b7169203331ff' }, /spanId must be 8 non-zero bytes/],
    ['non-hex span id', { spanId: 'zzzzzzzzzzzzzzzz' }, /spanId/],
    ['start at epoch zero', { startTimeUnixNano: 0n, endTimeUnixNano: 1n }, /not a plausible time/],
    ['start far in the future', { startTimeUnixNano: START_NS * 2n, endTimeUnixNano: START_NS * 2n }, /not a plausible time/],
    ['end before start', { endTimeUnixNano: START_NS - 1n }, /between 0 and 24 h/],
    ['two-day request', { endTimeUnixNano: START_NS + 2n * 86_400_000_000_000n }, /between 0 and 24 h/],
  ];
  it.each(cases)('%s', (_name, overrides, reason) => {
    const result = mapSpan(span(overrides), options);
    expect(result.type).toBe('rejected');
    expect(result.type === 'rejected' && result.reason).toMatch(reason);
  });

  it('refuses a span older than the raw-request retention, which could not be deduplicated any more', () => {
    const result = mapSpan(span({}), { ...options, maxAgeMs: 3_600_000 }); // started 1.5 h before now
    expect(result.type === 'rejected' && result.reason).toMatch(/older than the raw-request retention .* not counted/);
    expect(mapSpan(span({}), { ...options, maxAgeMs: 2 * 3_600_000 }).type).toBe('record');
  });

  it('mapSpans counts and summarises rejections', () => {
    const spans = [span({}), span({ traceId: 'x' }), span({ kind: 3 }), ...Array.from({ length: 5 }, () => span({ spanId: '' }))];
    const mapped = mapSpans(spans, options);
    expect(mapped.records).toHaveLength(1);
    expect(mapped.ignored).toBe(1);
    expect(mapped.rejected).toBe(6);
    expect(describeRejections(mapped.rejected, mapped.reasons)).toMatch(/^6 span\(s\) rejected: .*traceId.*; and 3 more$/);
  });
});

describe('mapSpan: length limits never split a character', () => {
  // Each stored field, how a span carries it, and its limit in UTF-16 code units.
  const fields: Array<[string, number, (value: string) => Span, (mapped: ReturnType<typeof record>) => unknown]> = [
    ['service name', 256, (value) => span({ service: value }), (mapped) => mapped.serviceName],
    ['route', 256, (value) => span({ attrs: { 'http.route': value } }), (mapped) => mapped.kind === 'request' && mapped.endpoint],
    ['path without a route', 256, (value) => span({ attrs: { 'url.path': value } }), (mapped) => mapped.kind === 'request' && mapped.endpoint],
    ['span name as endpoint', 256, (value) => span({ name: value }), (mapped) => mapped.kind === 'request' && mapped.endpoint],
    ['agent from gen_ai.agent.name', 128, (value) => span({ attrs: { 'gen_ai.agent.name': value } }),
      (mapped) => mapped.agentName],
    ['agent from the route parameter', 128,
      (value) => span({ attrs: { 'http.route': '/api/agents/:agent/chat', 'url.path': `/api/agents/${encodeURIComponent(value)}/chat` } }),
      (mapped) => mapped.agentName],
    ['user agent', 512, (value) => span({ attrs: { 'user_agent.original': value } }), (mapped) => mapped.kind === 'request' && mapped.userAgent],
    ['user id', 256, (value) => span({ attrs: { 'user.id': value } }), (mapped) => mapped.userId],
    ['operation name', 256, (value) => span({ kind: 1, name: value, attrs: { 'gen_ai.agent.name': 'support' } }),
      (mapped) => mapped.kind === 'agent_invocation' && mapped.operation],
  ];
  const astral = [['emoji', '😀'], ['script capital', '𝒜'], ['CJK extension B', '𠀀'], ['flag', '🇩🇪']] as const;
  // The character straddles the limit, ends exactly on it, or (a flag) has its second code point straddle it.
  const cases = fields.flatMap(([field, limit, build, read]) =>
    astral.flatMap(([charName, char]) =>
      [1, 2, 3].map((before) => {
        const value = '/' + 'a'.repeat(limit - before - 1) + char + 'z';
        return [`${field}: ${charName} starting ${before} unit(s) before the limit of ${limit}`, value, limit, build, read] as const;
      }),
    ),
  );
  it.each(cases)('%s', (_name, value, limit, build, read) => {
    const stored = read(record(mapSpan(build(value), options)));
    expect(stored).toBe(codePointPrefix(value, limit));
    expect(isStoredUnchanged(stored as string)).toBe(true);
  });

  it('a service name of 255 letters and an emoji is stored as the 255 letters, valid text the service filter matches', () => {
    const mapped = record(mapSpan(span({ service: 'a'.repeat(255) + '😀' }), options));
    expect(mapped.serviceName).toBe('a'.repeat(255));
    const invocation = record(mapSpan(span({ kind: 1, name: 'invoke_agent ' + '😀'.repeat(200),
      attrs: { 'gen_ai.agent.name': '𝒜'.repeat(100) } }), options));
    expect(invocation).toMatchObject({ kind: 'agent_invocation', agentName: '𝒜'.repeat(64),
      operation: 'invoke_agent ' + '😀'.repeat(121) });
    // What a store writes (UTF-8) and reads back is the value the mapping produced.
    for (const value of [mapped.serviceName, invocation.agentName, invocation.kind === 'agent_invocation' && invocation.operation]) {
      expect(isStoredUnchanged(value as string)).toBe(true);
    }
  });

  it('a lone surrogate sent in the input is stored as U+FFFD', () => {
    expect(record(mapSpan(span({ service: 'shop\ud800' }), options)).serviceName).toBe('shop\ufffd');
  });
});

describe('endpoint naming', () => {
  it.each([
    ['/api/users/12345/orders', '/api/users/:id/orders'],
    ['/api/v2/items', '/api/v2/items'],
    ['/t/01HZX3Q8M7K2C9V4B6N1P0R5S8', '/t/:id'],
    ['/files/readme', '/files/readme'],
  ])('collapseIds(%s) = %s', (path, expected) => expect(collapseIds(path)).toBe(expected));

  it('falls back to the span name and cuts long endpoints', () => {
    expect(endpointOf(null, null, 'GET /x')).toBe('GET /x');
    expect(endpointOf('/' + 'a'.repeat(1000), null, 'x')).toHaveLength(256);
  });

  it('route parameters line up by segment', () => {
    expect(routeParameter('/api/agents/:agent/chat', '/api/agents/helper/chat?x=1', 'agent')).toBe('helper');
    expect(routeParameter('/api/agents/:agent/chat', '/other', 'agent')).toBeNull();
    expect(routeParameter('/api/users/:id', '/api/users/1', 'agent')).toBeNull();
  });
});
