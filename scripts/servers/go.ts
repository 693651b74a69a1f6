import { tryRun } from './try-run';

/**
 * Check that a Go toolchain is available before trying to build with it, so
 * the error says "install Go" rather than "spawn go ENOENT".
 */
export function requireGo(forWhat: string): void {
  const version = tryRun('go', ['version']);
  if (!version) {
    throw new Error(
      `Cannot ${forWhat}: the Go toolchain ('go') is not on PATH. ` +
        'Install Go >= 1.24 (https://go.dev/dl or `apt-get install golang`) and retry; ' +
        'Go modules are fetched from the Go module proxy.',
    );
  }
}
