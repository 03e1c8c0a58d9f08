/**
 * IDX reading under hostile sizes: the time and peak memory of a 2-sample request against files that declare
 * 1,000 to 4,200,000 16x16 images, plain and gzip (the gzip files are ~1 KB to ~1 MB: concatenated members of
 * zeros, so they inflate to exactly what their header declares). Each case runs in a fresh process and reports
 * its peak resident memory (VmHWM), so one case cannot hide in another's heap.
 *
 *   npm run bench -- idx [--samples 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { encodeIdxImages } from '../src/io/idx.js';
import { report, type BenchRecord } from './common.js';

const args = process.argv.slice(2);
if (args[0] === '--child') {
  // child: read the file, print seconds and peak RSS
  const { loadData } = await import('../src/data/datasets.js');
  const t0 = performance.now();
  const d = loadData(`idx:${args[1]}`, 'test', Number(args[2]));
  const sec = (performance.now() - t0) / 1000;
  // VmHWM (Linux): this process image's peak resident memory. maxRSS would carry the parent's peak over the
  // fork before exec, so it is only the fallback.
  let peakKB = process.resourceUsage().maxRSS;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'));
    if (m) peakKB = Number(m[1]);
  } catch {
    // not Linux
  }
  console.log(JSON.stringify({ n: d.N, sec, maxRssMB: peakKB / 1024 }));
  process.exit(0);
}

const SAMPLES = args.includes('--samples') ? Number(args[args.indexOf('--samples') + 1]) : 2;
const dir = mkdtempSync(join(tmpdir(), 'ipvae-bench-idx-'));
const rows: BenchRecord[] = [];
const MB16 = 16 * 2 ** 20;
const zerosGz = gzipSync(Buffer.alloc(MB16), { level: 9 });
try {
  for (const declared of [1000, 100_000, 4_200_000]) {
    const head = encodeIdxImages(0, 16, 16, new Uint8Array(0));
    head.writeUInt32BE(declared, 4);
    const bytes = declared * 256;
    const plain = join(dir, `d${declared}.idx`),
      gz = join(dir, `d${declared}.idx.gz`);
    writeFileSync(plain, Buffer.concat([head, Buffer.alloc(Math.min(bytes, 4 * MB16))])); // truncated past 64 MB
    const members = [gzipSync(head)];
    for (let left = bytes; left > 0; left -= MB16)
      members.push(left >= MB16 ? zerosGz : gzipSync(Buffer.alloc(left), { level: 9 }));
    writeFileSync(gz, Buffer.concat(members));
    for (const [kind, file] of [
      ['plain', plain],
      ['gzip', gz],
    ] as const) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file, String(SAMPLES)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      const j = JSON.parse(r.stdout) as { n: number; sec: number; maxRssMB: number };
      const name = `${kind} IDX declaring ${declared.toLocaleString('en-US')} images (${(statSync(file).size / 1024).toFixed(0)} KB), ${SAMPLES} asked`;
      console.error(`${name}: ${(j.sec * 1000).toFixed(1)} ms, peak ${j.maxRssMB.toFixed(0)} MB`);
      rows.push({ case: name, metric: 'read time', value: j.sec * 1000, unit: 'ms' });
      rows.push({ case: name, metric: 'peak resident memory (whole process)', value: j.maxRssMB, unit: 'MB' });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
report('idx', rows);
