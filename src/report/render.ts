/**
 * The report as one self-contained HTML5 file: inline style, inline SVG plots (src/report/svg.ts), the atoms as
 * a data: PNG; no script, no fonts, no URLs. A section is drawn only when its part of ReportData is present.
 * Every text that comes from the data is escaped.
 */
import type { ReportData } from './data.js';
import { tradeOffChart } from '../baselines/compare-plot.js';
import {
  barChart,
  esc,
  formatCount,
  formatEnergy,
  formatNumber,
  formatRatio,
  formatTime,
  histogram,
  imagePlot,
  lineChart,
  meshPlot,
  PALETTE,
  raster,
  type Bar,
  type Series,
} from './svg.js';

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #dde1e7; --bg: #f4f5f7; --card: #fff; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 48px; }
header h1 { font-size: 26px; line-height: 1.25; margin: 0 0 2px; letter-spacing: -0.01em; overflow-wrap: anywhere; }
.created { color: var(--muted); font-size: 13px; margin: 0; }
ul.summary { list-style: none; padding: 0; margin: 12px 0 0; color: var(--muted); }
ul.summary li { margin: 1px 0; overflow-wrap: anywhere; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 24px 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.tile .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.tile .unit { font-size: 13px; font-weight: 400; color: var(--muted); margin-left: 4px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px;
  margin: 0 0 20px; }
section h2 { font-size: 18px; margin: 0 0 4px; }
section h3 { font-size: 14px; margin: 20px 0 4px; }
.caption { color: var(--muted); margin: 0 0 8px; font-size: 13px; overflow-wrap: anywhere; }
figure { margin: 12px 0 4px; }
svg.plot { display: block; max-width: 100%; height: auto; }
svg.plot[data-plot="atoms"] { margin: 0 auto; border: 1px solid var(--line); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; margin: 12px 0 0; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; border-bottom-color: #c3c8d1; }
td.num, th.num { text-align: right; white-space: nowrap; }
td:first-child { white-space: nowrap; }
sup { font-size: 0.75em; line-height: 0; }
tbody tr:last-child td { border-bottom: 0; }
.np { color: var(--muted); font-style: italic; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
`;

/** A table cell: text escaped, numbers right-aligned, "not priced" and friends greyed. */
interface Cell {
  text: string;
  /** Markup to show instead of text (already escaped). */
  html?: string;
  num?: boolean;
  muted?: boolean;
}

function table(head: Cell[], rows: Cell[][]): string {
  const th = head.map((h) => `<th${h.num ? ' class="num"' : ''}>${esc(h.text)}</th>`).join('');
  const body = rows
    .map((r) => {
      const tds = r.map((c) => {
        const cls = [c.num ? 'num' : '', c.muted ? 'np' : ''].filter(Boolean).join(' ');
        return `<td${cls ? ` class="${cls}"` : ''}>${c.html ?? esc(c.text)}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const energyCell = (pj: number | null | undefined): Cell =>
  pj == null || !Number.isFinite(pj)
    ? { text: 'not priced', num: true, muted: true }
    : { text: formatEnergy(pj), num: true };
const timeCell = (ns: number | null | undefined): Cell =>
  ns == null || !Number.isFinite(ns)
    ? { text: 'not priced', num: true, muted: true }
    : { text: formatTime(ns), num: true };
const numCell = (x: number, digits = 3): Cell => ({
  text: Number.isFinite(x) ? x.toFixed(digits) : '–',
  num: true,
});

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

const caption = (s: string | undefined) => (s ? `<p class="caption">${esc(s)}</p>` : '');
const figure = (svg: string) => `<figure>${svg}</figure>`;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q,
    a = Math.floor(i),
    b = Math.ceil(i);
  return sorted[a] + (sorted[b] - sorted[a]) * (i - a);
}

// ---------------------------------------------------------------------------------------------------------------
// Sections

function atomsSection(a: NonNullable<ReportData['atoms']>): string {
  const svg = imagePlot({
    name: 'atoms',
    label: 'the dictionary atoms',
    pngBase64: a.pngBase64,
    width: a.width,
    height: a.height,
  });
  return section('atoms', 'Dictionary', caption(a.caption) + figure(svg));
}

function budgetSection(b: NonNullable<ReportData['budget']>): string {
  const priced = b.energyPj.some((e) => e != null && Number.isFinite(e));
  const hasPoints = b.t.some((t, i) => t > 0 && (Number.isFinite(b.r2[i]) || Number.isFinite(b.pz[i])));
  const series: Series[] = [
    { label: 'R² (integer)', x: b.t, y: b.r2, colour: PALETTE.blue, dots: false },
    ...(b.floatR2
      ? [{ label: 'R² (float)', x: b.t, y: b.floatR2, colour: PALETTE.sky, dashed: true, dots: false }]
      : []),
    { label: 'PZ (share of zeros)', x: b.t, y: b.pz, colour: PALETTE.green, dots: false },
    ...(priced
      ? [
          {
            label: 'energy so far',
            x: b.t,
            y: b.energyPj,
            colour: PALETTE.vermillion,
            axis: 'right' as const,
            dots: false,
          },
        ]
      : []),
  ];
  const target = b.target;
  const svg = lineChart({
    name: 'budget',
    label: 'R², PZ and energy against the step t',
    series,
    x: { title: 'step t (log scale)', log: true },
    y: { title: 'R², PZ', domain: [0, 1] },
    y2: priced ? { title: 'energy per inference so far', kind: 'energy', domain: [0, 0] } : undefined,
    hLines: target ? [{ y: target.r2, label: `target R² ${formatNumber(target.r2)}`, colour: PALETTE.black }] : [],
    vLines:
      target && target.t != null ? [{ x: target.t, label: `reached at t = ${target.t}`, colour: PALETTE.purple }] : [],
  });
  const lines: string[] = [];
  if (target) {
    const i = target.t == null ? -1 : b.t.indexOf(target.t);
    const e = i >= 0 ? b.energyPj[i] : null;
    lines.push(
      target.t == null
        ? `R² ≥ ${formatNumber(target.r2)}: not reached in ${formatNumber(Math.max(0, ...b.t))} steps.`
        : `R² ≥ ${formatNumber(target.r2)}: reached at t = ${target.t}` +
            (priced && i >= 0 ? `, after ${formatEnergy(e)} per inference.` : '.'),
    );
  }
  if (!priced) lines.push('Energy is not priced on this profile.');
  const cap =
    'R² of the reconstruction and PZ (the share of latents at zero), mean over inputs, against the step t' +
    (priced ? '; the energy spent per inference by step t on the right axis.' : '.');
  return section(
    'budget',
    'Quality and cost against the step',
    caption(cap) +
      (hasPoints ? figure(svg) : '<p class="empty">No steps recorded.</p>') +
      lines.map((l) => `<p class="caption">${esc(l)}</p>`).join(''),
  );
}

function rasterSection(r: NonNullable<ReportData['raster']>): string {
  const events = Math.floor(r.events.length / 2);
  const svg = raster({
    name: 'raster',
    label: `spike raster of ${r.population}`,
    neurons: r.neurons,
    steps: r.steps,
    events: r.events,
    counts: r.counts,
  });
  const spikes = r.counts ? r.counts.reduce((s, c) => s + (Number.isFinite(c) ? c : 0), 0) : events;
  const stats = `${r.population}: ${formatCount(r.neurons)} neurons, ${formatCount(r.steps)} steps, ${formatCount(events)} events (${formatCount(spikes)} spikes).`;
  return section(
    'raster',
    'Spikes',
    caption(r.caption) + caption(stats) + (events > 0 ? figure(svg) : '<p class="empty">No spikes.</p>'),
  );
}

function energySection(e: NonNullable<ReportData['energy']>): string {
  const parts: string[] = [];
  const total = e.totalPj;
  parts.push(
    caption(
      `Profile ${e.profile}: ${formatEnergy(total)} per inference` +
        (e.latencyPerInferenceNs != null ? `, ${formatTime(e.latencyPerInferenceNs)} latency per inference` : '') +
        '.' +
        (e.notPriced.length ? ` Not priced on this profile: ${e.notPriced.join(', ')}.` : ''),
    ),
  );

  // by component
  parts.push('<h3>By event</h3>');
  if (e.components.length) {
    const pricedSum = e.components.reduce(
      (s, c) => s + (c.energyPj != null && Number.isFinite(c.energyPj) ? c.energyPj : 0),
      0,
    );
    const bars: Bar[] = e.components.map((c) => ({
      label: c.event,
      value: c.energyPj,
      note: c.energyPj != null && pricedSum > 0 ? `(${formatNumber((100 * c.energyPj) / pricedSum, 2)} %)` : undefined,
    }));
    parts.push(
      figure(
        barChart({
          name: 'energy-components',
          label: 'energy per inference by event kind',
          bars,
          axis: { title: 'energy per inference', kind: 'energy' },
        }),
      ),
    );
    parts.push(
      table(
        [
          { text: 'event' },
          { text: 'priced as' },
          { text: 'events per inference', num: true },
          { text: 'energy per inference', num: true },
        ],
        e.components.map((c) => [
          { text: c.event },
          { text: c.price, muted: c.energyPj == null },
          { text: formatCount(c.count), num: true },
          energyCell(c.energyPj),
        ]),
      ),
    );
  } else parts.push('<p class="empty">No events counted.</p>');

  // by core
  parts.push('<h3>By core</h3>');
  const cores = e.byCorePj
    .map((pj, core) => ({ core, pj }))
    .filter((c) => Number.isFinite(c.pj))
    .sort((a, b) => b.pj - a.pj || a.core - b.core);
  if (cores.length) {
    const top = cores.slice(0, 32);
    const rest = cores.slice(32);
    const bars: Bar[] = top.map((c) => ({ label: `core ${c.core}`, value: c.pj }));
    if (rest.length)
      bars.push({
        label: `others (${rest.length} cores)`,
        value: rest.reduce((s, c) => s + c.pj, 0),
        colour: '#8a909c',
      });
    parts.push(
      caption(
        cores.length > 32
          ? `The 32 busiest of ${cores.length} cores, the rest summed.`
          : `All ${cores.length} cores, busiest first.`,
      ),
    );
    parts.push(
      figure(
        barChart({
          name: 'energy-cores',
          label: 'energy per inference by core',
          bars,
          axis: { title: 'energy per inference', kind: 'energy' },
        }),
      ),
    );
  } else parts.push('<p class="empty">No energy by core (not priced).</p>');

  // latency
  parts.push('<h3>Step latency</h3>');
  const steps = e.stepNs.filter(Number.isFinite);
  if (steps.length) {
    const sorted = [...steps].sort((a, b) => a - b);
    const mean = steps.reduce((s, x) => s + x, 0) / steps.length;
    const median = quantile(sorted, 0.5),
      p99 = quantile(sorted, 0.99);
    parts.push(
      caption(
        `The latency of each of the ${formatCount(steps.length)} steps of the first input: ` +
          `min ${formatTime(sorted[0])}, median ${formatTime(median)}, mean ${formatTime(mean)}, ` +
          `99th percentile ${formatTime(p99)}, max ${formatTime(sorted[sorted.length - 1])}.`,
      ),
    );
    parts.push(
      figure(
        histogram({
          name: 'latency',
          label: 'distribution of the step latency',
          values: steps,
          axis: { title: 'step latency', kind: 'time' },
          markers: [
            { x: median, label: `median ${formatTime(median)}`, colour: PALETTE.black },
            { x: p99, label: `99th percentile ${formatTime(p99)}`, colour: PALETTE.vermillion },
          ],
        }),
      ),
    );
  } else parts.push('<p class="empty">Step latency not priced.</p>');
  return section('energy', 'Energy and latency', parts.join(''));
}

function meshSection(m: NonNullable<ReportData['mesh']>): string {
  const priced = m.cores.some((c) => c.energyPj != null && Number.isFinite(c.energyPj));
  const npc = m.neuronsPerCore > 0 ? m.neuronsPerCore : Math.max(1, ...m.cores.map((c) => c.neurons));
  const cells = m.cores.map((c) => ({
    x: c.x,
    y: c.y,
    slot: c.slot,
    value: priced ? c.energyPj : c.neurons / npc,
    title:
      `core ${c.index} at tile (${c.x},${c.y}) slot ${c.slot}: ${formatCount(c.neurons)} of ${formatCount(npc)} neurons, ` +
      `${formatNumber(c.messagesIn)} messages in, ${formatNumber(c.messagesOut)} out, ${formatEnergy(c.energyPj)}`,
  }));
  const svg = meshPlot({
    name: 'mesh',
    label: `a ${m.width} x ${m.height} mesh of tiles`,
    width: m.width,
    height: m.height,
    coresPerTile: m.coresPerTile,
    cells,
    links: m.links,
    colour: priced
      ? { title: 'energy per inference by core', kind: 'energy' }
      : { title: 'occupancy (neurons / capacity)', domain: [0, 1] },
  });
  const tiles = new Set(m.cores.map((c) => `${c.x},${c.y}`)).size;
  const messages = m.links.reduce((s, l) => s + (Number.isFinite(l.messages) ? l.messages : 0), 0);
  const neurons = m.cores.reduce((s, c) => s + c.neurons, 0);
  const cap =
    `${m.width} x ${m.height} tiles of ${m.coresPerTile} cores (${formatCount(npc)} neurons each): ` +
    `${m.cores.length} cores used on ${tiles} tiles, ${formatCount(neurons)} neurons, ` +
    `${formatNumber(messages)} messages per inference between tiles. ` +
    (priced ? 'Cores coloured by their energy per inference' : 'Cores coloured by occupancy') +
    '; every message routed x first, then y, the arrows between neighbouring tiles as wide as the messages ' +
    'that cross (hover a core or an arrow for its numbers).';
  return section(
    'mesh',
    'Placement on the chip',
    caption(cap) + (m.cores.length > 0 ? figure(svg) : '<p class="empty">No core used.</p>'),
  );
}

/** ipvae compare's trade-off plot and each family's best sweep value (the numbers of compare.json). */
function compareSection(c: NonNullable<ReportData['compare']>): string {
  const ci = (x: { mean: number; ci95: number; n: number }) =>
    x.n > 1 ? `${formatNumber(x.mean)} ± ${formatNumber(x.ci95)}` : formatNumber(x.mean);
  const probe = c.families.some((f) => f.probe),
    ints = c.families.some((f) => f.integer);
  const pct = (x: { mean: number; ci95: number; n: number }) => ci({ ...x, mean: 100 * x.mean, ci95: 100 * x.ci95 });
  const tbl = table(
    [
      { text: 'family' },
      { text: 'best sweep value' },
      { text: 'R²', num: true },
      { text: 'PZ', num: true },
      { text: 'd', num: true },
      ...(ints
        ? [
            { text: `${c.integerBits}-bit R²`, num: true },
            { text: `${c.integerBits}-bit PZ`, num: true },
          ]
        : []),
      ...(probe ? [{ text: 'probe %', num: true }] : []),
      { text: 'paper d', num: true },
    ],
    c.families.map((f) => [
      { text: f.label },
      { text: `${f.knobName} ${formatNumber(f.bestKnob)}` },
      { text: ci(f.r2), num: true },
      { text: ci(f.pz), num: true },
      { text: ci(f.d), num: true },
      ...(ints
        ? [
            { text: f.integer ? ci(f.integer.r2) : '–', num: true },
            { text: f.integer ? ci(f.integer.pz) : '–', num: true },
          ]
        : []),
      ...(probe ? [{ text: f.probe ? pct(f.probe) : '–', num: true }] : []),
      { text: f.paper?.d === undefined ? '–' : formatNumber(f.paper.d), num: true },
    ]),
  );
  return section(
    'compare',
    'Against the baselines',
    caption(
      `ipvae compare on ${c.data}: every family trained for ${formatNumber(c.budgetMinutes)} min per seed (${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}), ` +
        `scored on ${formatNumber(c.evalInputs)} held-out inputs at t = ${formatNumber(c.steps)} (one pass for amortized ones). ` +
        'd is the distance of (R², PZ) to the ideal corner (1, 1); ± is the 95 % interval over seeds.' +
        (ints ? ` The ${c.integerBits}-bit columns run the same inputs through the quantised integer network.` : '') +
        (probe
          ? ' probe %: held-out accuracy of a linear probe (multinomial logistic regression) on the features.'
          : ''),
    ) +
      figure(tradeOffChart(c)) +
      tbl,
  );
}

/** R^2 below this is drawn at it (a broken width can reach -1000; the table keeps the value). */
const R2_FLOOR = -0.2;

function validationSection(v: NonNullable<ReportData['validation']>): string {
  const rows = [...v.rows].sort((a, b) => a.bits - b.bits);
  const bits = rows.map((r) => r.bits);
  const svg = lineChart({
    name: 'validation',
    label: 'integer against float R² and PZ over the weight width',
    series: [
      {
        label: 'R² integer',
        x: bits,
        y: rows.map((r) => Math.max(R2_FLOOR, r.intR2)),
        colour: PALETTE.blue,
        dots: true,
      },
      {
        label: 'R² float',
        x: bits,
        y: rows.map((r) => Math.max(R2_FLOOR, r.floatR2)),
        colour: PALETTE.blue,
        dashed: true,
        dots: true,
      },
      { label: 'PZ integer', x: bits, y: rows.map((r) => r.intPz), colour: PALETTE.orange, dots: true },
      { label: 'PZ float', x: bits, y: rows.map((r) => r.floatPz), colour: PALETTE.orange, dashed: true, dots: true },
    ],
    x: { title: 'weight bits', exact: true },
    y: { title: 'R², PZ', domain: [R2_FLOOR, 1] },
    height: 300,
  });
  const tbl = table(
    [
      { text: 'bits', num: true },
      { text: 'R² float', num: true },
      { text: 'R² integer', num: true },
      { text: 'PZ float', num: true },
      { text: 'PZ integer', num: true },
      { text: 'rate correlation', num: true },
    ],
    rows.map((r) => [
      { text: formatNumber(r.bits), num: true },
      numCell(r.floatR2),
      numCell(r.intR2),
      numCell(r.floatPz),
      numCell(r.intPz),
      numCell(r.rateCorr),
    ]),
  );
  return section(
    'validation',
    'Integer against float',
    caption(
      'The model run in floating point and in integers with weights of each width: quality and sparsity.' +
        (rows.some((r) => r.intR2 < R2_FLOOR || r.floatR2 < R2_FLOOR)
          ? ` An R² below ${R2_FLOOR} is drawn at ${R2_FLOOR}; the table has its value.`
          : ''),
    ) +
      (rows.length ? figure(svg) : '<p class="empty">No rows.</p>') +
      tbl,
  );
}

/** A ratio for HTML: "6.03e-6" written 6.03×10<sup>−6</sup>. */
function ratioHtml(r: number): string {
  const s = formatRatio(r);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  return m ? `${m[1]}×10<sup>${m[2] === '-' ? '−' : ''}${m[3]}</sup>` : esc(s);
}

function baselineSection(b: NonNullable<ReportData['baseline']>, chipPj: number | null): string {
  const chip = chipPj != null && Number.isFinite(chipPj) ? chipPj : null;
  const ratio = (device: number): Cell =>
    chip != null && Number.isFinite(device) && device > 0
      ? { text: formatRatio(chip / device), html: ratioHtml(chip / device), num: true }
      : { text: '–', num: true, muted: true };
  const tbl = table(
    [
      { text: 'device' },
      { text: 'iterative', num: true },
      { text: 'amortized', num: true },
      { text: 'chip / iterative', num: true },
      { text: 'chip / amortized', num: true },
      { text: 'source' },
    ],
    b.rows.map((r) => [
      { text: r.device },
      energyCell(r.iterativePj),
      energyCell(r.amortizedPj),
      ratio(r.iterativePj),
      ratio(r.amortizedPj),
      { text: r.source, muted: true },
    ]),
  );
  const cap =
    'The same job done densely, per inference: the iterative update for every step, or one amortized ' +
    'encoder and decoder pass' +
    (chip != null
      ? `; the chip's ratio to each (chip at ${formatEnergy(chip)} per inference; below 1: the chip spends less).`
      : '.') +
    ` Assumptions: ${b.assumptions}.`;
  return section('baseline', 'Dense baseline', caption(cap) + tbl);
}

function profilesSection(p: NonNullable<ReportData['profiles']>): string {
  const tbl = table(
    [
      { text: 'profile' },
      { text: 'fits' },
      { text: 'cores', num: true },
      { text: 'energy per inference', num: true },
      { text: 'latency per inference', num: true },
      { text: 'note' },
    ],
    p.map((r) => [
      { text: r.name },
      { text: r.fits ? 'yes' : 'no', muted: !r.fits },
      r.cores == null ? { text: '–', num: true, muted: true } : { text: formatCount(r.cores), num: true },
      r.fits ? energyCell(r.energyPj) : { text: '–', num: true, muted: true },
      r.fits ? timeCell(r.latencyNs) : { text: '–', num: true, muted: true },
      { text: r.note, muted: true },
    ]),
  );
  return section(
    'profiles',
    'Every profile',
    caption(
      'The same network on each shipped hardware profile: mapped with the spike rates measured in this run, and ' +
        'priced from the deployment file alone (the estimate; on the bundled patch model it is within 0.2 % of the ' +
        'exact count). Latency: the mean step through the simple timing model.',
    ) + tbl,
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** The whole report as one HTML5 document (UTF-8): no script, no external resource. */
export function renderReport(d: ReportData): string {
  const tiles = d.headline
    .map(
      (h) =>
        `<div class="tile"><div class="label">${esc(h.label)}</div><div class="value">${esc(h.value)}` +
        (h.unit ? `<span class="unit">${esc(h.unit)}</span>` : '') +
        '</div></div>',
    )
    .join('');
  const sections: string[] = [];
  if (d.atoms) sections.push(atomsSection(d.atoms));
  if (d.budget) sections.push(budgetSection(d.budget));
  if (d.raster) sections.push(rasterSection(d.raster));
  if (d.energy) sections.push(energySection(d.energy));
  if (d.mesh) sections.push(meshSection(d.mesh));
  if (d.validation) sections.push(validationSection(d.validation));
  if (d.baseline) sections.push(baselineSection(d.baseline, d.energy?.totalPj ?? null));
  if (d.profiles) sections.push(profilesSection(d.profiles));
  if (d.compare) sections.push(compareSection(d.compare));
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(d.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1>${esc(d.title)}</h1>`,
    d.created ? `<p class="created">${esc(d.created)}</p>` : '',
    d.summary.length ? `<ul class="summary">${d.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>` : '',
    '</header>',
    tiles ? `<div class="tiles">${tiles}</div>` : '',
    ...sections,
    '<footer>Made by ipvae. Self-contained: no scripts, no external resources.</footer>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
