import * as grpc from '@grpc/grpc-js';
import type * as net from 'net';
import { parseAddress, SkaffoldAddress } from './address';
import { createEntryDecoder, EntryDecoder, enumNames } from './entryDecoder';
import { SkaffoldError, toSkaffoldError } from './errors';
import { Event as SkaffoldEvent, Intent, loadSkaffoldPackageDefinition, LogEntry, Phase, State } from './protocol';

export interface ClientOptions {
  /** Largest message accepted from Skaffold, in bytes (default 4 MiB, gRPC's own default). */
  maxReceiveMessageBytes?: number;
  /** Deadline for unary calls, in ms (default 5000). */
  callTimeoutMs?: number;
}

export interface EventStreamHandlers {
  /** `bytes`: the entry as it came on the wire (valid during the call only: copy to keep). */
  onEntry(entry: LogEntry, bytes: Uint8Array): void;
  /** Called once when the stream ends for any reason but our own cancel(). */
  onEnd(error: SkaffoldError): void;
}

export interface EventSubscription {
  cancel(): void;
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, value?: unknown) => void,
) => grpc.ClientUnaryCall;

interface SkaffoldGrpcClient extends grpc.Client {
  GetState: UnaryMethod;
  Execute: UnaryMethod;
  AutoBuild: UnaryMethod;
  AutoSync: UnaryMethod;
  AutoDeploy: UnaryMethod;
  Handle: UnaryMethod;
}

/** What the Events stream delivers: the decoded entry and the bytes it was decoded from. */
interface Received {
  entry: LogEntry;
  bytes: Buffer;
}

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

function getServiceConstructor(): grpc.ServiceClientConstructor {
  if (!serviceConstructor) {
    const loaded = grpc.loadPackageDefinition(loadSkaffoldPackageDefinition()) as unknown as {
      proto: { SkaffoldService: grpc.ServiceClientConstructor };
    };
    serviceConstructor = loaded.proto.SkaffoldService;
  }
  return serviceConstructor;
}

let entryDecoder: EntryDecoder | undefined;

/** Our decoder of LogEntry bytes, with proto-loader's as its reference (entryDecoder.ts). */
export function getEntryDecoder(): EntryDecoder {
  if (!entryDecoder) {
    const definition = loadSkaffoldPackageDefinition();
    entryDecoder = createEntryDecoder(
      getServiceConstructor().service.Events.responseDeserialize,
      enumNames(definition['proto.enums.StatusCode']),
      enumNames(definition['proto.enums.SuggestionCode']),
    );
  }
  return entryDecoder;
}

/** Decodes a LogEntry from its wire bytes, as the Events stream does. */
export function decodeEntry(bytes: Uint8Array): LogEntry {
  return getEntryDecoder()(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The Events method, delivering each entry with its bytes (for a log that keeps bytes, not objects). */
function eventsWithBytes(client: grpc.Client): grpc.ClientReadableStream<Received> {
  const method = getServiceConstructor().service.Events;
  const decode = getEntryDecoder();
  return client.makeServerStreamRequest<unknown, Received>(method.path, method.requestSerialize, (bytes: Buffer) => ({ entry: decode(bytes), bytes }), {});
}

const AUTO_RPC: Record<Phase, 'AutoBuild' | 'AutoSync' | 'AutoDeploy'> = {
  build: 'AutoBuild',
  sync: 'AutoSync',
  deploy: 'AutoDeploy',
};

interface SecureConnector {
  connect(socket: net.Socket): Promise<unknown>;
}

/**
 * Insecure credentials that hand each TCP socket of the channel to `sockets`, so that
 * dispose() can close it. grpc-js never gives up on a connection whose server accepted TCP
 * but never sends HTTP/2 SETTINGS (grpc-node issue 2785: a frozen Skaffold, a port held by
 * something else), and closing the client does not close it either. Uses grpc-js's
 * `_createSecureConnector` hook; without it (another grpc-js), plain insecure credentials.
 */
export function socketTrackingCredentials(sockets: Set<net.Socket>): grpc.ChannelCredentials {
  type Hooked = { _createSecureConnector?: (...args: unknown[]) => SecureConnector };
  const base = grpc.credentials.createInsecure();
  const create = (base as unknown as Hooked)._createSecureConnector;
  if (typeof create !== 'function') {
    return base;
  }
  const tracking = Object.create(base) as grpc.ChannelCredentials;
  (tracking as unknown as Hooked)._createSecureConnector = (...args: unknown[]) => {
    const connector = create.apply(base, args);
    const wrapped = Object.create(connector) as SecureConnector;
    wrapped.connect = (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return connector.connect(socket);
    };
    return wrapped;
  };
  return tracking;
}

/** The channel settings of every client of Skaffold's API (v1 and v2). No keepalive: see below. */
export function channelOptions(maxReceiveMessageBytes = 4 * 1024 * 1024): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxReceiveMessageBytes,
    // Fail fast rather than queue on a channel that is not connected: the session retries.
    'grpc.enable_retries': 0,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
    // Each session attempt gets its own channel, not a shared pooled one.
    'grpc.use_local_subchannel_pool': 1,
  };
}

/**
 * Closes a client's channel and everything it has open: its calls, and the sockets grpc-js
 * would leave open (a connection still waiting for the server's first frame).
 */
export function closeChannel(client: grpc.Client, calls: Set<grpc.Call>, sockets: Set<net.Socket>): void {
  for (const call of calls) {
    call.cancel();
  }
  calls.clear();
  for (const socket of sockets) {
    socket.destroy();
  }
  sockets.clear();
  client.close();
}

/**
 * One gRPC channel to one Skaffold: the v1 RPCs, typed, with every failure mapped to a
 * SkaffoldError. It never reconnects by itself (the session does that, with a new client),
 * and it never sends keepalive pings: Skaffold's grpc-go server cuts off clients that ping
 * more often than every 5 minutes.
 */
export class SkaffoldClient {
  readonly address: SkaffoldAddress;
  private readonly client: SkaffoldGrpcClient;
  private readonly callTimeoutMs: number;
  private readonly calls = new Set<grpc.Call>();
  private readonly sockets = new Set<net.Socket>();
  private disposed = false;

  constructor(address: string | SkaffoldAddress, options: ClientOptions = {}) {
    this.address = typeof address === 'string' ? parseAddress(address) : address;
    this.callTimeoutMs = options.callTimeoutMs ?? 5000;
    const Ctor = getServiceConstructor();
    this.client = new Ctor(this.address.target, socketTrackingCredentials(this.sockets), channelOptions(options.maxReceiveMessageBytes)) as unknown as SkaffoldGrpcClient;
  }

  getState(timeoutMs = this.callTimeoutMs): Promise<State> {
    return this.unary<State>('GetState', {}, timeoutMs);
  }

  execute(intent: Intent, timeoutMs = this.callTimeoutMs): Promise<void> {
    return this.unary('Execute', { intent }, timeoutMs).then(() => undefined);
  }

  setAutoTrigger(phase: Phase, enabled: boolean, timeoutMs = this.callTimeoutMs): Promise<void> {
    return this.unary(AUTO_RPC[phase], { state: { enabled } }, timeoutMs).then(() => undefined);
  }

  /** Injects an event into Skaffold's stream. Never send a TerminationEvent. */
  handle(event: SkaffoldEvent, timeoutMs = this.callTimeoutMs): Promise<void> {
    if (event.terminationEvent || event.event_type === 'terminationEvent') {
      return Promise.reject(new SkaffoldError('rejected', 'A TerminationEvent would end Skaffold\'s event stream for every client; not sent.'));
    }
    return this.unary('Handle', event, timeoutMs).then(() => undefined);
  }

  /** Subscribes to Events: the whole history first, then live events. */
  subscribe(handlers: EventStreamHandlers): EventSubscription {
    if (this.disposed) {
      throw new SkaffoldError('cancelled', 'The client is disposed.');
    }
    const call = eventsWithBytes(this.client);
    this.calls.add(call);
    let done = false;
    let cancelled = false;
    const finish = (error: SkaffoldError) => {
      if (done) {
        return;
      }
      done = true;
      this.calls.delete(call);
      if (!cancelled) {
        handlers.onEnd(error);
      }
    };
    call.on('data', (received: Received) => {
      if (!done && !cancelled) {
        handlers.onEntry(received.entry, received.bytes);
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      const error = toSkaffoldError(err, this.address.target, 'Events');
      // CANCELLED that we did not ask for: the server dropped the stream.
      finish(error.kind === 'cancelled' ? new SkaffoldError('ended', `Skaffold at ${this.address.target} cancelled the event stream.`, error.code, error.details) : error);
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) {
        finish(new SkaffoldError('ended', `Skaffold at ${this.address.target} ended the event stream.`, status.code));
      }
    });
    call.on('end', () => {
      // 'status' or 'error' follows; if neither ever comes, treat the end as Skaffold leaving.
      setImmediate(() => finish(new SkaffoldError('ended', `Skaffold at ${this.address.target} ended the event stream.`)));
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

  /** Cancels every call and closes the channel; nothing is left to keep the process alive. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    closeChannel(this.client, this.calls, this.sockets);
  }

  private unary<T>(rpc: Exclude<keyof SkaffoldGrpcClient, keyof grpc.Client | 'Events'>, request: unknown, timeoutMs: number): Promise<T> {
    if (this.disposed) {
      return Promise.reject(new SkaffoldError('cancelled', 'The client is disposed.'));
    }
    return new Promise<T>((resolve, reject) => {
      const method = this.client[rpc].bind(this.client) as UnaryMethod;
      const call = method(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => {
        this.calls.delete(call);
        if (err) {
          const error = toSkaffoldError(err, this.address.target, rpc);
          reject(error.kind === 'cancelled' && !this.disposed
            ? new SkaffoldError('ended', `Skaffold at ${this.address.target} cancelled ${rpc}.`, error.code, error.details)
            : error);
        } else {
          resolve((value ?? {}) as T);
        }
      });
      this.calls.add(call);
    });
  }
}
