/**
 * Wraps a StoreReader so that every rejection reaches the error responder as a retryable
 * PipelineError (503 with Retry-After). The reader contract says a query rejects only when
 * the store is unreachable; backends do not all say so with a PipelineError, and a status
 * page must tell "store down" apart from a bug in the API (500).
 */
import { PipelineError } from '../collector/errors.js';
import type { StoreReader } from '../collector/store/types.js';

export function readerWithUnavailableErrors(reader: StoreReader): StoreReader {
  const guard = async <T>(query: () => Promise<T>): Promise<T> => {
    try {
      return await query();
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw PipelineError.unavailable(`store unavailable: ${error instanceof Error ? error.message : String(error)}`, 2, error);
    }
  };
  return {
    ping: () => guard(() => reader.ping()),
    findRollups: (query) => guard(() => reader.findRollups(query)),
    findMinuteRollups: (query) => guard(() => reader.findMinuteRollups(query)),
    findAgentDays: (query) => guard(() => reader.findAgentDays(query)),
    findModelDays: (query) => guard(() => reader.findModelDays(query)),
    countSessions: (query) => guard(() => reader.countSessions(query)),
    listServices: () => guard(() => reader.listServices()),
    findRequests: (query) => guard(() => reader.findRequests(query)),
    findSession: (serviceName, sessionId) => guard(() => reader.findSession(serviceName, sessionId)),
    sumModelCalls: (query) => guard(() => reader.sumModelCalls(query)),
    listSessions: (query) => guard(() => reader.listSessions(query)),
    findSessionSpans: (query) => guard(() => reader.findSessionSpans(query)),
    knownDimensions: (since, limit) => guard(() => reader.knownDimensions(since, limit)),
  };
}
