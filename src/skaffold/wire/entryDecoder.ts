/**
 * The Events stream's LogEntry decoded straight from its bytes, into exactly what
 * @grpc/proto-loader's deserializer makes of them with PROTO_LOADER_OPTIONS (protocol.ts):
 * proto field names, enums as names (numbers when unknown), int64 as decimal strings, fields
 * absent from the wire left out, the oneof's member named in `event_type`.
 *
 * Why: proto-loader decodes into protobufjs message objects and then copies them into plain
 * ones (`toObject`), which was about a fifth of the extension's CPU per event in a busy dev
 * loop. Reading the bytes once into the plain objects costs about a third of that.
 *
 * What it does not read by hand, it gives to the reference decoder (proto-loader's), whole:
 * the event kinds that carry maps (`metaEvent`'s metadata, `debuggingContainerEvent`'s ports;
 * one per session or per debugged container) and anything unusual on the wire: a known
 * field with an unexpected wire type, a second member of the oneof, a varint too long for the
 * fast path, a length past the end, a group. So every input gives what the reference gives,
 * its error included; test/unit/entryDecoder.test.ts holds it to that over random and mutated
 * encodings.
 */
import type { ActionableErr, Event, LogEntry, Suggestion, Timestamp } from './protocol';

/** An enum's names by number, as our proto declares them. */
export type EnumNames = ReadonlyMap<number, string>;

export interface EntryDecoder {
  (bytes: Buffer): LogEntry;
  /** How many entries went to the reference decoder (read by the tests). */
  readonly fallbacks: number;
}

/** Thrown inside the fast path: the reference decoder takes the entry. */
const UNUSUAL = new Error('unusual encoding: decoded by proto-loader');

/** Wire types. */
const VARINT = 0;
const LEN = 2;

/** A tag: field number and wire type. */
const tag = (field: number, wireType: number) => (field << 3) | wireType;

/** Event's oneof members by field number (proto/skaffold.proto). */
const enum Member {
  Meta = 1, Build, Deploy, Port, StatusCheck, ResourceStatusCheck, FileSync, DebuggingContainer, DevLoop, Termination, Test,
}

/**
 * A decoder of LogEntry bytes. `reference` is proto-loader's deserializer of the Events
 * method; `statusCodes` and `suggestionCodes` the names of `enums.StatusCode` and
 * `enums.SuggestionCode`.
 */
export function createEntryDecoder(reference: (bytes: Buffer) => unknown, statusCodes: EnumNames, suggestionCodes: EnumNames): EntryDecoder {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let fallbacks = 0;

  /** A varint of at most 32 bits (5 bytes), as protobufjs's uint32 reads it. */
  function varint(): number {
    let b = buf[pos++];
    if (b < 128) {
      return b;
    }
    let v = b & 127;
    b = buf[pos++];
    v |= (b & 127) << 7;
    if (b < 128) {
      return v;
    }
    b = buf[pos++];
    v |= (b & 127) << 14;
    if (b < 128) {
      return v;
    }
    b = buf[pos++];
    v |= (b & 127) << 21;
    if (b < 128) {
      return v;
    }
    b = buf[pos++];
    if (b < 128) {
      return v + (b & 15) * 0x10000000; // as protobufjs: the 5th byte's high bits dropped
    }
    throw UNUSUAL; // a 64-bit encoding (a negative int32) or past the end (undefined < 128 is false)
  }

  /** A non-negative int64 below 2^49 (7 bytes) as a decimal string; else the reference reads it. */
  function int64String(): string {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = buf[pos++];
      v += (b & 127) * scale;
      if (b < 128) {
        return String(v);
      }
      scale *= 128;
    }
    throw UNUSUAL;
  }

  /** The end of a length-delimited field that starts here. */
  function lengthEnd(): number {
    const end = varint() + pos;
    if (end > buf.length) {
      throw UNUSUAL;
    }
    return end;
  }

  function str(): string {
    const end = lengthEnd();
    const s = buf.toString('utf8', pos, end);
    pos = end;
    return s;
  }

  function enumValue(names: EnumNames): string | number {
    const n = varint() | 0;
    const name = names.get(n);
    return name === undefined ? n : name;
  }

  /** An unknown field is skipped, as protobufjs does; a known one with the wrong wire type is unusual. */
  function skip(t: number, fields: number): void {
    const field = t >>> 3;
    if (field === 0 || field <= fields) {
      throw UNUSUAL;
    }
    switch (t & 7) {
      case VARINT:
        varint();
        return;
      case 1:
        pos += 8;
        return;
      case LEN:
        pos = lengthEnd();
        return;
      case 5:
        pos += 4;
        return;
      default:
        throw UNUSUAL; // groups, and wire types that do not exist
    }
  }

  /** Where a message that ends at `end` must end: exactly there. */
  function done(end: number): void {
    if (pos !== end) {
      throw UNUSUAL;
    }
  }

  function timestamp(end: number): Timestamp {
    const o: Timestamp = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.seconds = int64String(); break;
        case tag(2, VARINT): o.nanos = varint() | 0; break;
        default: skip(t, 2);
      }
    }
    done(end);
    return o;
  }

  function suggestion(end: number): Suggestion {
    const o: Suggestion = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.suggestionCode = enumValue(suggestionCodes); break;
        case tag(2, LEN): o.action = str(); break;
        default: skip(t, 2);
      }
    }
    done(end);
    return o;
  }

  function actionableErr(end: number): ActionableErr {
    const o: ActionableErr = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.errCode = enumValue(statusCodes); break;
        case tag(2, LEN): o.message = str(); break;
        case tag(3, LEN): (o.suggestions ??= []).push(suggestion(lengthEnd())); break;
        default: skip(t, 3);
      }
    }
    done(end);
    return o;
  }

  // One function per message: a switch on the whole tag (field number and wire type), so a
  // known field with an unexpected wire type falls to `skip`, which hands the entry over.
  function buildEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.artifact = str(); break;
        case tag(2, LEN): o.status = str(); break;
        case tag(3, LEN): o.err = str(); break;
        case tag(4, VARINT): o.errCode = enumValue(statusCodes); break;
        case tag(5, LEN): o.actionableErr = actionableErr(lengthEnd()); break;
        case tag(6, LEN): o.hostPlatform = str(); break;
        case tag(7, LEN): o.targetPlatforms = str(); break;
        default: skip(t, 7);
      }
    }
    done(end);
    return o;
  }

  function deployEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.status = str(); break;
        case tag(2, LEN): o.err = str(); break;
        case tag(3, VARINT): o.errCode = enumValue(statusCodes); break;
        case tag(4, LEN): o.actionableErr = actionableErr(lengthEnd()); break;
        default: skip(t, 4);
      }
    }
    done(end);
    return o;
  }

  function intOrString(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.type = varint() | 0; break;
        case tag(2, VARINT): o.intVal = varint() | 0; break;
        case tag(3, LEN): o.strVal = str(); break;
        default: skip(t, 3);
      }
    }
    done(end);
    return o;
  }

  function portEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.localPort = varint() | 0; break;
        case tag(2, VARINT): o.remotePort = varint() | 0; break;
        case tag(3, LEN): o.podName = str(); break;
        case tag(4, LEN): o.containerName = str(); break;
        case tag(5, LEN): o.namespace = str(); break;
        case tag(6, LEN): o.portName = str(); break;
        case tag(7, LEN): o.resourceType = str(); break;
        case tag(8, LEN): o.resourceName = str(); break;
        case tag(9, LEN): o.address = str(); break;
        case tag(10, LEN): o.targetPort = intOrString(lengthEnd()); break;
        default: skip(t, 10);
      }
    }
    done(end);
    return o;
  }

  function statusCheckEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.status = str(); break;
        case tag(2, LEN): o.message = str(); break;
        case tag(3, LEN): o.err = str(); break;
        case tag(4, VARINT): o.errCode = enumValue(statusCodes); break;
        case tag(5, LEN): o.actionableErr = actionableErr(lengthEnd()); break;
        default: skip(t, 5);
      }
    }
    done(end);
    return o;
  }

  function resourceStatusCheckEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.resource = str(); break;
        case tag(2, LEN): o.status = str(); break;
        case tag(3, LEN): o.message = str(); break;
        case tag(4, LEN): o.err = str(); break;
        case tag(5, VARINT): o.statusCode = enumValue(statusCodes); break;
        case tag(6, LEN): o.actionableErr = actionableErr(lengthEnd()); break;
        default: skip(t, 6);
      }
    }
    done(end);
    return o;
  }

  function fileSyncEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.fileCount = varint() | 0; break;
        case tag(2, LEN): o.image = str(); break;
        case tag(3, LEN): o.status = str(); break;
        case tag(4, LEN): o.err = str(); break;
        case tag(5, VARINT): o.errCode = enumValue(statusCodes); break;
        case tag(6, LEN): o.actionableErr = actionableErr(lengthEnd()); break;
        default: skip(t, 6);
      }
    }
    done(end);
    return o;
  }

  function devLoopEvent(end: number): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, VARINT): o.iteration = varint() | 0; break;
        case tag(2, LEN): o.status = str(); break;
        case tag(3, LEN): o.err = actionableErr(lengthEnd()); break;
        default: skip(t, 3);
      }
    }
    done(end);
    return o;
  }

  /** TerminationEvent {status = 1, err = 2} and TestEvent {status = 1, actionableErr = 2}. */
  function statusAndError(end: number, errorField: 'err' | 'actionableErr'): object {
    const o: Record<string, unknown> = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.status = str(); break;
        case tag(2, LEN): o[errorField] = actionableErr(lengthEnd()); break;
        default: skip(t, 2);
      }
    }
    done(end);
    return o;
  }

  function event(end: number): Event {
    const o: Record<string, unknown> = {};
    let member = 0;
    while (pos < end) {
      const t = varint();
      if ((t & 7) !== LEN) {
        skip(t, Member.Test);
        continue;
      }
      const field = t >>> 3;
      if (member !== 0 && field !== member && field <= Member.Test) {
        throw UNUSUAL; // two members of the oneof: the reference's rules decide
      }
      const e = lengthEnd();
      switch (field) {
        case Member.Build: o.buildEvent = buildEvent(e); o.event_type = 'buildEvent'; break;
        case Member.Deploy: o.deployEvent = deployEvent(e); o.event_type = 'deployEvent'; break;
        case Member.Port: o.portEvent = portEvent(e); o.event_type = 'portEvent'; break;
        case Member.StatusCheck: o.statusCheckEvent = statusCheckEvent(e); o.event_type = 'statusCheckEvent'; break;
        case Member.ResourceStatusCheck: o.resourceStatusCheckEvent = resourceStatusCheckEvent(e); o.event_type = 'resourceStatusCheckEvent'; break;
        case Member.FileSync: o.fileSyncEvent = fileSyncEvent(e); o.event_type = 'fileSyncEvent'; break;
        case Member.DevLoop: o.devLoopEvent = devLoopEvent(e); o.event_type = 'devLoopEvent'; break;
        case Member.Termination: o.terminationEvent = statusAndError(e, 'err'); o.event_type = 'terminationEvent'; break;
        case Member.Test: o.TestEvent = statusAndError(e, 'actionableErr'); o.event_type = 'TestEvent'; break;
        default:
          if (field <= Member.Test) {
            throw UNUSUAL; // metaEvent and debuggingContainerEvent carry maps
          }
          pos = e; // a member newer than our proto
          continue;
      }
      member = field;
    }
    done(end);
    return o;
  }

  function logEntry(): LogEntry {
    const end = buf.length;
    const o: LogEntry = {};
    while (pos < end) {
      const t = varint();
      switch (t) {
        case tag(1, LEN): o.timestamp = timestamp(lengthEnd()); break;
        case tag(2, LEN): o.event = event(lengthEnd()); break;
        case tag(3, LEN): o.entry = str(); break;
        default: skip(t, 3);
      }
    }
    done(end);
    return o;
  }

  const decode = (bytes: Buffer): LogEntry => {
    buf = bytes;
    pos = 0;
    try {
      return logEntry();
    } catch {
      // UNUSUAL, or anything else this path did not foresee: the reference decides.
      fallbacks++;
      return reference(bytes) as LogEntry;
    } finally {
      buf = EMPTY;
    }
  };
  return Object.defineProperty(decode, 'fallbacks', { get: () => fallbacks }) as EntryDecoder;
}

const EMPTY = Buffer.alloc(0);

/** An enum's names by number from proto-loader's definition of it (an EnumDescriptorProto). */
export function enumNames(definition: unknown): EnumNames {
  const values = (definition as { type?: { value?: { name: string; number: number }[] } } | undefined)?.type?.value ?? [];
  const names = new Map<number, string>();
  for (const v of values) {
    if (!names.has(v.number)) {
      names.set(v.number, v.name);
    }
  }
  return names;
}
