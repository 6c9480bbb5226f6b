/** Readable one-line descriptions of Skaffold events, for the log and tooltips. */
import { clip, oneLine, Width } from '../base/text';
import { ErrorInfo } from '../state/model';
import { errorInfo } from '../state/fromProto';
import { LogEntry } from '../wire/protocol';

/** Server text in a log line: one line, bounded (base/text.ts). */
function t(value: unknown, width: number = Width.line): string {
  return oneLine(value, width);
}

/**
 * The message an event carries beside its status, framed by `open` and `close`, unless it only
 * repeats the status or the error shown after it (Skaffold sends a succeeded resource with
 * status and message "Succeeded", a failed one with the same text as message and error).
 */
function detail(message: unknown, open: string, close: string, ...repeats: unknown[]): string {
  const m = t(message);
  const same = (other: unknown) => m.toLowerCase() === t(other).toLowerCase();
  return m && !repeats.some(same) ? `${open}${m}${close}` : '';
}

function err(e: ErrorInfo | undefined): string {
  if (!e) {
    return '';
  }
  const code = e.code ? ` [${t(e.code, Width.code)}]` : '';
  const suggestions = e.suggestions.length ? ` — try: ${e.suggestions.map((s) => t(s.action, Width.line)).join('; ')}` : '';
  return `: ${t(e.message, Width.detail)}${code}${suggestions}`;
}

/**
 * One line per event: `build example/app: Complete`. Server text is cleaned and bounded.
 * The entry is the raw one from the wire, logged before (and whether or not) the reducer
 * takes it: nothing has checked its shape yet, so every field goes through t() (only
 * primitives become text), and the catch keeps one odd entry from stopping the log.
 */
export function describeEntry(entry: LogEntry): string {
  try {
    return describe(entry);
  } catch {
    return 'unreadable event';
  }
}

function describe(entry: LogEntry): string {
  const e = entry.event ?? {};
  const kind = e.event_type ?? Object.keys(e).find((k) => k !== 'event_type');
  let line: string;
  switch (kind) {
    case 'metaEvent':
      line = `skaffold: ${t(e.metaEvent?.entry || entry.entry, Width.detail)}`;
      break;
    case 'devLoopEvent': {
      const d = e.devLoopEvent ?? {};
      line = `dev loop #${t(d.iteration ?? 0)}: ${t(d.status)}${err(errorInfo(d.err))}`;
      break;
    }
    case 'buildEvent': {
      const b = e.buildEvent ?? {};
      line = `build ${t(b.artifact)}: ${t(b.status)}${err(errorInfo(b.actionableErr, b.err, b.errCode))}`;
      break;
    }
    case 'deployEvent': {
      const d = e.deployEvent ?? {};
      line = `deploy: ${t(d.status)}${err(errorInfo(d.actionableErr, d.err, d.errCode))}`;
      break;
    }
    case 'statusCheckEvent': {
      const s = e.statusCheckEvent ?? {};
      const error = errorInfo(s.actionableErr, s.err, s.errCode);
      line = `status check: ${t(s.status)}${detail(s.message, ' ', '', s.status, error?.message)}${err(error)}`;
      break;
    }
    case 'resourceStatusCheckEvent': {
      const r = e.resourceStatusCheckEvent ?? {};
      const error = r.status === 'Failed' ? errorInfo(r.actionableErr, r.err) : undefined;
      line = `resource ${t(r.resource)}: ${t(r.status)}${detail(r.message, ' (', ')', r.status, error?.message)}${err(error)}`;
      break;
    }
    case 'portEvent': {
      const p = e.portEvent ?? {};
      const target = p.targetPort?.strVal || p.targetPort?.intVal || p.remotePort || '?';
      line = `port forward: ${t(p.address || '127.0.0.1')}:${t(p.localPort ?? '?')} -> ${t(p.resourceType)}/${t(p.resourceName || p.podName)}:${t(target)}${p.namespace ? ` (${t(p.namespace)})` : ''}`;
      break;
    }
    case 'fileSyncEvent': {
      const f = e.fileSyncEvent ?? {};
      line = `sync ${t(f.image)}: ${t(f.status)}${f.fileCount ? ` (${t(f.fileCount)} files)` : ''}${err(errorInfo(f.actionableErr, f.err, f.errCode))}`;
      break;
    }
    case 'debuggingContainerEvent': {
      const c = e.debuggingContainerEvent ?? {};
      line = `debug container ${t(c.namespace)}/${t(c.podName)}/${t(c.containerName)}: ${t(c.status)}${c.runtime ? ` (${t(c.runtime)})` : ''}`;
      break;
    }
    case 'terminationEvent':
      line = `skaffold terminated: ${t(e.terminationEvent?.status)}${err(errorInfo(e.terminationEvent?.err))}`;
      break;
    case 'TestEvent':
      line = `test: ${t(e.TestEvent?.status)}${err(errorInfo(e.TestEvent?.actionableErr))}`;
      break;
    default:
      line = `unknown event (newer Skaffold?)${entry.entry ? `: ${t(entry.entry)}` : ''}`;
  }
  return clip(line, Width.message);
}
