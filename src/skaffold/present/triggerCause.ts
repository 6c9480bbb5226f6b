/**
 * What started a dev-loop iteration, beyond what v1 events tell (they only show what it
 * did): the files Skaffold saw change (its v2 output, "files modified: [...]") or an Execute
 * this extension sent just before the iteration began.
 */
import { IterationRecord } from '../state/model';
import type { SentIntent } from '../session/session';
import { oneLine, Width } from '../base/text';

/** A file change Skaffold logged, tied to the v2 iteration it started (see SkaffoldOutputStore.triggers). */
export interface FileTrigger {
  kind: 'added' | 'modified' | 'deleted';
  files: readonly string[];
  /** v2 numbering: one more than the v1 iteration. */
  iteration: number | undefined;
}


/** An Execute counts as the cause of an iteration that starts this soon after it (ms)... */
export const MANUAL_BEFORE_MS = 5000;
/** ...or this little before it (the two clocks are the same machine's, but not in step). */
export const MANUAL_AFTER_MS = 1000;

const MAX_FILES_SHOWN = 2;

/**
 * "src/a.txt modified", "src/a.txt, src/b.txt and 3 more modified", "build from VS Code", or
 * undefined. `previous` is the iteration before this one, when there is one.
 */
export function triggerCause(record: IterationRecord, files: readonly FileTrigger[], intents: readonly SentIntent[], previous?: IterationRecord): string | undefined {
  if (record.trigger === 'initial') {
    return undefined;
  }
  const start = record.startedAt;
  if (start !== undefined) {
    // The first iteration after an Execute is the one it started: not the previous one (which
    // began before it was sent), nor the ones after.
    const after = previous?.startedAt !== undefined ? previous.startedAt + MANUAL_AFTER_MS : -Infinity;
    const sent = intents.find((i) => i.at >= start - MANUAL_BEFORE_MS && i.at <= start + MANUAL_AFTER_MS && i.at > after);
    if (sent) {
      return `${sent.phases.map((p) => oneLine(p, Width.status)).join(' + ')} from VS Code`;
    }
  }
  const changed = files.filter((f) => f.iteration === record.iteration + 1);
  if (changed.length === 0) {
    return undefined;
  }
  const names = [...new Set(changed.flatMap((f) => f.files.map((name) => oneLine(name, Width.name)).filter(Boolean)))];
  if (names.length === 0) {
    return undefined;
  }
  const kinds = [...new Set(changed.map((f) => f.kind))];
  const shown = names.slice(0, MAX_FILES_SHOWN).join(', ');
  const more = names.length > MAX_FILES_SHOWN ? ` and ${names.length - MAX_FILES_SHOWN} more` : '';
  return `${shown}${more} ${kinds.length === 1 ? kinds[0] : 'changed'}`;
}
