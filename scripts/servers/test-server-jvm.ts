/** How the JVM of the test server is launched; shared by the wrapper and the AppCDS training run. */

export const TEST_SERVER_MAIN_CLASS = 'io.temporal.testserver.TestServer';

/**
 * Startup-oriented JVM flags. The SDK gives the server 5 s to answer.
 * Measured on the 2-core dev machine, idle, time until getSystemInfo answers
 * (scripts/servers/bench-test-server.ts):
 *   default JVM flags             ~1160 ms
 *   these flags, no AppCDS        ~1040 ms
 *   these flags + AppCDS archive   ~580 ms
 * Under load (a Go build on both cores) default flags took up to 2.4 s.
 * C1-only and SerialGC avoid JIT and GC threads fighting for the two cores;
 * the archive skips loading and verifying the gRPC/Netty/protobuf classes.
 */
export const TEST_SERVER_JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];

/** Silences CDS warnings (e.g. a class that cannot be archived) that would clutter test output. */
export const QUIET_CDS_FLAGS = ['-Xlog:cds=off', '-Xlog:cds+dynamic=off'];
