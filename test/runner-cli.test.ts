/**
 * The command line over the registry and the runner: ipvae neurons, parameters checked at load in every
 * command that reads a network, NeuroBench's example from `simulate --json`, drives into an input population,
 * and the examples type-checked against the built declarations.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neuronModelNames } from '../src/sim/registry.js';
import type { Network } from '../src/net/network.js';
import { toJson } from '../src/net/json.js';
import { testProjection } from './helpers.js';
import { encodeIdxImages } from '../src/io/idx.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const env = { ...process.env, IPVAE_CACHE: join(ROOT, '.cache', 'test') };
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', env, cwd: ROOT });

/** input (2, binary spikes) -> lif (2) -> li (1): a small hand-made network. */
function smallNet(lifParams: Record<string, number>): Network {
  return {
    name: 'small',
    meta: {},
    populations: [
      { name: 'in', model: 'input', size: 2, params: {}, formats: {} },
      { name: 'h', model: 'lif', size: 2, params: lifParams, formats: {} },
      { name: 'o', model: 'li', size: 1, params: { du: 4095, dv: 0 }, formats: {} },
    ],
    projections: [
      testProjection('in_h', 'in', 'h', [3, 0, 0, 5], 2, 2),
      testProjection('h_o', 'h', 'o', [1, 2], 1, 2, { delay: 2 }),
    ],
  };
}

describe('ipvae neurons', () => {
  it('lists every registered model, in text and in JSON', () => {
    const j = run('neurons', '--json');
    expect(j.status, j.stderr).toBe(0);
    const list = JSON.parse(j.stdout) as { name: string; params: { name: string }[] }[];
    expect(list.map((m) => m.name)).toEqual(neuronModelNames());
    expect(list.find((m) => m.name === 'lif')!.params.map((p) => p.name)).toEqual([
      'du',
      'dv',
      'vth',
      'bias_mant',
      'bias_exp',
    ]);
    const t = run('neurons');
    for (const m of neuronModelNames()) expect(t.stdout).toMatch(new RegExp(`^${m}: `, 'm'));
  });
});

describe('quantize --net: re-quantise an integer network', () => {
  it('to fewer bits, shared or per-row; the result simulates; no file when neither --model nor --net', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-requant-'));
    const f = join(dir, 'n.json');
    writeFileSync(f, toJson(smallNet({ vth: 1 })));
    for (const e of ['shared', 'per-row']) {
      const out = join(dir, `n4-${e}.json`);
      const r = run('quantize', '--net', f, '--weight-bits', '3', '--exponent', e, '--out', out, '--json');
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(readFileSync(out, 'utf8'));
      expect(j.meta.requantized_from).toBe(f);
      for (const q of j.projections) expect(Math.max(...q.weights.map(Math.abs))).toBeLessThanOrEqual(3);
      expect(JSON.parse(r.stdout).report.map((t: { name: string }) => t.name)).toEqual(['in_h', 'h_o']);
    }
    const none = run('quantize', '--out', join(dir, 'x.json'));
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give --model .* or --net/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });
});

describe('a missing or out-of-range parameter fails at load, in every command that reads a network', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-runner-'));
  const drive = join(dir, 'drive.json');
  writeFileSync(drive, JSON.stringify([[1, 0]]));
  const cases: [string, Record<string, number>, RegExp][] = [
    ['missing vth', { du: 0, dv: 0 }, /populations\[1\]\.params\.vth is missing/],
    ['du out of range', { du: 4096, vth: 10 }, /populations\[1\]\.params\.du = 4096 is outside \[0, 4095\]/],
  ];
  it.each(cases)(
    '%s: quantize, map and simulate all say so in one line, exit 2, nothing written',
    (_n, params, msg) => {
      const f = join(dir, `bad-${Object.keys(params).join('-')}.json`);
      writeFileSync(f, toJson(smallNet(params)));
      const out = join(dir, 'out.pb');
      for (const args of [
        ['quantize', '--net', f, '--weight-bits', '6', '--out', out],
        ['map', '--net', f, '--profile', 'loihi1', '--out', out],
        ['simulate', '--net', f, '--drive', drive, '--population', 'in'],
      ]) {
        const r = run(...args);
        expect(r.status, args[0]).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines, args[0]).toHaveLength(1);
        expect(lines[0]).toMatch(/^ipvae: /);
        expect(lines[0]).toContain(f);
        expect(lines[0]).toMatch(msg);
        expect(existsSync(out)).toBe(false);
      }
    },
  );
});

describe('simulate --drive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-drive-'));

  it("NeuroBench's documented example: effective 4 (MACs), dense 9 (examples/neurobench)", () => {
    const r = run(
      'simulate',
      '--net',
      'examples/neurobench/net.json',
      '--drive',
      'examples/neurobench/drive.json',
      '--population',
      'x',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).counters;
    expect([c.neurobench_effective_acs, c.neurobench_effective_macs, c.neurobench_dense]).toEqual([0, 4, 9]);
    expect(c.per_sample.neurobench_dense).toBe(9);
  });

  it('into an input population: the rows are its spikes; downstream populations can be traced', () => {
    const net = join(dir, 'small.json');
    writeFileSync(net, toJson(smallNet({ du: 4095, dv: 0, vth: 2 })));
    const drive = join(dir, 'spikes.json');
    // in[0] spikes at steps 1 and 2, in[1] at step 1
    writeFileSync(
      drive,
      JSON.stringify([
        [1, 1],
        [1, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    );
    const h = JSON.parse(
      run('simulate', '--net', net, '--drive', drive, '--population', 'in', '--trace', 'h', '--json').stdout,
    );
    // The input's spikes of step t arrive at step t + 1. h[0] gets 3 << 6 = 192 per input spike (du = 4095: u
    // holds one step's input), above vth << 6 = 128: a spike at steps 2 and 3; h[1] gets 5 << 6 = 320 at step 2.
    expect(h.spikes.map((s: number[]) => s.join(''))).toEqual(['00', '11', '10', '00', '00', '00']);
    const o = JSON.parse(
      run('simulate', '--net', net, '--drive', drive, '--population', 'in', '--trace', 'o', '--json').stdout,
    );
    // h's spikes of step 2 reach o at step 4 (delay 2): (1 + 2) << 6 = 192; step 3's spike of h[0]: 64 at step 5
    expect(o.v.map((x: number[]) => x[0])).toEqual([0, 0, 0, 192, 192 + 64, 192 + 64]);
    expect(o.out).toEqual(o.v); // li emits v
    expect(o.counters.spikes).toBe(3);
    const bad = join(dir, 'two.json');
    writeFileSync(bad, JSON.stringify([[2, 0]]));
    const r = run('simulate', '--net', net, '--drive', bad, '--population', 'in');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/feeds a binary projection, so its values are spikes \(0 or 1\)/);
  });

  it('--rates-out with --drive writes the rates of the driven run: the traced spikes over steps 0 .. T', () => {
    const net = join(dir, 'small-rates.json');
    writeFileSync(net, toJson(smallNet({ du: 4095, dv: 0, vth: 2 })));
    const drive = join(dir, 'spikes-rates.json');
    writeFileSync(
      drive,
      JSON.stringify([
        [1, 1],
        [1, 0],
        [0, 1],
        [0, 0],
      ]),
    );
    const rates = join(dir, 'drive.rates.json');
    const r = run(
      'simulate',
      '--net',
      net,
      '--drive',
      drive,
      '--population',
      'in',
      '--trace',
      'h',
      '--rates-out',
      rates,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const h = JSON.parse(r.stdout);
    const f = JSON.parse(readFileSync(rates, 'utf8'));
    expect([f.format, f.samples, f.steps, f.data]).toEqual(['ipvae.rates', 1, 4, `drive:${drive}`]);
    // h's spikes per neuron over the 4 steps (h emits nothing at step 0), over 5 emissions
    const sums = [0, 1].map((k) => h.spikes.reduce((a: number, row: number[]) => a + row[k], 0));
    expect(sums.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(f.rates.h.spikes).toEqual(sums.map((x) => Number((x / 5).toPrecision(6))));
    // and map reads it
    const m = run('map', '--net', net, '--profile', 'loihi1', '--rates', rates);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/rates: drive.rates.json \(sha256 [0-9a-f]{16}; spikes per step\)/);
  });

  it('--neuron takes any registered model and checks --params against its spec', () => {
    const drive = join(dir, 'one.json');
    writeFileSync(drive, JSON.stringify([[1], [0], [0]]));
    const li = JSON.parse(
      run('simulate', '--neuron', 'li', '--params', '{"du":2047,"dv":2048}', '--drive', drive, '--json').stdout,
    );
    expect(li.v.map((x: number[]) => x[0])).toEqual([64, 64, 48]);
    const bad = run('simulate', '--neuron', 'lif', '--params', '{"dv":1}', '--drive', drive);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/--params: vth is missing/);
  });
});

describe('the typed library', () => {
  it('the examples type-check against the built declarations (dist/src/index.d.ts, not the sources)', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.examples.json', '--noEmit', '--listFiles'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const files = r.stdout.split('\n').filter((l) => !l.includes('node_modules'));
    expect(files).toContain(join(ROOT, 'dist', 'src', 'index.d.ts'));
    expect(files.filter((f) => f.startsWith(join(ROOT, 'src')))).toEqual([]);
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));
    for (const e of examples) expect(files).toContain(join(ROOT, 'examples', e));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['.'].types).toBe('./dist/src/index.d.ts');
  });
});

describe('review findings at the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-review-'));
  const net = join(dir, 'small.json');
  writeFileSync(net, toJson(smallNet({ vth: 1 })));
  const one = (r: { status: number | null; stderr: string }) => {
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('data rows of the wrong width are refused, naming the data', () => {
    const idx = join(dir, 'd.idx');
    writeFileSync(idx, encodeIdxImages(3, 4, 4, new Uint8Array(48)));
    const line = one(run('simulate', '--net', net, '--data', `idx:${idx}`, '--samples', '2', '--steps', '3'));
    expect(line).toContain(idx); // the data's rows are what does not fit
    expect(line).toMatch(/rows of 16 values, but the input population "in" has 2 neurons/);
  });

  it('a name with a newline cannot forge a second line; long names are cut', () => {
    const j = JSON.parse(toJson(smallNet({ vth: 1 })));
    j.populations[1].params['x\nipvae: forged'] = 1;
    const bad = join(dir, 'forged.json');
    writeFileSync(bad, JSON.stringify(j));
    const line = one(run('map', '--net', bad));
    expect(line).toMatch(/is not a parameter of lif/);
    const drive = join(dir, 'd.json');
    writeFileSync(drive, JSON.stringify({ ['p'.repeat(5000) + '\nipvae: forged']: [[1, 0]] }));
    expect(one(run('simulate', '--net', net, '--drive', drive)).length).toBeLessThan(700);
  });

  it('--net with --neuron, an empty row, and several drives for --neuron are refused; --params takes per-neuron arrays', () => {
    const d = join(dir, 'r.json');
    writeFileSync(d, JSON.stringify([[1, 0]]));
    expect(one(run('simulate', '--net', net, '--neuron', 'lif', '--drive', d))).toMatch(/--net or --neuron, not both/);
    const empty = join(dir, 'e.json');
    writeFileSync(empty, JSON.stringify([[]]));
    expect(one(run('simulate', '--neuron', 'lif', '--params', '{"vth":1}', '--drive', empty))).toMatch(/non-empty/);
    const two = join(dir, 't.json');
    writeFileSync(two, JSON.stringify({ a: [[1]], b: [[2]] }));
    expect(one(run('simulate', '--neuron', 'lif', '--params', '{"vth":1}', '--drive', two))).toMatch(/one population/);
    const ok = run('simulate', '--neuron', 'if', '--params', '{"vth":[1,3]}', '--drive', d, '--json');
    expect(ok.status, ok.stderr).toBe(0);
    // step 1: v = 1 << 6 = 64, not above vth << 6 = 64 (no spike); the second neuron gets no input
    expect(JSON.parse(ok.stdout).v[0]).toEqual([64, 0]);
    expect(one(run('simulate', '--neuron', 'ipvae', '--drive', d))).toMatch(/needs formats \(u\)/);
  });
});

describe('second review at the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-review2-'));
  const net = join(dir, 'small.json');
  writeFileSync(net, toJson(smallNet({ vth: 1 })));
  const d = join(dir, 'r.json');
  writeFileSync(d, JSON.stringify([[1, 0]]));
  const err = (...a: string[]) => {
    const r = run(...a);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    return r.stderr;
  };

  it('a name with a control character is refused at load (it would break tables and messages)', () => {
    const j = JSON.parse(toJson(smallNet({ vth: 1 })));
    j.populations[1].name = 'h\nipvae: forged';
    j.projections[0].target = j.populations[1].name;
    const f = join(dir, 'ctl.json');
    writeFileSync(f, JSON.stringify(j));
    expect(err('map', '--net', f)).toMatch(/populations\[1\]\.name has a control character/);
  });

  it('options that do not apply are refused, not ignored', () => {
    expect(err('simulate', '--net', net, '--drive', d, '--population', 'in', '--data', 'patches')).toMatch(
      /simulate: --data applies only without --drive/,
    );
    expect(err('simulate', '--net', net, '--drive', d, '--population', 'in', '--steps', '5')).toMatch(/--steps/);
    expect(err('simulate', '--net', net, '--data', 'patches', '--trace', 'h')).toMatch(
      /simulate: --trace applies only with --drive/,
    );
    expect(err('quantize', '--net', net, '--input-bits', '8', '--out', join(dir, 'q.json'))).toMatch(
      /quantize: --input-bits applies only with --model/,
    );
    expect(err('simulate', '--net', net, '--drive', d, '--population', 'q')).toMatch(
      /--population: .* has no population "q"/,
    );
  });

  it('quantize --net keeps meta.quant true (snake_case) and renames split groups to their new exponent', () => {
    const m = join(ROOT, 'models', 'patches-k512.safetensors');
    const q8 = join(dir, 'q8.json'),
      q6 = join(dir, 'q6.json'),
      q10 = join(dir, 'q10.json');
    expect(run('quantize', '--model', m, '--out', q8).status).toBe(0);
    expect(JSON.parse(readFileSync(q8, 'utf8')).meta.quant.weight_bits).toBe(8);
    expect(run('quantize', '--net', q8, '--weight-bits', '6', '--exponent', 'per-row', '--out', q6).status).toBe(0);
    const j6 = JSON.parse(readFileSync(q6, 'utf8'));
    expect([j6.meta.quant.weight_bits, j6.meta.quant.exponent]).toEqual([6, 'per-row']);
    for (const p of j6.projections) {
      const e = /\/e(-?\d+)$/.exec(p.name);
      if (e) expect(Number(e[1])).toBe(p.exponent);
    }
    expect(run('quantize', '--net', q6, '--weight-bits', '10', '--out', q10).status).toBe(0);
    for (const p of JSON.parse(readFileSync(q10, 'utf8')).projections) {
      const e = /\/e(-?\d+)$/.exec(p.name);
      if (e) expect(Number(e[1])).toBe(p.exponent);
    }
  });
});
