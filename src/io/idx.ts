/**
 * IDX files (the MNIST format, LeCun et al.: also Fashion-MNIST, EMNIST, full MNIST), optionally gzip-compressed.
 * Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then each dimension as a
 * big-endian uint32. Images are N x H x W unsigned bytes; we return pixels / 255 in [0, 1].
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.js';

export interface IdxImages {
  n: number;
  height: number;
  width: number;
  /** N x (H*W) row-major, float32 in [0, 1]. */
  data: Float32Array;
}

export function readIdxImages(path: string): IdxImages {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UserError(`${path}: file not found or unreadable (expected an IDX image file)`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch {
      throw new UserError(`${path}: corrupt gzip data`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0)
    throw new UserError(`${path}: not an IDX file (magic must start with two zero bytes)`);
  if (buf[2] !== 0x08)
    throw new UserError(`${path}: IDX type 0x${buf[2].toString(16)} not supported (expected 0x08, unsigned byte)`);
  const nd = buf[3];
  if (nd !== 3) throw new UserError(`${path}: IDX file has ${nd} dimensions (expected 3: images x rows x columns)`);
  if (buf.length < 16) throw new UserError(`${path}: IDX header is truncated`);
  const n = buf.readUInt32BE(4),
    height = buf.readUInt32BE(8),
    width = buf.readUInt32BE(12);
  const need = 16 + n * height * width;
  if (buf.length < need)
    throw new UserError(`${path}: IDX data is truncated (${buf.length} bytes, header says ${need})`);
  const data = new Float32Array(n * height * width);
  for (let i = 0; i < data.length; i++) data[i] = buf[16 + i] / 255;
  return { n, height, width, data };
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
