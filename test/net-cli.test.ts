import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxImages } from '../src/io/idx.js';
import { saveModel } from '../src/io/safetensors.js';
import { randomModel, type Json } from './helpers.js';
import { verdictOf } from '../src/net/validate.js';
import { randomDrivenNetwork } from '../src/net/random.js';
import { toJson } from '../src/net/json.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
const env = { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') };
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', env });

describe('ipvae quantize / simulate / validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-net-'));
  const idx = join(dir, 'd.idx');
  writeFileSync(
    idx,
    encodeIdxImages(
      12,
      4,
      4,
      Uint8Array.from({ length: 192 }, (_, i) => (i * 37 + (i >> 4) * 11) & 255),
    ),
  );
  const model = join(dir, 'm.safetensors');
  const p = randomModel(16, 8, 0.3, 5, 0.2);
  for (let k = 0; k < 8; k++) p.u0[k] = -0.5;
  saveModel(model, p, {});
  const net = join(dir, 'net.json');

  it("quantize writes a Network JSON and reports each tensor's error", () => {
    const r = run('quantize', '--model', model, '--weight-bits', '8', '--out', net, '--json');
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout).report;
    expect(rep.map((t: { name: string }) => t.name)).toEqual([
      'W_ff',
      'W_rec (negated)',
      'Phi (decoder)',
      'eta',
      'b',
      'u0',
    ]);
    for (const t of rep.slice(0, 3)) expect(t.rel_rms_error).toBeLessThan(0.05);
    for (const t of rep.slice(3)) expect(t.max_error).toBeLessThanOrEqual(2 ** t.exponent / 2 + 1e-12); // half a unit
    const j = JSON.parse(readFileSync(net, 'utf8'));
    expect(j.format).toBe('ipvae.network');
    expect(j.populations.map((q: { model: string }) => q.model)).toEqual(['input', 'ipvae', 'readout']);
  });

  it('simulate on data: metrics, counters and a digest that the clock engine reproduces', () => {
    const a = run('simulate', '--net', net, '--data', `idx:${idx}`, '--samples', '4', '--steps', '30', '--json');
    expect(a.status, a.stderr).toBe(0);
    const ja = JSON.parse(a.stdout);
    expect(ja.metrics.at(-1).t).toBe(30);
    expect(ja.counters.spikes).toBeGreaterThan(0);
    // W_rec and Phi (W_ff is static): a count n > 1 is n synaptic events but one effective (NeuroBench) op
    const eff = ja.counters.per_projection
      .slice(1)
      .reduce((a: number, p: Json) => a + p.neurobench_effective_acs + p.neurobench_effective_macs, 0);
    expect(eff).toBeGreaterThan(0);
    expect(ja.counters.synaptic_events).toBeGreaterThan(eff);
    const b = JSON.parse(
      run(
        'simulate',
        '--net',
        net,
        '--data',
        `idx:${idx}`,
        '--samples',
        '4',
        '--steps',
        '30',
        '--json',
        '--engine',
        'clock',
      ).stdout,
    );
    expect(b.spikes_sha256).toBe(ja.spikes_sha256);
    expect(b.metrics).toEqual(ja.metrics);
    expect(b.counters).toEqual(ja.counters);
    // 1 worker thread against the default 2, for both engines
    for (const engine of ['event', 'clock']) {
      const c = JSON.parse(
        run(
          'simulate',
          '--net',
          net,
          '--data',
          `idx:${idx}`,
          '--samples',
          '4',
          '--steps',
          '30',
          '--json',
          '--engine',
          engine,
          '--workers',
          '1',
        ).stdout,
      );
      expect(c.spikes_sha256).toBe(ja.spikes_sha256);
      expect(c.metrics).toEqual(ja.metrics);
      expect(c.counters).toEqual(ja.counters);
    }
  });

  it('simulate --neuron lif --drive reproduces a Lava golden vector', () => {
    const drive = join(dir, 'drive.json');
    writeFileSync(drive, JSON.stringify([[128], [0], [0], [0], [0], [0], [0], [0]]));
    const r = run(
      'simulate',
      '--neuron',
      'lif',
      '--params',
      '{"du":0,"dv":2048,"vth":256}',
      '--drive',
      drive,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.v.map((x: number[]) => x[0])).toEqual([8192, 12286, 14331, 15351, 15859, 16111, 16235, 16295]);
    expect(j.spikes.length).toBe(8);
    expect(j.spikes_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('simulate --drive --probe POP.VAR follows any population: the same rows as tracing each one alone', () => {
    const { net: n, drive: rows } = randomDrivenNetwork({
      inputs: 6,
      neurons: 9,
      fanInInput: 3,
      fanInRecurrent: 2,
      steps: 30,
      pSpike: 0.4,
      vth: 3,
      seed: 5,
    });
    const nf = join(dir, 'driven.json'),
      df = join(dir, 'driven-drive.json');
    writeFileSync(nf, toJson(n));
    writeFileSync(df, JSON.stringify({ in: rows }));
    const sim = (...a: string[]) => {
      const r = run('simulate', '--net', nf, '--drive', df, '--json', ...a);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const both = sim('--probe', 'in.out,if.v,if.spikes');
    const alone = sim('--trace', 'if');
    const input = sim('--trace', 'in');
    expect(both.population).toEqual(['in', 'if']);
    expect(both['if.v']).toEqual(alone.v);
    expect(both['if.spikes']).toEqual(alone.spikes);
    expect(both['in.out']).toEqual(input.out);
    // the drive is what the input emits
    expect(both['in.out']).toEqual(rows);
    // POP alone: all of its variables; VAR alone: of the --trace population
    expect(Object.keys(sim('--probe', 'if'))).toEqual(expect.arrayContaining(['if.u', 'if.v', 'if.spikes']));
    expect(sim('--trace', 'if', '--probe', 'v').v).toEqual(alone.v);
    const one = (...a: string[]) => {
      const r = run('simulate', '--net', nf, '--drive', df, ...a);
      expect(r.status).toBe(2);
      return r.stderr.trim().split('\n');
    };
    expect(one('--probe', 'if.w')).toEqual(['ipvae: --probe if: "w" is not one of u, v, spikes']);
    expect(one('--probe', 'hidden.v')).toEqual([
      'ipvae: --probe: "hidden.v": the network has no population "hidden" (in, if)',
    ]);
  });

  it('validate prints a row per width with float and integer R^2 and PZ', () => {
    const r = run(
      'validate',
      '--model',
      model,
      '--data',
      `idx:${idx}`,
      '--weight-bits',
      '4,8',
      '--samples',
      '6',
      '--steps',
      '200',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).rows;
    expect(rows.map((x: { bits: number }) => x.bits)).toEqual([4, 8]);
    for (const x of rows) {
      for (const k of ['r2', 'pz']) {
        expect(Number.isFinite(x.float[k])).toBe(true);
        expect(Number.isFinite(x.int[k])).toBe(true);
      }
      expect(x.rate_corr).toBeGreaterThan(0.5);
      expect(x.saturations).toBeGreaterThanOrEqual(0);
      expect(verdictOf({ float: x.float, int: x.int, rateCorr: x.rate_corr })).toEqual({
        verdict: x.verdict,
        reason: x.reason,
      });
    }
  });

  it('each width gets a verdict against the float model, with its reason (ok / degraded / failed)', () => {
    const row = (fr2: number, ir2: number, fpz: number, ipz: number, corr: number) =>
      verdictOf({ float: { r2: fr2, pz: fpz }, int: { r2: ir2, pz: ipz }, rateCorr: corr });
    expect(row(0.826, 0.825, 0.868, 0.868, 0.98)).toEqual({
      verdict: 'ok',
      reason: 'within 0.02 R^2 and 0.05 PZ of float, rate correlation >= 0.95',
    });
    expect(row(0.826, -1106.8, 0.868, 0.2, 0.1)).toEqual({
      verdict: 'failed',
      reason: 'int R^2 -1106.8 < 0: worse than the mean input',
    });
    expect(row(0.826, 0.7, 0.868, 0.868, 0.99).verdict).toBe('failed'); // 0.126 below
    expect(row(0.826, 0.78, 0.868, 0.868, 0.99)).toEqual({
      verdict: 'degraded',
      reason: 'int R^2 0.046 below float (more than 0.02)',
    });
    expect(row(0.826, 0.82, 0.868, 0.8, 0.99).reason).toBe('PZ differs by 0.068 (more than 0.05)');
    expect(row(0.826, 0.82, 0.868, 0.86, 0.9).reason).toBe('rate correlation 0.9000 (below 0.95)');
    expect(row(0.826, NaN, 0.868, 0.86, 0.9).verdict).toBe('failed');
  });

  it.each([
    [
      'a net with a missing field',
      (j: Json) => {
        delete j.populations[1].size;
      },
      /populations\[1\]\.size is missing/,
    ],
    [
      'a weight outside its width',
      (j: Json) => {
        j.projections[0].weights[0] = 999;
      },
      /outside the 8-bit range/,
    ],
    [
      'an unknown neuron model',
      (j: Json) => {
        j.populations[1].model = 'izhikevich';
      },
      /is not a neuron model/,
    ],
    [
      'a delay of 0 on a dynamic projection',
      (j: Json) => {
        j.projections[1].delay = 0;
      },
      /projections\[1\]\.delay = 0, expected an integer in \[1, 65536\]/,
    ],
    [
      'mismatched population sizes',
      (j: Json) => {
        j.populations[1].size = 7;
      },
      /populations\[1\]\.params\.bias has 8 values for a population of size 7/,
    ],
  ])('bad input (%s): one line, exit 2', (_n, mutate, msg) => {
    const j = JSON.parse(readFileSync(net, 'utf8'));
    mutate(j);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(j));
    const r = run('simulate', '--net', bad, '--data', `idx:${idx}`, '--samples', '1', '--steps', '2');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stderr).toMatch(msg);
  });

  it('quantize of a missing model: exit 2 and no output file', () => {
    const out = join(dir, 'none.json');
    const r = run('quantize', '--model', join(dir, 'missing.safetensors'), '--out', out);
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
