/**
 * The five classes of failure issue 11 found, each reproduced (they failed before the fixes: a stack overflow,
 * internal errors with exit 1, multi-line messages; the IDX bomb is in data.test.ts and damaged checkpoints in
 * train-cli.test.ts), now one `ipvae:` line and exit 2.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson } from '../src/net/json.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { encodeIdxImages } from '../src/io/idx.js';
import { randomModel } from './helpers.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'ipvae-hard-'));
const oneLine = (r: { status: number | null; stderr: string }) => {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ipvae: /);
  expect(r.stderr).not.toMatch(/internal error|Maximum call stack/);
  return lines[0];
};

const net = fromIpVae(randomModel(16, 6, 0.3, 2, 0.2)).net;
const idx = join(dir, 'd.idx');
writeFileSync(
  idx,
  encodeIdxImages(
    4,
    4,
    4,
    Uint8Array.from({ length: 64 }, (_, i) => (i * 29) & 255),
  ),
);

describe('issue 11: the five classes, one line and exit 2', () => {
  it('class 2: a deeply nested value where a network file expects an integer (was a stack overflow)', () => {
    const text = toJson(net).replace('"weights":[', `"weights":[${'['.repeat(100000)}1${']'.repeat(100000)},`);
    const f = join(dir, 'deep.json');
    writeFileSync(f, text);
    expect(oneLine(run('map', '--net', f))).toMatch(
      /projections\[0\]\.weights\[0\] = an array of 1, expected an integer/,
    );
  });

  it('class 4: user errors raised inside worker threads keep their kind (were internal errors)', () => {
    // an iP-VAE without its decoder: the metrics probe refuses it inside each worker
    const f = join(dir, 'nodec.json');
    writeFileSync(f, toJson({ ...net, projections: net.projections.filter((p) => p.name !== 'Phi') }));
    const line = oneLine(
      run('simulate', '--net', f, '--data', `idx:${idx}`, '--samples', '4', '--steps', '3', '--workers', '2'),
    );
    expect(line).toMatch(/not an iP-VAE network/);
    // and an ipvae population without its clamp is refused when the file is loaded
    const j = JSON.parse(toJson(net));
    delete j.populations[1].params.clamp;
    const g = join(dir, 'noclamp.json');
    writeFileSync(g, JSON.stringify(j));
    expect(oneLine(run('simulate', '--net', g, '--data', `idx:${idx}`, '--workers', '2'))).toMatch(
      /populations\[1\]\.params\.clamp is missing/,
    );
  });

  it('class 5: a JSON syntax error quoting the file across lines stays one line', () => {
    // V8 quotes short texts in its message: "oops\nipvae: forged\n" used to print three lines
    const f = join(dir, 'broken.json');
    writeFileSync(f, 'oops\nipvae: forged\n');
    expect(oneLine(run('map', '--net', f))).toMatch(/broken\.json: not JSON/);
  });
});
