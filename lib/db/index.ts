import mongoose, { type Connection } from 'mongoose';
import { createModels, type Models } from './models';

export * from './models';

export interface Db {
  conn: Connection;
  models: Models;
  close(): Promise<void>;
  /** True while the driver holds a live connection (used by /health and the SMTP server). */
  isUp(): boolean;
}

export async function connectDb(uri: string): Promise<Db> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5000,
    // Fail fast instead of queueing operations forever while the server is down.
    bufferCommands: false,
  });
  await conn.asPromise();
  const models = createModels(conn);
  await Promise.all(Object.values(models).map((m) => m.init()));
  return { conn, models, close: () => conn.close(), isUp: () => conn.readyState === 1 };
}
