/**
 * Printing a benchmark's figures and keeping the results table in BENCHMARKS.md: each row is keyed by
 * (benchmark, figure, N, mode) and replaced on the next run of the same key; other rows are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../lib/paths';
import { machine, machineLine } from './machine';

export interface ResultRow {
  benchmark: string;
  figure: string;
  n: number;
  mode: 'quick' | 'full' | 'custom';
  ours: number; // per second
  baseline: number; // per second
  /** Minimum ours/baseline; undefined → informational figure, no target. */
  target?: number;
  note?: string;
  /** Set when the figure misses whatever its ratio (e.g. requests that failed). */
  failed?: string;
}

const FILE = path.join(projectRoot, 'BENCHMARKS.md');
const START = '<!-- results:start (bench/lib/report.ts rewrites the rows between these markers) -->';
const END = '<!-- results:end -->';
const HEADER = [
  '| benchmark | figure | N | mode | ours /s | baseline /s | ratio | target | verdict | measured | machine | note |',
  '|---|---|---:|---|---:|---:|---:|---:|---|---|---|---|',
];

export const ratioOf = (r: ResultRow) => r.ours / r.baseline;
export const verdictOf = (r: ResultRow) => (r.failed ? '**MISSES**' : r.target === undefined ? 'info' : ratioOf(r) >= r.target ? 'meets' : '**MISSES**');

export function printRow(r: ResultRow): void {
  const ratio = ratioOf(r);
  console.log(
    `  ${r.benchmark} · ${r.figure} · N=${r.n} (${r.mode}): ours ${r.ours.toFixed(1)}/s, baseline ${r.baseline.toFixed(1)}/s, ` +
      `ratio ${ratio.toFixed(3)}${r.target === undefined ? ' (no target: informational)' : `, target ≥ ${r.target} → ${verdictOf(r).replace(/\*/g, '')}`}`,
  );
}

export function recordResults(rows: ResultRow[]): void {
  const m = machine();
  const mShort = `${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, node ${m.node}`;
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  let text = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  if (!text.includes(START) || !text.includes(END)) text += `\n## Results\n\n${START}\n${END}\n`;
  const before = text.slice(0, text.indexOf(START) + START.length);
  const inside = text.slice(text.indexOf(START) + START.length, text.indexOf(END));
  const after = text.slice(text.indexOf(END));
  const keyOf = (cells: string[]) => cells.slice(0, 4).join('|');
  const existing = new Map<string, string>();
  for (const line of inside.split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---') || line.startsWith('| benchmark |')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    existing.set(keyOf(cells), line);
  }
  for (const r of rows) {
    const cells = [
      r.benchmark,
      r.figure,
      String(r.n),
      r.mode,
      r.ours.toFixed(1),
      r.baseline.toFixed(1),
      ratioOf(r).toFixed(3),
      r.target === undefined ? '–' : `≥ ${r.target}`,
      verdictOf(r),
      at,
      mShort,
      (r.note ?? '').replace(/\|/g, '/'),
    ];
    existing.set(keyOf(cells), `| ${cells.join(' | ')} |`);
  }
  const sorted = [...existing.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([, l]) => l);
  fs.writeFileSync(FILE, `${before}\n${[...HEADER, ...sorted].join('\n')}\n${after}`);
  console.log(`  results table updated in ${path.relative(process.cwd(), FILE) || FILE}`);
}

export function printMachine(): void {
  console.log(`machine: ${machineLine()}`);
}
