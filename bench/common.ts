/** Shared helpers for benchmarks: the result record, the table, the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export interface BenchRecord {
  case: string;
  metric: string;
  value: number;
  unit: string;
}

export function benchDir(): string {
  // dist/bench/common.js -> <root>/bench
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, Node ${process.version}`;
}

export function report(name: string, rows: BenchRecord[]): void {
  const cells = [['case', 'metric', 'value', 'unit'], ...rows.map((r) => [r.case, r.metric, fmt(r.value), r.unit])];
  const w = [0, 1, 2, 3].map((i) => Math.max(...cells.map((c) => c[i].length)));
  console.log(cells.map((c) => c.map((x, i) => (i === 2 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ')).join('\n'));
  const dir = join(benchDir(), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(rows, null, 1) + '\n');
  console.log(`\nwrote ${file} (${machine()})`);
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(4);
}
