/**
 * Skaffold's v2 messages (proto/v2/skaffold.proto) as @grpc/proto-loader decodes them with the
 * same PROTO_LOADER_OPTIONS as v1 (protocol.ts): proto field names (keepCase: `task_id`),
 * enums as their names (or the number when our proto does not know the value), 64-bit numbers
 * as strings, absent fields left out (a DEBUG SkaffoldLogEvent has no `level`: DEBUG is 0), and
 * the set member of a oneof named in `event_type` / `val`.
 *
 * v2 shares message names with v1 but not their fields: the types that would clash carry a
 * `V2` prefix. Everything here comes from the server, so every field is optional and every
 * string is untrusted.
 */
import type * as protoLoader from '@grpc/proto-loader';
import { ActionableErr, EnumValue, findProtoDir, Intent, IntOrString, PROTO_LOADER_OPTIONS, Suggestion, Timestamp } from './protocol';

export type { ActionableErr, EnumValue, Intent, IntOrString, Suggestion, Timestamp };

/** SkaffoldLogEvent.level by name; absent means DEBUG (0). */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'PANIC' | 'TRACE' | 'STANDARD';

export interface V2Metadata {
  build?: {
    artifacts?: { type?: EnumValue; name?: string; context?: string; dockerfile?: string }[];
    type?: EnumValue;
    additional?: Record<string, string>;
  };
  deploy?: { deployers?: { type?: EnumValue; count?: number }[]; cluster?: EnumValue };
  test?: { Testers?: { type?: EnumValue; count?: number }[] };
  /** One id per Skaffold process: a new one means Skaffold was restarted. */
  runID?: string;
  render?: { Renderers?: { type?: EnumValue; count?: number }[] };
  additional?: Record<string, string>;
}

export interface V2MetaEvent { entry?: string; metadata?: V2Metadata }

export interface SkaffoldLogEvent {
  /** "Build-2"; "DevLoop-0" before the first iteration. */
  task_id?: string;
  /** The artifact's image name for per-artifact build output, "-1" when none. */
  subtask_id?: string;
  level?: EnumValue;
  /** Not always a whole line: one line may come in several events. */
  message?: string;
}

export interface ApplicationLogEvent {
  containerName?: string;
  podName?: string;
  /** Such as "[app]". */
  prefix?: string;
  message?: string;
  /** The line as Skaffold's terminal shows it, with colour codes. */
  richFormattedMessage?: string;
}

export interface TaskEvent {
  /** "{task}-{iteration}", such as "Build-2". */
  id?: string;
  /** DevLoop, Build, Render, Test, Deploy, StatusCheck, PortForward, ... */
  task?: string;
  description?: string;
  /** Counts from 1 (v1 counts from 0). */
  iteration?: number;
  status?: string;
  actionableErr?: ActionableErr;
}

export interface BuildSubtaskEvent {
  id?: string; task_id?: string; artifact?: string; step?: string; status?: string;
  actionableErr?: ActionableErr; hostPlatform?: string; targetPlatforms?: string;
}

/** The shape Test, Render, Verify, Exec and Deploy subtask events share. */
export interface SubtaskEvent { id?: string; task_id?: string; status?: string; actionableErr?: ActionableErr }
export type TestSubtaskEvent = SubtaskEvent;
export type RenderSubtaskEvent = SubtaskEvent;
export type VerifySubtaskEvent = SubtaskEvent;
export type ExecSubtaskEvent = SubtaskEvent;
export type DeploySubtaskEvent = SubtaskEvent;

export interface StatusCheckSubtaskEvent {
  id?: string; task_id?: string; resource?: string; status?: string; message?: string;
  statusCode?: EnumValue; actionableErr?: ActionableErr;
}

export interface CloudRunReadyEvent { id?: string; task_id?: string; resource?: string; url?: string; ready_revision?: string }

export interface PortForwardEvent {
  id?: string; task_id?: string; localPort?: number; podName?: string; containerName?: string;
  namespace?: string; portName?: string; resourceType?: string; resourceName?: string;
  address?: string; targetPort?: IntOrString;
}

export interface V2FileSyncEvent {
  id?: string; task_id?: string; fileCount?: number; image?: string; status?: string; actionableErr?: ActionableErr;
}

export interface V2DebuggingContainerEvent {
  id?: string; task_id?: string; status?: string; podName?: string; containerName?: string;
  namespace?: string; artifact?: string; runtime?: string; workingDir?: string; debugPorts?: Record<string, number>;
}

export interface V2TerminationEvent { status?: string; err?: ActionableErr }

export interface V2Event {
  timestamp?: Timestamp;
  /** The oneof member that is set; absent for an event kind newer than our proto. */
  event_type?: string;
  metaEvent?: V2MetaEvent;
  skaffoldLogEvent?: SkaffoldLogEvent;
  applicationLogEvent?: ApplicationLogEvent;
  taskEvent?: TaskEvent;
  buildSubtaskEvent?: BuildSubtaskEvent;
  deploySubtaskEvent?: DeploySubtaskEvent;
  portEvent?: PortForwardEvent;
  statusCheckSubtaskEvent?: StatusCheckSubtaskEvent;
  fileSyncEvent?: V2FileSyncEvent;
  debuggingContainerEvent?: V2DebuggingContainerEvent;
  terminationEvent?: V2TerminationEvent;
  testEvent?: TestSubtaskEvent;
  renderEvent?: RenderSubtaskEvent;
  verifyEvent?: VerifySubtaskEvent;
  cloudRunReadyEvent?: CloudRunReadyEvent;
  execEvent?: ExecSubtaskEvent;
}

export interface V2PhaseState { status?: string; statusCode?: EnumValue }

export interface V2State {
  buildState?: { artifacts?: Record<string, string>; autoTrigger?: boolean; statusCode?: EnumValue };
  deployState?: { status?: string; autoTrigger?: boolean; statusCode?: EnumValue };
  forwardedPorts?: Record<string, PortForwardEvent>;
  statusCheckState?: { status?: string; resources?: Record<string, string>; statusCode?: EnumValue };
  fileSyncState?: { status?: string; autoTrigger?: boolean };
  debuggingContainers?: V2DebuggingContainerEvent[];
  metadata?: V2Metadata;
  testState?: V2PhaseState;
  renderState?: V2PhaseState;
  verifyState?: V2PhaseState;
  execState?: V2PhaseState;
}

/** Status strings of the v2 API (v1 spells some of them with a space: "In Progress"). */
export const V2Status = {
  NotStarted: 'NotStarted',
  InProgress: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Canceled: 'Canceled',
  Complete: 'Complete',
} as const;

/** A TaskEvent id ("Build-2") split into its task and iteration; undefined when it is not of that form. */
export function parseTaskId(id: unknown): { task: string; iteration: number } | undefined {
  if (typeof id !== 'string' || id.length > 200) {
    return undefined;
  }
  const m = /^([A-Za-z][A-Za-z0-9]*)-(\d{1,9})$/.exec(id);
  return m ? { task: m[1], iteration: Number(m[2]) } : undefined;
}

/** An event's time in ms since the epoch, or undefined when it has none (or a nonsensical one). */
export function eventTimeMs(event: { timestamp?: Timestamp } | undefined): number | undefined {
  const ts = event?.timestamp;
  if (!ts || typeof ts !== 'object') {
    return undefined;
  }
  const seconds = Number(ts.seconds ?? 0);
  const nanos = Number(ts.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos) || (ts.seconds === undefined && ts.nanos === undefined)) {
    return undefined;
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

let cachedDefinition: protoLoader.PackageDefinition | undefined;

/**
 * Our v2 proto, parsed once per process when first needed (the first v2 call), not at
 * activation: the v1 connection does not pay for it.
 */
export function loadSkaffoldV2PackageDefinition(protoDir: string = findProtoDir()): protoLoader.PackageDefinition {
  if (!cachedDefinition) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require('@grpc/proto-loader') as typeof protoLoader;
    cachedDefinition = loader.loadSync('v2/skaffold.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [protoDir] });
  }
  return cachedDefinition;
}
