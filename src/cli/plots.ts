/**
 * The pictures of `ipvae infer --plot` (R^2, r2_map and PZ against t) and `ipvae validate --plot` (the integer
 * network's R^2 and PZ against the weight width, the float model's as reference lines, the verdict per width):
 * standalone SVG files drawn with the report's line chart (src/report/svg.ts).
 */
import { extname } from 'node:path';
import { UserError } from '../errors.js';
import { checkWritable } from './common.js';
import { PALETTE, formatNumber, lineChart, standaloneSvg, type XMark } from '../report/svg.js';
import { recordSteps, type MetricRow } from '../model/evaluate.js';
import type { ValidationRow, Verdict } from '../net/validate.js';

/** Refuse a --plot path before any work: not an .svg name, a folder, or in a folder that is missing or read-only. */
export function checkPlotPath(path: string): void {
  if (extname(path).toLowerCase() !== '.svg')
    throw new UserError(`${path}: --plot writes an SVG picture; give a file name ending in .svg`);
  checkWritable(path, '--plot');
}

/**
 * The steps a convergence plot records: about `points` values of t log-spaced over 1 .. T (rounded, each once)
 * and the table's steps (recordSteps), ascending, so the curve is smooth on a log axis and passes through the
 * table's rows.
 */
export function plotSteps(T: number, points = 120): number[] {
  const s = new Set(recordSteps(T));
  for (let i = 0; i < points; i++) s.add(Math.round(T ** (i / (points - 1))));
  return [...s].sort((a, b) => a - b);
}

/** R^2 of the reconstruction below this is drawn at it (an early or broken step can reach -1000). */
export const CONVERGENCE_R2_FLOOR = -1;

export interface ConvergenceInfo {
  model: string;
  data: string;
  split: string;
  samples: number;
  seed: number;
}

/** R^2, r2_map and PZ against the step t (log axis), as a standalone SVG file. */
export function convergencePlot(curve: MetricRow[], info: ConvergenceInfo): string {
  const t = curve.map((r) => r.t);
  return standaloneSvg(
    lineChart({
      name: 'convergence',
      label: `R², r2_map and PZ against the step t: ${info.model} on ${info.data}`,
      title: `${info.model} on ${info.data} (${info.split} split, ${info.samples} input${info.samples === 1 ? '' : 's'}, seed ${info.seed}): R², r2_map and PZ against t`,
      series: [
        {
          label: 'R² (reconstruction Φz from the spike counts)',
          x: t,
          y: curve.map((r) => r.r2),
          colour: PALETTE.blue,
        },
        {
          label: 'r2_map (Φ exp(u), from the rates)',
          x: t,
          y: curve.map((r) => r.r2_map),
          colour: PALETTE.sky,
          dashed: true,
        },
        { label: 'PZ (share of latents with count 0)', x: t, y: curve.map((r) => r.pz), colour: PALETTE.green },
      ],
      x: { title: 'inference step t (log scale)', log: true },
      y: { title: 'R², r2_map, PZ', domain: [0, 1] },
      yClip: { lo: CONVERGENCE_R2_FLOOR },
      notes: [
        'R² = 1 − |x − x̂|² / |x − mean(x)|² per input, averaged over the inputs: 1 is a perfect reconstruction, 0 no better than the input’s mean.',
        'Means over the inputs at each recorded step; the ideal corner is R² = PZ = 1 (perfect and silent).',
      ],
    }),
  );
}

export interface ValidationInfo {
  model: string;
  data: string;
  samples: number;
  steps: number;
  seed: number;
}

/** R^2 of the integer network below this is drawn at it, with its value (a broken width reaches -5000). */
export const VALIDATION_R2_FLOOR = -0.2;

const VERDICT_MARK: Record<Verdict, Pick<XMark, 'colour' | 'shape'>> = {
  ok: { colour: PALETTE.green, shape: 'circle' },
  degraded: { colour: PALETTE.orange, shape: 'triangle' },
  failed: { colour: PALETTE.vermillion, shape: 'cross' },
};

/**
 * The integer network's R^2 and PZ against the weight width, the float model's (the same at every width) as
 * horizontal reference lines, and each width's verdict as a symbol above the plot, as a standalone SVG file.
 */
export function validationPlot(rows: ValidationRow[], info: ValidationInfo): string {
  const r = [...rows].sort((a, b) => a.bits - b.bits);
  const bits = r.map((x) => x.bits);
  const float = r[0]?.float;
  return standaloneSvg(
    lineChart({
      name: 'validation',
      label: `integer against float R² and PZ over the weight width: ${info.model} on ${info.data}`,
      title: `${info.model} on ${info.data} (${info.samples} input${info.samples === 1 ? '' : 's'}, ${info.steps} steps, seed ${info.seed}): integer against float per weight width`,
      series: [
        { label: 'R² integer', x: bits, y: r.map((x) => x.int.r2), colour: PALETTE.blue, dots: true, dotRadius: 4 },
        { label: 'PZ integer', x: bits, y: r.map((x) => x.int.pz), colour: PALETTE.purple, dots: true, dotRadius: 4 },
      ],
      hLines: float
        ? [
            { y: float.r2, label: `R² float (${formatNumber(float.r2)})`, colour: PALETTE.blue },
            { y: float.pz, label: `PZ float (${formatNumber(float.pz)})`, colour: PALETTE.purple },
          ]
        : [],
      x: { title: 'weight bits', exact: true },
      y: { title: 'R², PZ at the last step', domain: [0, 1] },
      yClip: { lo: VALIDATION_R2_FLOOR },
      xMarks: r.map((x) => ({
        x: x.bits,
        label: x.verdict,
        title: `${x.bits} bits: ${x.verdict}: ${x.reason}`,
        ...VERDICT_MARK[x.verdict],
      })),
      xMarksTitle: 'verdict',
      notes: [
        'Integer: the quantised network with weights of that width; float: the float model on the same inputs, steps and seed (dotted, the same at every width).',
        'Verdict (ok, degraded, failed): the thresholds are in ipvae validate --help; the reasons are printed under the table.',
      ],
    }),
  );
}
