import { cleanText, Width } from '../base/text';

/** gRPC status codes (grpc/grpc doc/statuscodes.md); local so that errors load without grpc-js. */
const GrpcStatus = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

/**
 * What went wrong, in the terms a user can act on:
 * - invalidAddress: the configured address cannot be parsed.
 * - unreachable: nothing answers there (refused, no route); worth retrying.
 * - ended: Skaffold closed the connection (it exited or restarted); worth retrying.
 * - timeout: Skaffold did not answer in time (frozen, paused, overloaded); worth retrying.
 * - notSkaffold: something answers but is not Skaffold's gRPC API (another gRPC server,
 *   an HTTP server, garbage); retrying the same way will not help.
 * - tooLarge: a message over the size limit; retrying would replay it again.
 * - rejected: Skaffold refused the request (ALREADY_EXISTS, INVALID_ARGUMENT, ...).
 * - cancelled: we cancelled it (dispose, disconnect); a normal end, not an error to show.
 * - unknown: anything else, with the server's details.
 */
export type SkaffoldErrorKind =
  | 'invalidAddress' | 'unreachable' | 'ended' | 'timeout' | 'notSkaffold'
  | 'tooLarge' | 'rejected' | 'cancelled' | 'unknown';

export class SkaffoldError extends Error {
  constructor(
    readonly kind: SkaffoldErrorKind,
    message: string,
    /** The gRPC status code, when the error came from a call. */
    readonly code?: number,
    /** The server's or the transport's own words, cleaned and shortened. */
    readonly details?: string,
  ) {
    super(message);
    this.name = 'SkaffoldError';
  }

  /** Whether trying again later may succeed without the user changing anything. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'ended' || this.kind === 'timeout' || this.kind === 'unknown';
  }
}

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
}

/** Maps a grpc-js error of a call to `rpc` at `address` to a SkaffoldError with a clear message. */
export function toSkaffoldError(err: unknown, address: string, rpc: string): SkaffoldError {
  if (err instanceof SkaffoldError) {
    return err;
  }
  const e = (err ?? {}) as GrpcLikeError;
  const code = typeof e.code === 'number' ? e.code : undefined;
  const details = tidyTransportDetails(cleanText(e.details ?? e.message, Width.line));
  const lower = details.toLowerCase();
  const at = `Skaffold at ${address}`;
  switch (code) {
    case GrpcStatus.CANCELLED:
      return new SkaffoldError('cancelled', `${rpc} was cancelled.`, code, details);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new SkaffoldError('timeout', `${at} did not answer ${rpc} in time: is it frozen, paused in a debugger or overloaded?`, code, details);
    case GrpcStatus.UNIMPLEMENTED:
      return new SkaffoldError('notSkaffold', `The gRPC server at ${address} does not serve Skaffold's API (${rpc} is not implemented there). Check the port given to skaffold --rpc-port.`, code, details);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      if (lower.includes('larger than max') || lower.includes('message length')) {
        return new SkaffoldError('tooLarge', `${at} sent a message larger than the limit in ${rpc}; it was not read (${details}).`, code, details);
      }
      return new SkaffoldError('unknown', `${at} refused ${rpc}: ${details || 'resource exhausted'}.`, code, details);
    case GrpcStatus.ALREADY_EXISTS:
      return new SkaffoldError('rejected', `${at} already has that setting (${rpc}).`, code, details);
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.PERMISSION_DENIED:
      return new SkaffoldError('rejected', `${at} rejected ${rpc}: ${details || 'invalid request'}.`, code, details);
    case GrpcStatus.INTERNAL:
      if (/pars(e|ing)|deserializ|protocol|wire type/.test(lower)) {
        return new SkaffoldError('notSkaffold', `The server at ${address} sent a reply to ${rpc} that is not a valid Skaffold message: is it really Skaffold's --rpc-port?`, code, details);
      }
      return new SkaffoldError('unknown', `${at} failed ${rpc}: ${details || 'internal error'}.`, code, details);
    case GrpcStatus.UNAVAILABLE:
      if (lower.includes('connection dropped') || lower.includes('goaway') || lower.includes('ended by the server')) {
        return new SkaffoldError('ended', `${at} closed the connection: Skaffold exited or restarted.`, code, details);
      }
      if (lower.includes('protocol error') || lower.includes('http2') || lower.includes('invalid') || lower.includes('bad response') || lower.includes('ssl')) {
        return new SkaffoldError('notSkaffold', `Something answers at ${address} but it does not speak gRPC like Skaffold does (${details}).`, code, details);
      }
      return new SkaffoldError('unreachable', `Nothing answers at ${address}: start Skaffold with \`skaffold dev --rpc-port ${portOf(address)}\` or change skaffold.address (${details}).`, code, details);
    default:
      break;
  }
  if (code === undefined) {
    return new SkaffoldError('unknown', `${rpc} to ${address} failed: ${details || 'unknown error'}.`, undefined, details);
  }
  const name = Object.entries(GrpcStatus).find(([, n]) => n === code)?.[0] ?? `code ${code}`;
  if (code === GrpcStatus.UNKNOWN && /content-type|http status|received http/i.test(details)) {
    return new SkaffoldError('notSkaffold', `Something answers at ${address} but it is not a gRPC server (${details}).`, code, details);
  }
  return new SkaffoldError('unknown', `${rpc} to ${address} failed with ${name}: ${details || 'no details'}.`, code, details);
}

/** grpc-js wraps transport errors: "No connection established. Last error: X (time). Resolution note: ". */
function tidyTransportDetails(details: string): string {
  const m = /Last error: (.*?)(?: \(\d{4}-\d\d-\d\dT[^)]*\))?\.?(?: Resolution note:.*)?$/.exec(details);
  return (m ? m[1] : details).trim();
}

function portOf(address: string): string {
  const m = /:(\d+)$/.exec(address);
  return m ? m[1] : 'PORT';
}
