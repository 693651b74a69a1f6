import { Client, Connection } from '@temporalio/client';

/**
 * A lazy client: the api starts (and /health can say "temporal: down") even while Temporal is not
 * reachable yet; calls fail fast with UNAVAILABLE and are answered with 503.
 */
export function createTemporalClient(address: string, namespace: string): Client {
  const connection = Connection.lazy({ address, connectTimeout: 5000 });
  return new Client({ connection, namespace });
}
