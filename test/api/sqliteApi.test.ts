/** The status API contract on the embedded SQLite store, seeded through the real pipeline. */
import { startTestSpanpulse } from '../support/spanpulse.js';
import { runApiContract } from './apiContract.js';

runApiContract('sqlite', 'sqlite', () => startTestSpanpulse());
