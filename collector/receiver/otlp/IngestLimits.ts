/**
 * Admission of OTLP requests, one object shared by both receivers (built in service.ts):
 * - the memory limiter's verdict, asked before a body is read;
 * - the batch processor's queue, asked before a body is read too: while it is past a bound
 *   (spans waiting, or how long they wait) a request is refused without being read and
 *   decoded, work that only kept the event loop behind under overload (bench/overload.ts);
 * - the budget of request bytes in memory (`receivers.otlp.max_bytes_in_flight`): the bytes of
 *   bodies as they arrive and once decompressed, held until the request is answered (decoding
 *   and the wait for the store happen meanwhile). Bytes are reserved as they arrive, never on a
 *   declared Content-Length, so a client that declares a large body and trickles it holds only
 *   what it has sent.
 * A request that would pass the budget is refused with a retryable 429 (Retry-After: 1; gRPC:
 * UNAVAILABLE with RetryInfo), unless it is the only one holding bytes: a body within
 * max_request_body_size then always gets through, however small the budget.
 */
import { PipelineError } from '../../errors.js';
import type { MemoryLimiter } from '../../processor/memorylimiter/MemoryLimiter.js';
import type { Transport } from '../../telemetry/ReceiverCounters.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';

export interface IngestLimitsOptions {
  /** Most request bytes held by all receivers together; default (config) 64 MiB, or memory_limiter.limit / 8. */
  maxBytesInFlight: number;
  /** Refuses requests while memory is short; default null: no memory limiter in the pipeline. */
  memoryLimiter?: MemoryLimiter | null;
  /** The queue the requests' spans wait in (GroupCommitWriter); default null: not asked. */
  queue?: AdmissionQueue | null;
}

/** What a queue of spans says about a request not yet read. */
export interface AdmissionQueue {
  /** The retryable error to refuse a new request with now, or null to take it. */
  refusal(): PipelineError | null;
}

/** The default without a memory limiter (and what receivers built without limits use). */
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 64 * 1024 ** 2;

/** `receivers.otlp.max_bytes_in_flight` when unset: an eighth of the memory limit (64 MiB of 512), or 64 MiB. */
export function defaultMaxBytesInFlight(memoryLimitBytes: number | null): number {
  return memoryLimitBytes === null ? DEFAULT_MAX_BYTES_IN_FLIGHT : Math.max(1, Math.floor(memoryLimitBytes / 8));
}

/** One request's bytes in the budget. */
export interface Reservation {
  /** Holds `bytes` more, or throws the retryable 429 when that would pass the budget. */
  reserve(bytes: number): void;
  /** Gives the bytes back; idempotent. */
  release(): void;
  /** True once the budget refused this request: the HTTP receiver then closes the connection. */
  readonly refused: boolean;
}

export class IngestLimits {
  private bytes = 0;
  /** Requests holding bytes now. */
  private holders = 0;

  constructor(private readonly options: IngestLimitsOptions, private readonly telemetry: Telemetry) {
    telemetry.limits.gauge('bytes_in_flight', () => this.bytes);
    telemetry.limits.gauge('bytes_in_flight_limit', () => options.maxBytesInFlight);
  }

  /**
   * A new request's reservation (holding nothing yet); throws the retryable 429 while the
   * memory limiter or the queue refuses. Release it once the request is answered, on every path.
   */
  admit(transport: Transport): Reservation {
    const limiter = this.options.memoryLimiter;
    if (limiter?.refusing) {
      this.telemetry.limits.refused('memory_limiter', transport);
      throw PipelineError.overloaded(`${limiter.describe()}; retry shortly`, 1);
    }
    const queued = this.options.queue?.refusal() ?? null;
    if (queued !== null) {
      this.telemetry.limits.refused('batch_queue', transport);
      throw queued;
    }
    let held = 0;
    let released = false;
    let refused = false;
    return {
      get refused() {
        return refused;
      },
      reserve: (more) => {
        if (released || more === 0) return;
        const alone = this.holders === (held > 0 ? 1 : 0);
        if (refused || (!alone && this.bytes + more > this.options.maxBytesInFlight)) {
          if (!refused) this.telemetry.limits.refused('bytes_in_flight', transport);
          refused = true;
          throw PipelineError.overloaded(
            `${this.bytes} bytes of OTLP requests are in memory and ${more} more would pass receivers.otlp.max_bytes_in_flight ` +
              `(${this.options.maxBytesInFlight}); retry shortly`,
            1,
          );
        }
        if (held === 0) this.holders += 1;
        held += more;
        this.bytes += more;
      },
      release: () => {
        if (released) return;
        released = true;
        if (held === 0) return;
        this.bytes -= held;
        this.holders -= 1;
        held = 0;
      },
    };
  }
}
