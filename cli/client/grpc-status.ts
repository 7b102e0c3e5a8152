/**
 * How a gRPC call over grpc-transport.ts ended when it did not succeed: the status codes
 * (doc/statuscodes.md, the same numbers as @grpc/grpc-js's `status`), the error a call rejects
 * with, and the rules that turn HTTP/2 answers without a gRPC status into one
 * (doc/http-grpc-status-mapping.md).
 */

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

const NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([name, code]) => [code, name])) as Record<number, string>;

/**
 * A call that ended with a status other than OK. `metadata` holds the trailing metadata (for a
 * trailers-only answer, its headers) without HTTP/2's and gRPC's own headers; repeated keys
 * are joined with commas and `-bin` values stay base64. Transport failures are UNAVAILABLE with, as `cause`,
 * the system error (`code` ENOENT, ECONNREFUSED, ECONNRESET...) and `connected` saying whether
 * the connection had been made.
 */
export class GrpcError extends Error {
  /** False when the call failed because no connection could be made. */
  readonly connected: boolean;

  constructor(
    readonly code: number,
    readonly details: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown; connected?: boolean },
  ) {
    super(`${code} ${NAMES[code] ?? 'UNKNOWN'}: ${details}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GrpcError';
    this.connected = options?.connected ?? true;
  }
}

/** The status for an HTTP status other than 200 (a proxy, or not a gRPC server). */
export function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** `grpc-message` is percent-encoded UTF-8; a malformed one is kept as it came. */
export function decodeGrpcMessage(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
