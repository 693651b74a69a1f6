/** What a figure was measured on, and how much CPU each process spent while it was measured. */
import fs from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export const machineLine = (m: Machine = machine()) =>
  `${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, node ${m.node}, ${m.platform}; load avg at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user+system) of this process and of each direct child process (the servers). */
export function cpuSnapshot(): Map<string, number> {
  const out = new Map<string, number>();
  const me = process.cpuUsage();
  out.set('node (bench + worker + SMTP sink)', (me.user + me.system) / 1e6);
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // f[0] = state, f[1] = ppid, f[11] = utime, f[12] = stime (fields 3, 4, 14, 15 of stat(5))
      if (Number(f[1]) !== process.pid || comm === 'sh') continue;
      const name = /temporal/.test(comm) ? 'temporal dev server' : /ferret|mongod/.test(comm) ? `mongo server (${comm})` : comm;
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / TICK);
    } catch {
      // the process went away
    }
  }
  return out;
}

/** CPU seconds spent per process between two snapshots. */
export function cpuDelta(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of b) d[k] = Math.round((v - (a.get(k) ?? 0)) * 100) / 100;
  return d;
}
