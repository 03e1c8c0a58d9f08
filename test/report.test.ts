/**
 * The HTML report renderer on hand-made ReportData: text from the data is escaped (a title with a script tag
 * stays text), no external URL, a section and its plots appear exactly when its data does, unpriced energy is
 * labelled "not priced" (never a bar of 0), the number formats, bar lengths proportional to the values, a large
 * raster stays compact, and the mesh's x-then-y routing.
 */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../src/report/render.js';
import type { ReportData } from '../src/report/data.js';
import {
  barChart,
  esc,
  formatCount,
  formatEnergy,
  formatNumber,
  formatRatio,
  formatTime,
  lineChart,
  logTicks,
  niceDomain,
  raster,
  routeXY,
  tickLabels,
  viridis,
} from '../src/report/svg.js';
import { encodeGreyPng } from '../src/io/png-encode.js';

const NASTY = '<script>alert(1)</script>&"';

/** A report with every section, small, with markup-like text in every free-form field. */
function sample(): ReportData {
  const px = new Uint8Array(8 * 6).map((_, i) => (i * 37) % 256);
  return {
    title: `Report ${NASTY}`,
    created: '2026-11-27 <now>',
    summary: ['model: <b>bold</b> & co', "seed: 'one'"],
    headline: [
      { label: 'energy <per> inference', value: '1.2 & more', unit: '<uJ>' },
      { label: 'R²', value: '0.91' },
    ],
    atoms: { pngBase64: encodeGreyPng(8, 6, px).toString('base64'), width: 8, height: 6, caption: 'atoms <i>x</i>' },
    budget: {
      t: [1, 2, 4, 8, 16, 32],
      r2: [0.1, 0.3, 0.5, 0.7, 0.85, 0.9],
      pz: [0.4, 0.45, 0.5, 0.6, 0.7, 0.75],
      energyPj: [100, 200, 400, 800, 1600, 3200],
      floatR2: [0.12, 0.33, 0.55, 0.75, 0.88, 0.92],
      target: { r2: 0.8, t: 16 },
    },
    raster: {
      population: 'z <latents>',
      neurons: 4,
      steps: 10,
      events: [0, 1, 3, 2, 5, 0, 9, 3],
      counts: [1, 2, 1, 1],
      caption: 'spikes & <more>',
    },
    energy: {
      profile: 'p <1>',
      components: [
        { event: 'synapse <op>', price: '23.6 pJ', count: 1000, energyPj: 23600 },
        { event: 'soma_update', price: '52 pJ', count: 100, energyPj: 5200 },
        { event: 'hop_north_south', price: 'no price', count: 50, energyPj: null },
      ],
      byCorePj: [1000, 4000, 2500, 0],
      totalPj: 28800,
      notPriced: ['hop_north_south'],
      stepNs: [100, 120, 110, 400, 105],
      latencyPerInferenceNs: 835,
    },
    mesh: {
      width: 2,
      height: 2,
      coresPerTile: 2,
      neuronsPerCore: 10,
      cores: [
        { index: 0, x: 0, y: 0, slot: 0, neurons: 10, messagesIn: 5, messagesOut: 7, energyPj: 100 },
        { index: 1, x: 1, y: 1, slot: 1, neurons: 4, messagesIn: 7, messagesOut: 5, energyPj: null },
      ],
      links: [
        { from: [0, 0], to: [1, 1], messages: 7 },
        { from: [1, 1], to: [0, 0], messages: 5 },
      ],
    },
    validation: {
      rows: [
        { bits: 4, floatR2: 0.9, intR2: 0.7, floatPz: 0.8, intPz: 0.75, rateCorr: 0.95 },
        { bits: 8, floatR2: 0.9, intR2: 0.89, floatPz: 0.8, intPz: 0.8, rateCorr: 0.999 },
      ],
    },
    baseline: {
      assumptions: 'rough <prices>',
      rows: [
        { device: 'gpu & co', iterativePj: 115200, amortizedPj: 28800, source: 'a "table"' },
        { device: 'int8', iterativePj: 0, amortizedPj: 288, source: 'Horowitz' },
      ],
    },
    profiles: [
      { name: 'loihi1', fits: true, cores: 2, energyPj: 28800, latencyNs: 835, note: 'all <priced>' },
      { name: 'truenorth', fits: false, cores: null, energyPj: null, latencyNs: null, note: "doesn't fit" },
    ],
  };
}

const ALL_PLOTS = ['atoms', 'budget', 'raster', 'energy-components', 'energy-cores', 'latency', 'mesh', 'validation'];

/** The data-plot names of the <svg class="plot"> elements in a document, in order. */
function plots(html: string): string[] {
  return [...html.matchAll(/<svg class="plot" data-plot="([^"]+)"/g)].map((m) => m[1]);
}

/** The markup of one plot. */
function plot(html: string, name: string): string {
  const start = html.indexOf(`<svg class="plot" data-plot="${name}"`);
  expect(start, `plot ${name}`).toBeGreaterThanOrEqual(0);
  // plots nest one <svg> at most (the raster's data area)
  let depth = 0;
  const re = /<svg\b|<\/svg>/g;
  re.lastIndex = start;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[0] === '</svg>' ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index + 6);
  }
  throw new Error(`unclosed plot ${name}`);
}

/** Every element opened is closed in order (void HTML elements and "/>" aside): escaping kept the markup intact. */
function balanced(html: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  const body = html.replace(/^<!doctype html>/i, '').replace(/<style>[\s\S]*?<\/style>/, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g)) {
    const [, close, tag, self] = m;
    if (self || ['meta', 'br', 'img', 'input', 'link'].includes(tag)) continue;
    if (!close) stack.push(tag);
    else if (stack.pop() !== tag) problems.push(`</${tag}> at ${m.index}`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' ')}`);
  return problems;
}

describe('renderReport: document and escaping', () => {
  it('is one HTML5 document with its style inline', () => {
    const html = renderReport(sample());
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(balanced(html)).toEqual([]);
  });

  it('escapes every text from the data: a script in the title stays text', () => {
    const html = renderReport(sample());
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`<title>Report &lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;</title>`);
    expect(html).toContain(`<h1>Report &lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;</h1>`);
    for (const raw of [
      '<b>',
      '<i>',
      '<now>',
      '<per>',
      '<uJ>',
      '<latents>',
      '<more>',
      '<op>',
      '<1>',
      '<prices>',
      '<priced>',
    ])
      expect(html, raw).not.toContain(raw);
    for (const escaped of [
      'model: &lt;b&gt;bold&lt;/b&gt; &amp; co',
      'seed: &#39;one&#39;',
      'atoms &lt;i&gt;x&lt;/i&gt;',
      'synapse &lt;op&gt;',
      'gpu &amp; co',
      'a &quot;table&quot;',
      'doesn&#39;t fit',
    ])
      expect(html, escaped).toContain(escaped);
  });

  it('escapes in the SVG helpers too: esc() handles &, <, >, quotes and drops control characters', () => {
    expect(esc(NASTY)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;');
    expect(esc("a'b\u0001c")).toBe('a&#39;bc');
    const svg = barChart({ name: 'x', label: NASTY, bars: [{ label: NASTY, value: 1 }], axis: { title: NASTY } });
    expect(svg).not.toContain('<script');
    expect(balanced(svg)).toEqual([]);
  });

  it('points nowhere outside the file: no http(s) URL, no script, no external style or font', () => {
    const html = renderReport(sample());
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(script|link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    // url() only for the plots' own patterns
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^#[\w-]+$/);
    // href only for the atoms' data: PNG
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^data:image\/png;base64,/);
  });
});

describe('renderReport: sections', () => {
  it('draws every plot of a full report once, each with a drawn mark', () => {
    const html = renderReport(sample());
    expect(plots(html).sort()).toEqual([...ALL_PLOTS].sort());
    for (const name of ALL_PLOTS) expect(plot(html, name), name).toMatch(/<(path|rect|circle|image) class="mark/);
    for (const id of ['atoms', 'budget', 'raster', 'energy', 'mesh', 'validation', 'baseline', 'profiles'])
      expect(html).toContain(`<section id="${id}">`);
  });

  it('leaves out every section that is missing', () => {
    const { title, created, summary, headline } = sample();
    const html = renderReport({ title, created, summary, headline });
    expect(plots(html)).toEqual([]);
    expect(html).not.toContain('<section');
    expect(html).toContain('class="tiles"');
    expect(balanced(html)).toEqual([]);
  });

  it('draws each part alone with exactly its own plots', () => {
    const full = sample();
    const { title, created, summary, headline } = full;
    const parts: [keyof ReportData, string[]][] = [
      ['atoms', ['atoms']],
      ['budget', ['budget']],
      ['raster', ['raster']],
      ['energy', ['energy-components', 'energy-cores', 'latency']],
      ['mesh', ['mesh']],
      ['validation', ['validation']],
      ['baseline', []],
      ['profiles', []],
    ];
    for (const [key, names] of parts) {
      const html = renderReport({ title, created, summary, headline, [key]: full[key] });
      expect(plots(html), key).toEqual(names);
      expect(html.match(/<section /g), key).toHaveLength(1);
      expect(balanced(html), key).toEqual([]);
    }
  });

  it('the atoms: an <image> with the PNG as a data: URL, scaled by an integer, pixels kept sharp', () => {
    const d = sample();
    const svg = plot(renderReport(d), 'atoms');
    expect(svg).toContain(`href="data:image/png;base64,${d.atoms!.pngBase64}"`);
    expect(svg).toContain('image-rendering:pixelated');
    expect(svg).toMatch(/viewBox="0 0 8 6" width="856" height="642"/);
  });

  it('the budget: log x, energy on a second axis, the target marked, the float R² dashed', () => {
    const html = renderReport(sample());
    const svg = plot(html, 'budget');
    expect(svg).toContain('step t (log scale)');
    expect(svg).toContain('energy per inference so far (nJ)'); // 3200 pJ at most
    expect(svg).toContain('target R² 0.8');
    expect(svg).toContain('reached at t = 16');
    expect(svg).toMatch(/class="mark line"[^>]*stroke="#56B4E9"[^>]*stroke-dasharray="6 4"/);
    expect(html).toContain('reached at t = 16, after 1.6 nJ per inference');
    // x ticks at 1, 2, 5, 10, 20 (log axis over less than two decades)
    for (const t of ['1', '2', '5', '10', '20'])
      expect(svg).toMatch(new RegExp(`text-anchor="middle" fill="[^"]+">${t}</text>`));
  });

  it('the budget without prices has no second axis and says so', () => {
    const d = sample();
    d.budget!.energyPj = d.budget!.energyPj.map(() => null);
    const html = renderReport(d);
    expect(plot(html, 'budget')).not.toContain('energy per inference so far');
    expect(html).toContain('Energy is not priced on this profile.');
  });

  it('survives empty and odd data: no crash, intact markup, no plot without a mark', () => {
    const d = sample();
    d.budget = { t: [], r2: [], pz: [], energyPj: [] };
    d.raster = { population: 'p', neurons: 0, steps: 0, events: [], caption: '' };
    d.energy = {
      profile: 'x',
      components: [],
      byCorePj: [],
      totalPj: null,
      notPriced: [],
      stepNs: [],
      latencyPerInferenceNs: null,
    };
    d.mesh = { width: 0, height: 0, coresPerTile: 0, neuronsPerCore: 0, cores: [], links: [] };
    d.validation = { rows: [] };
    d.baseline = { assumptions: '', rows: [] };
    d.profiles = [];
    let html = renderReport(d);
    expect(balanced(html)).toEqual([]);
    expect(plots(html)).toEqual(['atoms']);
    // NaN, out-of-range cores and links, a single point, all-equal latencies, one atom pixel
    const e = sample();
    e.budget = { t: [1], r2: [NaN], pz: [0.5], energyPj: [null], target: { r2: 0.9, t: null } };
    e.raster!.events = [0, 0, -1, 2, 99, 99];
    e.energy!.stepNs = [5, 5, 5];
    e.energy!.byCorePj = [NaN, 3];
    e.mesh!.cores.push({ index: 9, x: 7, y: 7, slot: 5, neurons: 1, messagesIn: 0, messagesOut: 0, energyPj: 1 });
    e.mesh!.links.push({ from: [0, 0], to: [5, 5], messages: 3 }, { from: [0, 0], to: [1, 0], messages: NaN });
    e.atoms = { pngBase64: e.atoms!.pngBase64, width: 1, height: 1, caption: '' };
    html = renderReport(e);
    expect(balanced(html)).toEqual([]);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    for (const name of plots(html)) expect(plot(html, name), name).toMatch(/<(path|rect|circle|image) class="mark/);
    expect(html).toContain('R² ≥ 0.9: not reached in 1 steps.');
  });
});

describe('renderReport: energy', () => {
  it('labels an unpriced component "not priced" with a hatched bar, never a bar of 0', () => {
    const svg = plot(renderReport(sample()), 'energy-components');
    expect(svg).toContain('>not priced</text>');
    const np = [
      ...svg.matchAll(/<rect class="mark bar-np"[^>]*width="([\d.]+)"[^>]*fill="url\(#energy-components-hatch\)"/g),
    ];
    expect(np).toHaveLength(1);
    expect(Number(np[0][1])).toBeGreaterThan(10);
    // two priced bars, with their values
    const bars = [...svg.matchAll(/<rect class="mark bar" data-value="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(bars).toEqual([23600, 5200]);
    expect(svg).toContain('>hop_north_south</text>');
    expect(svg).toContain('23.6 nJ (82 %)');
  });

  it('sorts the cores, keeps the top 32 and sums the rest as "others"', () => {
    const d = sample();
    d.energy!.byCorePj = Array.from({ length: 40 }, (_, i) => (i * 7919) % 1000);
    const svg = plot(renderReport(d), 'energy-cores');
    const values = [...svg.matchAll(/<rect class="mark bar" data-value="([^"]+)"/g)].map((m) => Number(m[1]));
    const sorted = [...d.energy!.byCorePj].sort((a, b) => b - a);
    expect(values).toHaveLength(33);
    expect(values.slice(0, 32)).toEqual(sorted.slice(0, 32));
    expect(values[32]).toBe(sorted.slice(32).reduce((s, x) => s + x, 0));
    expect(svg).toContain('>others (8 cores)</text>');
  });

  it('the step latency histogram counts every step', () => {
    const svg = plot(renderReport(sample()), 'latency');
    expect(svg).toContain('step latency (ns)');
    expect(svg).toContain('median 110 ns');
  });

  it('the baseline ratio is the chip total over the device, and left out when either is missing', () => {
    const d = sample();
    let html = renderReport(d);
    expect(html).toMatch(/<td class="num">0\.25<\/td><td class="num">1<\/td>/); // 28800 / 115200, 28800 / 28800
    expect(html).toMatch(
      /<td>int8<\/td><td class="num">0 pJ<\/td><td class="num">288 pJ<\/td><td class="num np">–<\/td><td class="num">100<\/td>/,
    );
    d.energy!.totalPj = null;
    html = renderReport(d);
    expect(html).not.toMatch(/<td class="num">0\.25<\/td>/);
    expect(html.match(/<td class="num np">–<\/td>/g)!.length).toBeGreaterThanOrEqual(4);
  });
});

describe('number formats', () => {
  it('energy and time with SI prefixes, 3 significant digits', () => {
    expect(formatEnergy(1234)).toBe('1.23 nJ');
    expect(formatEnergy(0)).toBe('0 pJ');
    expect(formatEnergy(0.5)).toBe('0.5 pJ');
    expect(formatEnergy(0.03)).toBe('0.03 pJ');
    expect(formatEnergy(23.6)).toBe('23.6 pJ');
    expect(formatEnergy(999.7)).toBe('1 nJ');
    expect(formatEnergy(2.5e6)).toBe('2.5 uJ');
    expect(formatEnergy(8225.5e6)).toBe('8.23 mJ');
    expect(formatEnergy(5.18e12)).toBe('5.18 J');
    expect(formatEnergy(-1500)).toBe('-1.5 nJ');
    expect(formatEnergy(null)).toBe('not priced');
    expect(formatTime(12)).toBe('12 ns');
    expect(formatTime(1500)).toBe('1.5 us');
    expect(formatTime(2.41e6)).toBe('2.41 ms');
    expect(formatTime(3e9)).toBe('3 s');
    expect(formatTime(null)).toBe('not priced');
  });

  it('plain numbers, counts and ratios', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(9999)).toBe('9999');
    expect(formatNumber(3216.5)).toBe('3217');
    expect(formatNumber(12345)).toBe('12.3k');
    expect(formatNumber(2_500_000)).toBe('2.5M');
    expect(formatNumber(0.8333333)).toBe('0.833');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(formatRatio(0.25)).toBe('0.25');
    expect(formatRatio(16.94)).toBe('16.9');
    expect(formatRatio(6.031e-6)).toBe('6.03e-6');
  });

  it('ticks: round steps, one unit per axis, the fewest decimals that tell them apart', () => {
    expect(niceDomain(0, 0.93)).toEqual({ lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceDomain(0, 3.4e6, 4).ticks).toEqual([0, 1e6, 2e6, 3e6, 4e6]);
    expect(niceDomain(1.8, 4.5).ticks).toEqual([1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    expect(tickLabels([0, 1e6, 2e6, 3e6, 4e6], 'energy')).toEqual({ labels: ['0', '1', '2', '3', '4'], unit: 'uJ' });
    expect(tickLabels([0, 500, 1000, 1500], 'energy')).toEqual({ labels: ['0.0', '0.5', '1.0', '1.5'], unit: 'nJ' });
    expect(tickLabels([0, 0.2, 0.4], 'plain')).toEqual({ labels: ['0.0', '0.2', '0.4'], unit: '' });
    expect(tickLabels([1800, 2000, 2200], 'time')).toEqual({ labels: ['1.8', '2.0', '2.2'], unit: 'us' });
    expect(tickLabels([0, 20000, 40000], 'plain').labels).toEqual(['0', '20k', '40k']);
    expect(logTicks(1, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(1, 64)).toEqual([1, 2, 5, 10, 20, 50]);
  });

  it('viridis runs from dark purple to yellow', () => {
    expect(viridis(0)).toBe('#470155');
    expect(viridis(1)).toBe('#fce721');
    expect(viridis(-1)).toBe(viridis(0));
  });
});

describe('plots', () => {
  it('bar lengths are proportional to the values', () => {
    const values = [100, 250, 1000, 40, 0, 733];
    const svg = barChart({
      name: 'b',
      label: 'b',
      bars: values.map((v, i) => ({ label: `bar ${i}`, value: v })),
      axis: { title: 'energy', kind: 'energy' },
    });
    const widths = [
      ...svg.matchAll(/<rect class="mark bar" data-value="[^"]+" x="[^"]+" y="[^"]+" width="([^"]+)"/g),
    ].map((m) => Number(m[1]));
    expect(widths).toHaveLength(values.length);
    const k = widths[2] / values[2];
    expect(k).toBeGreaterThan(0.3); // 1000 pJ spans most of the plot (axis to 1 nJ)
    values.forEach((v, i) => expect(widths[i]).toBeCloseTo(v * k, 2));
  });

  it('a line chart on a linear x axis with a second y axis: one path per series, both axes titled', () => {
    const svg = lineChart({
      name: 'l',
      label: 'l',
      series: [
        { label: 'a', x: [0, 1, 2, 3], y: [0.1, 0.5, null, 0.9], colour: '#000' },
        { label: 'b', x: [0, 1, 2, 3], y: [10, 2000, 4000, 8000], colour: '#111', axis: 'right' },
      ],
      x: { title: 'x' },
      y: { title: 'left' },
      y2: { title: 'time', kind: 'time' },
    });
    expect(svg.match(/class="mark line"/g)).toHaveLength(2);
    expect(svg).toMatch(/class="mark line" d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+M[\d.]+ [\d.]+"/); // the null breaks line a
    expect(svg).toContain('>time (us)</text>');
    expect(svg).toContain('>left</text>');
  });

  it('a raster of 200k events is one path per count class and stays under 4 MB', () => {
    const events: number[] = [],
      counts: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      events.push(i % 1000, (i * 7919) % 512);
      counts.push(i % 10 === 0 ? 2 : 1);
    }
    const svg = raster({ name: 'raster', label: 'r', neurons: 512, steps: 1000, events, counts });
    expect(svg.length).toBeLessThan(4e6);
    const paths = [...svg.matchAll(/<path class="mark events[^"]*" d="([^"]*)"/g)];
    expect(paths).toHaveLength(2);
    expect(paths.reduce((s, m) => s + (m[1].match(/M/g)?.length ?? 0), 0)).toBe(200_000);
    expect(svg).toContain('count &gt; 1');
  });

  it('the mesh routes links x first, then y, and sums the traffic per hop', () => {
    const hops = routeXY(
      [
        { from: [0, 0], to: [2, 1], messages: 5 },
        { from: [1, 0], to: [2, 0], messages: 3 },
        { from: [2, 1], to: [0, 0], messages: 2 },
        { from: [9, 9], to: [0, 0], messages: 100 }, // outside the mesh
        { from: [1, 1], to: [1, 1], messages: 100 }, // to itself
      ],
      3,
      2,
    );
    const byKey = Object.fromEntries(hops.map((h) => [`${h.x},${h.y},${h.dir}`, h.messages]));
    expect(byKey).toEqual({
      '0,0,e': 5,
      '1,0,e': 8,
      '2,0,s': 5,
      '2,1,w': 2,
      '1,1,w': 2,
      '0,1,n': 2,
    });
    const svg = plot(renderReport(sample()), 'mesh');
    expect(svg.match(/class="mark hop"/g)).toHaveLength(4); // (0,0)->(1,0)->(1,1) and back (1,1)->(0,1)->(0,0)
    expect(svg.match(/class="mark core"/g)).toHaveLength(2);
    expect(svg).toContain('fill="url(#mesh-hatch)"'); // the core whose energy is not priced
  });
});
