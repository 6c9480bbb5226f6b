import { isLoopbackHost, oneLine, Width } from '../base/text';
import { SkaffoldError } from './errors';

export interface SkaffoldAddress {
  host: string;
  port: number;
  /** What grpc-js is given: `host:port`, or `[v6]:port`. */
  target: string;
}

const HOST_PORT = /^([A-Za-z0-9.-]+):(\d{1,5})$/;
const V6_PORT = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;

/**
 * Parses what a user types as Skaffold's address: `127.0.0.1:50051`, `localhost:50051`,
 * `[::1]:50051`, or a bare port (`50051`, meaning 127.0.0.1, where Skaffold binds).
 * A leading `grpc://` or `http://` is tolerated.
 */
export function parseAddress(input: string): SkaffoldAddress {
  const text = input.trim().replace(/^(grpc|https?):\/\//i, '').replace(/\/+$/, '');
  let host: string;
  let portText: string;
  let match: RegExpExecArray | null;
  if (/^\d{1,5}$/.test(text)) {
    host = '127.0.0.1';
    portText = text;
  } else if ((match = V6_PORT.exec(text))) {
    host = match[1];
    portText = match[2];
  } else if ((match = HOST_PORT.exec(text))) {
    host = match[1];
    portText = match[2];
  } else {
    throw new SkaffoldError('invalidAddress',
      `"${oneLine(input, Width.code)}" is not an address: use host:port, for example 127.0.0.1:50051 or [::1]:50051.`);
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SkaffoldError('invalidAddress', `Port ${portText} is out of range (1-65535).`);
  }
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, target };
}

/**
 * Whether an address is on this machine (base/text.ts isLoopbackHost). Skaffold binds its
 * API to 127.0.0.1 only, and the API has no authentication and no encryption: any other
 * address means the dev loop is reachable, and readable, over a network.
 */
export function isLoopbackAddress(address: SkaffoldAddress | string): boolean {
  let host: string;
  try {
    host = (typeof address === 'string' ? parseAddress(address) : address).host;
  } catch {
    return true; // not an address at all: the session reports that, there is nothing to warn of
  }
  return isLoopbackHost(host);
}
