/**
 * The reconstruction-sparsity trade-off of a comparison as an SVG chart: R^2 against PZ, one line per family
 * through its sweep values (means over seeds, in PZ order). The ideal corner is the top right (R^2 = PZ = 1).
 */
import { PALETTE, lineChart, standaloneSvg } from '../report/svg.js';
import type { CompareResult } from './compare.js';

const COLOURS = [
  PALETTE.blue,
  PALETTE.orange,
  PALETTE.green,
  PALETTE.vermillion,
  PALETTE.purple,
  PALETTE.sky,
  PALETTE.black,
  PALETTE.yellow,
];

/** The chart alone (for the HTML report) or, standalone, as an SVG file. */
export function tradeOffChart(r: CompareResult): string {
  const series = r.families.map((f, i) => {
    const knobs = [...new Set(r.runs.filter((x) => x.family === f.family).map((x) => x.knob))];
    const pts = knobs
      .map((k) => {
        const at = r.runs.filter((x) => x.family === f.family && x.knob === k);
        const mean = (key: 'r2' | 'pz') => at.reduce((a, x) => a + x[key], 0) / at.length;
        return { pz: mean('pz'), r2: mean('r2') };
      })
      .sort((a, b) => a.pz - b.pz);
    return {
      label: `${f.label} (${f.knobName} sweep; best d ${f.d.mean.toFixed(3)})`,
      x: pts.map((p) => p.pz),
      y: pts.map((p) => p.r2),
      colour: COLOURS[i % COLOURS.length],
      dots: true,
      dotRadius: 4,
    };
  });
  const seeds = r.seeds.length;
  return lineChart({
    name: 'trade-off',
    label: `reconstruction R² against sparsity PZ on ${r.data}, one line per family`,
    title: `${r.data}, K ${r.latents}: R² against PZ (${r.budgetMinutes} min per family, ${seeds} seed${seeds === 1 ? '' : 's'}, ${r.evalInputs} held-out inputs, t = ${r.steps})`,
    series,
    x: { title: 'PZ (share of codes exactly 0)', domain: [0, 1] },
    y: { title: 'R² (reconstruction Φz)', domain: [0, 1] },
    yClip: { lo: -0.2 },
    notes: [
      'Each point is one sweep value of a family (mean over seeds); the ideal corner is the top right (R² = PZ = 1); d is the distance to it.',
      'Iterative families at the last step t; amortized ones after their one pass. Families with Gaussian codes sit at PZ = 0.',
    ],
  });
}

export function tradeOffSvg(r: CompareResult): string {
  return standaloneSvg(tradeOffChart(r));
}
