/**
 * Plots as SVG strings for the HTML report (src/report/render.ts): a line chart with an optional second y axis
 * and a log x axis, horizontal bars, a histogram, a spike raster and a drawing of the chip's mesh. Pure
 * functions: numbers in, markup out. No fonts, no URLs, no script; every text that comes from outside goes
 * through esc(). Colours are colour-blind safe: Okabe-Ito for categories, a viridis ramp for magnitudes.
 */

// ---------------------------------------------------------------------------------------------------------------
// Text and numbers

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for XML and HTML (element content and quoted attributes); drops control characters XML forbids. */
export function esc(s: string | number): string {
  return (
    String(s)
      // eslint-disable-next-line no-control-regex -- the point is to remove the control characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/[&<>"']/g, (c) => ENTITIES[c])
  );
}

/** A coordinate for an attribute: at most 2 decimals, no "-0". */
export function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return r === 0 ? '0' : String(r);
}

function trimZeros(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

type Prefixes = readonly (readonly [number, string])[];
const ENERGY_PREFIXES: Prefixes = [
  [1e12, 'J'],
  [1e9, 'mJ'],
  [1e6, 'uJ'],
  [1e3, 'nJ'],
  [1, 'pJ'],
];
const TIME_PREFIXES: Prefixes = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'us'],
  [1, 'ns'],
];

function withPrefix(v: number, prefixes: Prefixes, base: string, sig: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return `0 ${base}`;
  const r = Number(v.toPrecision(sig)); // round first so that 999.7 pJ becomes 1 nJ, not 1000 pJ
  const a = Math.abs(r);
  const [div, unit] = prefixes.find(([d]) => a >= d) ?? prefixes[prefixes.length - 1];
  return `${trimZeros((r / div).toPrecision(sig))} ${unit}`;
}

/** Energy given in pJ with an SI prefix and 3 significant digits: 1234 -> "1.23 nJ"; null -> "not priced". */
export function formatEnergy(pj: number | null, sig = 3): string {
  return pj == null ? 'not priced' : withPrefix(pj, ENERGY_PREFIXES, 'pJ', sig);
}

/** A duration given in ns with an SI prefix and 3 significant digits: 1500 -> "1.5 us"; null -> "not priced". */
export function formatTime(ns: number | null, sig = 3): string {
  return ns == null ? 'not priced' : withPrefix(ns, TIME_PREFIXES, 'ns', sig);
}

/** A plain number: integers below 10,000 as they are, larger ones with k/M/G, fractions to 3 digits. */
export function formatNumber(x: number, sig = 3): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e4) {
    const [div, suffix] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    return `${trimZeros((x / div).toPrecision(sig))}${suffix}`;
  }
  if (Number.isInteger(x)) return String(x);
  if (a >= 10 ** sig) return String(Math.round(x));
  if (a < 1e-3) return x.toExponential(sig - 1);
  return trimZeros(x.toPrecision(sig));
}

/** An integer count with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** A ratio: 3 significant digits, scientific below 0.001 ("1.23e-4"). */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  if (r !== 0 && Math.abs(r) < 1e-3) return r.toExponential(2);
  return Math.abs(r) >= 1e4 ? formatNumber(r) : trimZeros(r.toPrecision(3));
}

/** What an axis shows: energy in pJ, time in ns, or plain numbers. */
export type AxisKind = 'energy' | 'time' | 'plain';

/** The unit an axis' ticks are written in, chosen from its largest tick: pJ ticks up to 4e6 are shown in uJ. */
export function axisUnit(maxAbs: number, kind: AxisKind): { div: number; unit: string } {
  if (kind === 'plain') return { div: 1, unit: '' };
  const prefixes = kind === 'energy' ? ENERGY_PREFIXES : TIME_PREFIXES;
  const hit = prefixes.find(([d]) => maxAbs >= d) ?? prefixes[prefixes.length - 1];
  return { div: hit[0], unit: hit[1] };
}

/** Tick labels for evenly spaced ticks: the same unit and the fewest decimals that tell them apart. */
export function tickLabels(ticks: number[], kind: AxisKind): { labels: string[]; unit: string } {
  const maxAbs = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const { div, unit } = axisUnit(maxAbs, kind);
  if (kind === 'plain' && maxAbs >= 1e4) return { labels: ticks.map((t) => formatNumber(t)), unit };
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) / div : maxAbs / div || 1;
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  return {
    labels: ticks.map((t) => {
      const s = (t / div).toFixed(decimals);
      return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
    }),
    unit,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scales and ticks

/** A round step (1, 2 or 5 times a power of ten) that cuts range into about count parts. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0)) return 1;
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

const clean = (x: number) => Number(x.toPrecision(12));

/** A domain widened to round numbers around [lo, hi] and its ticks. */
export function niceDomain(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) [lo, hi] = lo === 0 ? [0, 1] : lo > 0 ? [0, lo * 1.2] : [lo * 1.2, 0];
  const step = niceStep(hi - lo, count);
  const a = Math.floor(lo / step + 1e-9),
    b = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = a; i <= b; i++) ticks.push(clean(i * step));
  return { lo: clean(a * step), hi: clean(b * step), ticks };
}

/** Ticks of a log axis over [lo, hi] (lo > 0): the powers of ten, with 2 and 5 between them when that is few. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9),
    b = Math.ceil(Math.log10(hi) - 1e-9);
  const mult = b - a <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = a; e <= b; e++)
    for (const m of mult) {
      const v = clean(m * 10 ** e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  return ticks;
}

// ---------------------------------------------------------------------------------------------------------------
// Colours

/** Okabe-Ito: eight colours told apart with every common colour vision deficiency. */
export const PALETTE = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  sky: '#56B4E9',
  yellow: '#F0E442',
  black: '#000000',
} as const;

const GRID = '#e6e8ec',
  AXIS = '#8a909c',
  INK = '#1d2330',
  MUTED = '#5b6475';

/** Viridis (perceptually uniform, colour-blind safe) at t in [0, 1], from a degree-6 polynomial fit. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const c = [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ];
  let hex = '#';
  for (let k = 0; k < 3; k++) {
    let v = 0;
    for (let i = 6; i >= 0; i--) v = v * x + c[i][k];
    hex += Math.round(Math.min(1, Math.max(0, v)) * 255)
      .toString(16)
      .padStart(2, '0');
  }
  return hex;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const FS = 12;
/** Rough width of a text in the plots' 12 px sans-serif (no font metrics without a browser). */
export function textWidth(s: string, size = FS): number {
  let w = 0;
  for (const ch of s)
    w += /[il.,:;'|!()[\] ]/.test(ch) ? 0.32 : /[mwMW%]/.test(ch) ? 0.9 : /[A-Z]/.test(ch) ? 0.68 : 0.56;
  return w * size;
}

/** The opening tag of a plot: a view box of width x height units shown at zoom times that many pixels. */
function svgOpen(name: string, width: number, height: number, label: string, zoom = 1): string {
  return (
    `<svg class="plot" data-plot="${esc(name)}" viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width * zoom)}" ` +
    `height="${num(height * zoom)}" role="img" aria-label="${esc(label)}" font-family="${FONT}" font-size="${FS}" ` +
    `fill="${INK}">`
  );
}

function text(
  x: number,
  y: number,
  s: string,
  opts: {
    anchor?: 'start' | 'middle' | 'end';
    size?: number;
    fill?: string;
    rotate?: number;
    weight?: number;
    /** A white outline under the glyphs, so the text stays legible over lines. */
    halo?: boolean;
  } = {},
): string {
  const attrs = [`x="${num(x)}"`, `y="${num(y)}"`];
  if (opts.anchor && opts.anchor !== 'start') attrs.push(`text-anchor="${opts.anchor}"`);
  if (opts.size) attrs.push(`font-size="${opts.size}"`);
  if (opts.fill) attrs.push(`fill="${opts.fill}"`);
  if (opts.weight) attrs.push(`font-weight="${opts.weight}"`);
  if (opts.rotate) attrs.push(`transform="rotate(${opts.rotate} ${num(x)} ${num(y)})"`);
  if (opts.halo) attrs.push('stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"');
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

/** One linear or log axis: where a value lands, its ticks and their labels. */
interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
  labels: string[];
  title: string;
}

function linearAxis(lo: number, hi: number, kind: AxisKind, title: string, count = 5): Axis {
  const d = niceDomain(lo, hi, count);
  const { labels, unit } = tickLabels(d.ticks, kind);
  return { lo: d.lo, hi: d.hi, log: false, ticks: d.ticks, labels, title: unit ? `${title} (${unit})` : title };
}

function logAxis(lo: number, hi: number, title: string): Axis {
  if (!(lo > 0)) lo = 1;
  if (!(hi > lo)) hi = lo * 10;
  const ticks = logTicks(lo, hi);
  return { lo, hi, log: true, ticks, labels: ticks.map((t) => formatNumber(t)), title };
}

/** Exact ticks (e.g. the bit widths of a validation run) on a linear axis padded by half a step. */
function exactAxis(values: number[], title: string): Axis {
  const v = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  if (v.length === 0) return linearAxis(0, 1, 'plain', title);
  const pad = v.length > 1 ? Math.min(...v.slice(1).map((x, i) => x - v[i])) / 2 : 0.5;
  return {
    lo: v[0] - pad,
    hi: v[v.length - 1] + pad,
    log: false,
    ticks: v,
    labels: v.map((x) => formatNumber(x)),
    title,
  };
}

function scale(a: Axis, p0: number, p1: number): (v: number) => number {
  if (a.log) {
    const l0 = Math.log10(a.lo),
      l1 = Math.log10(a.hi);
    return (v) => p0 + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (p1 - p0);
  }
  return (v) => p0 + ((v - a.lo) / (a.hi - a.lo || 1)) * (p1 - p0);
}

interface Frame {
  x0: number;
  x1: number;
  y0: number; // top
  y1: number; // bottom
}

/** Grid lines, tick labels, axis titles and the frame of a plot area. */
function axes(f: Frame, x: Axis, y: Axis, y2?: Axis, opts: { yGrid?: boolean; xGrid?: boolean } = {}): string {
  const sx = scale(x, f.x0, f.x1),
    sy = scale(y, f.y1, f.y0);
  const out: string[] = [];
  const grid: string[] = [];
  // each axis' ticks in a group of their own (class x-ticks, y-ticks, y2-ticks), every tick mark followed by its
  // label: a reader (or a test) can map any point back to numbers from the marks and labels alone
  const labels: string[] = [];
  x.ticks.forEach((t, i) => {
    const px = sx(t);
    if (opts.xGrid !== false) grid.push(`M${num(px)} ${num(f.y0)}V${num(f.y1)}`);
    labels.push(`<path d="M${num(px)} ${num(f.y1)}v4" stroke="${AXIS}"/>`);
    labels.push(text(px, f.y1 + 17, x.labels[i], { anchor: 'middle', fill: MUTED }));
  });
  out.push(`<g class="x-ticks">${labels.splice(0).join('')}</g>`);
  y.ticks.forEach((t, i) => {
    const py = sy(t);
    if (opts.yGrid !== false) grid.push(`M${num(f.x0)} ${num(py)}H${num(f.x1)}`);
    labels.push(`<path d="M${num(f.x0 - 4)} ${num(py)}h4" stroke="${AXIS}"/>`);
    labels.push(text(f.x0 - 7, py + 4, y.labels[i], { anchor: 'end', fill: MUTED }));
  });
  out.push(`<g class="y-ticks">${labels.splice(0).join('')}</g>`);
  if (y2) {
    const sy2 = scale(y2, f.y1, f.y0);
    y2.ticks.forEach((t, i) => {
      const py = sy2(t);
      labels.push(`<path d="M${num(f.x1)} ${num(py)}h4" stroke="${AXIS}"/>`);
      labels.push(text(f.x1 + 7, py + 4, y2.labels[i], { fill: MUTED }));
    });
    out.push(`<g class="y2-ticks">${labels.splice(0).join('')}</g>`);
    const w2 = Math.max(...y2.labels.map((s) => textWidth(s)));
    out.push(text(f.x1 + 14 + w2 + 6, (f.y0 + f.y1) / 2, y2.title, { anchor: 'middle', rotate: 90 }));
  }
  const w1 = Math.max(0, ...y.labels.map((s) => textWidth(s)));
  out.push(text(f.x0 - 14 - w1 - 6, (f.y0 + f.y1) / 2, y.title, { anchor: 'middle', rotate: -90 }));
  out.push(text((f.x0 + f.x1) / 2, f.y1 + 38, x.title, { anchor: 'middle' }));
  const frame = `<rect x="${num(f.x0)}" y="${num(f.y0)}" width="${num(f.x1 - f.x0)}" height="${num(f.y1 - f.y0)}" fill="none" stroke="${AXIS}"/>`;
  return `<path d="${grid.join('')}" stroke="${GRID}" fill="none"/>${out.join('')}${frame}`;
}

/** Left margin that fits the y tick labels and the rotated y title. */
function leftMargin(y: Axis): number {
  return Math.ceil(14 + Math.max(0, ...y.labels.map((s) => textWidth(s))) + 6 + 16);
}

interface LegendItem {
  label: string;
  colour: string;
  /** line (with an optional dash), a filled box, or a dashed marker line */
  kind?: 'line' | 'box';
  dash?: string;
  width?: number;
}

/** A row (wrapping) of legend items starting at (x, y); returns the markup and the height used. */
function legend(items: LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const out: string[] = [];
  let cx = x,
    cy = y;
  for (const it of items) {
    const w = 26 + textWidth(it.label) + 18;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += 18;
    }
    if (it.kind === 'box')
      out.push(`<rect x="${num(cx)}" y="${num(cy - 5)}" width="18" height="10" fill="${it.colour}"/>`);
    else
      out.push(
        `<path d="M${num(cx)} ${num(cy)}h20" stroke="${it.colour}" stroke-width="${it.width ?? 2.5}"` +
          (it.dash ? ` stroke-dasharray="${it.dash}"` : '') +
          '/>',
      );
    out.push(text(cx + 26, cy + 4, it.label));
    cx += w;
  }
  return { svg: `<g class="legend">${out.join('')}</g>`, height: cy - y + 18 };
}

/** The height a legend will take without drawing it. */
function legendHeight(items: LegendItem[], x: number, maxWidth: number): number {
  return legend(items, x, 0, maxWidth).height;
}

// ---------------------------------------------------------------------------------------------------------------
// Line chart

export interface Series {
  label: string;
  x: number[];
  /** null or a non-finite value breaks the line. */
  y: (number | null)[];
  colour: string;
  dashed?: boolean;
  /** Which y axis: left (default) or right. */
  axis?: 'left' | 'right';
  /** Dots at the points (default: when a series has at most 40 points). */
  dots?: boolean;
  /** Radius of the dots (default 2.5). */
  dotRadius?: number;
}

export interface AxisSpec {
  title: string;
  kind?: AxisKind;
  /** Fixed domain (widened to round numbers to fit the data). */
  domain?: [number, number];
}

/** A symbol above the plot area at one x (e.g. the verdict of a validation run at each weight width). */
export interface XMark {
  x: number;
  /** Written under the symbol. */
  label: string;
  colour: string;
  shape?: 'circle' | 'triangle' | 'cross';
  /** Tooltip (default: the label). */
  title?: string;
}

export interface LineChartOptions {
  name: string;
  label: string;
  series: Series[];
  x: AxisSpec & { log?: boolean; exact?: boolean };
  y: AxisSpec;
  y2?: AxisSpec;
  /** Horizontal reference lines on the left axis and vertical ones on x, each named in the legend. */
  hLines?: { y: number; label: string; colour: string }[];
  vLines?: { x: number; label: string; colour: string }[];
  /**
   * The left axis shows at most [lo, hi]: a value beyond is drawn at the limit as a triangle pointing out of the
   * plot with its value written beside it, and a note under the plot says so (R^2 of a broken run reaches -5000).
   */
  yClip?: { lo?: number; hi?: number };
  /** Symbols in a band above the plot area, one per x; xMarksTitle is written at the band's left. */
  xMarks?: XMark[];
  xMarksTitle?: string;
  /** A heading over the plot (a standalone file has no page around it to carry one). */
  title?: string;
  /** Lines of small text under the plot. */
  notes?: string[];
  width?: number;
  height?: number;
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Smallest and largest finite value (a loop: spreading 100k values into Math.min can overflow the stack). */
function extent(values: number[], fallback: [number, number]): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  return lo <= hi ? [lo, hi] : fallback;
}

function yAxisOf(spec: AxisSpec, values: number[]): Axis {
  let [lo, hi] = extent(values, [0, 1]);
  if (spec.domain) [lo, hi] = [Math.min(lo, spec.domain[0]), Math.max(hi, spec.domain[1])];
  return linearAxis(lo, hi, spec.kind ?? 'plain', spec.title);
}

/** A text cut to about maxWidth with an ellipsis. */
function fitText(s: string, maxWidth: number, size = FS): string {
  if (textWidth(s, size) <= maxWidth) return s;
  let out = '';
  for (const ch of s) {
    if (textWidth(`${out}${ch}…`, size) > maxWidth) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * A text broken at white space into lines, each as long as `tooLong` allows (a word that is too long alone gets a
 * line of its own). Shared by the SVG notes (measured in pixels) and the CLI's help text (in characters).
 */
export function wrapWords(s: string, tooLong: (line: string) => boolean): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && tooLong(next)) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** A text broken at spaces into lines of about maxWidth (a word longer than that gets a line of its own). */
function wrapText(s: string, maxWidth: number, size = FS): string[] {
  return wrapWords(s, (line) => textWidth(line, size) > maxWidth);
}

/** A marker shape centred on (x, y), about 10 units across. */
function shapePath(shape: XMark['shape'], x: number, y: number): string {
  if (shape === 'triangle') return `M${num(x)} ${num(y - 6)}L${num(x + 6)} ${num(y + 5)}H${num(x - 6)}Z`;
  if (shape === 'cross')
    return `M${num(x - 5)} ${num(y - 5)}L${num(x + 5)} ${num(y + 5)}M${num(x + 5)} ${num(y - 5)}L${num(x - 5)} ${num(y + 5)}`;
  return `M${num(x - 5)} ${num(y)}a5 5 0 1 0 10 0a5 5 0 1 0-10 0`;
}

/** Lines against x, a second y axis on the right for series marked axis: 'right'. */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 860;
  const left = o.series.filter((s) => s.axis !== 'right'),
    right = o.series.filter((s) => s.axis === 'right');
  const clipLo = o.yClip?.lo ?? -Infinity,
    clipHi = o.yClip?.hi ?? Infinity;
  const clip = (v: number) => Math.min(clipHi, Math.max(clipLo, v));
  const outside = (v: number) => v < clipLo || v > clipHi;
  const pts = (ss: Series[]) => ss.flatMap((s) => s.y.filter(finite));
  const xs = o.series.flatMap((s) => s.x.filter((v, i) => finite(v) && finite(s.y[i]) && (!o.x.log || v > 0)));
  for (const v of o.vLines ?? []) if (finite(v.x)) xs.push(v.x);
  for (const m of o.xMarks ?? []) if (finite(m.x)) xs.push(m.x);
  const hLines = (o.hLines ?? []).filter((h) => finite(h.y));
  const yVals = pts(left)
    .map(clip)
    .concat(hLines.filter((h) => !outside(h.y)).map((h) => h.y));
  const anyClipped = pts(left).some(outside) || hLines.some((h) => outside(h.y));
  const y = yAxisOf(o.y, yVals);
  const y2 = o.y2 && right.length > 0 ? yAxisOf(o.y2, pts(right)) : undefined;
  let x: Axis;
  if (o.x.log) {
    const [lo, hi] = extent(
      xs.filter((v) => v > 0),
      [1, 10],
    );
    x = logAxis(lo, hi, o.x.title);
  } else if (o.x.exact) x = exactAxis(xs, o.x.title);
  else {
    let [lo, hi] = extent(xs, [0, 1]);
    // a fixed domain is widened to fit the data, as the y axis's
    if (o.x.domain) [lo, hi] = [Math.min(lo, o.x.domain[0]), Math.max(hi, o.x.domain[1])];
    const d = linearAxis(lo, hi, o.x.kind ?? 'plain', o.x.title);
    x = { ...d, lo, hi: hi > lo ? hi : d.hi, ticks: d.ticks.filter((t) => t >= lo && t <= (hi > lo ? hi : d.hi)) };
    x.labels = tickLabels(x.ticks, o.x.kind ?? 'plain').labels;
  }
  const items: LegendItem[] = [
    ...o.series.map((s) => ({ label: s.label, colour: s.colour, dash: s.dashed ? '6 4' : undefined })),
    ...hLines.map((h) => ({
      label: outside(h.y) ? `${h.label} = ${formatNumber(h.y)}, off the axis` : h.label,
      colour: h.colour,
      dash: '2 3',
      width: 1.5,
    })),
    ...(o.vLines ?? []).map((v) => ({ label: v.label, colour: v.colour, dash: '2 3', width: 2 })),
  ];
  const notes = [...(o.notes ?? [])];
  if (anyClipped) {
    const parts = [
      ...(clipLo > -Infinity ? [`below ${formatNumber(clipLo)} are drawn at ${formatNumber(clipLo)}`] : []),
      ...(clipHi < Infinity ? [`above ${formatNumber(clipHi)} at ${formatNumber(clipHi)}`] : []),
    ];
    notes.push(`Values ${parts.join(', ')} as a triangle pointing off the axis, their value written beside it.`);
  }
  const noteLines = notes.flatMap((s) => wrapText(s, W - 24, 11));
  const ml = leftMargin(y),
    mr = y2 ? leftMargin(y2) : 20;
  const titleH = o.title ? 26 : 0;
  const marksH = o.xMarks?.length ? 40 : 0;
  const notesH = noteLines.length ? noteLines.length * 15 + 6 : 0;
  const H = (o.height ?? 340) + titleH + marksH + notesH;
  const lh = legendHeight(items, ml, W - ml - mr);
  const f: Frame = { x0: ml, x1: W - mr, y0: titleH + 10 + lh + 6 + marksH, y1: H - 48 - notesH };
  const sx = scale(x, f.x0, f.x1),
    sy = scale(y, f.y1, f.y0),
    sy2 = y2 ? scale(y2, f.y1, f.y0) : sy;
  const out: string[] = [svgOpen(o.name, W, H, o.label)];
  if (o.title) out.push(text(12, 20, fitText(o.title, W - 24, 14), { size: 14, weight: 600 }));
  out.push(axes(f, x, y, y2));
  for (const h of hLines)
    if (!outside(h.y))
      out.push(
        `<path class="mark hline" data-value="${h.y}" d="M${num(f.x0)} ${num(sy(h.y))}H${num(f.x1)}" stroke="${h.colour}" ` +
          `stroke-width="1.5" stroke-dasharray="2 3"><title>${esc(h.label)}: ${esc(formatNumber(h.y))}</title></path>`,
      );
  for (const v of o.vLines ?? [])
    if (finite(v.x) && (!o.x.log || v.x > 0))
      out.push(
        `<path d="M${num(sx(v.x))} ${num(f.y0)}V${num(f.y1)}" stroke="${v.colour}" stroke-width="2" stroke-dasharray="2 3"/>`,
      );
  const offAxis: string[] = [];
  for (const s of o.series) {
    const ys = s.axis === 'right' && y2 ? sy2 : sy;
    const clips = s.axis !== 'right' && anyClipped;
    const n = Math.min(s.x.length, s.y.length);
    let drawn = 0;
    for (let i = 0; i < n; i++) if (finite(s.x[i]) && finite(s.y[i]) && (!o.x.log || s.x[i] > 0)) drawn++;
    const withDots = s.dots ?? drawn <= 40;
    let d = '',
      pen = false,
      count = 0;
    const dots: string[] = [];
    // clipped points: every one marked when the series has dots, else the most extreme of each run
    let run: { px: number; py: number; x: number; y: number } | undefined;
    const flush = () => {
      if (!run) return;
      const lo = run.y < clipLo;
      const tip = run.py,
        base = lo ? tip - 9 : tip + 9;
      const end = run.px > f.x1 - 60;
      // drawn after every line, on top
      offAxis.push(
        `<g class="mark clipped" data-series="${esc(s.label)}" data-x="${run.x}" data-value="${run.y}">` +
          `<title>${esc(s.label)} at ${esc(formatNumber(run.x))}: ${esc(formatNumber(run.y))} (off the axis)</title>` +
          `<path d="M${num(run.px - 5)} ${num(base)}H${num(run.px + 5)}L${num(run.px)} ${num(tip)}Z" fill="${s.colour}" stroke="#fff"/>` +
          text(end ? run.px - 8 : run.px + 8, lo ? tip - 5 : tip + 13, formatNumber(run.y), {
            anchor: end ? 'end' : 'start',
            fill: s.colour,
            weight: 600,
            halo: true,
          }) +
          '</g>',
      );
      run = undefined;
    };
    for (let i = 0; i < n; i++) {
      const xv = s.x[i],
        yv = s.y[i];
      if (!finite(xv) || !finite(yv) || (o.x.log && xv <= 0)) {
        pen = false;
        flush();
        continue;
      }
      const px = sx(xv),
        py = ys(clips ? clip(yv) : yv);
      d += `${pen ? 'L' : 'M'}${num(px)} ${num(py)}`;
      pen = true;
      count++;
      if (clips && outside(yv)) {
        if (run && (withDots || run.y < clipLo !== yv < clipLo)) flush();
        if (!run || (yv < clipLo ? yv < run.y : yv > run.y)) run = { px, py, x: xv, y: yv };
      } else {
        flush();
        const r = s.dotRadius ?? 2.5;
        dots.push(
          `M${num(px)} ${num(py)}m${num(-r)} 0a${num(r)} ${num(r)} 0 1 0 ${num(2 * r)} 0a${num(r)} ${num(r)} 0 1 0 ${num(-2 * r)} 0`,
        );
      }
    }
    flush();
    if (count === 0) continue;
    out.push(
      `<path class="mark line" d="${d}" fill="none" stroke="${s.colour}" stroke-width="2.25" stroke-linejoin="round"` +
        (s.dashed ? ' stroke-dasharray="6 4"' : '') +
        ` data-series="${esc(s.label)}"/>`,
    );
    if (withDots && dots.length)
      out.push(`<path class="mark dots" d="${dots.join('')}" fill="${s.colour}" stroke="#fff"/>`);
  }
  out.push(...offAxis);
  if (o.xMarks?.length) {
    const cy = f.y0 - 26;
    if (o.xMarksTitle) out.push(text(f.x0 - 7, cy + 4, o.xMarksTitle, { anchor: 'end', fill: MUTED }));
    for (const m of o.xMarks) {
      if (!finite(m.x) || (o.x.log && m.x <= 0)) continue;
      const px = sx(m.x);
      const paint =
        m.shape === 'cross'
          ? `fill="none" stroke="${m.colour}" stroke-width="2.5"`
          : `fill="${m.colour}" stroke="${m.colour}"`;
      out.push(
        `<g class="mark xmark" data-x="${m.x}" data-label="${esc(m.label)}"><title>${esc(m.title ?? m.label)}</title>` +
          `<path d="${shapePath(m.shape, px, cy)}" ${paint}/>` +
          text(px, cy + 20, m.label, { anchor: 'middle', size: 11 }) +
          '</g>',
      );
    }
  }
  if (noteLines.length)
    out.push(
      `<g class="notes">${noteLines.map((s, i) => text(12, f.y1 + 62 + i * 15, s, { size: 11, fill: MUTED })).join('')}</g>`,
    );
  out.push(legend(items, ml, titleH + 16, W - ml - mr).svg);
  out.push('</svg>');
  return out.join('');
}

/**
 * A plot as a file of its own: the SVG namespace (an identifier, nothing is fetched), an XML declaration and a
 * white background, so it opens the same in a browser or an image viewer, light or dark theme.
 */
export function standaloneSvg(svg: string): string {
  const open = svg.indexOf('>');
  if (!svg.startsWith('<svg ') || open < 0) throw new Error('standaloneSvg: not an <svg> element');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" ${svg.slice(5, open + 1)}<rect width="100%" height="100%" fill="#fff"/>` +
    `${svg.slice(open + 1)}\n`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Bar chart

export interface Bar {
  label: string;
  /** null: not priced (a hatched bar labelled nullLabel, never a bar of length 0). */
  value: number | null;
  /** Written after the value, e.g. a share "(12 %)". */
  note?: string;
  colour?: string;
}

export interface BarChartOptions {
  name: string;
  label: string;
  bars: Bar[];
  axis: AxisSpec;
  /** How a value is written at the end of its bar (default: by the axis kind). */
  format?: (v: number) => string;
  nullLabel?: string;
  width?: number;
}

/** Horizontal bars from 0, one row per bar, labels on the left, values at the bar ends. */
export function barChart(o: BarChartOptions): string {
  const W = o.width ?? 860;
  const kind = o.axis.kind ?? 'plain';
  const fmt = o.format ?? (kind === 'energy' ? formatEnergy : kind === 'time' ? formatTime : formatNumber);
  const nullLabel = o.nullLabel ?? 'not priced';
  const maxLabel = 34;
  const shown = o.bars.map((b) => (b.label.length > maxLabel ? `${b.label.slice(0, maxLabel - 1)}…` : b.label));
  const labelW = Math.min(260, Math.max(40, ...shown.map((s) => textWidth(s))));
  const values = o.bars.map((b) => b.value).filter(finite);
  const valueTexts = o.bars.map((b) => (finite(b.value) ? fmt(b.value) + (b.note ? ` ${b.note}` : '') : nullLabel));
  const valueW = Math.max(...valueTexts.map((s) => textWidth(s)), 40);
  const a = linearAxis(0, Math.max(0, ...values), kind, o.axis.title);
  const row = o.bars.length > 16 ? 19 : 22,
    barH = o.bars.length > 16 ? 13 : 14;
  const f: Frame = { x0: 12 + labelW + 10, x1: W - valueW - 16, y0: 8, y1: 8 + row * o.bars.length + 4 };
  const H = f.y1 + 48;
  const sx = scale(a, f.x0, f.x1);
  const hatch = `${o.name}-hatch`;
  const out: string[] = [
    svgOpen(o.name, W, H, o.label),
    `<defs><pattern id="${esc(hatch)}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#f1f2f4"/><path d="M0 0V6" stroke="#b9bec8" stroke-width="2"/></pattern></defs>`,
  ];
  // x axis only: ticks and vertical grid lines, no y ticks
  const grid = a.ticks.map((t) => `M${num(sx(t))} ${num(f.y0)}V${num(f.y1)}`).join('');
  out.push(`<path d="${grid}" stroke="${GRID}" fill="none"/>`);
  a.ticks.forEach((t, i) => {
    out.push(`<path d="M${num(sx(t))} ${num(f.y1)}v4" stroke="${AXIS}"/>`);
    out.push(text(sx(t), f.y1 + 17, a.labels[i], { anchor: 'middle', fill: MUTED }));
  });
  out.push(text((f.x0 + f.x1) / 2, f.y1 + 38, a.title, { anchor: 'middle' }));
  out.push(`<path d="M${num(f.x0)} ${num(f.y0)}V${num(f.y1)}H${num(f.x1)}" stroke="${AXIS}" fill="none"/>`);
  o.bars.forEach((b, i) => {
    const cy = f.y0 + 4 + row * i + row / 2;
    const title = `<title>${esc(b.label)}: ${esc(valueTexts[i])}</title>`;
    out.push(text(f.x0 - 10, cy + 4, shown[i], { anchor: 'end' }));
    if (finite(b.value)) {
      const w = Math.max(0, sx(b.value) - f.x0);
      out.push(
        `<rect class="mark bar" data-value="${b.value}" x="${num(f.x0)}" y="${num(cy - barH / 2)}" width="${w.toFixed(3)}" ` +
          `height="${barH}" fill="${b.colour ?? PALETTE.blue}">${title}</rect>`,
      );
      out.push(text(f.x0 + w + 6, cy + 4, valueTexts[i], { fill: MUTED }));
    } else {
      const w = Math.min(f.x1 - f.x0, 64);
      out.push(
        `<rect class="mark bar-np" x="${num(f.x0)}" y="${num(cy - barH / 2)}" width="${num(w)}" height="${barH}" ` +
          `fill="url(#${esc(hatch)})" stroke="#b9bec8">${title}</rect>`,
      );
      out.push(text(f.x0 + w + 6, cy + 4, nullLabel, { fill: MUTED }));
    }
  });
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Histogram

export interface HistogramOptions {
  name: string;
  label: string;
  values: number[];
  axis: AxisSpec;
  /** Vertical dashed lines (e.g. the median and the 99th percentile), named in the legend. */
  markers?: { x: number; label: string; colour: string }[];
  bins?: number;
  width?: number;
  height?: number;
}

/** Counts of values in round-numbered bins, as touching vertical bars. */
export function histogram(o: HistogramOptions): string {
  const W = o.width ?? 860,
    H = o.height ?? 280;
  const v = o.values.filter(Number.isFinite);
  const kind = o.axis.kind ?? 'plain';
  let [lo, hi] = extent(v, [0, 1]);
  const target = o.bins ?? Math.min(40, Math.max(8, Math.round(Math.sqrt(v.length) * 1.5)));
  if (hi === lo) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.05, hi + Math.abs(hi) * 0.05];
  const step = niceStep(hi - lo, target);
  const first = Math.floor(lo / step + 1e-9);
  const nb = Math.max(1, Math.floor(hi / step + 1e-9) - first + 1);
  const counts = new Array<number>(nb).fill(0);
  for (const x of v) counts[Math.min(nb - 1, Math.max(0, Math.floor(x / step + 1e-9) - first))]++;
  const b0 = clean(first * step),
    b1 = clean((first + nb) * step);
  const xa = linearAxis(b0, b1, kind, o.axis.title, 6);
  xa.ticks = xa.ticks.filter((t) => t >= b0 - 1e-9 * step && t <= b1 + 1e-9 * step);
  xa.labels = tickLabels(xa.ticks, kind).labels;
  xa.lo = b0;
  xa.hi = b1;
  const ya = linearAxis(0, Math.max(1, ...counts), 'plain', 'steps', 4);
  const items: LegendItem[] = (o.markers ?? []).map((m) => ({
    label: m.label,
    colour: m.colour,
    dash: '4 3',
    width: 2,
  }));
  const ml = leftMargin(ya);
  const lh = legendHeight(items, ml, W - ml - 20);
  const f: Frame = { x0: ml, x1: W - 20, y0: 10 + lh + 6, y1: H - 48 };
  const sx = scale(xa, f.x0, f.x1),
    sy = scale(ya, f.y1, f.y0);
  const out: string[] = [svgOpen(o.name, W, H, o.label), axes(f, xa, ya, undefined, { xGrid: false })];
  let d = '';
  counts.forEach((c, i) => {
    if (c === 0) return;
    const x0 = sx(b0 + i * step),
      x1 = sx(b0 + (i + 1) * step);
    const gap = x1 - x0 > 4 ? 1 : 0;
    d += `M${num(x0 + gap / 2)} ${num(f.y1)}V${num(sy(c))}H${num(x1 - gap / 2)}V${num(f.y1)}Z`;
  });
  out.push(`<path class="mark bins" d="${d}" fill="${PALETTE.blue}" fill-opacity="0.85"/>`);
  for (const m of o.markers ?? [])
    if (finite(m.x) && m.x >= b0 && m.x <= b1)
      out.push(
        `<path d="M${num(sx(m.x))} ${num(f.y0)}V${num(f.y1)}" stroke="${m.colour}" stroke-width="2" stroke-dasharray="4 3"/>`,
      );
  out.push(legend(items, ml, 16, W - ml - 20).svg);
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Spike raster

export interface RasterOptions {
  name: string;
  label: string;
  neurons: number;
  steps: number;
  /** Flat pairs [t0, n0, t1, n1, ...]. */
  events: number[];
  counts?: number[];
  width?: number;
  height?: number;
}

/**
 * Dots at (step, neuron), neuron 0 on top. All events of a count share one <path> of "M t n h L" segments in
 * data units inside a nested <svg> that stretches steps x neurons over the plot area, so 200k events cost about
 * 2.5 MB. A dot is at least ~1.3 px each way so sparse firing stays visible; counts above 1 get a second colour.
 */
export function raster(o: RasterOptions): string {
  const W = o.width ?? 860,
    H = o.height ?? 380;
  const n = Math.floor(o.events.length / 2);
  let maxT = -1,
    maxN = -1;
  for (let i = 0; i < n; i++) {
    const t = o.events[2 * i],
      k = o.events[2 * i + 1];
    if (Number.isFinite(t) && t > maxT) maxT = t;
    if (Number.isFinite(k) && k > maxN) maxN = k;
  }
  const steps = Math.max(1, Number.isFinite(o.steps) ? o.steps : 0, Math.floor(maxT) + 1);
  const neurons = Math.max(1, Number.isFinite(o.neurons) ? o.neurons : 0, Math.floor(maxN) + 1);
  const xa = linearAxis(0, steps, 'plain', 'step', 8);
  xa.ticks = xa.ticks.filter((t) => t <= steps);
  xa.labels = tickLabels(xa.ticks, 'plain').labels;
  xa.hi = steps;
  const ya0 = linearAxis(0, neurons, 'plain', 'neuron', 5);
  const yTicks = ya0.ticks.filter((t) => t <= neurons);
  // neuron 0 at the top: draw the axis reversed
  const ya: Axis = {
    lo: neurons,
    hi: 0,
    log: false,
    ticks: yTicks,
    labels: tickLabels(yTicks, 'plain').labels,
    title: 'neuron',
  };
  const graded = !!o.counts && o.counts.some((c) => c > 1);
  const items: LegendItem[] = graded
    ? [
        { label: 'count 1', colour: PALETTE.blue, kind: 'box' },
        { label: 'count > 1', colour: PALETTE.vermillion, kind: 'box' },
      ]
    : [];
  const ml = leftMargin(ya);
  const lh = legendHeight(items, ml, W - ml - 20);
  const f: Frame = { x0: ml, x1: W - 20, y0: 10 + lh + (lh ? 6 : 0), y1: H - 48 };
  const pw = f.x1 - f.x0,
    ph = f.y1 - f.y0;
  const cellW = pw / steps,
    cellH = ph / neurons;
  const len = Math.max(1, 1.3 / cellW),
    thick = Math.max(1, 1.3 / cellH);
  const L = num(len);
  const one: string[] = [],
    more: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(o.events[2 * i]),
      k = Math.floor(o.events[2 * i + 1]);
    if (!(t >= 0 && k >= 0)) continue;
    const seg = `M${t} ${k}h${L}`;
    if (graded && (o.counts![i] ?? 1) > 1) more.push(seg);
    else one.push(seg);
  }
  const out: string[] = [svgOpen(o.name, W, H, o.label), axes(f, xa, ya, undefined, { xGrid: false, yGrid: false })];
  // y = n is the middle of row n (the view box starts half a row up)
  out.push(
    `<svg x="${num(f.x0)}" y="${num(f.y0)}" width="${num(pw)}" height="${num(ph)}" viewBox="0 -0.5 ${steps} ${neurons}" ` +
      `preserveAspectRatio="none" overflow="hidden">`,
  );
  if (one.length)
    out.push(`<path class="mark events" d="${one.join('')}" stroke="${PALETTE.blue}" stroke-width="${num(thick)}"/>`);
  if (more.length)
    out.push(
      `<path class="mark events graded" d="${more.join('')}" stroke="${PALETTE.vermillion}" stroke-width="${num(thick)}"/>`,
    );
  out.push('</svg>');
  out.push(legend(items, ml, 16, W - ml - 20).svg);
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Mesh

export interface MeshCell {
  /** Tile. */
  x: number;
  y: number;
  /** Core position inside the tile, 0..coresPerTile-1. */
  slot: number;
  /** What the colour shows (null: not known, drawn hatched). */
  value: number | null;
  /** Tooltip. */
  title: string;
}

export interface MeshOptions {
  name: string;
  label: string;
  width: number;
  height: number;
  coresPerTile: number;
  cells: MeshCell[];
  links: { from: [number, number]; to: [number, number]; messages: number }[];
  /** The colour legend: its title and the range of values (default 0..max). */
  colour: { title: string; kind?: AxisKind; domain?: [number, number] };
  /** Drawing width (px). */
  size?: number;
}

type Dir = 'e' | 'w' | 's' | 'n';
const STEP: Record<Dir, [number, number]> = { e: [1, 0], w: [-1, 0], s: [0, 1], n: [0, -1] };
const DIR_NAME: Record<Dir, string> = { e: 'east', w: 'west', s: 'south', n: 'north' };

/**
 * Messages per hop when every link goes x first, then y: one entry per tile and direction that carries traffic.
 * Links with a tile outside the mesh, no messages or from a tile to itself are left out.
 */
export function routeXY(
  links: { from: [number, number]; to: [number, number]; messages: number }[],
  width: number,
  height: number,
): { x: number; y: number; dir: Dir; messages: number }[] {
  const inside = (x: number, y: number) =>
    Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < width && y < height;
  const acc = new Map<string, { x: number; y: number; dir: Dir; messages: number }>();
  const add = (x: number, y: number, dir: Dir, m: number) => {
    const k = `${x},${y},${dir}`;
    const e = acc.get(k);
    if (e) e.messages += m;
    else acc.set(k, { x, y, dir, messages: m });
  };
  for (const l of links) {
    const [x0, y0] = l.from,
      [x1, y1] = l.to;
    if (!finite(l.messages) || l.messages <= 0 || !inside(x0, y0) || !inside(x1, y1)) continue;
    let x = x0,
      y = y0;
    while (x !== x1) {
      add(x, y, x1 > x ? 'e' : 'w', l.messages);
      x += x1 > x ? 1 : -1;
    }
    while (y !== y1) {
      add(x, y, y1 > y ? 's' : 'n', l.messages);
      y += y1 > y ? 1 : -1;
    }
  }
  return [...acc.values()];
}

/**
 * The chip: width x height tiles, each split into coresPerTile cells coloured by value (viridis; unused cores
 * light grey), and arrows across the gaps between neighbouring tiles as wide as the messages that cross them when
 * every link is routed x first, then y (each direction keeps to its right-hand lane, so both show).
 */
export function meshPlot(o: MeshOptions): string {
  const W = o.size ?? 860;
  const tw = Math.max(1, Math.floor(o.width)),
    th = Math.max(1, Math.floor(o.height));
  const cpt = Math.max(1, Math.floor(o.coresPerTile));
  const cols = Math.ceil(Math.sqrt(cpt)),
    rows = Math.ceil(cpt / cols);
  const margin = 34;
  const tile = Math.max(6, Math.min(88, (W - 2 * margin) / (tw * 1.4 - 0.4)));
  const gap = tile * 0.4,
    pitch = tile + gap;
  const meshW = tw * pitch - gap,
    meshH = th * pitch - gap;
  const ox = Math.max(margin, (W - meshW) / 2),
    oy = 26;
  const legendY = oy + meshH + 30;
  const H = legendY + 64;
  const values = o.cells.map((c) => c.value).filter(finite);
  const [vlo, vhi] = o.colour.domain ?? [0, Math.max(0, ...values)];
  const norm = (v: number) => (vhi > vlo ? (v - vlo) / (vhi - vlo) : v > vlo ? 1 : 0);
  const out: string[] = [
    svgOpen(o.name, W, H, o.label),
    `<defs><pattern id="${esc(o.name)}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" ` +
      `patternTransform="rotate(45)"><rect width="4" height="4" fill="#f1f2f4"/><path d="M0 0V4" stroke="#b9bec8" ` +
      `stroke-width="1.5"/></pattern></defs>`,
  ];
  // tile coordinates
  if (tile >= 18) {
    for (let x = 0; x < tw; x++)
      out.push(text(ox + x * pitch + tile / 2, oy - 8, String(x), { anchor: 'middle', fill: MUTED, size: 11 }));
    for (let y = 0; y < th; y++)
      out.push(text(ox - 8, oy + y * pitch + tile / 2 + 4, String(y), { anchor: 'end', fill: MUTED, size: 11 }));
  }
  // tiles and their cells (unused first, then the used cores on top)
  const cellW = tile / cols,
    cellH = tile / rows;
  const tiles: string[] = [];
  const empty: string[] = [];
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const px = ox + x * pitch,
        py = oy + y * pitch;
      tiles.push(`M${num(px)} ${num(py)}h${num(tile)}v${num(tile)}h${num(-tile)}Z`);
      for (let s = 0; s < cpt; s++) {
        const cx = px + (s % cols) * cellW,
          cy = py + Math.floor(s / cols) * cellH;
        empty.push(`M${num(cx + 1)} ${num(cy + 1)}h${num(cellW - 2)}v${num(cellH - 2)}h${num(2 - cellW)}Z`);
      }
    }
  out.push(`<path d="${empty.join('')}" fill="#f1f2f4"/>`);
  for (const c of o.cells) {
    if (!(c.x >= 0 && c.x < tw && c.y >= 0 && c.y < th && c.slot >= 0 && c.slot < cpt)) continue;
    const px = ox + c.x * pitch + (c.slot % cols) * cellW,
      py = oy + c.y * pitch + Math.floor(c.slot / cols) * cellH;
    const fill = finite(c.value) ? viridis(norm(c.value)) : `url(#${esc(o.name)}-hatch)`;
    out.push(
      `<rect class="mark core" x="${num(px + 1)}" y="${num(py + 1)}" width="${num(cellW - 2)}" height="${num(cellH - 2)}" ` +
        `fill="${fill}"><title>${esc(c.title)}</title></rect>`,
    );
  }
  out.push(`<path d="${tiles.join('')}" fill="none" stroke="#9aa1ad" stroke-width="1.5"/>`);
  // traffic: every link routed x first, then y (dimension order, as the hop counts are), summed per hop
  const hops = routeXY(o.links, tw, th);
  const maxMsg = Math.max(0, ...hops.map((h) => h.messages));
  const wMax = Math.max(1.5, Math.min(tile * 0.13, gap * 0.4));
  const widthOf = (m: number) => 0.75 + (wMax - 0.75) * Math.sqrt(maxMsg > 0 ? m / maxMsg : 0);
  const lane = tile * 0.22;
  hops.sort((a, b) => a.messages - b.messages);
  for (const h of hops) {
    const cx = ox + h.x * pitch + tile / 2,
      cy = oy + h.y * pitch + tile / 2;
    const [dx, dy] = STEP[h.dir];
    // from the tile's edge across the gap, in the lane to the right of the direction of travel
    const half = tile / 2 + 1.5;
    const sx0 = cx + dx * half - dy * lane,
      sy0 = cy + dy * half + dx * lane;
    const length = gap - 3;
    const w = widthOf(h.messages);
    const head = Math.min(length * 0.55, w * 1.4 + 4),
      hw = w / 2 + Math.min(3, gap * 0.12) + 1;
    const shaft = length - head;
    // the arrow as one shape in its own frame (along +x), then turned to dir
    const pts: [number, number][] = [
      [0, -w / 2],
      [shaft, -w / 2],
      [shaft, -hw],
      [length, 0],
      [shaft, hw],
      [shaft, w / 2],
      [0, w / 2],
    ];
    const d =
      pts.map(([u, v], i) => `${i ? 'L' : 'M'}${num(sx0 + u * dx - v * dy)} ${num(sy0 + u * dy + v * dx)}`).join('') +
      'Z';
    out.push(
      `<path class="mark hop" d="${d}" fill="${INK}" fill-opacity="0.78"><title>tile (${h.x},${h.y}) ${DIR_NAME[h.dir]}: ` +
        `${esc(formatNumber(h.messages))} messages per inference</title></path>`,
    );
  }
  // legend: colour ramp, unused, link widths
  const rampW = Math.min(260, W * 0.35),
    rampX = ox;
  const ramp: string[] = [];
  const nStops = 48;
  for (let i = 0; i < nStops; i++)
    ramp.push(
      `<rect x="${num(rampX + (i * rampW) / nStops)}" y="${num(legendY)}" width="${num(rampW / nStops + 0.5)}" height="12" fill="${viridis(i / (nStops - 1))}"/>`,
    );
  out.push(`<g class="legend">${ramp.join('')}`);
  const rampAxis = linearAxis(vlo, vhi > vlo ? vhi : vlo + 1, o.colour.kind ?? 'plain', o.colour.title, 4);
  const rs = scale({ ...rampAxis, lo: vlo, hi: vhi > vlo ? vhi : vlo + 1 }, rampX, rampX + rampW);
  rampAxis.ticks.forEach((t, i) => {
    if (t < vlo - 1e-12 || t > (vhi > vlo ? vhi : vlo + 1) + 1e-12) return;
    out.push(`<path d="M${num(rs(t))} ${num(legendY + 12)}v4" stroke="${AXIS}"/>`);
    out.push(text(rs(t), legendY + 28, rampAxis.labels[i], { anchor: 'middle', fill: MUTED, size: 11 }));
  });
  out.push(text(rampX, legendY - 6, rampAxis.title, { size: 11 }));
  let lx = rampX + rampW + 36;
  out.push(
    `<rect x="${num(lx)}" y="${num(legendY)}" width="12" height="12" fill="#f1f2f4" stroke="#d0d4db"/>` +
      text(lx + 18, legendY + 10, 'unused core', { size: 11 }),
  );
  lx += 18 + textWidth('unused core', 11) + 28;
  if (hops.length > 0) {
    out.push(text(lx, legendY - 6, 'messages per inference over a hop (routed x, then y)', { size: 11 }));
    const samples = [maxMsg / 10, maxMsg / 2, maxMsg].filter((m, i, s) => m > 0 && s.indexOf(m) === i);
    for (const m of samples) {
      const w = widthOf(m);
      out.push(`<path d="M${num(lx)} ${num(legendY + 6)}h28" stroke="${INK}" stroke-width="${num(w)}" opacity="0.8"/>`);
      out.push(text(lx + 34, legendY + 10, formatNumber(m), { size: 11 }));
      lx += 34 + textWidth(formatNumber(m), 11) + 18;
    }
  }
  out.push('</g></svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Image

/** A PNG (base64) drawn width x height, scaled by an integer factor to about maxWidth, pixels kept square and sharp. */
export function imagePlot(o: {
  name: string;
  label: string;
  pngBase64: string;
  width: number;
  height: number;
  maxWidth?: number;
}): string {
  const w = Math.max(1, o.width),
    h = Math.max(1, o.height);
  const maxW = o.maxWidth ?? 860;
  const k = w <= maxW ? Math.max(1, Math.floor(maxW / w)) : maxW / w;
  const data = o.pngBase64.replace(/[^A-Za-z0-9+/=]/g, '');
  return (
    svgOpen(o.name, w, h, o.label, k) +
    `<image class="mark" href="data:image/png;base64,${data}" x="0" y="0" width="${num(w)}" height="${num(h)}" ` +
    `preserveAspectRatio="none" style="image-rendering:pixelated"/></svg>`
  );
}
