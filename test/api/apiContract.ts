/**
 * The status API contract, run against every store backend: each backend's test file only
 * wires its spanpulse factory in.
 *
 *   runApiContract('sqlite', 'sqlite', () => startTestSpanpulse());
 */
import { describe } from 'vitest';
import { analyticsContract } from './contract/analyticsContract.js';
import { apiStatusContract } from './contract/apiStatusContract.js';
import { lifecycleContract, parameterContract } from './contract/edgesContract.js';
import { minutesContract, minutesOfKnownSpansContract } from './contract/minutesContract.js';
import { exportContract } from './contract/exportContract.js';
import { hostileExportContract } from './contract/hostileExportContract.js';
import { sessionRetentionContract, sessionsContract } from './contract/sessionsContract.js';
import { SEEDED_SLO, slaContract } from './contract/slaContract.js';
import { statusContract } from './contract/statusContract.js';
import { useSeededApi } from './contract/useSeededApi.js';
import type { SpanpulseFactory } from './support/apiHarness.js';

export function runApiContract(name: string, backend: 'sqlite' | 'mongodb', factory: SpanpulseFactory): void {
  describe(`status API contract: ${name}`, () => {
    describe('with 16 days of traffic from two services', () => {
      const seeded = useSeededApi(factory, { slo: SEEDED_SLO });
      statusContract(seeded, backend);
      analyticsContract(seeded);
      apiStatusContract(seeded);
      parameterContract(seeded);
      minutesContract(seeded);
      exportContract(seeded);
      slaContract(seeded);
      sessionsContract(seeded);
    });
    lifecycleContract(factory);
    hostileExportContract(factory);
    minutesOfKnownSpansContract(factory);
    sessionRetentionContract(factory);
  });
}
