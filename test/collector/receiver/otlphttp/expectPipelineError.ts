/** Asserting that a call fails the way the receiver turns into an HTTP answer. */
import { expect } from 'vitest';
import { PipelineError } from '../../../../collector/errors.js';

export function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

export function expectPermanent(error: unknown, httpStatus: number, messagePart: string | RegExp): void {
  expect(error).toBeInstanceOf(PipelineError);
  const pipelineError = error as PipelineError;
  expect(pipelineError.kind).toBe('permanent');
  expect(pipelineError.httpStatus).toBe(httpStatus);
  expect(pipelineError.message).toMatch(messagePart);
}
