/**
 * When a step's emailed links stop working: long after the step's grace ends, so a late answer still
 * reaches the workflow (which refuses it with its reason). The token carries this instant, so the
 * workflow and the api's "send me my links again" page must compute it the same way.
 */
export function linkExpiry(graceEndsAt: string): string {
  return new Date(Date.parse(graceEndsAt) + 180 * 24 * 3600 * 1000).toISOString();
}
