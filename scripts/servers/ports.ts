import * as net from 'node:net';

/**
 * Ask the kernel for a free TCP port on 127.0.0.1.
 *
 * There is a small race between closing our probe socket and the server
 * binding the port; it is acceptable for dev and tests, and far less likely
 * to collide than fixed ports when several suites run in parallel.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: the kernel returned no port'));
      });
    });
  });
}

/**
 * Resolve once something accepts TCP connections on 127.0.0.1:`port`.
 *
 * Readiness checks poll this before opening a gRPC connection: a refused
 * gRPC connect backs off for about a second before retrying, which would
 * add up to a second to every server start.
 */
export function tcpAccepts(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}
