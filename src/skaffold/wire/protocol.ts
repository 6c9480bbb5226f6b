/**
 * Skaffold's v1 messages as @grpc/proto-loader decodes them with PROTO_LOADER_OPTIONS:
 * proto field names (keepCase), enums as their names (or the number when this proto does not
 * know the value), 64-bit numbers as strings, absent fields left out (defaults: false), and the
 * set member of a oneof named in `event_type` / `val`.
 *
 * Everything here comes from the server, so every field is optional and every string is
 * untrusted: consumers must cope with any of them missing, empty, huge or unexpected.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as protoLoader from '@grpc/proto-loader';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** An enum value: its name when our proto knows it, its number when it does not. */
export type EnumValue = string | number;

export interface Timestamp {
  seconds?: string;
  nanos?: number;
}

export interface Suggestion {
  suggestionCode?: EnumValue;
  action?: string;
}

export interface ActionableErr {
  errCode?: EnumValue;
  message?: string;
  suggestions?: Suggestion[];
}

export interface IntOrString {
  type?: number;
  intVal?: number;
  strVal?: string;
}

export interface Metadata {
  build?: {
    numberOfArtifacts?: number;
    builders?: { type?: EnumValue; count?: number }[];
    type?: EnumValue;
    additional?: Record<string, string>;
  };
  deploy?: { deployers?: { type?: EnumValue; count?: number }[]; cluster?: EnumValue };
  test?: { Testers?: { type?: EnumValue; count?: number }[] };
  additional?: Record<string, string>;
}

export interface MetaEvent { entry?: string; metadata?: Metadata }
export interface BuildEvent {
  artifact?: string; status?: string; err?: string; errCode?: EnumValue;
  actionableErr?: ActionableErr; hostPlatform?: string; targetPlatforms?: string;
}
export interface DeployEvent { status?: string; err?: string; errCode?: EnumValue; actionableErr?: ActionableErr }
export interface PortEvent {
  localPort?: number; remotePort?: number; podName?: string; containerName?: string;
  namespace?: string; portName?: string; resourceType?: string; resourceName?: string;
  address?: string; targetPort?: IntOrString;
}
export interface StatusCheckEvent {
  status?: string; message?: string; err?: string; errCode?: EnumValue; actionableErr?: ActionableErr;
}
export interface ResourceStatusCheckEvent {
  resource?: string; status?: string; message?: string; err?: string;
  statusCode?: EnumValue; actionableErr?: ActionableErr;
}
export interface FileSyncEvent {
  fileCount?: number; image?: string; status?: string; err?: string;
  errCode?: EnumValue; actionableErr?: ActionableErr;
}
export interface DebuggingContainerEvent {
  status?: string; podName?: string; containerName?: string; namespace?: string;
  artifact?: string; runtime?: string; workingDir?: string; debugPorts?: Record<string, number>;
}
export interface DevLoopEvent { iteration?: number; status?: string; err?: ActionableErr }
export interface TerminationEvent { status?: string; err?: ActionableErr }
export interface TestEvent { status?: string; actionableErr?: ActionableErr }

export interface Event {
  /** The oneof member that is set; absent for an event kind newer than this proto. */
  event_type?: string;
  metaEvent?: MetaEvent;
  buildEvent?: BuildEvent;
  deployEvent?: DeployEvent;
  portEvent?: PortEvent;
  statusCheckEvent?: StatusCheckEvent;
  resourceStatusCheckEvent?: ResourceStatusCheckEvent;
  fileSyncEvent?: FileSyncEvent;
  debuggingContainerEvent?: DebuggingContainerEvent;
  devLoopEvent?: DevLoopEvent;
  terminationEvent?: TerminationEvent;
  TestEvent?: TestEvent;
}

export interface LogEntry {
  timestamp?: Timestamp;
  event?: Event;
  entry?: string;
}

export interface State {
  buildState?: { artifacts?: Record<string, string>; autoTrigger?: boolean; statusCode?: EnumValue };
  deployState?: { status?: string; autoTrigger?: boolean; statusCode?: EnumValue };
  forwardedPorts?: Record<string, PortEvent>;
  statusCheckState?: { status?: string; resources?: Record<string, string>; statusCode?: EnumValue };
  fileSyncState?: { status?: string; autoTrigger?: boolean };
  debuggingContainers?: DebuggingContainerEvent[];
  metadata?: Metadata;
  testState?: { status?: string; statusCode?: EnumValue };
}

export interface Intent {
  build?: boolean;
  sync?: boolean;
  deploy?: boolean;
  devloop?: boolean;
}

export type Phase = 'build' | 'sync' | 'deploy';

/** Status strings Skaffold's v1 API uses (from Skaffold's code; its proto comments differ). */
export const Status = {
  NotStarted: 'Not Started',
  InProgress: 'In Progress',
  Complete: 'Complete',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Canceled: 'Canceled',
  Started: 'Started',
  Information: 'Information',
  Terminated: 'Terminated',
} as const;

/**
 * Where our .proto files are: `proto/` at the package root. The core runs from `out/src/...`
 * in tests and from `dist/extension.js` when bundled, so look upwards from this file.
 */
export function findProtoDir(start: string = __dirname): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'proto', 'skaffold.proto');
    if (fs.existsSync(candidate)) {
      return path.dirname(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  throw new Error(`proto/skaffold.proto not found above ${start}`);
}

let cachedDefinition: protoLoader.PackageDefinition | undefined;

/** Our proto, loaded once per process. */
export function loadSkaffoldPackageDefinition(protoDir: string = findProtoDir()): protoLoader.PackageDefinition {
  if (!cachedDefinition) {
    // Required here, not at the top: parsing the proto costs tens of milliseconds, paid at
    // the first connection instead of at activation.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require('@grpc/proto-loader') as typeof protoLoader;
    cachedDefinition = loader.loadSync('skaffold.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [protoDir] });
  }
  return cachedDefinition;
}
