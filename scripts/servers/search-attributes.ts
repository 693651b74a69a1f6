/**
 * Register custom search attributes on a running server.
 *
 * The dev server takes them as start flags, but the Java time-skipping test
 * server has no such flag and rejects workflows that use unknown attributes,
 * so tests register them through the operator service instead.
 */
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import type { SearchAttributeType } from './temporal-dev';

// gRPC status codes (grpc-js is not a direct dependency of ours).
const GRPC_ALREADY_EXISTS = 6;
const GRPC_UNIMPLEMENTED = 12;

/** Values of temporal.api.enums.v1.IndexedValueType. */
const INDEXED_VALUE_TYPE = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
} as const satisfies Record<SearchAttributeType, number>;

/**
 * Add the attributes that are missing; attributes already registered with the
 * same type are left alone, so calling this twice is fine. An attribute that
 * exists with a different type is an error: silently keeping the old type
 * would make queries fail later in confusing ways.
 *
 * The Java test server does not implement listSearchAttributes, so there we
 * add each attribute on its own and take ALREADY_EXISTS as success (its type
 * cannot be checked).
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  attrs: Record<string, SearchAttributeType>,
): Promise<void> {
  const known = await listSearchAttributes(connection, namespace);

  for (const [name, type] of Object.entries(attrs)) {
    const wanted = INDEXED_VALUE_TYPE[type];
    const have = known?.[name];
    if (have === wanted) continue;
    if (have !== undefined) {
      throw new Error(
        `Search attribute '${name}' already exists in namespace '${namespace}' with type ${typeName(have)}, ` +
          `not ${type}. Use another name, or restart the server with a fresh database.`,
      );
    }
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [name]: wanted } });
    } catch (err) {
      // Already there (another caller won the race, or the server could not list).
      if (!hasGrpcCode(err, GRPC_ALREADY_EXISTS)) {
        throw new Error(`Could not add search attribute '${name}' (${type}) to namespace '${namespace}': ${String(err)}`, { cause: err });
      }
    }
  }
}

/** Registered attributes by name, or undefined when the server cannot list them. */
async function listSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Record<string, number> | undefined> {
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    return { ...(res.systemAttributes ?? {}), ...(res.customAttributes ?? {}) };
  } catch (err) {
    if (hasGrpcCode(err, GRPC_UNIMPLEMENTED)) return undefined;
    throw err;
  }
}

function hasGrpcCode(err: unknown, code: number): boolean {
  return isGrpcServiceError(err) && err.code === code;
}

function typeName(value: number): string {
  const entry = Object.entries(INDEXED_VALUE_TYPE).find(([, v]) => v === value);
  return entry ? entry[0] : `#${value}`;
}
