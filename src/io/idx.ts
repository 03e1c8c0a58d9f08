/**
 * IDX files (the MNIST format, LeCun et al.: also Fashion-MNIST, EMNIST, full MNIST), optionally gzip-compressed.
 * Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then each dimension as a
 * big-endian uint32. Images are N x H x W unsigned bytes; we return pixels / 255 in [0, 1].
 *
 * Only what a request needs is read: the header first, then the first `maxImages` images. A plain file is read
 * with positioned reads; a gzip file is inflated prefix by prefix with an output cap derived from the header and
 * the request, so a small file that declares millions of images (or a gzip bomb) costs no more memory or time
 * than the images asked for. Sizes are checked against the file and the request before anything is allocated.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { UserError } from '../errors.js';

export interface IdxImages {
  /** Images returned (at most the request's maxImages). */
  n: number;
  /** Images the header declares. */
  declared: number;
  height: number;
  width: number;
  /** n x (H*W) row-major, float32 in [0, 1]. */
  data: Float32Array;
}

export interface IdxOptions {
  /** Read at most this many images (default: all of them). */
  maxImages?: number;
}

/** The largest image count x pixels returned in one call: 2^28 float32 values (1 GiB). */
export const IDX_MAX_VALUES = 2 ** 28;
const HEADER = 16;

/** Up to `need` bytes of a gzip stream, inflating growing prefixes with an output cap (never the whole stream). */
export function gunzipPrefix(gz: Uint8Array, need: number, file: string): Buffer {
  const cap = need + 4 * 2 ** 20; // one more step of a prefix can add at most ~1032 bytes per input byte
  const inflate = (p: number): Buffer | 'too-large' => {
    try {
      return gunzipSync(gz.subarray(0, p), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: cap });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return 'too-large';
      throw new UserError(`${file}: corrupt gzip data`);
    }
  };
  let lo = 0,
    hi = Infinity,
    p = Math.min(gz.length, Math.ceil(need / 1024) + 64); // deflate inflates at most ~1032 bytes per input byte
  for (;;) {
    const out = inflate(p);
    if (out !== 'too-large') {
      if (out.length >= need || p >= gz.length) return out;
      lo = p;
    } else hi = p;
    const next = hi === Infinity ? Math.min(gz.length, p * 2) : Math.floor((lo + hi) / 2);
    if (next <= lo || next >= hi)
      throw new UserError(`${file}: gzip data inflates beyond what its IDX header declares`);
    p = next;
  }
}

/** Bytes [0, n) of a plain file (fewer if the file is shorter). */
function readPrefix(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(Math.min(n, size));
    let off = 0;
    while (off < buf.length) {
      const k = readSync(fd, buf, off, buf.length - off, off);
      if (k === 0) break;
      off += k;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * An IDX file of unsigned bytes with `dims` dimensions, opened for reading: a reader of its first bytes (inflated
 * when it is gzip), its size, and its header (4 + 4 dims bytes), checked up to the sizes. `kind` and `expected`
 * word the errors (an IDX image file, "3: images x rows x columns").
 */
function openIdx(
  path: string,
  kind: string,
  dims: number,
  expected: string,
): { size: number; gz: boolean; head: Buffer; bytes: (need: number) => Buffer } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UserError(`${path}: file not found or unreadable (expected an IDX ${kind} file)`);
  }
  const first = readPrefix(path, Math.min(size, 1 << 16));
  const gz = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (gz && size > 2 ** 31)
    throw new UserError(`${path}: gzip file of ${size} bytes is larger than ipvae reads (2 GiB)`);
  const whole = gz ? readPrefix(path, size) : undefined; // compressed bytes (at most 2 GiB, checked above)
  const bytes = (need: number): Buffer => (gz ? gunzipPrefix(whole!, need, path) : readPrefix(path, need));
  const headLen = 4 + 4 * dims;
  const head = bytes(headLen);
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0)
    throw new UserError(`${path}: not an IDX file (magic must start with two zero bytes)`);
  if (head[2] !== 0x08)
    throw new UserError(`${path}: IDX type 0x${head[2].toString(16)} not supported (expected 0x08, unsigned byte)`);
  if (head[3] !== dims) throw new UserError(`${path}: IDX file has ${head[3]} dimensions (expected ${expected})`);
  if (head.length < headLen) throw new UserError(`${path}: IDX header is truncated`);
  return { size, gz, head, bytes };
}

export function readIdxImages(path: string, o: IdxOptions = {}): IdxImages {
  const { size, gz, head, bytes } = openIdx(path, 'image', 3, '3: images x rows x columns');
  const declared = head.readUInt32BE(4),
    height = head.readUInt32BE(8),
    width = head.readUInt32BE(12);
  if (height === 0 || width === 0) throw new UserError(`${path}: IDX images of ${height} x ${width} pixels`);
  const pixels = height * width;
  if (pixels > IDX_MAX_VALUES) throw new UserError(`${path}: IDX images of ${height} x ${width} pixels are too large`);
  const n = Math.min(declared, o.maxImages ?? declared);
  if (n * pixels > IDX_MAX_VALUES)
    throw new UserError(
      `${path}: ${n} images of ${height} x ${width} are more than ipvae holds at once (${IDX_MAX_VALUES} values); ask for fewer samples`,
    );
  const need = HEADER + n * pixels;
  if (!gz && size < need)
    throw new UserError(`${path}: IDX data is truncated (${size} bytes, header says ${HEADER + declared * pixels})`);
  const buf = n === 0 ? head : bytes(need);
  if (buf.length < need)
    throw new UserError(
      `${path}: IDX data is truncated (${buf.length} bytes inflated, header says ${HEADER + declared * pixels})`,
    );
  const data = new Float32Array(n * pixels);
  for (let i = 0; i < data.length; i++) data[i] = buf[HEADER + i] / 255;
  return { n, declared, height, width, data };
}

/** Write N x H x W unsigned-byte images as IDX (used by tests and examples). */
export function encodeIdxImages(n: number, height: number, width: number, pixels: Uint8Array): Buffer {
  const head = Buffer.alloc(16);
  head[2] = 0x08;
  head[3] = 3;
  head.writeUInt32BE(n, 4);
  head.writeUInt32BE(height, 8);
  head.writeUInt32BE(width, 12);
  return Buffer.concat([head, Buffer.from(pixels.buffer, pixels.byteOffset, n * height * width)]);
}

export interface IdxLabels {
  /** Labels returned (at most the request's maxItems). */
  n: number;
  /** Labels the header declares. */
  declared: number;
  /** The labels (unsigned bytes), as float32 like the data sets' labels. */
  labels: Float32Array;
}

/**
 * An IDX label file (type 0x08, one dimension: the MNIST/Fashion-MNIST `*-labels-idx1-ubyte[.gz]` files), read
 * only as far as the first `maxItems` labels, with the same size checks as readIdxImages.
 */
export function readIdxLabels(path: string, o: { maxItems?: number } = {}): IdxLabels {
  const { bytes, head } = openIdx(path, 'label', 1, '1: labels');
  const declared = head.readUInt32BE(4);
  const n = Math.min(declared, o.maxItems ?? declared);
  if (n > IDX_MAX_VALUES) throw new UserError(`${path}: ${n} labels are more than ipvae holds at once`);
  const need = 8 + n;
  const buf = n === 0 ? head : bytes(need);
  if (buf.length < need)
    throw new UserError(`${path}: IDX data is truncated (${buf.length} bytes, header says ${8 + declared})`);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) labels[i] = buf[8 + i];
  return { n, declared, labels };
}
