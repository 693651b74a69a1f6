/**
 * Custom search attributes on every thidua workflow, so the secretariat can list "all units of cluster X
 * still open in stage Y" straight from Temporal visibility. Servers must register them before use:
 * SEARCH_ATTRIBUTE_TYPES is what the dev server flags, the test server and docker-compose register.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  body: defineSearchAttributeKey('ThiduaBody', SearchAttributeType.KEYWORD),
  year: defineSearchAttributeKey('ThiduaYear', SearchAttributeType.INT),
  level: defineSearchAttributeKey('ThiduaLevel', SearchAttributeType.KEYWORD),
  cluster: defineSearchAttributeKey('ThiduaCluster', SearchAttributeType.KEYWORD),
  unit: defineSearchAttributeKey('ThiduaUnit', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('ThiduaStage', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('ThiduaStatus', SearchAttributeType.KEYWORD),
  dueAt: defineSearchAttributeKey('ThiduaDueAt', SearchAttributeType.DATETIME),
} as const;

export const SEARCH_ATTRIBUTE_TYPES = {
  ThiduaBody: 'Keyword',
  ThiduaYear: 'Int',
  ThiduaLevel: 'Keyword',
  ThiduaCluster: 'Keyword',
  ThiduaUnit: 'Keyword',
  ThiduaStage: 'Keyword',
  ThiduaStatus: 'Keyword',
  ThiduaDueAt: 'Datetime',
} as const;
