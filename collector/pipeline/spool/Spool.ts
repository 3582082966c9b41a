/**
 * The durable spool: batches of records written to files under `dir`, fsync'd before
 * `append` resolves, read back oldest first, bounded by `maxBytes` on disk.
 *
 * Files are segments `spool-<seq>.log`, appended until they pass SEGMENT_BYTES; a segment is
 * deleted once every batch in it was released (written to the store). Each batch is one
 * frame: u32 payload length, u32 CRC-32 of the payload, payload (u64 spooled-at epoch ms, then
 * the records as JSON). A crash can leave the last frame of the last segment torn (short or
 * with a wrong CRC): `open` cuts it off, since its request was never answered. A bad frame
 * anywhere else ends its segment's usable part (logged); the rest of the spool still drains.
 * Replaying a batch again after a crash is harmless: store writes are idempotent.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import type { SpanRecord } from '../../store/types.js';

const SEGMENT_BYTES = 16 * 1024 * 1024;
const FRAME_HEADER = 8;
const SEGMENT = /^spool-(\d{12})\.log$/;

export interface SpoolOptions {
  /** The folder of the segment files (created when missing). */
  dir: string;
  /** Most bytes on disk; an append beyond it is refused with 503. */
  maxBytes: number;
}

export interface SpooledBatch {
  records: SpanRecord[];
  spooledAt: Date;
  /** Where it is, for release(). */
  readonly segment: number;
  readonly end: number;
}

export interface SpoolDepth {
  batches: number;
  records: number;
  bytes: number;
  /** When the oldest batch still in the spool was spooled; null when empty. */
  oldestAt: Date | null;
  /** The disk quota (max_size). */
  capacityBytes: number;
  /** Whether another batch would fit. */
  accepting: boolean;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes of valid frames. */
  size: number;
  /** Offset of the first frame not yet released. */
  consumed: number;
  /** Frames (batches) and records not yet released. */
  batches: number;
  records: number;
  oldestAt: number | null;
}

export class Spool {
  private readonly segments: Segment[] = [];
  private writer: { segment: Segment; handle: FileHandle } | undefined;
  private appending: Promise<void> = Promise.resolve();

  constructor(private readonly options: SpoolOptions) {}

  /** Reads what a previous process left (cutting off a torn last frame). */
  async open(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    const names = readdirSync(this.options.dir).filter((name) => SEGMENT.test(name)).sort();
    for (const [i, name] of names.entries()) {
      const segment = await this.scan(Number(SEGMENT.exec(name)![1]), i === names.length - 1);
      if (segment.batches === 0) await rm(segment.path, { force: true });
      else this.segments.push(segment);
    }
    const depth = this.depth();
    if (depth.batches > 0) log.info('spool: found batches left by an earlier run; they drain into the store', { ...depth });
  }

  depth(): SpoolDepth {
    let batches = 0;
    let records = 0;
    let bytes = 0;
    let oldest: number | null = null;
    for (const segment of this.segments) {
      batches += segment.batches;
      records += segment.records;
      bytes += segment.size - segment.consumed;
      if (segment.batches > 0 && (oldest === null || (segment.oldestAt ?? Infinity) < oldest)) oldest = segment.oldestAt;
    }
    return {
      batches, records, bytes, oldestAt: oldest === null ? null : new Date(oldest),
      capacityBytes: this.options.maxBytes, accepting: this.hasRoomFor(64 * 1024),
    };
  }

  /** Whether a batch of about `bytes` would fit (counting the segment files as they are on disk). */
  hasRoomFor(bytes: number): boolean {
    const onDisk = this.segments.reduce((sum, segment) => sum + segment.size, 0);
    return onDisk + bytes + FRAME_HEADER <= this.options.maxBytes;
  }

  /** Writes the batch and syncs it to disk; rejects with a retryable 503 when the spool is full or the disk fails. */
  append(records: readonly SpanRecord[]): Promise<void> {
    const next = this.appending.then(() => this.appendNow(records));
    this.appending = next.catch(() => undefined);
    return next;
  }

  /** The oldest batch not yet released, or undefined when the spool is empty. */
  async oldest(): Promise<SpooledBatch | undefined> {
    const segment = this.segments.find((s) => s.batches > 0);
    if (segment === undefined) return undefined;
    const handle = await open(segment.path, 'r');
    try {
      const frame = await readFrame(handle, segment.consumed, segment.size);
      if (frame === undefined) throw new Error(`spool segment ${segment.path} changed under the spool`);
      return { ...decodeBatch(frame.payload), segment: segment.seq, end: frame.end };
    } finally {
      await handle.close();
    }
  }

  /** Marks `batch` as written to the store; a segment with nothing left is deleted. */
  async release(batch: SpooledBatch): Promise<void> {
    const segment = this.segments.find((s) => s.seq === batch.segment);
    if (segment === undefined || batch.end <= segment.consumed) return;
    segment.consumed = batch.end;
    segment.batches -= 1;
    segment.records -= batch.records.length;
    if (segment.batches > 0) {
      segment.oldestAt = (await this.peekSpooledAt(segment)) ?? segment.oldestAt;
      return;
    }
    segment.oldestAt = null;
    // The segment being appended to stays until it is full (writableSegment deletes it then).
    if (this.writer?.segment === segment) return;
    this.segments.splice(this.segments.indexOf(segment), 1);
    await rm(segment.path, { force: true });
  }

  async close(): Promise<void> {
    await this.appending;
    await this.writer?.handle.close();
    this.writer = undefined;
  }

  private async appendNow(records: readonly SpanRecord[]): Promise<void> {
    const payload = encodeBatch(records, Date.now());
    const frame = Buffer.alloc(FRAME_HEADER + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    frame.writeUInt32LE(crc32(payload), 4);
    payload.copy(frame, FRAME_HEADER);
    if (!this.hasRoomFor(payload.length)) {
      throw PipelineError.unavailable(`the spool is full (${this.options.maxBytes} bytes) and the store is not taking writes`, 2);
    }
    try {
      const writer = await this.writableSegment();
      await writer.handle.write(frame, 0, frame.length, writer.segment.size);
      await writer.handle.sync();
      const segment = writer.segment;
      segment.size += frame.length;
      segment.batches += 1;
      segment.records += records.length;
      segment.oldestAt ??= Date.now();
    } catch (error) {
      throw PipelineError.unavailable(`cannot write the spool in ${this.options.dir}: ${(error as Error).message}`, 2, error);
    }
  }

  private async writableSegment(): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.writer !== undefined && this.writer.segment.size < SEGMENT_BYTES) return this.writer;
    if (this.writer !== undefined) {
      const full = this.writer;
      this.writer = undefined;
      await full.handle.close();
      if (full.segment.batches === 0) {
        this.segments.splice(this.segments.indexOf(full.segment), 1);
        await rm(full.segment.path, { force: true });
      }
    }
    const seq = (this.segments.at(-1)?.seq ?? 0) + 1;
    const path = join(this.options.dir, `spool-${String(seq).padStart(12, '0')}.log`);
    const handle = await open(path, 'a+');
    // The new file's directory entry must be durable too, or a crash could lose the whole file.
    const dir = await open(this.options.dir, 'r');
    await dir.sync().finally(() => dir.close());
    const segment: Segment = { seq, path, size: 0, consumed: 0, batches: 0, records: 0, oldestAt: null };
    this.segments.push(segment);
    this.writer = { segment, handle };
    return this.writer;
  }

  /** Reads a segment's frames; in the last segment a torn tail is cut off. */
  private async scan(seq: number, last: boolean): Promise<Segment> {
    const path = join(this.options.dir, `spool-${String(seq).padStart(12, '0')}.log`);
    const size = (await stat(path)).size;
    const segment: Segment = { seq, path, size: 0, consumed: 0, batches: 0, records: 0, oldestAt: null };
    const handle = await open(path, 'r+');
    try {
      for (let offset = 0; offset < size;) {
        const frame = await readFrame(handle, offset, size);
        if (frame === undefined) {
          if (last) {
            log.warn('spool: cut off a torn last batch (the collector stopped while writing it; it was never acknowledged)', { path, bytes: size - offset });
            await handle.truncate(offset);
          } else {
            log.error('spool: a segment has a damaged batch; the batches after it in that file are skipped', { path, offset });
          }
          break;
        }
        const batch = decodeBatch(frame.payload);
        segment.batches += 1;
        segment.records += batch.records.length;
        segment.oldestAt ??= batch.spooledAt.getTime();
        segment.size = frame.end;
        offset = frame.end;
      }
    } finally {
      await handle.close();
    }
    return segment;
  }

  private async peekSpooledAt(segment: Segment): Promise<number | undefined> {
    const handle = await open(segment.path, 'r');
    try {
      const frame = await readFrame(handle, segment.consumed, segment.size);
      return frame === undefined ? undefined : Number(frame.payload.readBigUInt64LE(0));
    } finally {
      await handle.close();
    }
  }
}

/** The frame at `offset`, or undefined when it is short or its CRC does not match. */
async function readFrame(handle: FileHandle, offset: number, size: number): Promise<{ payload: Buffer; end: number } | undefined> {
  if (offset + FRAME_HEADER > size) return undefined;
  const header = Buffer.alloc(FRAME_HEADER);
  await handle.read(header, 0, FRAME_HEADER, offset);
  const length = header.readUInt32LE(0);
  const end = offset + FRAME_HEADER + length;
  if (length < 8 || end > size) return undefined;
  const payload = Buffer.alloc(length);
  await handle.read(payload, 0, length, offset + FRAME_HEADER);
  if (crc32(payload) !== header.readUInt32LE(4)) return undefined;
  return { payload, end };
}

/** The Date fields of records (`receivedAt`: pending model calls and GenAI links), as epoch ms in the spool. */
const DATE_FIELDS = ['timestamp', 'receivedAt'] as const;

function encodeBatch(records: readonly SpanRecord[], spooledAt: number): Buffer {
  const json = Buffer.from(JSON.stringify(records.map((record) => 'receivedAt' in record
    ? { ...record, timestamp: record.timestamp.getTime(), receivedAt: record.receivedAt.getTime() }
    : { ...record, timestamp: record.timestamp.getTime() })));
  const payload = Buffer.alloc(8 + json.length);
  payload.writeBigUInt64LE(BigInt(spooledAt), 0);
  json.copy(payload, 8);
  return payload;
}

function decodeBatch(payload: Buffer): { records: SpanRecord[]; spooledAt: Date } {
  const spooledAt = new Date(Number(payload.readBigUInt64LE(0)));
  const raw = JSON.parse(payload.subarray(8).toString('utf8')) as Array<Record<string, unknown>>;
  const records = raw.map((record) => {
    for (const field of DATE_FIELDS) if (field in record) record[field] = new Date(Number(record[field]));
    return record as unknown as SpanRecord;
  });
  return { spooledAt, records };
}
