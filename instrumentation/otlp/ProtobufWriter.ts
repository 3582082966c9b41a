/**
 * Protocol Buffers wire format, written into one growable Node Buffer: just what the OTLP
 * trace messages need (varints, fixed64/32, doubles, strings, bytes, nested messages).
 *
 * Spans are encoded the moment they end, so this runs on the host's request path: no
 * allocation per field, ASCII strings copied by a plain loop (attribute values are short),
 * and a nested message reserves room for its length up front and moves its body only when
 * the guess was wrong.
 */

const SHORT_STRING = 64;

export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export class ProtobufWriter {
  buffer: Buffer;
  pos = 0;

  constructor(capacity = 16 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** The bytes written so far: a view, valid until the next write. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.pos + count;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  tag(field: number, wireType: number): void {
    this.uint32((field << 3) | wireType);
  }

  uint32(value: number): void {
    this.reserve(5);
    const buffer = this.buffer;
    let v = value >>> 0;
    while (v > 0x7f) {
      buffer[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[this.pos++] = v;
  }

  /** An int64 varint from a JS number (two's complement, 10 bytes, when negative). */
  int64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.uint32(value);
      return;
    }
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = (magnitude / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.reserve(10);
    const buffer = this.buffer;
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.reserve(8);
    this.buffer.writeUInt32LE(low >>> 0, this.pos);
    this.buffer.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  double(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): void {
    const length = value.length;
    if (length < SHORT_STRING && isAscii(value)) {
      this.uint32(length);
      this.reserve(length);
      const buffer = this.buffer;
      let pos = this.pos;
      for (let i = 0; i < length; i++) buffer[pos++] = value.charCodeAt(i);
      this.pos = pos;
      return;
    }
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.uint32(byteLength);
    this.reserve(byteLength);
    this.pos += this.buffer.write(value, this.pos, byteLength, 'utf8');
  }

  /** Length-prefixed bytes given as hex (trace and span ids); a malformed digit pair reads as 0. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.uint32(length);
    this.reserve(length);
    const written = this.buffer.write(hex, this.pos, length, 'hex');
    if (written < length) this.buffer.fill(0, this.pos + written, this.pos + length);
    this.pos += length;
  }

  /** Length-prefixed raw bytes. */
  lengthPrefixed(bytes: Uint8Array): void {
    this.uint32(bytes.length);
    this.raw(bytes);
  }

  /** Bytes copied as they are (already encoded fields). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Starts a nested message whose length is not known yet, reserving `guess` bytes for it;
   * returns the mark to pass to `end`.
   */
  begin(guess = 1): number {
    this.reserve(guess);
    const mark = this.pos;
    this.pos += guess;
    return mark;
  }

  /** Writes the length of the message started at `mark` (with the same guess). */
  end(mark: number, guess = 1): void {
    const length = this.pos - mark - guess;
    const size = varintSize(length);
    if (size !== guess) {
      this.reserve(size - guess);
      this.buffer.copyWithin(mark + size, mark + guess, this.pos);
      this.pos += size - guess;
    }
    const buffer = this.buffer;
    let at = mark;
    let v = length;
    while (v > 0x7f) {
      buffer[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[at] = v;
  }
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}
