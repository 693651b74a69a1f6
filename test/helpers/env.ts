/** Access to the servers started by the global setup; a missing one is a failure, not a skip. */
export function required(name: 'THIDUA_TEST_MONGO_URI' | 'THIDUA_TEST_TEMPORAL_ADDRESS' | 'THIDUA_TEST_SERVER_PATH' | 'THIDUA_TEST_DIR'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the jest global setup did not start its servers`);
  return v;
}

let counter = 0;
/** A fresh database per test file (and per call), so files never see each other's data. */
export function freshDbUri(label: string): string {
  counter += 1;
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_')}_${process.pid}_${counter}`.slice(0, 60);
  return `${required('THIDUA_TEST_MONGO_URI')}${name}`;
}
