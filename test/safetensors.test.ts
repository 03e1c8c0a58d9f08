import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, parseSafetensors, KEYS } from '../src/io/safetensors.js';
import { initParams } from '../src/model/params.js';
import { UserError } from '../src/errors.js';

/** Build a safetensors file by hand, in the layout safetensors.torch.save_file writes for the authors' state_dict. */
function handmade(D: number, K: number, opts: { nanAt?: number; phiShape?: number[] } = {}): Buffer {
  const entries: { name: string; dtype: string; shape: number[]; values: number[] }[] = [
    { name: 'layer.n_exp', dtype: 'I32', shape: [16], values: Array(16).fill(10) },
    {
      name: 'layer.u_init.0',
      dtype: 'F32',
      shape: [1, K],
      values: Array.from({ length: K }, (_, i) => -6 + (2 * i) / K),
    },
    { name: 'layer.temp', dtype: 'F32', shape: [], values: [0.01] },
    {
      name: 'layer.phi.weight',
      dtype: 'F64',
      shape: opts.phiShape ?? [D, K],
      values: Array.from({ length: (opts.phiShape ?? [D, K]).reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) * 0.1),
    },
    { name: 'layer.dec_log_sigma', dtype: 'F32', shape: [1, D], values: Array.from({ length: D }, (_, i) => i / D) },
    { name: 'layer.beta_inner', dtype: 'F32', shape: [], values: [0] },
    { name: 'layer.log_bias', dtype: 'F32', shape: [1, K], values: Array(K).fill(-3) },
    { name: 'layer.log_lr.0', dtype: 'F32', shape: [1], values: [0.25] },
  ];
  if (opts.nanAt !== undefined) entries[3].values[opts.nanAt] = NaN;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const bufs: Buffer[] = [];
  let off = 0;
  for (const e of entries) {
    const size = e.dtype === 'F64' ? 8 : 4;
    const b = Buffer.alloc(e.values.length * size);
    e.values.forEach((v, i) => {
      if (e.dtype === 'F64') b.writeDoubleLE(v, i * 8);
      else if (e.dtype === 'I32') b.writeInt32LE(v, i * 4);
      else b.writeFloatLE(v, i * 4);
    });
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + b.length] };
    off += b.length;
    bufs.push(b);
  }
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, ...bufs]);
}

describe('safetensors checkpoints', () => {
  it("loads a state_dict saved from the authors' layout (extra buffers ignored, F64 converted)", () => {
    const m = decodeModel(handmade(6, 5), 'authors.safetensors');
    expect([m.D, m.K]).toEqual([6, 5]);
    expect(m.phi[7]).toBeCloseTo(Math.sin(7) * 0.1, 7);
    expect(m.s[3]).toBeCloseTo(0.5, 7);
    expect(m.logLr).toBe(0.25);
    expect(Array.from(m.nExp!)).toEqual(Array(16).fill(10));
    expect(m.metadata.format).toBe('pt');
  });
  it('round-trips: decode(encode(model)) is the model, byte for byte', () => {
    const p = initParams(20, 12, 3, 0.1);
    p.nExp = Int32Array.of(10, 12, 13);
    const bytes = encodeModel(p, { note: 'x' });
    const q = decodeModel(bytes, 'mem');
    expect(Array.from(q.phi)).toEqual(Array.from(p.phi));
    expect(Array.from(q.u0)).toEqual(Array.from(p.u0));
    expect(Array.from(q.nExp!)).toEqual([10, 12, 13]);
    expect(Buffer.from(encodeModel(q, { note: 'x' })).equals(Buffer.from(bytes))).toBe(true);
  });
  it('rejects an initial membrane above 20 (its rate would overflow a spike counter)', () => {
    const p = initParams(4, 3, 0);
    p.u0[1] = 25;
    expect(() => decodeModel(encodeModel(p), 'big.st')).toThrow(
      /layer\.u_init\.0 has 25 at element 1; expected at most 20/,
    );
  });
  it("writes the authors' names and shapes", () => {
    const f = parseSafetensors(encodeModel(initParams(256, 512, 0)), 'mem');
    expect(f.tensors.get(KEYS.phi)!.shape).toEqual([256, 512]);
    expect(f.tensors.get(KEYS.s)!.shape).toEqual([1, 256]);
    expect(f.tensors.get(KEYS.logBias)!.shape).toEqual([1, 512]);
    expect(f.tensors.get(KEYS.logLr)!.shape).toEqual([1]);
    expect(f.tensors.get(KEYS.u0)!.shape).toEqual([1, 512]);
  });
  it('rejects bad files with a UserError naming the problem', () => {
    const good = handmade(6, 5);
    expect(() => decodeModel(good.subarray(0, good.length - 10), 'f.st')).toThrow(/f\.st: file is truncated/);
    expect(() => decodeModel(Buffer.from('hello world, not a checkpoint'), 'f.st')).toThrow(/not a safetensors file/);
    expect(() => decodeModel(Buffer.alloc(4), 'f.st')).toThrow(/too short/);
    expect(() => decodeModel(handmade(6, 5, { nanAt: 4 }), 'f.st')).toThrow(
      /layer\.phi\.weight has a non-finite value \(NaN\) at element 4/,
    );
    expect(() => decodeModel(handmade(6, 5, { phiShape: [30] }), 'f.st')).toThrow(/expected \[D, K\]/);
    expect(() => decodeModel(Buffer.from('nope'), 'f.st')).toThrow(UserError);
    expect(() => decodeModel(handmade(6, 5, { phiShape: [6, 0] }), 'f.st')).toThrow(
      /expected D >= 1 and K >= 1|data_offsets span/,
    );
    // data_offsets given as strings
    const bad = handmade(2, 2);
    const hlen = Number(bad.readBigUInt64LE(0));
    const head = JSON.parse(bad.subarray(8, 8 + hlen).toString());
    head['layer.log_lr.0'].data_offsets = head['layer.log_lr.0'].data_offsets.map(String);
    const h2 = Buffer.from(JSON.stringify(head));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h2.length));
    expect(() => decodeModel(Buffer.concat([len, h2, bad.subarray(8 + hlen)]), 'f.st')).toThrow(/bad data_offsets/);
  });
});

describe('safetensors files that used to be accepted silently (issue 11)', () => {
  /** A file from a header text and a data section. */
  const file = (headerText: string, data: Buffer) => {
    const h = Buffer.from(headerText);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    return Buffer.concat([len, h, data]);
  };
  const data = Buffer.alloc(16);

  it('refuses overlapping data_offsets (two tensors reading the same bytes)', () => {
    const f = file(
      JSON.stringify({
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      }),
      data,
    );
    expect(() => parseSafetensors(f, 'o.safetensors')).toThrow(/tensors a and b overlap in the data section/);
    // adjacent is fine
    const ok = file(
      JSON.stringify({
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      }),
      data,
    );
    expect([...parseSafetensors(ok, 'ok').tensors.keys()]).toEqual(['a', 'b']);
  });

  it('refuses a tensor named twice (JSON.parse would keep the last silently), escapes included', () => {
    const t = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    expect(() => parseSafetensors(file(`{"a": ${t}, "a": ${t}}`, data), 'd')).toThrow(/names tensor a twice/);
    expect(() => parseSafetensors(file(`{"a": ${t}, "\\u0061": ${t}}`, data), 'd')).toThrow(/names tensor a twice/);
    // the same name nested inside another entry is not a duplicate
    expect(parseSafetensors(file(`{"__metadata__": {"a": "x"}, "a": ${t}}`, data), 'd').tensors.has('a')).toBe(true);
  });

  it('refuses __metadata__ that is not a map of strings, and shows a hostile dtype by kind only', () => {
    expect(() => parseSafetensors(file('{"__metadata__": {"ipvae_train_state": 5}}', data), 'm')).toThrow(
      /__metadata__ must map names to strings/,
    );
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    const msg = (() => {
      try {
        parseSafetensors(file(`{"a": {"dtype": ${deep}, "shape": [1], "data_offsets": [0, 4]}}`, data), 'x');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toMatch(/unsupported dtype an array of 1/);
    expect(msg.length).toBeLessThan(200);
  });
});
