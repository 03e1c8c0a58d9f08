/**
 * ipvae export --format sanafe: the YAML's structure against the network, the deployment and the profile it
 * came from (CI cannot build SANA-FE), the cases it refuses, and ipvae's count of examples/sanafe-check against
 * the output SANA-FE 8951ab07 wrote for the exported files (kept in examples/sanafe-check/sanafe-out).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile, parseProfile } from '../src/hardware/profile.js';
import { mapNetwork } from '../src/hardware/mapper.js';
import { decodeDeployment, deploymentObject, encodeDeployment } from '../src/hardware/deploy.js';
import { sanafeExport } from '../src/export/sanafe.js';
import { randomDrivenNetwork } from '../src/net/random.js';
import type { Network } from '../src/net/network.js';
import { testProjection } from './helpers.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'ipvae.js');
const files = { net: 'net.json', deploy: 'd.pb', drive: 'drive.json' };

function deploy(net: Network, perCore: number, profile = 'loihi1') {
  const p = loadProfile(profile);
  const m = mapNetwork(net, p, { strategy: 'traffic', maxNeuronsPerCore: perCore });
  expect(m.violations).toEqual([]);
  return { d: decodeDeployment(encodeDeployment(deploymentObject(net, m, 'spikes')), 'd.pb'), p };
}

/** The YAML lines of a section, by a regex with groups. */
const matches = (text: string, re: RegExp) => [...text.matchAll(new RegExp(re, 'gm'))];

describe('SANA-FE export: structure', () => {
  const { net, drive } = randomDrivenNetwork({
    inputs: 6,
    neurons: 24,
    fanInInput: 3,
    fanInRecurrent: 4,
    steps: 12,
    pSpike: 0.3,
    vth: 40,
    weightBits: 6,
    seed: 5,
  });
  const { d, p } = deploy(net, 5);
  const x = sanafeExport(net, d, p, { in: drive }, files);
  const arch = x.files['arch.yaml'],
    snn = x.files['snn.yaml'];
  const H = d.mesh.rows;

  it("the architecture is the profile's mesh and prices, in J and s", () => {
    expect(arch).toMatch(new RegExp(`^    width: ${d.mesh.cols}$`, 'm'));
    expect(arch).toMatch(new RegExp(`^    height: ${H}$`, 'm'));
    expect(arch).toContain('latency_sync: { 1: 600e-9, 2: 1000e-9, 4: 1400e-9, 29: 1800e-9 }');
    const e = p.prices.events;
    const want: [string, number | undefined, number][] = [
      ['energy_access_neuron', e.soma_access?.energyPj, 12],
      ['latency_access_neuron', e.soma_access?.latencyNs, 9],
      ['energy_update_neuron', e.soma_update?.energyPj, 12],
      ['energy_spike_out', e.spike_out?.energyPj, 12],
      ['latency_spike_out', e.spike_out?.latencyNs, 9],
      ['energy_message_out', e.message_out?.energyPj, 12],
      ['latency_message_in', e.message_in?.latencyNs, 9],
      ['energy_process_spike', e.synapse_sparse?.energyPj, 12],
      ['latency_process_spike', e.synapse_sparse?.latencyNs, 9],
      ['energy_east_hop', e.hop_east_west?.energyPj, 12],
      ['energy_north_hop', e.hop_north_south?.energyPj, 12],
    ];
    for (const [k, v, exp] of want) expect(arch, k).toContain(`${k}: ${v}e-${exp}`);
    expect(arch).toContain('energy_process_spike: 33.6e-12'); // loihi1's sparse synapse, by hand
    expect(x.notPriced).toEqual([]);
    // one input core per tile, after the chip's cores, with free units and one input unit per copy
    expect(arch).toContain(`- name: core[0..${d.mesh.coresPerTile - 1}]`);
    expect(arch).toMatch(/- name: input_core/);
  });

  it('every chip neuron is mapped once, to the core the deployment gives it (tile = x * height + y)', () => {
    const where = new Map<number, string>();
    for (const m of matches(snn, /^ {2}- if\.(\d+)\.\.(\d+): \[core: (\d+\.\d+)\]$/))
      for (let n = +m[1]; n <= +m[2]; n++) {
        expect(where.has(n), `neuron ${n} mapped twice`).toBe(false);
        where.set(n, m[3]);
      }
    expect(where.size).toBe(24);
    for (const c of d.cores)
      for (const r of c.neurons)
        for (let n = r.first; n < r.first + r.count; n++)
          expect(where.get(n)).toBe(`${c.x * H + c.y}.${c.slot % d.mesh.coresPerTile}`);
  });

  it("edges carry the network's weights; each input has one copy per destination core, with its spike train", () => {
    const rec = net.projections[1],
      ff = net.projections[0];
    const chip = matches(snn, /^ {4}- if\.(\d+) -> if\.(\d+): \[weight: (-?\d+)\]$/).map(
      (m) => `${m[1]},${m[2]},${m[3]}`,
    );
    const want: string[] = [];
    for (let s = 0; s < 24; s++)
      for (let j = rec.indptr[s]; j < rec.indptr[s + 1]; j++) want.push(`${s},${rec.indices[j]},${rec.weights[j]}`);
    expect(chip.sort()).toEqual(want.sort());
    // copies: group "in", neuron k has spikes; its edges go to one core only
    const copyEdges = matches(snn, /^ {4}- in\.(\d+) -> if\.(\d+): \[weight: (\d+)\]$/);
    expect(copyEdges.length).toBe(ff.indices.length);
    expect(x.edges).toBe(rec.indices.length + ff.indices.length);
    const coreOfIf = new Map<number, number>();
    for (const c of d.cores)
      for (const r of c.neurons) for (let n = 0; n < r.count; n++) coreOfIf.set(r.first + n, c.index);
    const copyCore = new Map<number, Set<number>>();
    for (const m of copyEdges) {
      const k = +m[1];
      if (!copyCore.has(k)) copyCore.set(k, new Set());
      copyCore.get(k)!.add(coreOfIf.get(+m[2])!);
    }
    for (const s of copyCore.values()) expect(s.size).toBe(1);
    // the copies of input a: as many as a's distinct destination cores; trains are a's drive column
    const trains = matches(snn, /^ {8}- (\d+): \[spikes: \[([01, ]*)\]\]$/);
    expect(trains.length).toBe(x.inputCopies);
    let k = 0;
    for (let a = 0; a < 6; a++) {
      const cores = new Set<number>();
      for (let j = ff.indptr[a]; j < ff.indptr[a + 1]; j++) cores.add(coreOfIf.get(ff.indices[j])!);
      for (let c = 0; c < cores.size; c++, k++) {
        expect(+trains[k][1]).toBe(k);
        expect(trains[k][2]).toBe(drive.map((r) => r[a]).join(', '));
      }
    }
    expect(k).toBe(x.inputCopies);
    // each copy has its own input unit on its tile's input core
    const units = matches(snn, /^ {2}- in\.\d+: \[core: (\d+)\.(\d+), soma: "ipvae_input\[(\d+)\]"\]$/);
    expect(units.length).toBe(x.inputCopies);
    const seen = new Set(units.map((m) => `${m[1]}:${m[3]}`));
    expect(seen.size).toBe(units.length);
    for (const m of units) expect(+m[2]).toBe(d.mesh.coresPerTile);
  });

  it('a profile without some prices writes 0 for them and says so', () => {
    const j = JSON.parse(readFileSync(join(ROOT, 'hardware', 'profiles', 'loihi1.json'), 'utf8'));
    delete j.prices.soma_access;
    delete j.prices.barrier;
    const q = parseProfile(JSON.stringify(j), 'partial.json');
    const y = sanafeExport(net, d, q, undefined, files);
    expect(y.notPriced).toEqual(['barrier latency', 'soma_access energy', 'soma_access latency']);
    expect(y.files['arch.yaml']).toContain('energy_access_neuron: 0.0\n');
    expect(y.files['arch.yaml']).toContain('latency_sync: { 1: 0.0 }');
    expect(y.files['arch.yaml']).toMatch(
      /# not priced in the profile, written as 0: barrier latency, soma_access energy/,
    );
    expect(y.files['README.md']).toMatch(/not priced in loihi1, written as 0: barrier latency, soma_access energy/);
  });
});

describe('SANA-FE export: what it refuses', () => {
  const base = (): Network => ({
    name: 'tiny',
    meta: {},
    populations: [
      { name: 'x', model: 'input', size: 1, params: {}, formats: {} },
      { name: 'A', model: 'lif', size: 2, params: { du: 4095, dv: 0, vth: 4 }, formats: {} },
    ],
    projections: [testProjection('xA', 'x', 'A', [5, 5], 2, 1)],
  });
  const tryExport = (net: Network, drives?: Record<string, number[][]>, other?: Network) => {
    const { d, p } = deploy(other ?? net, 2);
    return () => sanafeExport(net, d, p, drives, files);
  };

  it('exports lif without decay, and a drive of 0/1', () => {
    expect(tryExport(base(), { x: [[1], [0]] })().groups.map((g) => g.name)).toEqual(['x', 'A']);
  });
  it('a decaying lif (not exact: Loihi truncates, SANA-FE multiplies floats)', () => {
    const n = base();
    n.populations[1].params.dv = 100;
    expect(tryExport(n)).toThrow(/net\.json: population "A": only du = 4095 and dv = 0/);
  });
  it('a graded projection, a delay, a negative scale, a spike train of 2, another network', () => {
    const g = base();
    g.projections[0] = { ...g.projections[0], payload: 'graded', payloadBits: 4 };
    expect(tryExport(g)).toThrow(/carries graded payloads/);
    const dl = base();
    dl.projections[0].delay = 2;
    expect(tryExport(dl)).toThrow(/delay 2/);
    const sc = base();
    sc.projections[0].exponent = -1;
    expect(tryExport(sc)).toThrow(/2\^-1 and floors it/);
    expect(tryExport(base(), { x: [[2]] })).toThrow(/drive\.json: step 0 holds values other than 0 and 1/);
    const other = base();
    other.name = 'other';
    expect(tryExport(base(), undefined, other)).toThrow(/d\.pb: was written for another network/);
  });
});

describe('ipvae export: bad input, one line and exit 2, nothing written', () => {
  it('a profile lacking prices (without --allow-unpriced), a folder with other files, a drive naming no population', () => {
    const ex = join(ROOT, 'examples', 'sanafe-check');
    const tmp = mkdtempSync(join(tmpdir(), 'ipvae-export-bad-'));
    try {
      const run = (...a: string[]) => spawnSync(process.execPath, [CLI, ...a], { encoding: 'utf8' });
      const one = (r: { status: number | null; stderr: string }) => {
        expect(r.status).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        return r.stderr;
      };
      const net = join(ex, 'net.json');
      const l2 = join(tmp, 'l2.pb');
      expect(run('map', '--net', net, '--profile', 'loihi2', '--out', l2).status).toBe(0);
      const x = ['export', '--format', 'sanafe', '--net', net];
      expect(one(run(...x, '--deploy', l2, '--out', join(tmp, 'a')))).toMatch(
        /^ipvae: loihi2: does not price .*soma_access energy.*--allow-unpriced writes 0/,
      );
      expect(existsSync(join(tmp, 'a'))).toBe(false);
      expect(run(...x, '--deploy', l2, '--out', join(tmp, 'a'), '--allow-unpriced').status).toBe(0);
      // a folder holding something else is left alone; an earlier export is replaced
      writeFileSync(join(tmp, 'notes.txt'), 'mine');
      expect(one(run(...x, '--deploy', join(ex, 'deploy.pb'), '--out', tmp))).toMatch(/other files in it/);
      expect(readFileSync(join(tmp, 'notes.txt'), 'utf8')).toBe('mine');
      expect(run(...x, '--deploy', join(ex, 'deploy.pb'), '--out', join(tmp, 'a')).status).toBe(0);
      const drive = join(tmp, 'd.json');
      writeFileSync(drive, JSON.stringify({ ['x'.repeat(3000)]: [[1]] }));
      const e = one(run(...x, '--deploy', join(ex, 'deploy.pb'), '--drive', drive, '--out', join(tmp, 'b')));
      expect(e).toMatch(/d\.json: .* is not a population of the network/);
      expect(e.length).toBeLessThan(700);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('SANA-FE 8951ab07 on examples/sanafe-check (its output kept in sanafe-out/)', () => {
  it('the export is the one SANA-FE ran, and ipvae counts the same spikes, energy per component and step latency', () => {
    const ex = join(ROOT, 'examples', 'sanafe-check');
    const tmp = mkdtempSync(join(tmpdir(), 'ipvae-sanafe-'));
    try {
      const run = (args: string[]) => {
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout;
      };
      const common = [
        '--deploy',
        join(ex, 'deploy.pb'),
        '--net',
        join(ex, 'net.json'),
        '--drive',
        join(ex, 'drive.json'),
      ];
      run(['export', '--format', 'sanafe', ...common, '--out', join(tmp, 'x')]);
      // the files SANA-FE ran were these (their digests are in sanafe-out/README.md)
      const sha = (f: string) =>
        createHash('sha256')
          .update(readFileSync(join(tmp, 'x', f)))
          .digest('hex');
      const readme = readFileSync(join(ex, 'README.md'), 'utf8');
      expect(readme).toContain(`arch.yaml sha256 ${sha('arch.yaml')}`);
      expect(readme).toContain(`snn.yaml sha256 ${sha('snn.yaml')}`);
      writeFileSync(join(tmp, 'energy.json'), run(['energy', ...common, '--json']));
      writeFileSync(
        join(tmp, 'trace.json'),
        run([
          'simulate',
          '--net',
          join(ex, 'net.json'),
          '--drive',
          join(ex, 'drive.json'),
          '--population',
          'in',
          '--trace',
          'if',
          '--probe',
          'spikes',
          '--json',
        ]),
      );
      const r = spawnSync(
        process.execPath,
        [join(ex, 'compare.mjs'), join(ex, 'sanafe-out'), join(tmp, 'energy.json'), join(tmp, 'trace.json')],
        { encoding: 'utf8' },
      );
      expect(r.stdout).toMatch(/spikes +10198 +10198 +0 only in ipvae, 0 only in SANA-FE/);
      expect(r.stdout).toMatch(/^total +21858891\.\d +21858891\.\d +-?0\.0000 %$/m);
      expect(r.stdout).toMatch(/worst step 0\.0000 %/);
      expect(r.status, r.stdout).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
