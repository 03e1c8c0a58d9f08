/**
 * The rendered report in a real browser: Debian's chromium, headless, driven by puppeteer-core (which downloads
 * no browser). A report with every section at realistic sizes (a 256-atom mosaic, a 512 x 1000 raster with about
 * 20k events, 40 cores on an 8 x 4 mesh of 4-core tiles) loads from a file: URL without a single request to
 * anything but file: and data:, logs no error, and every plot has a size and at least one drawn mark.
 * No chromium is a failure, not a skip: CI installs it (.ci/run). IPVAE_REPORT_SHOT=<file.png> keeps the
 * screenshot (and the HTML beside it).
 */
import { describe, expect, it } from 'vitest';
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport } from '../src/report/render.js';
import type { ReportData } from '../src/report/data.js';
import { encodeGreyPng } from '../src/io/png-encode.js';
import { denseBaseline } from '../src/energy/baseline.js';

/** A small seeded generator (mulberry32) so the fixture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 256 Gabor-like 28 x 28 atoms on a 16 x 16 grid, 1 px grey between them. */
function atomsMosaic(): { pngBase64: string; width: number; height: number } {
  const r = rng(7);
  const n = 16,
    s = 28,
    W = n * (s + 1) + 1;
  const px = new Uint8Array(W * W).fill(128);
  for (let a = 0; a < n * n; a++) {
    const ox = 1 + (a % n) * (s + 1),
      oy = 1 + Math.floor(a / n) * (s + 1);
    const cx = 6 + r() * 16,
      cy = 6 + r() * 16,
      th = r() * Math.PI,
      f = 0.15 + r() * 0.3,
      sig = 3 + r() * 5;
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        const dx = x - cx,
          dy = y - cy;
        const u = dx * Math.cos(th) + dy * Math.sin(th);
        const g = Math.exp(-(dx * dx + dy * dy) / (2 * sig * sig)) * Math.cos(2 * Math.PI * f * u);
        px[(oy + y) * W + ox + x] = Math.max(0, Math.min(255, Math.round(128 + 120 * g)));
      }
  }
  return { pngBase64: encodeGreyPng(W, W, px).toString('base64'), width: W, height: W };
}

/** A report with every section, at the sizes a real run produces. */
function fullReport(): ReportData {
  const r = rng(20261127);
  const T = 1000;
  const t: number[] = [];
  for (let k = 1; k <= T; k = Math.max(k + 1, Math.round(k * 1.25))) t.push(k);
  if (t[t.length - 1] !== T) t.push(T);
  const r2 = t.map((k) => 0.93 * (1 - Math.exp(-k / 40)) - 0.05 * Math.exp(-k / 4));
  const targetT = t.find((k, i) => r2[i] >= 0.85) ?? null;

  // raster: 512 neurons with log-normal rates, ~20k events over 1000 steps, some graded counts
  const neurons = 512;
  const events: number[] = [],
    counts: number[] = [];
  for (let nIdx = 0; nIdx < neurons; nIdx++) {
    const rate = Math.min(0.5, 0.02 * Math.exp(1.1 * (r() + r() + r() - 1.5) * 1.4));
    for (let step = 0; step < T; step++) {
      const p = rate * (step < 50 ? 2 : 1);
      if (r() < p) {
        events.push(step, nIdx);
        counts.push(r() < 0.08 ? 2 + Math.floor(r() * 3) : 1);
      }
    }
  }
  // sort by step, as a simulator emits them
  const order = counts
    .map((_, i) => i)
    .sort((a, b) => events[2 * a] - events[2 * b] || events[2 * a + 1] - events[2 * b + 1]);
  const evSorted = order.flatMap((i) => [events[2 * i], events[2 * i + 1]]);
  const cSorted = order.map((i) => counts[i]);

  // 40 cores on an 8 x 4 mesh of 4-core tiles, filled tile by tile
  const cores: NonNullable<ReportData['mesh']>['cores'] = [];
  const byCorePj: number[] = [];
  for (let i = 0; i < 40; i++) {
    const tile = Math.floor(i / 4);
    const neuronsHere = i === 39 ? 77 : 128;
    const e = neuronsHere * (2000 + 9000 * r());
    byCorePj.push(e);
    cores.push({
      index: i,
      x: tile % 8,
      y: Math.floor(tile / 8),
      slot: i % 4,
      neurons: neuronsHere,
      messagesIn: Math.round(3000 + 20000 * r()),
      messagesOut: Math.round(2000 + 15000 * r()),
      energyPj: e,
    });
  }
  const links: NonNullable<ReportData['mesh']>['links'] = [];
  for (let a = 0; a < 10; a++)
    for (let b = 0; b < 10; b++) {
      if (a === b || r() < 0.55) continue;
      links.push({
        from: [a % 8, Math.floor(a / 8)],
        to: [b % 8, Math.floor(b / 8)],
        messages: Math.round(50 + 40000 * r() ** 3),
      });
    }
  const totalPj = byCorePj.reduce((s, x) => s + x, 0);
  const stepNs = Array.from(
    { length: T },
    (_, k) => 1800 + 400 * r() + (k < 50 ? 900 : 0) + (r() < 0.02 ? 2500 * r() : 0),
  );
  const base = denseBaseline(784, 256, T);
  return {
    title: 'iP-VAE on loihi1 <script>alert(1)</script> & "friends"',
    created: '2026-11-27T10:00:00Z',
    summary: [
      'model: ipvae-mnist-k256 (D 784, K 256), integer weights 8 bits',
      'data: MNIST test digits 0..99, 1000 steps each, seed 1',
      'profile: loihi1 <default>',
    ],
    headline: [
      { label: 'R² at T', value: r2[r2.length - 1].toFixed(3) },
      { label: 'energy / inference', value: (totalPj / 1e6).toFixed(2), unit: 'uJ' },
      { label: 'latency / inference', value: '2.41', unit: 'ms' },
      { label: 'cores', value: '40' },
      { label: 'vs GPU', value: '14×', unit: 'less' },
    ],
    atoms: { ...atomsMosaic(), caption: 'The 256 atoms of Phi, each scaled to its own range & shown 28 x 28.' },
    budget: {
      t,
      r2,
      pz: t.map((k) => 0.37 + 0.45 * (1 - Math.exp(-k / 120))),
      energyPj: t.map((k) => (k * totalPj) / T),
      floatR2: t.map((k) => 0.95 * (1 - Math.exp(-k / 35)) - 0.04 * Math.exp(-k / 4)),
      target: { r2: 0.85, t: targetT },
    },
    raster: {
      population: 'z <latents>',
      neurons,
      steps: T,
      events: evSorted,
      counts: cSorted,
      caption: 'Spikes of the latents for the first test digit.',
    },
    energy: {
      profile: 'loihi1',
      components: [
        { event: 'synapse', price: '23.6 pJ per synaptic op', count: 2_400_000, energyPj: totalPj * 0.62 },
        { event: 'soma_update', price: '52.5 pJ per update', count: 180_000, energyPj: totalPj * 0.2 },
        { event: 'soma_access', price: '21.6 pJ per access', count: 512_000, energyPj: totalPj * 0.1 },
        { event: 'spike_out', price: '1.7 pJ per spike', count: 21_000, energyPj: totalPj * 0.04 },
        { event: 'message_out', price: '3.5 pJ', count: 21_000, energyPj: totalPj * 0.03 },
        { event: 'hop_east_west', price: '3.5 pJ per hop', count: 60_000, energyPj: totalPj * 0.01 },
        { event: 'hop_north_south', price: 'no price in this profile', count: 31_000, energyPj: null },
      ],
      byCorePj,
      totalPj,
      notPriced: ['hop_north_south'],
      stepNs,
      latencyPerInferenceNs: stepNs.reduce((s, x) => s + x, 0),
    },
    mesh: { width: 8, height: 4, coresPerTile: 4, neuronsPerCore: 128, cores, links },
    validation: {
      rows: [2, 3, 4, 5, 6, 7, 8].map((bits) => ({
        bits,
        floatR2: 0.921,
        intR2: 0.921 - 0.6 * 2 ** -bits * 4,
        floatPz: 0.81,
        intPz: 0.81 - 0.3 * 2 ** -bits,
        rateCorr: 1 - 0.8 * 2 ** -bits,
      })),
    },
    baseline: {
      assumptions: base.assumptions,
      rows: base.rows.map((row) => ({
        device: row.device,
        iterativePj: row.iterativePj,
        amortizedPj: row.amortizedPj,
        source: row.source,
      })),
    },
    profiles: [
      { name: 'loihi1', fits: true, cores: 40, energyPj: totalPj, latencyNs: 2.41e6, note: 'every event priced' },
      {
        name: 'truenorth',
        fits: false,
        cores: null,
        energyPj: null,
        latencyNs: null,
        note: 'needs 4096 cores; has 4096 & more <limits>',
      },
      { name: 'spinnaker2', fits: true, cores: 12, energyPj: null, latencyNs: 1.1e6, note: 'energy not priced' },
    ],
  };
}

/** Debian's chromium: CHROMIUM_PATH (when set, only there), `which chromium`, or the usual paths. */
function findChromium(): string | undefined {
  const env = process.env.CHROMIUM_PATH;
  if (env) return existsSync(env) ? env : undefined;
  try {
    const p = execFileSync('which', ['chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (p) return p;
  } catch {
    // not on PATH: try the usual places
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

interface PlotInfo {
  name: string | null;
  width: number;
  height: number;
  marks: number;
  drawnMarks: number;
}

describe('the report in headless chromium', () => {
  it('loads from file: with no other request, no error, every plot drawn; the screenshot is a real PNG', async () => {
    const exe = findChromium();
    if (!exe)
      throw new Error(
        "chromium not found: the report browser test needs Debian's chromium; install it with " +
          '"apt-get install chromium" (.ci/run does) or point CHROMIUM_PATH at a Chromium binary',
      );
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-report-'));
    const html = renderReport(fullReport());
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const browser = await puppeteer.launch({
      executablePath: exe,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      const outside: string[] = [];
      const errors: string[] = [];
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        const url = req.url();
        if (url.startsWith('file:') || url.startsWith('data:')) void req.continue();
        else {
          outside.push(url);
          void req.abort();
        }
      });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('requestfailed', (req) => {
        if (!outside.includes(req.url())) errors.push(`request failed: ${req.url().slice(0, 80)}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      const plots: PlotInfo[] = await page.evaluate(() =>
        Array.from(document.querySelectorAll('svg.plot')).map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = Array.from(svg.querySelectorAll('path, rect, circle, image'));
          const drawn = marks.filter((el) => {
            const b = (el as SVGGraphicsElement).getBBox();
            const c = el.getBoundingClientRect();
            return b.width > 0 && b.height > 0 && c.width > 0 && c.height > 0;
          });
          return {
            name: svg.getAttribute('data-plot'),
            width: box.width,
            height: box.height,
            marks: marks.length,
            drawnMarks: drawn.filter((el) => el.classList.contains('mark')).length,
          };
        }),
      );
      expect(plots.map((p) => p.name).sort()).toEqual(
        ['atoms', 'budget', 'energy-components', 'energy-cores', 'latency', 'mesh', 'raster', 'validation'].sort(),
      );
      for (const p of plots) {
        expect(p.width, `${p.name} width`).toBeGreaterThan(10);
        expect(p.height, `${p.name} height`).toBeGreaterThan(10);
        expect(p.drawnMarks, `${p.name}: a drawn data mark`).toBeGreaterThan(0);
      }

      // the atoms: the <image> has a box, and its data: PNG decodes to the size the data says
      const atoms = await page.evaluate(async () => {
        const img = document.querySelector('svg[data-plot="atoms"] image') as SVGImageElement;
        const bbox = img.getBBox();
        const probe = new Image();
        probe.src = img.getAttribute('href') ?? '';
        await probe.decode();
        return { bboxWidth: bbox.width, naturalWidth: probe.naturalWidth, naturalHeight: probe.naturalHeight };
      });
      expect(atoms.bboxWidth).toBeGreaterThan(0);
      expect(atoms.naturalWidth).toBe(16 * 29 + 1);
      expect(atoms.naturalHeight).toBe(16 * 29 + 1);

      // the title is text, not markup
      expect(await page.title()).toBe('iP-VAE on loihi1 <script>alert(1)</script> & "friends"');
      expect(await page.evaluate(() => document.scripts.length)).toBe(0);

      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.IPVAE_REPORT_SHOT) {
        copyFileSync(shot, process.env.IPVAE_REPORT_SHOT);
        copyFileSync(file, process.env.IPVAE_REPORT_SHOT.replace(/\.png$/, '') + '.html');
      }

      expect(outside, 'requests to anything but file: and data:').toEqual([]);
      expect(errors, 'console errors and page errors').toEqual([]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
