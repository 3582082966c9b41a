/**
 * How MongoDB failures reach the pipeline (mongoErrors.ts): transient ones (network, failover,
 * server selection) are retried and end as a retryable 503 with Retry-After, a document the
 * server refuses for its data is that record's (rejected alone, in the store tests), anything
 * else as a whole is a 503: never a 400 or 500 for the batch. The errors are the driver's own
 * classes, built as the driver builds them.
 */
import { MongoBulkWriteError, MongoNetworkError, MongoNetworkTimeoutError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../collector/errors.js';
import { isRecordDataCode, isTransient, toPipelineError, withRetries } from '../../../collector/store/mongodb/mongoErrors.js';

const server = (code: number, codeName: string) => new MongoServerError({ ok: 0, code, codeName, errmsg: codeName });

describe('MongoDB error kinds', () => {
  it.each([
    ['a network error', new MongoNetworkError('connection reset')],
    ['a network timeout', new MongoNetworkTimeoutError('socket timed out')],
    ['a server selection timeout', new MongoServerSelectionError('Server selection timed out after 5000 ms', {} as never)],
    ['NotWritablePrimary (stepdown)', server(10107, 'NotWritablePrimary')],
    ['PrimarySteppedDown', server(189, 'PrimarySteppedDown')],
    ['InterruptedDueToReplStateChange', server(11602, 'InterruptedDueToReplStateChange')],
    ['ShutdownInProgress', server(91, 'ShutdownInProgress')],
    ['a bulk write stopped by a network timeout', new MongoBulkWriteError(new MongoNetworkTimeoutError('timed out') as never, {} as never)],
  ])('%s is transient and becomes a retryable 503', (_name, error) => {
    expect(isTransient(error)).toBe(true);
    expect(toPipelineError(error, 'write')).toMatchObject({ kind: 'retryable', httpStatus: 503, retryAfterSeconds: 2 });
  });

  it('an unknown server error with the RetryableWriteError label is transient', () => {
    const error = server(9999, 'SomethingNew');
    error.addErrorLabel('RetryableWriteError');
    expect(isTransient(error)).toBe(true);
  });

  it('a document the server cannot store is that document\'s data; the batch as a whole stays retryable', () => {
    expect(isTransient(server(10334, 'BSONObjectTooLarge'))).toBe(false);
    for (const code of [10334, 2, 14, 52, 57]) expect(isRecordDataCode(code)).toBe(true);
    for (const code of [11000, 91, 8000]) expect(isRecordDataCode(code)).toBe(false);
    expect(toPipelineError(server(10334, 'BSONObjectTooLarge'), 'write')).toMatchObject({ kind: 'retryable', httpStatus: 503 });
  });

  it('an unknown failure is a retryable 503, never a 500', () => {
    for (const error of [server(8000, 'AtlasError'), new Error('what?'), 'a string']) {
      expect(isTransient(error)).toBe(false);
      expect(toPipelineError(error, 'write')).toMatchObject({ kind: 'retryable', httpStatus: 503 });
    }
  });
});

describe('withRetries', () => {
  const options = { retries: 3, budgetMs: 2000 };

  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const result = await withRetries('write', options, async () => {
      calls += 1;
      if (calls < 3) throw new MongoNetworkError('connection reset');
      return 'stored';
    });
    expect(result).toBe('stored');
    expect(calls).toBe(3);
  });

  it('gives up after the bounded number of attempts with a retryable PipelineError', async () => {
    let calls = 0;
    const error = await withRetries('write', { retries: 2, budgetMs: 5000 }, async () => {
      calls += 1;
      throw server(10107, 'NotWritablePrimary');
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ kind: 'retryable', httpStatus: 503 });
  });

  it('does not retry a failure that is not transient, and answers it retryable all the same', async () => {
    let calls = 0;
    const error = await withRetries('write', options, async () => {
      calls += 1;
      throw server(10334, 'BSONObjectTooLarge');
    }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ kind: 'retryable', httpStatus: 503 });
  });
});
