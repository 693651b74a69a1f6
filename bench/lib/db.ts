/**
 * The project's models on a connection with MongoDB command monitoring turned on, so a benchmark can
 * (a) count what the worker and the SMTP sink write without polling the server, and (b) say how many
 * round trips each message or unit costs and how long they took.
 */
import mongoose from 'mongoose';
import { createModels, type Db } from '../../lib/db';

export interface CommandStat {
  count: number;
  totalMs: number;
}

export interface MonitoredDb extends Db {
  /** key "<command> <collection>" → count and summed server round-trip time. */
  stats: Map<string, CommandStat>;
  resetStats(): void;
  /** Called for every successful command (after it is counted). */
  onSucceeded(fn: (command: string, collection: string, reply: Record<string, unknown>) => void): void;
}

export async function connectMonitoredDb(uri: string): Promise<MonitoredDb> {
  const conn = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000, bufferCommands: false, monitorCommands: true });
  await conn.asPromise();
  const models = createModels(conn);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const stats = new Map<string, CommandStat>();
  const pending = new Map<number, string>();
  const listeners: ((command: string, collection: string, reply: Record<string, unknown>) => void)[] = [];
  const client = conn.getClient();
  client.on('commandStarted', (e) => {
    const coll = e.command[e.commandName];
    pending.set(e.requestId, `${e.commandName} ${typeof coll === 'string' ? coll : ''}`.trim());
  });
  client.on('commandSucceeded', (e) => {
    const key = pending.get(e.requestId) ?? e.commandName;
    pending.delete(e.requestId);
    const s = stats.get(key) ?? { count: 0, totalMs: 0 };
    s.count += 1;
    s.totalMs += e.duration;
    stats.set(key, s);
    const [command, collection = ''] = key.split(' ');
    for (const l of listeners) l(command, collection, (e.reply ?? {}) as Record<string, unknown>);
  });
  client.on('commandFailed', (e) => pending.delete(e.requestId));
  return {
    conn,
    models,
    close: () => conn.close(),
    isUp: () => conn.readyState === 1,
    stats,
    resetStats: () => stats.clear(),
    onSucceeded: (fn) => listeners.push(fn),
  };
}

/** Round trips and summed latency per command, as table lines, for `perUnit` units of work. */
export function statLines(stats: Map<string, CommandStat>, perUnit: number, unitName: string): string[] {
  const rows = [...stats.entries()].filter(([k]) => !/^(hello|ping|isMaster|endSessions)/.test(k)).sort((a, b) => b[1].totalMs - a[1].totalMs);
  return rows.map(
    ([k, s]) =>
      `${k.padEnd(28)} ${String(s.count).padStart(7)} calls  ${(s.count / perUnit).toFixed(2).padStart(6)}/${unitName}  ` +
      `total ${(s.totalMs / 1000).toFixed(1).padStart(7)} s  mean ${(s.totalMs / s.count).toFixed(1).padStart(7)} ms`,
  );
}
