/**
 * The conventional baseline: the same reconstruction done densely on a CPU, a GPU and a 45 nm accelerator, priced
 * per multiply-accumulate. Two workloads for a model of D inputs and K latents:
 *   iterative  the authors' dense iterative update, three D x K matrix products per step, for T steps
 *              (the definition issue 12 gives);
 *   amortized  one encoder pass and one decoder pass: two D x K products, once.
 * Assumptions, stated with every result: no data movement (weights and activations are free to fetch), and the
 * per-op prices are rough. Sources:
 *   Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm): int8 multiply 0.2 pJ + add 0.03 pJ; fp32
 *     multiply 3.7 pJ + add 0.9 pJ.
 *   nengo/keras-spiking's device table ("very rough estimates"): energy per synaptic op, cpu 8.6 nJ,
 *     gpu 0.3 nJ, arm 0.9 nJ.
 */

export interface Device {
  name: string;
  pjPerMac: number;
  source: string;
}

export const DEVICES: readonly Device[] = [
  { name: 'cpu', pjPerMac: 8600, source: 'nengo keras-spiking device table (8.6 nJ per synaptic op)' },
  { name: 'gpu', pjPerMac: 300, source: 'nengo keras-spiking device table (0.3 nJ per synaptic op)' },
  { name: 'arm', pjPerMac: 900, source: 'nengo keras-spiking device table (0.9 nJ per synaptic op)' },
  { name: 'fp32 45 nm', pjPerMac: 3.7 + 0.9, source: 'Horowitz, ISSCC 2014 (fp32 multiply 3.7 pJ + add 0.9 pJ)' },
  { name: 'int8 45 nm', pjPerMac: 0.2 + 0.03, source: 'Horowitz, ISSCC 2014 (int8 multiply 0.2 pJ + add 0.03 pJ)' },
];

export interface BaselineRow {
  device: string;
  source: string;
  /** Energy per inference (pJ) of each workload. */
  iterativePj: number;
  amortizedPj: number;
}

export interface Baseline {
  iterativeMacs: number;
  amortizedMacs: number;
  rows: BaselineRow[];
  assumptions: string;
}

/** The dense baseline for a model of D inputs, K latents and T steps. */
export function denseBaseline(D: number, K: number, T: number): Baseline {
  const iterativeMacs = 3 * D * K * T,
    amortizedMacs = 2 * D * K;
  return {
    iterativeMacs,
    amortizedMacs,
    rows: DEVICES.map((d) => ({
      device: d.name,
      source: d.source,
      iterativePj: iterativeMacs * d.pjPerMac,
      amortizedPj: amortizedMacs * d.pjPerMac,
    })),
    assumptions: 'per multiply-accumulate only: no data movement counted; the per-op prices are rough',
  };
}
