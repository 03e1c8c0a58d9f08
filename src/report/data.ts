import type { CompareResult } from '../baselines/compare.js';

/**
 * What a report shows: plain numbers (JSON-ready, camelCase; written as snake_case to report.json), built by
 * src/report/build.ts from the runs and drawn by src/report/render.ts. Every section is optional: a report on a
 * network that is not an iP-VAE has no atoms and no R^2, a report without a validation run has no bit-width table.
 */
export interface ReportData {
  title: string;
  /** ISO date the report was made (informational; the plots never depend on it). */
  created: string;
  /** Free-form lines under the title: model, data, inputs x steps, seed, profile. */
  summary: string[];
  /** Key figures shown as tiles at the top: label, value, unit (value already formatted). */
  headline: { label: string; value: string; unit?: string }[];
  /** The dictionary: one grey PNG mosaic of the atoms (base64, no data: prefix), its size in pixels. */
  atoms?: { pngBase64: string; width: number; height: number; caption: string };
  /**
   * Quality and cost against the step t (t = 1, 2, 4, ..., T and a finer grid): R^2 and PZ (mean over inputs),
   * energy spent by step t (pJ per inference; null when not priced). The float model's curve, where run. All
   * arrays have the length of t.
   */
  budget?: {
    t: number[];
    r2: number[];
    pz: number[];
    energyPj: (number | null)[];
    floatR2?: number[];
    /** --target-r2: the step where R^2 first reaches it. */
    target?: { r2: number; t: number | null };
  };
  /** Spikes of one input: neuron n fired at step t, t in 1..steps (graded counts: count > 1). Rows are neurons 0..neurons-1. */
  raster?: {
    population: string;
    neurons: number;
    steps: number;
    /** Flat pairs [t0, n0, t1, n1, ...]. */
    events: number[];
    /** Per event, its count (absent: all 1). */
    counts?: number[];
    caption: string;
  };
  /** Energy per inference by event kind (pJ; null = not priced) and by core. */
  energy?: {
    profile: string;
    components: { event: string; price: string; count: number; energyPj: number | null }[];
    byCorePj: number[];
    totalPj: number | null;
    notPriced: string[];
    /** Step latency distribution (ns): the step latency of every step of the first input, and summary stats. */
    stepNs: number[];
    latencyPerInferenceNs: number | null;
  };
  /** The chip: a width x height mesh of tiles, cores per tile; per used core its tile, occupancy and traffic. */
  mesh?: {
    width: number;
    height: number;
    coresPerTile: number;
    neuronsPerCore: number;
    cores: {
      index: number;
      x: number;
      y: number;
      /** Position inside the tile, 0..coresPerTile-1. */
      slot: number;
      neurons: number;
      messagesIn: number;
      messagesOut: number;
      energyPj: number | null;
    }[];
    /** Traffic between tiles: messages per inference from tile (x0,y0) to tile (x1,y1), x0,y0 != x1,y1. */
    links: { from: [number, number]; to: [number, number]; messages: number }[];
  };
  /** Float vs integer over weight widths. */
  validation?: {
    rows: { bits: number; floatR2: number; intR2: number; floatPz: number; intPz: number; rateCorr: number }[];
  };
  /** The same job done densely (pJ per inference); the renderer states the chip's ratio to each (energy.totalPj). */
  baseline?: {
    assumptions: string;
    rows: { device: string; iterativePj: number; amortizedPj: number; source: string }[];
  };
  /** Every shipped profile's totals for the same network (where it fits). */
  profiles?: ProfileTotals[];
  /** `ipvae compare`'s results (report --compare compare.json): the trade-off plot and the families' best. */
  compare?: CompareResult;
}

/** One profile's totals per inference for a network: null where it does not fit or nothing is priced. */
export interface ProfileTotals {
  name: string;
  fits: boolean;
  cores: number | null;
  energyPj: number | null;
  latencyNs: number | null;
  note: string;
}
