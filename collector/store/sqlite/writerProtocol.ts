/**
 * The messages between SqliteStore (main thread) and the writer thread (writerThreadMain.ts):
 * one request per call, answered by its id; errors cross as their PipelineError fields,
 * since an Error's class does not survive a thread boundary.
 */
import { PipelineError, type ErrorKind } from '../../errors.js';
import type { LogLevel } from '../../log.js';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertValueNote, Silence } from '../alertTypes.js';
import type { ArchivedCollection, ArchivedDocument } from '../archive/archiveFormat.js';
import type { Retention, SpanRecord, SpanRef, WriteResult } from '../types.js';
import type { SqliteWriterOptions } from './SqliteWriter.js';

export interface WriterThreadData {
  options: SqliteWriterOptions;
  logLevel: LogLevel;
  /** One Float64: when the newest successful fold started, epoch ms (0: none yet). Written by the thread. */
  foldClock: SharedArrayBuffer;
}

export interface WriterCalls {
  append: { args: [records: readonly SpanRecord[]]; result: WriteResult };
  fold: { args: []; result: void };
  markInactiveSessions: { args: [now: Date, inactivityMs: number]; result: number };
  addAlertEvents: { args: [events: readonly AlertEvent[]]; result: boolean[] };
  updateAlertValues: { args: [notes: readonly AlertValueNote[]]; result: void };
  setAlertDeliveries: { args: [key: AlertEventKey, deliveries: readonly AlertDelivery[]]; result: void };
  addSilence: { args: [silence: Silence]; result: void };
  deleteSilence: { args: [id: string]; result: boolean };
  deletePendingModelCalls: { args: [spans: readonly SpanRef[]]; result: void };
  deleteExpired: { args: [now: Date, retention: Retention, archived: boolean]; result: void };
  deleteArchived: { args: [collection: ArchivedCollection, docs: readonly ArchivedDocument[]]; result: number };
  close: { args: []; result: void };
}
export type WriterCall = keyof WriterCalls;

export interface WriterRequest {
  id: number;
  call: WriterCall;
  args: unknown[];
}

export interface WireError {
  kind: ErrorKind;
  httpStatus: number;
  message: string;
  retryAfterSeconds: number | undefined;
}

export type WriterMessage =
  | { type: 'ready' }
  | { type: 'startFailed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError };

export function toWire(error: PipelineError): WireError {
  return { kind: error.kind, httpStatus: error.httpStatus, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
}

export function fromWire(error: WireError): PipelineError {
  return new PipelineError(error.kind, error.httpStatus, error.message, error.retryAfterSeconds);
}
