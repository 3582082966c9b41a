/**
 * The SQLite writer thread's entry: opens the file (SqliteWriter) and answers SqliteStore's
 * calls one after the other. Running here, a commit's fsync, a fold and a retention chunk
 * never hold up the main thread's event loop, which keeps serving OTLP requests, the API and
 * the health probes; decoding (main) and writing (here) use both cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setLogLevel } from '../../log.js';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertValueNote, Silence } from '../alertTypes.js';
import { storeUnavailable } from '../storeErrors.js';
import { SqliteWriter } from './SqliteWriter.js';
import { toWire, type WriterMessage, type WriterRequest, type WriterThreadData } from './writerProtocol.js';

const port = parentPort!;
const data = workerData as WriterThreadData;
setLogLevel(data.logLevel);
const send = (message: WriterMessage) => port.postMessage(message);

const foldClock = new Float64Array(data.foldClock);
let writer: SqliteWriter;
try {
  writer = new SqliteWriter(data.options, (startedAt) => { foldClock[0] = startedAt; });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'startFailed', message: `cannot open the sqlite store ${data.options.path}: ${(error as Error).message}` });
  process.exit(1);
}

/** Calls run in arrival order; an async one (deleteExpired) yields between chunks but keeps its turn. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: WriterRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle({ id, call, args }: WriterRequest): Promise<void> {
  try {
    const value = await run(call, args);
    send({ type: 'result', id, value });
  } catch (error) {
    send({ type: 'error', id, error: toWire(storeUnavailable('sqlite', call, error)) });
  }
  if (call === 'append') writer.foldIfDue();
  if (call === 'close') port.close();
}

function run(call: WriterRequest['call'], args: unknown[]): unknown {
  switch (call) {
    case 'append': return writer.append(args[0] as Parameters<SqliteWriter['append']>[0]);
    case 'fold': return writer.fold();
    case 'markInactiveSessions': return writer.markInactiveSessions(args[0] as Date, args[1] as number);
    case 'addAlertEvents': return writer.alerts.addEvents(args[0] as AlertEvent[]);
    case 'updateAlertValues': return writer.alerts.updateAlertValues(args[0] as AlertValueNote[]);
    case 'setAlertDeliveries': return writer.alerts.setDeliveries(args[0] as AlertEventKey, args[1] as AlertDelivery[]);
    case 'addSilence': return writer.alerts.addSilence(args[0] as Silence);
    case 'deleteSilence': return writer.alerts.deleteSilence(args[0] as string);
    case 'deletePendingModelCalls': return writer.deletePendingModelCalls(args[0] as Parameters<SqliteWriter['deletePendingModelCalls']>[0]);
    case 'deleteExpired': return writer.deleteExpired(args[0] as Date, args[1] as Parameters<SqliteWriter['deleteExpired']>[1], args[2] === true);
    case 'deleteArchived': return writer.deleteArchived(...(args as Parameters<SqliteWriter['deleteArchived']>));
    case 'close': return writer.close();
  }
}
