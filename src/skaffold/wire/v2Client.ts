import * as grpc from '@grpc/grpc-js';
import type * as net from 'net';
import { parseAddress, SkaffoldAddress } from './address';
import { channelOptions, closeChannel, socketTrackingCredentials } from './client';
import { SkaffoldError, toSkaffoldError } from './errors';
import { loadSkaffoldV2PackageDefinition, V2Event, V2State } from './protocolV2';

/** gRPC's UNIMPLEMENTED: what a Skaffold without the v2 API (v1.x) answers to a v2 call. */
const UNIMPLEMENTED = 12;

export interface V2ClientOptions {
  /** Largest message accepted from Skaffold, in bytes (default 4 MiB, gRPC's own default). */
  maxReceiveMessageBytes?: number;
  /** Deadline for unary calls, in ms (default 5000). */
  callTimeoutMs?: number;
}

export interface V2StreamHandlers {
  onEvent(event: V2Event): void;
  /** Skaffold answered the call: the stream is open (before or with its first event). */
  onOpen?(): void;
  /** Called once when the stream ends for any reason but our own cancel(). */
  onEnd(error: SkaffoldError): void;
}

export interface V2Subscription {
  cancel(): void;
}

/** Which v2 stream a subscription reads; named in error messages. */
export type V2Stream = 'ApplicationLogs' | 'Events';

/**
 * A Skaffold that does not serve the v2 API (Skaffold v1.x answers UNIMPLEMENTED). Not
 * retryable: asking again will get the same answer until another Skaffold runs there.
 */
export class SkaffoldV2UnsupportedError extends SkaffoldError {
  constructor(address: string, readonly rpc: V2Stream | 'GetState', details?: string) {
    super('rejected', unsupportedMessage(address, rpc), UNIMPLEMENTED, details);
    this.name = 'SkaffoldV2UnsupportedError';
  }
}

function unsupportedMessage(address: string, rpc: V2Stream | 'GetState'): string {
  const what = rpc === 'ApplicationLogs' ? 'container logs' : 'its build and deploy output per phase';
  return `The Skaffold at ${address} does not serve ${what}: that needs Skaffold v2 or newer (it has only the v1 API).`;
}

/** Whether `err` says that the Skaffold there has no v2 API (or not this part of it). */
export function isV2Unsupported(err: unknown): err is SkaffoldV2UnsupportedError {
  return err instanceof SkaffoldV2UnsupportedError;
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, value?: unknown) => void,
) => grpc.ClientUnaryCall;

interface SkaffoldV2GrpcClient extends grpc.Client {
  GetState: UnaryMethod;
  Events(request: unknown, options?: grpc.CallOptions): grpc.ClientReadableStream<V2Event>;
  ApplicationLogs(request: unknown, options?: grpc.CallOptions): grpc.ClientReadableStream<V2Event>;
}

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

function getServiceConstructor(): grpc.ServiceClientConstructor {
  if (!serviceConstructor) {
    const loaded = grpc.loadPackageDefinition(loadSkaffoldV2PackageDefinition()) as unknown as {
      proto: { v2: { SkaffoldV2Service: grpc.ServiceClientConstructor } };
    };
    serviceConstructor = loaded.proto.v2.SkaffoldV2Service;
  }
  return serviceConstructor;
}

/**
 * One gRPC channel to one Skaffold's v2 API, for what only v2 has: container logs
 * (ApplicationLogs) and Skaffold's own output per task (Events). Control stays with the v1
 * client. Like that client it never reconnects by itself, never sends keepalive pings (Skaffold
 * cuts off clients that ping more often than every 5 minutes) and leaves nothing open once
 * disposed.
 */
export class SkaffoldV2Client {
  readonly address: SkaffoldAddress;
  private readonly client: SkaffoldV2GrpcClient;
  private readonly callTimeoutMs: number;
  private readonly calls = new Set<grpc.Call>();
  private readonly sockets = new Set<net.Socket>();
  private disposed = false;

  constructor(address: string | SkaffoldAddress, options: V2ClientOptions = {}) {
    this.address = typeof address === 'string' ? parseAddress(address) : address;
    this.callTimeoutMs = options.callTimeoutMs ?? 5000;
    const Ctor = getServiceConstructor();
    // The same channel settings as the v1 client.
    this.client = new Ctor(this.address.target, socketTrackingCredentials(this.sockets), channelOptions(options.maxReceiveMessageBytes)) as unknown as SkaffoldV2GrpcClient;
  }

  /** Skaffold's state in v2 spelling. */
  getState(timeoutMs = this.callTimeoutMs): Promise<V2State> {
    if (this.disposed) {
      return Promise.reject(new SkaffoldError('cancelled', 'The client is disposed.'));
    }
    return new Promise<V2State>((resolve, reject) => {
      const call = this.client.GetState({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => {
        this.calls.delete(call);
        if (err) {
          reject(this.mapError(err, 'GetState'));
        } else {
          resolve((value ?? {}) as V2State);
        }
      });
      this.calls.add(call);
    });
  }

  /** Container logs: the current iteration's buffer first, then live lines. */
  subscribeApplicationLogs(handlers: V2StreamHandlers): V2Subscription {
    return this.stream('ApplicationLogs', handlers);
  }

  /** Every v2 event since Skaffold started, then live ones. */
  subscribeEvents(handlers: V2StreamHandlers): V2Subscription {
    return this.stream('Events', handlers);
  }

  /** Cancels every call and closes the channel. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    closeChannel(this.client, this.calls, this.sockets);
  }

  private mapError(err: unknown, rpc: V2Stream | 'GetState'): SkaffoldError {
    const error = toSkaffoldError(err, this.address.target, `v2 ${rpc}`);
    if (error.code === UNIMPLEMENTED) {
      return new SkaffoldV2UnsupportedError(this.address.target, rpc, error.details);
    }
    return error;
  }

  private stream(rpc: V2Stream, handlers: V2StreamHandlers): V2Subscription {
    if (this.disposed) {
      throw new SkaffoldError('cancelled', 'The client is disposed.');
    }
    const call = rpc === 'Events' ? this.client.Events({}) : this.client.ApplicationLogs({});
    this.calls.add(call);
    let done = false;
    let cancelled = false;
    let opened = false;
    const open = () => {
      if (!opened && !done && !cancelled) {
        opened = true;
        handlers.onOpen?.();
      }
    };
    const finish = (error: SkaffoldError) => {
      if (done) {
        return;
      }
      done = true;
      this.calls.delete(call);
      // Our own cancel() or dispose() ends the stream silently.
      if (!cancelled && !this.disposed) {
        handlers.onEnd(error);
      }
    };
    call.on('metadata', open);
    call.on('data', (event: V2Event) => {
      if (!done && !cancelled) {
        open();
        handlers.onEvent(event);
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      const error = this.mapError(err, rpc);
      finish(error.kind === 'cancelled'
        ? new SkaffoldError('ended', `Skaffold at ${this.address.target} cancelled the v2 ${rpc} stream.`, error.code, error.details)
        : error);
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) {
        finish(new SkaffoldError('ended', `Skaffold at ${this.address.target} ended the v2 ${rpc} stream.`, status.code));
      }
    });
    call.on('end', () => {
      setImmediate(() => finish(new SkaffoldError('ended', `Skaffold at ${this.address.target} ended the v2 ${rpc} stream.`)));
    });
    return {
      cancel: () => {
        if (!done) {
          cancelled = true;
          call.cancel();
        }
      },
    };
  }
}
