import * as net from 'node:net';
import { startTemporalDev, startMongo } from './index';
(async () => {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as net.AddressInfo).port;
  const t0 = Date.now();
  await startTemporalDev({ dbFile: '/tmp/errt/t.db', headless: true, port, startTimeoutMs: 8000 }).catch((e: Error) => console.log('DEV ERROR after', Date.now() - t0, 'ms:\n' + e.message));
  await startMongo({ dataDir: '/tmp/errt/m', port }).catch((e: Error) => console.log('MONGO ERROR:\n' + e.message));
  srv.close();
})();
