/** ipvae energy end to end: a mapped network priced per event; bad input gets one line and exit 2. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson } from '../src/net/json.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { encodeIdxImages } from '../src/io/idx.js';
import { randomModel } from './helpers.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });

describe('ipvae energy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-energy-'));
  const net = join(dir, 'net.json'),
    other = join(dir, 'other.json'),
    pb = join(dir, 'net.pb'),
    idx = join(dir, 'd.idx');
  writeFileSync(net, toJson(fromIpVae(randomModel(16, 8, 0.3, 2, 0.2)).net));
  writeFileSync(other, toJson(fromIpVae(randomModel(16, 8, 0.3, 3, 0.2)).net));
  writeFileSync(
    idx,
    encodeIdxImages(
      4,
      4,
      4,
      Uint8Array.from({ length: 64 }, (_, i) => (i * 29) & 255),
    ),
  );

  it('prices a mapped iP-VAE on loihi1: components add up to the total, latency per step is positive', () => {
    expect(run('map', '--net', net, '--profile', 'loihi1', '--out', pb).status).toBe(0);
    const r = run(
      'energy',
      '--deploy',
      pb,
      '--net',
      net,
      '--data',
      `idx:${idx}`,
      '--samples',
      '4',
      '--steps',
      '50',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const sum = j.components.reduce(
      (a: number, c: { energy_per_inference_pj: number }) => a + c.energy_per_inference_pj,
      0,
    );
    expect(j.energy_per_inference_pj).toBeGreaterThan(0);
    expect(sum).toBeCloseTo(j.energy_per_inference_pj, 6);
    expect(j.not_priced).toEqual([]);
    expect(j.latency.per_step_ns.mean).toBeGreaterThan(600); // at least the barrier of one tile
    expect(j.metrics[0].t).toBe(50);
    // the dense baseline for this model: 3 x 16 x 8 MACs per step, and the chip's ratio to each device
    expect(j.baseline.iterative_macs).toBe(3 * 16 * 8 * 50);
    const cpu = j.baseline.rows.find((r: { device: string }) => r.device === 'cpu');
    expect(cpu.chip_over_iterative).toBeCloseTo(j.energy_per_inference_pj / cpu.iterative_pj, 9);
    // the spike budget: energy spent by the last step is the energy per inference; it grows with t
    expect(j.budget.at(-1).energy_pj).toBeCloseTo(j.energy_per_inference_pj, 6);
    for (let i = 1; i < j.budget.length; i++) expect(j.budget[i].energy_pj).toBeGreaterThan(j.budget[i - 1].energy_pj);
    expect(j.spikes_per_core.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    // the same spikes as simulate
    const s = JSON.parse(
      run('simulate', '--net', net, '--data', `idx:${idx}`, '--samples', '4', '--steps', '50', '--json').stdout,
    );
    expect(j.spikes_sha256).toBe(s.spikes_sha256);
  });

  it('the estimate from the deployment file alone agrees with the count when its rates came from the same data', () => {
    const rates = join(dir, 'rates.json'),
      pbr = join(dir, 'net-rates.pb');
    const data = ['--data', `idx:${idx}`, '--samples', '4', '--steps', '80'];
    expect(run('simulate', '--net', net, ...data, '--rates-out', rates, '--workers', '1').status).toBe(0);
    expect(run('map', '--net', net, '--profile', 'loihi1', '--rates', rates, '--out', pbr).status).toBe(0);
    const j = JSON.parse(run('energy', '--deploy', pbr, '--net', net, ...data, '--json').stdout);
    expect(j.estimate.rate_source).toMatch(/rates\.json/);
    // spikes, messages and synapses are the rates' own expectation: equal up to the rates file's 6 digits; the
    // soma update is an upper bound (every neuron, every step), the only part that may exceed the count
    const count = (e: string) => j.components.find((c: { event: string }) => c.event === e).count_per_inference;
    const est = (e: string) => j.estimate.components.find((c: { event: string }) => c.event === e).count;
    for (const e of ['spike_out', 'message_out', 'message_in', 'synapse'])
      expect(Math.abs(est(e) - count(e)), e).toBeLessThanOrEqual(1e-4 * Math.max(1, count(e)));
    // accesses: T steps per neuron; the count adds step 0 for the latents, which emit from u0 then
    expect(count('soma_access') - est('soma_access')).toBe(8);
    expect(est('soma_update')).toBeGreaterThanOrEqual(count('soma_update'));
    expect(j.estimate.over_exact).toBeGreaterThan(0.999);
    expect(j.estimate.over_exact).toBeLessThan(1.1);
  });

  it('the bundled patch model: the deployment-file estimate equals the count with rates from the same inputs', () => {
    const model = join(__dirname, '..', 'models', 'patches-k512.safetensors');
    const p8 = join(dir, 'p8.json'),
      r = join(dir, 'p8-rates.json'),
      d = join(dir, 'p8.pb');
    const data = ['--data', 'patches', '--samples', '6', '--steps', '60'];
    expect(run('quantize', '--model', model, '--out', p8).status).toBe(0);
    expect(run('simulate', '--net', p8, ...data, '--rates-out', r).status).toBe(0);
    for (const profile of ['loihi1', 'loihi2']) {
      expect(run('map', '--net', p8, '--profile', profile, '--rates', r, '--out', d).status).toBe(0);
      const j = JSON.parse(run('energy', '--deploy', d, '--net', p8, ...data, '--json').stdout);
      expect(Math.abs(j.estimate.over_exact - 1), profile).toBeLessThan(1e-4);
    }
  });

  it('--target-r2: the first step reaching it, with the energy and latency spent by then', () => {
    const energy = (target: string) =>
      JSON.parse(
        run(
          'energy',
          '--deploy',
          pb,
          '--net',
          net,
          '--data',
          `idx:${idx}`,
          '--samples',
          '4',
          '--steps',
          '50',
          '--target-r2',
          target,
          '--json',
        ).stdout,
      );
    const low = energy('-100');
    expect(low.target).toMatchObject({ r2: -100, reached: true, t: 1 });
    expect(low.target.energy_pj).toBeCloseTo(low.budget[0].energy_pj, 6);
    const high = energy('1');
    expect(high.target).toEqual({ r2: 1, reached: false });
  });

  it('bad input: another network, both --data and --drive, a profile the mapping was not made for', () => {
    const one = (r: { status: number | null; stderr: string }) => {
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      return r.stderr;
    };
    expect(one(run('energy', '--deploy', pb, '--net', other, '--data', `idx:${idx}`))).toMatch(
      /was written for another network/,
    );
    expect(one(run('energy', '--deploy', pb, '--net', net, '--data', 'x', '--drive', 'y'))).toMatch(
      /energy: --data applies only without --drive/,
    );
    expect(one(run('energy', '--deploy', pb, '--net', net))).toMatch(/--data or --drive, one of them/);
    expect(one(run('energy', '--deploy', pb, '--net', net, '--data', `idx:${idx}`, '--profile', 'loihi2'))).toMatch(
      /a mapping onto loihi1, not loihi2/,
    );
    // a profile file with the same name but other values is not the one the mapping was made with
    const j = JSON.parse(readFileSync(join(__dirname, '..', 'hardware', 'profiles', 'loihi1.json'), 'utf8'));
    j.core.neurons.value = 2;
    const prof = join(dir, 'loihi1-small.json');
    writeFileSync(prof, JSON.stringify(j));
    expect(one(run('energy', '--deploy', pb, '--net', net, '--data', `idx:${idx}`, '--profile', prof))).toMatch(
      /was mapped with core\.neurons = 1024, the given profile says 2/,
    );
    for (const [flag, v] of [
      ['--samples', '0'],
      ['--steps', '0'],
      ['--steps', '-3'],
    ])
      expect(one(run('energy', '--deploy', pb, '--net', net, '--data', `idx:${idx}`, flag, v))).toMatch(
        new RegExp(`${flag}`),
      );
  });

  it('--require-prices: a profile lacking a price this mapping can count is refused, naming what it lacks', () => {
    const one = (r: { status: number | null; stderr: string; stdout: string }) => {
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      return r.stderr;
    };
    const pb2 = join(dir, 'loihi2.pb');
    expect(run('map', '--net', net, '--profile', 'loihi2', '--out', pb2).status).toBe(0);
    const data = ['--data', `idx:${idx}`, '--samples', '2', '--steps', '10'];
    expect(one(run('energy', '--deploy', pb2, '--net', net, ...data, '--require-prices'))).toMatch(
      /^ipvae: loihi2: does not price soma_access energy, soma_access latency, .*synapse_sparse latency, barrier latency; .*drop --require-prices/,
    );
    // without the flag the same run lists them as not priced; loihi1 prices everything and passes the flag
    const j = JSON.parse(run('energy', '--deploy', pb2, '--net', net, ...data, '--json').stdout);
    expect(j.not_priced).toContain('soma_access');
    expect(run('energy', '--deploy', pb, '--net', net, ...data, '--require-prices').status).toBe(0);
  });
});
