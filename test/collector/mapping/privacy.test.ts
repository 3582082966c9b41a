/**
 * Client addresses and user ids are protected before anything is stored (privacy.ts): the
 * modes one by one, then end to end through a real collector, in every document that holds them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { protectAddress, protectUserId, truncateAddress, type PrivacyOptions } from '../../../collector/mapping/privacy.js';
import { parseConfig } from '../../../collector/config/loadConfig.js';
import { ConfigError } from '../../../collector/config/loadConfig.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';

const secret = 'a-secret-of-sixteen+';
const options = (clientAddress: PrivacyOptions['clientAddress'], userId: PrivacyOptions['userId'] = 'keep'): PrivacyOptions =>
  ({ clientAddress, userId, hashSecret: secret });

describe('truncateAddress', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1ff:fe23:4567:890a', 'fe80:0:0::'],
    ['client.example.com', null],
    ['10.0.0.1:4444', null],
  ])('%s -> %s', (address, truncated) => {
    expect(truncateAddress(address)).toBe(truncated);
  });
});

describe('protect', () => {
  it('keeps, drops, truncates and hashes addresses; a hash is stable and keyed', () => {
    expect(protectAddress('203.0.113.77', options('keep'))).toBe('203.0.113.77');
    expect(protectAddress('203.0.113.77', options('drop'))).toBeNull();
    expect(protectAddress('203.0.113.77', options('truncate'))).toBe('203.0.113.0');
    const hashed = protectAddress('203.0.113.77', options('hash'));
    expect(hashed).toMatch(/^[0-9a-f]{32}$/);
    expect(protectAddress('203.0.113.77', options('hash'))).toBe(hashed);
    expect(protectAddress('203.0.113.77', { ...options('hash'), hashSecret: 'another-secret-16chars' })).not.toBe(hashed);
    expect(protectAddress(null, options('hash'))).toBeNull();
  });

  it('keeps, drops and hashes user ids', () => {
    expect(protectUserId('alice', options('keep', 'keep'))).toBe('alice');
    expect(protectUserId('alice', options('keep', 'drop'))).toBeNull();
    expect(protectUserId('alice', options('keep', 'hash'))).toMatch(/^[0-9a-f]{32}$/);
    expect(protectUserId('alice', options('keep', 'hash'))).not.toBe(protectUserId('bob', options('keep', 'hash')));
  });

  it('refuses hash without a secret long enough, naming the key', () => {
    const problems = (() => {
      try {
        parseConfig('processors: {spanpulse: {user_id: hash, hash_secret: short}}', 'x', {});
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems).toEqual([expect.stringMatching(/^processors\.spanpulse\.hash_secret: hash needs a secret of at least 16 characters/)]);
  });
});

describe('privacy end to end', () => {
  let sp: TestSpanpulse | undefined;
  afterEach(async () => { await sp?.stop(); sp = undefined; });

  it('stores no full address and no clear user id anywhere', async () => {
    sp = await startTestSpanpulse({ spanpulse: { client_address: 'truncate', user_id: 'hash', hash_secret: secret } });
    const t = Date.now() - 60_000;
    const spans = makeSpans(['alice', 'alice', 'bob'].map((userId, i) => serverSpan({
      service: 'private', route: '/r', status: 200, startMs: t + i, durationMs: 1, sessionId: `s-${userId}`, userId,
    })).map((spec, i) => ({ ...spec, attributes: { ...spec.attributes, 'client.address': `203.0.113.${10 + i}` } })));
    expect((await sp.post(otlpProtobuf(spans))).status).toBe(200);
    const requests = await sp.recentRequests('private');
    expect(new Set(requests.map((r) => r.ipAddress))).toEqual(new Set(['203.0.113.0']));
    expect(requests.every((r) => r.userId !== 'alice' && r.userId !== 'bob' && /^[0-9a-f]{32}$/.test(r.userId ?? ''))).toBe(true);
    const alice = await sp.store.findSession('private', 's-alice');
    expect(alice).toMatchObject({ ipAddress: '203.0.113.0', userId: protectUserId('alice', options('keep', 'hash')) });
    // The same user is still one user.
    const counts = await sp.store.countSessions({ from: new Date(t - 60_000), to: new Date(Date.now() + 60_000) });
    expect(counts).toEqual({ sessions: 2, users: 2 });
  });
});
