/**
 * ipvae infer --plot and ipvae validate --plot: standalone SVG files that are well-formed XML, point nowhere,
 * and whose drawn points map back (through the axes' own tick marks and labels) to the numbers --json prints;
 * the per-width verdict markers; the --plot path checked before any work; the table columns explained.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allElements, parseXml, textOf, type XmlElement } from './xml.js';
import { CONVERGENCE_R2_FLOOR, VALIDATION_R2_FLOOR, plotSteps } from '../src/cli/plots.js';
import { recordSteps } from '../src/model/evaluate.js';
import { lineChart, standaloneSvg } from '../src/report/svg.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
function ipvae(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** One clear line on stderr, exit code 2, nothing on stdout. */
function expectUserError(r: ReturnType<typeof ipvae>, pattern: RegExp) {
  expect(r.code, r.err).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ipvae: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.out).toBe('');
}

const dir = mkdtempSync(join(tmpdir(), 'ipvae-plots-'));

// ---------------------------------------------------------------------------------------------------------------
// Reading a plot back

const byClass = (root: XmlElement, name: string, cls: string) =>
  allElements(root).filter((e) => e.name === name && (e.attrs.class ?? '').split(' ').includes(cls));

/** The vertices of a path made of M and L commands only (a line chart's series). */
function vertices(d: string): { pts: [number, number][]; moves: number } {
  expect(d).toMatch(/^(?:[ML]-?[\d.]+ -?[\d.]+)+$/);
  const pts = [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map(
    (m) => [Number(m[1]), Number(m[2])] as [number, number],
  );
  return { pts, moves: (d.match(/M/g) ?? []).length };
}

/** A tick label as a number: "0.5", "-0.2", "100", "2k". */
function labelValue(s: string): number {
  const m = /^(-?[\d.]+)(k|M)?$/.exec(s.trim());
  expect(m, `tick label ${s}`).not.toBeNull();
  return Number(m![1]) * (m![2] === 'k' ? 1e3 : m![2] === 'M' ? 1e6 : 1);
}

interface AxisFit {
  /** data value -> pixel */
  toPx(v: number): number;
  /** pixel -> data value */
  fromPx(p: number): number;
  /** pixels per data unit (per decade on a log axis), absolute */
  slope: number;
}

/**
 * The transform of one axis, fitted (least squares) to its tick marks and their labels, every tick within 0.05 px
 * of the fit: the plot's own statement of where a value lands, independent of the code that drew it.
 */
function fitAxis(root: XmlElement, cls: 'x-ticks' | 'y-ticks', log: boolean): AxisFit {
  const g = byClass(root, 'g', cls);
  expect(g).toHaveLength(1);
  const kids = g[0].children;
  const pos: number[] = [],
    val: number[] = [];
  for (let i = 0; i < kids.length; i += 2) {
    expect(kids[i].name).toBe('path');
    expect(kids[i + 1].name).toBe('text');
    const m = /^M(-?[\d.]+) (-?[\d.]+)[vh]4$/.exec(kids[i].attrs.d);
    expect(m, kids[i].attrs.d).not.toBeNull();
    pos.push(Number(cls === 'x-ticks' ? m![1] : m![2]));
    const v = labelValue(kids[i + 1].text);
    val.push(log ? Math.log10(v) : v);
  }
  expect(pos.length).toBeGreaterThanOrEqual(2);
  const n = pos.length;
  const mv = val.reduce((a, b) => a + b) / n,
    mp = pos.reduce((a, b) => a + b) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (val[i] - mv) * (pos[i] - mp);
    sxx += (val[i] - mv) ** 2;
  }
  const b = sxy / sxx,
    a = mp - b * mv;
  for (let i = 0; i < n; i++) expect(Math.abs(a + b * val[i] - pos[i])).toBeLessThan(0.05);
  const f = (v: number) => (log ? Math.log10(v) : v);
  const finv = (u: number) => (log ? 10 ** u : u);
  return { toPx: (v) => a + b * f(v), fromPx: (p) => finv((p - a) / b), slope: Math.abs(b) };
}

/** Nothing a standalone SVG may not hold: script, links, URLs other than the SVG namespace, external fonts. */
function expectSelfContained(svg: string, root: XmlElement) {
  expect(root.name).toBe('svg');
  expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
  expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
  const names = new Set(allElements(root).map((e) => e.name));
  for (const bad of ['script', 'foreignObject', 'image', 'a', 'style', 'use']) expect(names.has(bad), bad).toBe(false);
  expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|@import|@font-face|href=/i);
  for (const e of allElements(root)) for (const k of Object.keys(e.attrs)) expect(k.startsWith('on'), k).toBe(false);
}

describe('test/xml.ts: the strict XML reader the plot tests rely on', () => {
  it('reads a small document and refuses what is not well-formed', () => {
    const t = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2"><b>t&lt;</b><c/>tail</a>\n');
    expect(t.attrs.x).toBe('1 & 2');
    expect(t.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(textOf(t)).toBe('tailt<');
    for (const bad of [
      '<a><b></a></b>',
      '<a x=1/>',
      '<a x="1" x="2"/>',
      '<a>&</a>',
      '<a>&nbsp;</a>',
      '<a>x < y</a>',
      '<a/><b/>',
      '<a>',
      'text<a/>',
      '<a x="<"/>',
    ])
      expect(() => parseXml(bad), bad).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The steps a convergence plot records, and the line chart's new parts

describe('plotSteps and the line chart: clipping, marks, titles, standalone files', () => {
  it('plotSteps: ascending, 1 .. T, every table step, about 120 points, no gap wider than the log spacing allows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), (T) => {
        const s = plotSteps(T);
        expect(s[0]).toBe(1);
        expect(s[s.length - 1]).toBe(T);
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
        for (const t of recordSteps(T)) expect(s).toContain(t);
        expect(s.length).toBeLessThanOrEqual(120 + recordSteps(T).length);
        // log-spaced values T^(k/119), rounded: the next one is at most (t + 1/2) r + 1/2 with r = T^(1/119)
        const r = T ** (1 / 119);
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual((s[i - 1] + 0.5) * r + 0.5 + 1e-9);
      }),
      { numRuns: 300 },
    );
    expect(plotSteps(1)).toEqual([1]);
    expect(plotSteps(5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a long series below the clip: one marker per run of clipped points, at the run’s most extreme value', () => {
    // 100 points, values below -1 on t = 1..5 (extreme -900 at t = 3) and t = 50..52 (extreme -7 at t = 51)
    const x = Array.from({ length: 100 }, (_, i) => i + 1);
    const y = x.map((t) => (t === 3 ? -900 : t <= 5 ? -2 - t : t === 51 ? -7 : t >= 50 && t <= 52 ? -3 : t / 100));
    const svg = standaloneSvg(
      lineChart({
        name: 'c',
        label: 'c',
        series: [{ label: 's', x, y, colour: '#000' }],
        x: { title: 't', log: true },
        y: { title: 'v', domain: [0, 1] },
        yClip: { lo: -1 },
      }),
    );
    const root = parseXml(svg);
    const marks = byClass(root, 'g', 'clipped');
    expect(marks.map((m) => [Number(m.attrs['data-x']), Number(m.attrs['data-value'])])).toEqual([
      [3, -900],
      [51, -7],
    ]);
    expect(marks.map((m) => m.children.find((c) => c.name === 'text')!.text)).toEqual(['-900', '-7']);
    const yAxis = fitAxis(root, 'y-ticks', false);
    const xAxis = fitAxis(root, 'x-ticks', true);
    const { pts } = vertices(byClass(root, 'path', 'line')[0].attrs.d);
    pts.forEach(([px, py], i) => {
      expect(Math.abs(Math.log10(xAxis.fromPx(px)) - Math.log10(x[i])) * xAxis.slope).toBeLessThan(1);
      expect(Math.abs(yAxis.fromPx(py) - Math.max(-1, y[i])) * yAxis.slope).toBeLessThanOrEqual(1);
    });
    expect(textOf(byClass(root, 'g', 'notes')[0])).toContain('below -1 are drawn at -1');
  });

  it('an upper clip, x marks with their labels, a title and hostile text all stay well-formed and escaped', () => {
    const nasty = '<script>alert("x")</script> & co';
    const svg = standaloneSvg(
      lineChart({
        name: 'n',
        label: nasty,
        title: nasty,
        series: [{ label: nasty, x: [1, 2, 3], y: [0.5, 40, 0.7], colour: '#000' }],
        x: { title: nasty, exact: true },
        y: { title: nasty },
        hLines: [{ y: 99, label: 'ref', colour: '#111' }],
        yClip: { hi: 2 },
        xMarks: [
          { x: 1, label: 'ok', colour: '#0a0', shape: 'circle' },
          { x: 2, label: nasty, colour: '#a00', shape: 'cross' },
          { x: 3, label: 'degraded', colour: '#aa0', shape: 'triangle' },
        ],
        xMarksTitle: 'verdict',
        notes: [nasty],
      }),
    );
    const root = parseXml(svg);
    expectSelfContained(svg, root);
    expect(svg).not.toContain('<script');
    expect(byClass(root, 'g', 'xmark').map((g) => g.attrs['data-label'])).toEqual(['ok', nasty, 'degraded']);
    const clipped = byClass(root, 'g', 'clipped');
    expect(clipped).toHaveLength(1);
    expect(clipped[0].attrs['data-value']).toBe('40');
    // the reference line off the axis is not drawn; its legend entry says where it is
    expect(byClass(root, 'path', 'hline')).toHaveLength(0);
    expect(textOf(byClass(root, 'g', 'legend')[0])).toContain('ref = 99, off the axis');
    expect(textOf(root)).toContain('above 2 at 2');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ipvae infer --plot

describe('ipvae infer --plot', () => {
  const base = ['infer', '--model', 'patches-k512', '--data', 'patches', '--samples', '5', '--steps', '100'];

  it('draws R², r2_map and PZ against t: every vertex maps back to the --json numbers within a pixel', () => {
    const file = join(dir, 'conv.svg');
    const plain = ipvae(...base, '--json');
    expect(plain.code, plain.err).toBe(0);
    const r = ipvae(...base, '--json', '--plot', file);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const p = JSON.parse(plain.out);
    // the table's rows and the rest of the JSON are those of a run without --plot
    expect(j.metrics).toEqual(p.metrics);
    expect(j.metrics.map((m: { t: number }) => m.t)).toEqual(recordSteps(100));
    expect(j.plot.file).toBe(file);
    expect(p.plot).toBeUndefined();
    const curve: { t: number; r2: number; r2_map: number; pz: number }[] = j.plot.metrics;
    expect(curve.map((m) => m.t)).toEqual(plotSteps(100));
    for (const m of j.metrics) expect(curve.find((c) => c.t === m.t)).toEqual(m);

    const svg = readFileSync(file, 'utf8');
    const root = parseXml(svg);
    expectSelfContained(svg, root);
    const all = textOf(root);
    expect(all).toContain('patches-k512 on patches (test split, 5 inputs, seed 0)');
    expect(all).toContain('inference step t (log scale)');
    for (const s of ['R²', 'r2_map', 'PZ']) expect(textOf(byClass(root, 'g', 'legend')[0])).toContain(s);

    const x = fitAxis(root, 'x-ticks', true),
      y = fitAxis(root, 'y-ticks', false);
    const lines = byClass(root, 'path', 'line');
    expect(lines).toHaveLength(3);
    for (const [key, prefix] of [
      ['r2', 'R²'],
      ['r2_map', 'r2_map'],
      ['pz', 'PZ'],
    ] as const) {
      const line = lines.find((l) => l.attrs['data-series'].startsWith(prefix));
      expect(line, prefix).toBeDefined();
      const { pts, moves } = vertices(line!.attrs.d);
      expect(moves).toBe(1);
      expect(pts).toHaveLength(curve.length);
      pts.forEach(([px, py], i) => {
        // t back from the pixel: within one pixel's worth of t at that place on the log axis
        const t = x.fromPx(px);
        expect(Math.abs(Math.log10(t) - Math.log10(curve[i].t)) * x.slope, `${prefix} t=${curve[i].t}`).toBeLessThan(1);
        const v = Math.max(CONVERGENCE_R2_FLOOR, curve[i][key]);
        expect(Math.abs(y.fromPx(py) - v) * y.slope, `${prefix} at t=${curve[i].t}`).toBeLessThan(1);
      });
    }
  });

  it('text output: the same table, its columns explained under it, and the file named', () => {
    const file = join(dir, 'conv-text.svg');
    const a = ipvae(...base);
    const b = ipvae(...base, '--plot', file);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    const body = (s: string) => s.split('\n').filter((l) => !l.startsWith('time:') && !l.startsWith('wrote'));
    expect(body(b.out)).toEqual(body(a.out));
    expect(b.out).toContain(`wrote ${file} (R2, r2_map and PZ at ${plotSteps(100).length} steps from t = 1 to 100)`);
    expect(existsSync(file)).toBe(true);
    expect(() => parseXml(readFileSync(file, 'utf8'))).not.toThrow();
  });

  it('every column of the table is explained under it and in --help; --json has no footnote', () => {
    const r = ipvae(...base);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const h = lines.findIndex((l) => /^\s*t\s+R2\s/.test(l));
    expect(h).toBeGreaterThanOrEqual(0);
    const headers = lines[h].trim().split(/\s+/);
    expect(headers).toEqual(['t', 'R2', 'r2_map', 'PZ', 'MSE', 'du_norm']);
    const after = lines.slice(h + 1 + recordSteps(100).length).join('\n');
    const help = ipvae('infer', '--help').out;
    for (const c of headers.slice(1)) {
      expect(after, c).toMatch(new RegExp(`(^|\\s)${c}:`));
      expect(help, c).toMatch(new RegExp(`(^|\\s)${c}:`));
    }
    expect(after).toMatch(/\(R2, PZ\) to the ideal corner \(1, 1\) at t=100: d = /);
    expect(help).toMatch(/d \(under the table\): distance of \(R2, PZ\)/);
    expect(help).toContain('--plot <file.svg>');
    const j = ipvae(...base, '--json');
    expect(j.out.trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(j.out)).not.toThrow();
  });

  it('a bad --plot path is one line and exit 2, before the model is even read', () => {
    const missing = join(dir, 'no-such-folder', 'conv.svg');
    // the model does not exist either: the plot path is checked first, so its error is the one reported
    const args = ['infer', '--model', join(dir, 'absent.safetensors'), '--data', 'patches', '--samples', '5'];
    expectUserError(ipvae(...args, '--plot', missing), /conv\.svg: cannot write here \(the folder .* does not exist/);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    expectUserError(ipvae(...args, '--plot', join(dir, 'conv.png')), /conv\.png: --plot writes an SVG picture/);
    const folder = join(dir, 'a-folder.svg');
    mkdirSync(folder, { recursive: true });
    expectUserError(ipvae(...args, '--plot', folder), /a-folder\.svg: is a folder/);
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expectUserError(
      ipvae(...args, '--plot', join(file, 'x.svg')),
      /x\.svg: cannot write here \(.*plain-file is not a folder/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ipvae validate --plot

describe('ipvae validate --plot', () => {
  const base = [
    'validate',
    '--model',
    'patches-k512',
    '--data',
    'patches',
    '--samples',
    '3',
    '--steps',
    '50',
    '--weight-bits',
    '4,8',
  ];
  const jsonFile = join(dir, 'widths.svg'),
    textFile = join(dir, 'widths-text.svg');
  let json: ReturnType<typeof ipvae> | undefined;
  const jsonRun = () => (json ??= ipvae(...base, '--json', '--plot', jsonFile));

  it('one verdict marker per width; integer R² and PZ map back to --json; float values as reference lines', () => {
    const r = jsonRun();
    expect(r.code, r.err).toBe(0);
    const rows: {
      bits: number;
      float: { r2: number; pz: number };
      int: { r2: number; pz: number };
      verdict: string;
    }[] = JSON.parse(r.out).rows;
    expect(rows.map((x) => x.bits)).toEqual([4, 8]);
    // 4-bit weights break the patch model (README): the clipping below is exercised
    expect(rows.some((x) => x.int.r2 < VALIDATION_R2_FLOOR)).toBe(true);

    const svg = readFileSync(jsonFile, 'utf8');
    const root = parseXml(svg);
    expectSelfContained(svg, root);
    expect(textOf(root)).toContain('patches-k512 on patches (3 inputs, 50 steps, seed 0)');
    const x = fitAxis(root, 'x-ticks', false),
      y = fitAxis(root, 'y-ticks', false);

    // the verdicts: one marker per width, at its width, saying the verdict
    const marks = byClass(root, 'g', 'xmark');
    expect(marks).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const m = marks[i];
      expect(Number(m.attrs['data-x'])).toBe(row.bits);
      expect(m.attrs['data-label']).toBe(row.verdict);
      const label = m.children.find((c) => c.name === 'text')!;
      expect(label.text).toBe(row.verdict);
      expect(Math.abs(x.fromPx(Number(label.attrs.x)) - row.bits) * x.slope).toBeLessThan(1);
      expect(m.children.find((c) => c.name === 'title')!.text).toMatch(
        new RegExp(`^${row.bits} bits: ${row.verdict}: `),
      );
    });

    // the integer lines: every point back to its row, a clipped one at the floor with its value written
    const lines = byClass(root, 'path', 'line');
    const clipped = byClass(root, 'g', 'clipped');
    expect(clipped).toHaveLength(rows.filter((row) => row.int.r2 < VALIDATION_R2_FLOOR).length);
    for (const [key, prefix] of [
      ['r2', 'R² integer'],
      ['pz', 'PZ integer'],
    ] as const) {
      const line = lines.find((l) => l.attrs['data-series'] === prefix);
      expect(line, prefix).toBeDefined();
      const { pts } = vertices(line!.attrs.d);
      expect(pts).toHaveLength(rows.length);
      pts.forEach(([px, py], i) => {
        const v = rows[i].int[key];
        expect(Math.abs(x.fromPx(px) - rows[i].bits) * x.slope).toBeLessThan(1);
        if (v >= VALIDATION_R2_FLOOR) expect(Math.abs(y.fromPx(py) - v) * y.slope).toBeLessThan(1);
        else {
          expect(Math.abs(y.fromPx(py) - VALIDATION_R2_FLOOR) * y.slope).toBeLessThan(1);
          const c = clipped.find((g) => Number(g.attrs['data-x']) === rows[i].bits);
          expect(c, `clipped marker at ${rows[i].bits} bits`).toBeDefined();
          const written = Number(c!.children.find((e) => e.name === 'text')!.text);
          expect(Math.abs(written - v)).toBeLessThanOrEqual(Math.max(0.5, Math.abs(v) * 5e-3));
        }
      });
    }
    // the float model: dotted horizontal lines at its R² and PZ (the same in every row)
    const h = byClass(root, 'path', 'hline').map((e) => Number(/^M[\d.]+ ([\d.]+)H/.exec(e.attrs.d)![1]));
    expect(h).toHaveLength(2);
    expect(Math.abs(y.fromPx(h[0]) - rows[0].float.r2) * y.slope).toBeLessThan(1);
    expect(Math.abs(y.fromPx(h[1]) - rows[0].float.pz) * y.slope).toBeLessThan(1);
    expect(textOf(byClass(root, 'g', 'legend')[0])).toMatch(/R² float.*PZ float/);
  });

  it('text output: the same numbers as --json, the columns explained under the table and in --help', () => {
    const r = ipvae(...base, '--plot', textFile);
    expect(r.code, r.err).toBe(0);
    // the same run drawn from text mode is the same picture
    jsonRun();
    expect(readFileSync(textFile, 'utf8')).toBe(readFileSync(jsonFile, 'utf8'));
    expect(r.out).toContain(`wrote ${textFile} (R2 and PZ against the weight width, 2 widths)`);
    const lines = r.out.split('\n');
    const h = lines.findIndex((l) => /^\s*bits\s+float R2/.test(l));
    expect(lines[h].trim().split(/\s{2,}/)).toEqual([
      'bits',
      'float R2',
      'int R2',
      'float PZ',
      'int PZ',
      'rate corr',
      'active agree',
      'saturations',
      'verdict',
    ]);
    const after = lines.slice(h + 3).join('\n');
    const help = ipvae('validate', '--help').out.replace(/\s+/g, ' ');
    // each column's words explained: bits, float, int, R2, PZ and the rest
    for (const term of [
      'bits:',
      'float:',
      'int:',
      'R2, PZ:',
      'rate corr:',
      'active agree:',
      'saturations:',
      'verdict:',
    ]) {
      expect(after, term).toContain(term);
      expect(help, term).toContain(term);
    }
    expect(help).toContain('--plot <file.svg>');
  });

  it('--json rows are those of a run without --plot', () => {
    const a = ipvae(...base, '--json');
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(jsonRun().out)).toEqual(JSON.parse(a.out));
  });

  it('a bad --plot path is one line and exit 2, before the model is read; --nir has no plot', () => {
    const args = ['validate', '--model', join(dir, 'absent.safetensors'), '--data', 'patches'];
    expectUserError(
      ipvae(...args, '--plot', join(dir, 'missing', 'w.svg')),
      /w\.svg: cannot write here \(the folder .* does not exist/,
    );
    expectUserError(ipvae(...args, '--plot', join(dir, 'w.pdf')), /w\.pdf: --plot writes an SVG picture/);
    expectUserError(
      ipvae('validate', '--nir', join(dir, 'x.nir'), '--drive', join(dir, 'd.json'), '--plot', join(dir, 'n.svg')),
      /validate: --plot applies only without --nir/,
    );
  });
});

describe('ipvae simulate: the iP-VAE table’s columns explained', () => {
  it('under the table and in --help; not with --json', () => {
    const net = join(dir, 'net.json');
    expect(ipvae('quantize', '--model', 'patches-k512', '--out', net).code).toBe(0);
    const args = ['simulate', '--net', net, '--data', 'patches', '--samples', '2', '--steps', '20'];
    const r = ipvae(...args);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const h = lines.findIndex((l) => /^\s*t\s+R2\s/.test(l));
    const headers = lines[h].trim().split(/\s+/);
    expect(headers).toEqual(['t', 'R2', 'PZ', 'spikes']);
    const after = lines.slice(h + 1 + recordSteps(20).length).join('\n');
    const help = ipvae('simulate', '--help').out;
    for (const c of headers.slice(1)) {
      expect(after, c).toMatch(new RegExp(`(^|\\s)${c}:`));
      expect(help, c).toMatch(new RegExp(`(^|\\s)${c}:`));
    }
    const j = ipvae(...args, '--json');
    expect(j.out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(j.out).metrics).toHaveLength(recordSteps(20).length);
  });
});
