// Entry point of the worker's workflow bundle: deterministic code only (see eslint.config.mjs).
export { cycleWorkflow } from './cycle/cycle-workflow';
export { clusterWorkflow } from './cycle/cluster-workflow';
export { unitWorkflow } from './cycle/unit-workflow';
export { dailyMailWorkflow } from './cycle/daily-mail-workflow';
