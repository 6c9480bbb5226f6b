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
      `"${printable(input)}" is not an address: use host:port, for example 127.0.0.1:50051 or [::1]:50051.`);
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SkaffoldError('invalidAddress', `Port ${portText} is out of range (1-65535).`);
  }
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, target };
}

function printable(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
