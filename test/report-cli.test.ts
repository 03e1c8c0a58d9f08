/**
 * ipvae report end to end on the SANA-FE check network (examples/sanafe-check): the HTML and report.json are
 * written, report.json carries the same numbers as ipvae energy, the raster holds every spike of the run; an
 * output path that cannot be written is refused with one line before any work, and nothing is left behind.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { compareJson } from '../src/baselines/compare-file.js';
import { stat, COMPARE_FORMAT, COMPARE_VERSION, type CompareResult } from '../src/baselines/compare.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const EX = join(ROOT, 'examples', 'sanafe-check');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', maxBuffer: 1 << 28 });
const common = ['--deploy', join(EX, 'deploy.pb'), '--net', join(EX, 'net.json'), '--drive', join(EX, 'drive.json')];

describe('ipvae report', () => {
  it('writes report.html and report.json with the numbers of ipvae energy and every spike in the raster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-report-'));
    try {
      const r = run('report', ...common, '--out', join(dir, 'check.html'));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wrote .*check\.html and .*check\.json/);
      expect(readdirSync(dir).sort()).toEqual(['check.html', 'check.json']); // no temporary file left
      const html = readFileSync(join(dir, 'check.html'), 'utf8');
      expect(html).not.toMatch(/https?:\/\//);
      for (const plot of ['raster', 'energy-components', 'energy-cores', 'latency', 'mesh'])
        expect(html).toContain(`data-plot="${plot}"`);
      const rep = JSON.parse(readFileSync(join(dir, 'check.json'), 'utf8'));
      const e = JSON.parse(run('energy', ...common, '--json').stdout);
      expect(rep.energy.total_pj).toBe(e.energy_per_inference_pj);
      expect(rep.energy.latency_per_inference_ns).toBe(e.latency.per_inference_ns);
      expect(rep.energy.step_ns).toEqual(e.latency.first_input_ns.slice(1));
      // the raster: 320 IF neurons, 200 steps, the 10,198 spikes SANA-FE also counted
      expect([rep.raster.population, rep.raster.neurons, rep.raster.steps]).toEqual(['if', 320, 200]);
      expect(rep.raster.events.length / 2).toBe(10198);
      expect(rep.mesh.cores.length).toBe(10);
      // the traffic drawn between tiles is the run's: messages x tile distance = the hops counted
      const hops = rep.mesh.links.reduce(
        (a: number, l: { from: number[]; to: number[]; messages: number }) =>
          a + l.messages * (Math.abs(l.from[0] - l.to[0]) + Math.abs(l.from[1] - l.to[1])),
        0,
      );
      const counted = (k: string) =>
        e.components.find((c: { event: string }) => c.event === k).count_per_inference as number;
      expect(hops).toBe(counted('hop_east_west') + counted('hop_north_south'));
      expect(rep.mesh.cores.reduce((a: number, c: { neurons: number }) => a + c.neurons, 0)).toBe(320);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--compare: the trade-off plot and the families of a compare.json; a broken one is one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-report-cmp-'));
    try {
      const run1 = (family: string, knob: number, r2: number, pz: number) => ({
        family,
        knob,
        seed: 0,
        r2,
        pz,
        d: Math.hypot(1 - r2, 1 - pz),
        r2Map: r2,
        trainSeconds: 1,
        evalSeconds: 1,
        info: { iterations: 5 },
      });
      const fam = (family: string, label: string, r2: number, pz: number) => ({
        family,
        label,
        kind: 'iterative',
        knobName: 'lambda',
        bestKnob: 0.5,
        r2: stat([r2]),
        pz: stat([pz]),
        d: stat([Math.hypot(1 - r2, 1 - pz)]),
        r2Map: stat([r2]),
        ood: [],
        probe: null,
        integer: null,
        paper: { d: 0.282 },
        choices: ['c'],
      });
      const c: CompareResult = {
        format: COMPARE_FORMAT,
        version: COMPARE_VERSION,
        data: 'patches',
        latents: 512,
        budgetMinutes: 10,
        seeds: [0],
        steps: 1000,
        evalInputs: 500,
        oodInputs: 500,
        probeInputs: 0,
        probeTestInputs: 0,
        integerBits: 0,
        runs: [run1('lca', 0.25, 0.9, 0.7), run1('lca', 0.5, 0.8, 0.85), run1('pc', 0.5, 0.95, 0)],
        families: [fam('lca', 'LCA', 0.8, 0.85), fam('pc', 'PC', 0.95, 0)],
        seconds: 60,
      };
      const cf = join(dir, 'compare.json');
      writeFileSync(cf, compareJson(c));
      const r = run('report', ...common, '--compare', cf, '--out', join(dir, 'r.html'));
      expect(r.status, r.stderr).toBe(0);
      const html = readFileSync(join(dir, 'r.html'), 'utf8');
      expect(html).toContain('data-plot="trade-off"');
      expect(html).toContain('Against the baselines');
      const rep = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(rep.compare.families.map((f: { label: string }) => f.label)).toEqual(['LCA', 'PC']);
      expect(rep.compare.families[0].d.mean).toBeCloseTo(Math.hypot(0.2, 0.15), 12);
      writeFileSync(cf, compareJson({ ...c, families: [{ ...c.families[0], d: { mean: 'x' } as never }] }));
      const b = run('report', ...common, '--compare', cf, '--out', join(dir, 'b.html'));
      expect(b.status).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
      expect(b.stderr).toMatch(/compare\.json: families\[0\]\.d\.mean is not a finite number/);
      expect(existsSync(join(dir, 'b.html'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input: an output that cannot be written, before any work; one line, exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-report-bad-'));
    try {
      const one = (r: { status: number | null; stderr: string }) => {
        expect(r.status).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        return r.stderr;
      };
      const missing = join(dir, 'no', 'such', 'r.html');
      expect(one(run('report', ...common, '--out', missing))).toMatch(/r\.html: cannot write here/);
      expect(existsSync(join(dir, 'no'))).toBe(false);
      expect(one(run('report', ...common, '--out', dir))).toMatch(/--out must name an \.html file/);
      expect(one(run('demo', '--out', missing))).toMatch(/cannot write here/);
      expect(one(run('report', ...common.slice(0, 4), '--out', join(dir, 'r.html')))).toMatch(/--data or --drive/);
      // the .json beside the HTML would overwrite an input; an --out that is not .html
      expect(one(run('report', ...common, '--out', join(EX, 'net.html')))).toMatch(
        /net\.json: is an input of this command/,
      );
      expect(one(run('report', ...common, '--out', join(dir, 'r.json')))).toMatch(/--out must name an \.html file/);
      // a folder where the .json would go: refused before any work, and no HTML left behind
      mkdirSync(join(dir, 'blk.json'));
      expect(one(run('report', ...common, '--out', join(dir, 'blk.html')))).toMatch(/blk\.json: is a folder/);
      rmSync(join(dir, 'blk.json'), { recursive: true });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
