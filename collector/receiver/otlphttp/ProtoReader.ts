/**
 * A minimal protobuf wire-format reader, just what decoding an OTLP ExportTraceServiceRequest
 * needs. Hand-written rather than generated: the receiver must decode tens of thousands of
 * spans per second, and reading straight from the request Buffer into our own Span type avoids
 * building an intermediate message tree.
 *
 * Every read takes `end`, the end of the enclosing message, so a length prefix that claims
 * more bytes than its parent holds is caught as truncation instead of reading a sibling.
 * Malformed input throws ProtoDecodeError with the byte offset; the caller turns it into a 400.
 */

export class ProtoDecodeError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ProtoDecodeError';
    this.offset = offset;
  }
}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const TWO_POW_32 = 0x1_0000_0000;

/** Bytes a minimal varint encoding of a uint32 takes (for pointing error offsets at a tag). */
function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest !== 0; rest >>>= 7) size++;
  return size;
}

export class ProtoReader {
  readonly buf: Buffer;
  pos = 0;
  /** Low and high 32 bits of the last varint read by readVarint64. */
  private lo = 0;
  private hi = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  error(message: string, offset = this.pos): ProtoDecodeError {
    return new ProtoDecodeError(message, offset);
  }

  /** Tags, lengths and small unsigned values; values above 32 bits are a decode error. */
  uint32(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const byte = this.buf[pos]!;
      // Most tags and lengths are a single byte.
      if (byte < 0x80) {
        this.pos = pos + 1;
        return byte;
      }
    }
    this.readVarint64(end);
    if (this.hi !== 0) throw this.error('varint does not fit in 32 bits', pos);
    return this.lo;
  }

  /** int32 / enum: negative values arrive sign-extended to 64 bits. */
  int32(end: number): number {
    this.readVarint64(end);
    return this.lo | 0;
  }

  bool(end: number): boolean {
    this.readVarint64(end);
    return this.lo !== 0 || this.hi !== 0;
  }

  /**
   * int64 as a JS number: exact within ±2^53, rounded beyond (OTLP int attributes that large
   * are counters or ids that metrics never do arithmetic on exactly).
   */
  int64(end: number): number {
    this.readVarint64(end);
    const { lo, hi } = this;
    if (hi & 0x8000_0000) {
      // Two's complement: negate (~x + 1) across both halves.
      const negLo = (~lo + 1) >>> 0;
      const negHi = (~hi + (negLo === 0 ? 1 : 0)) >>> 0;
      return -(negHi * TWO_POW_32 + negLo);
    }
    return hi * TWO_POW_32 + lo;
  }

  fixed64(end: number): bigint {
    this.need(8, end);
    const value = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return value;
  }

  double(end: number): number {
    this.need(8, end);
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** Reads a length prefix and returns where the delimited bytes end (pos is at their start). */
  lengthDelimitedEnd(end: number): number {
    const start = this.pos;
    const length = this.uint32(end);
    const contentEnd = this.pos + length;
    if (contentEnd > end) {
      throw this.error(`truncated: length ${length} runs past the end of the enclosing message`, start);
    }
    return contentEnd;
  }

  string(end: number): string {
    const contentEnd = this.lengthDelimitedEnd(end);
    const value = this.buf.toString('utf8', this.pos, contentEnd);
    this.pos = contentEnd;
    return value;
  }

  /** Bytes as lowercase hex (trace and span ids). */
  hex(end: number): string {
    const contentEnd = this.lengthDelimitedEnd(end);
    const value = this.buf.toString('hex', this.pos, contentEnd);
    this.pos = contentEnd;
    return value;
  }

  /** Bytes as standard base64, the same text OTLP/JSON carries for `bytes` fields. */
  base64(end: number): string {
    const contentEnd = this.lengthDelimitedEnd(end);
    const value = this.buf.toString('base64', this.pos, contentEnd);
    this.pos = contentEnd;
    return value;
  }

  /**
   * Skips a field this decoder does not use. `expected[fieldNumber]` gives the wire type of the
   * message's known fields: a known field with another wire type means the sender and we
   * disagree about the schema, so it is an error rather than silently dropped data.
   */
  skip(tag: number, end: number, message: string, expected: readonly (number | undefined)[]): void {
    const tagOffset = this.pos - varintSize(tag);
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNumber === 0) throw this.error(`${message}: invalid field number 0`, tagOffset);
    const expectedType = expected[fieldNumber];
    if (expectedType !== undefined && expectedType !== wireType) {
      throw this.error(`${message} field ${fieldNumber}: wire type ${wireType}, expected ${expectedType}`, tagOffset);
    }
    switch (wireType) {
      case WireType.VARINT:
        this.readVarint64(end);
        return;
      case WireType.I64:
        this.need(8, end);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.pos = this.lengthDelimitedEnd(end);
        return;
      case WireType.I32:
        this.need(4, end);
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) are not used by any OTLP message; 6 and 7 do not exist.
        throw this.error(`${message} field ${fieldNumber}: unsupported wire type ${wireType}`, tagOffset);
    }
  }

  private need(bytes: number, end: number): void {
    if (this.pos + bytes > end) throw this.error(`truncated: expected ${bytes} more bytes`);
  }

  private readVarint64(end: number): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let byte: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw this.error('truncated varint', start);
      byte = buf[pos++]!;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    // The fifth byte carries bits 28..34, straddling the two halves.
    if (pos >= end) throw this.error('truncated varint', start);
    byte = buf[pos++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >>> 4;
    if (byte < 0x80) return this.setVarint(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) throw this.error('truncated varint', start);
      byte = buf[pos++]!;
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    throw this.error('varint longer than 10 bytes', start);
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }
}
