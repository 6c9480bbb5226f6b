import * as vscode from 'vscode';
import { readWorkspaceText } from './projectIndexes';
import { Disposable } from '../../common/disposable';
import type { ConfigIndex } from '../../skaffold/project/configLocations';
import { FileChange, loadArtifactSources, Pending, PendingChanges, ReadText } from '../../skaffold/project/pendingChanges';
import { Logger } from '../../skaffold/base/events';
import { Delayer } from '../../skaffold/base/schedule';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
import { Section } from '../../skaffold/state/model';

/** A .dockerignore larger than this is not read. */
const MAX_IGNORE_BYTES = 256 * 1024;
/** The state sections that can turn a trigger off or on, or take changes (a build, a sync). */
const PENDING_SECTIONS: Section[] = ['autoTrigger', 'artifacts', 'fileSync'];
/** File events kept between two deliveries; past it a burst (a checkout) is cut. */
const MAX_BATCH = 10000;

export interface PendingWatcherOptions {
  manager: SessionManager;
  /** The index of the project a session runs (ProjectIndexes.rootConfig + index), when known. */
  indexFor(session: SkaffoldSession): Promise<ConfigIndex | undefined>;
  /** Fires when indexes may be stale (ProjectIndexes.onDidChange): the sources are read again. */
  onDidChangeIndexes?: vscode.Event<void>;
  logger: Logger;
  /** Reads a .dockerignore; through workspace.fs by default. */
  read?: ReadText;
  /** File events are delivered in batches this far apart (default 100 ms). */
  batchMs?: number;
}

/** What the views, the lenses and the status bar read of the pending changes. */
export interface PendingLookup {
  pendingFor(sessionId: string, artifact: string): Pending | undefined;
  readonly onDidChange: vscode.Event<PendingWatcherEvent>;
}

export interface PendingWatcherEvent {
  sessionId: string;
  /** The artifacts whose pending changes changed. */
  artifacts: ReadonlySet<string>;
}

interface Tracked {
  session: SkaffoldSession;
  tracker: PendingChanges;
  subscription: vscode.Disposable;
  /** Bumped at each load, so that a slower older load does not win. */
  generation: number;
  /** Files whose change means: read the sources again (configs, .dockerignore files). */
  reloadOn: Set<string>;
  /** Whether the last load found the session's project (none is found before its artifacts are known). */
  indexed: boolean;
  loading: boolean;
  /** How many artifacts the session had at the last load: a load that found nothing is tried again only with more. */
  triedWith: number;
}

/**
 * Watches the workspace's files while a shown session waits to be told to build or sync
 * (auto-build or auto-sync off) and the project declares what its artifacts are built from:
 * one file system watcher then, none otherwise. Each session has its PendingChanges tracker
 * (core, src/skaffold/project/pendingChanges.ts), fed with the file events and the state.
 */
export class PendingWatcher extends Disposable implements PendingLookup {
  private readonly tracked = new Map<string, Tracked>();
  private watcher: { watcher: vscode.FileSystemWatcher; listeners: vscode.Disposable[] } | undefined;
  private batch: FileChange[] = [];
  private readonly delivery: Delayer;
  private readonly read: ReadText;
  private readonly changes = this._register(new vscode.EventEmitter<PendingWatcherEvent>());
  /** An artifact's pending changes changed (rows, CodeLens and status bar redraw it). */
  readonly onDidChange = this.changes.event;

  constructor(private readonly options: PendingWatcherOptions) {
    super();
    this.delivery = this._register(new Delayer(options.batchMs ?? 100));
    this.read = options.read ?? readIgnoreFile;
    this._register(options.manager.onDidChangeSessions(() => this.update()));
    this._register(options.manager.onDidChangeStatus(({ session }) => this.update(session)));
    this._register(options.manager.onDidChangeState(({ session, change }) => {
      if (PENDING_SECTIONS.some((s) => change.sections.has(s))) {
        this.update(session);
      }
    }));
    if (options.onDidChangeIndexes) {
      this._register(options.onDidChangeIndexes(() => this.reloadAll()));
    }
    this._register({ dispose: () => this.stopWatching() });
    this._register({ dispose: () => [...this.tracked.keys()].forEach((id) => this.untrack(id, false)) });
    this.update();
  }

  /** What is pending for an artifact of a session, or undefined when nothing is. */
  pendingFor(sessionId: string, artifact: string): Pending | undefined {
    return this.tracked.get(sessionId)?.tracker.pending(artifact);
  }

  /** Reads every session's sources again (the project changed). */
  reloadAll(): void {
    for (const t of this.tracked.values()) {
      void this.load(t);
    }
  }

  /** Follows the sessions: a tracker for each shown one with a trigger off, the watcher while one has sources. */
  private update(only?: SkaffoldSession): void {
    if (this.isDisposed) {
      return;
    }
    const shown = this.options.manager.shown;
    for (const id of [...this.tracked.keys()]) {
      const t = this.tracked.get(id)!;
      if (!shown.includes(t.session) || !waits(t.session)) {
        this.untrack(id, true);
      }
    }
    for (const session of only ? [only] : shown) {
      if (!shown.includes(session) || !waits(session)) {
        continue;
      }
      const t = this.tracked.get(session.id) ?? this.track(session);
      if (!t.indexed && !t.loading && session.state.artifacts.size > t.triedWith) {
        void this.load(t); // its artifacts are known now: its project can be found
      }
      t.tracker.applyState(session.state);
    }
    this.updateWatcher();
  }

  private track(session: SkaffoldSession): Tracked {
    const tracker = new PendingChanges();
    const t: Tracked = {
      session,
      tracker,
      subscription: tracker.onDidChange(({ artifacts }) => this.changes.fire({ sessionId: session.id, artifacts })),
      generation: 0,
      reloadOn: new Set(),
      indexed: false,
      loading: false,
      triedWith: 0,
    };
    this.tracked.set(session.id, t);
    this.options.logger.debug(`[pending] following ${session.label}: a trigger is off`);
    void this.load(t);
    return t;
  }

  private untrack(id: string, announce: boolean): void {
    const t = this.tracked.get(id);
    if (!t) {
      return;
    }
    this.tracked.delete(id);
    const artifacts = new Set(t.tracker.artifacts);
    t.subscription.dispose();
    t.tracker.dispose();
    if (announce && artifacts.size > 0 && !this.isDisposed) {
      this.changes.fire({ sessionId: id, artifacts });
    }
  }

  /** Reads the session's project and its artifacts' sources into its tracker. */
  private async load(t: Tracked): Promise<void> {
    const generation = ++t.generation;
    t.loading = true;
    t.triedWith = t.session.state.artifacts.size;
    try {
      const index = await this.options.indexFor(t.session);
      const loaded = index ? await loadArtifactSources(index, this.read) : undefined;
      if (generation !== t.generation || this.tracked.get(t.session.id) !== t) {
        return;
      }
      t.tracker.setSources(loaded?.artifacts ?? []);
      t.reloadOn = new Set([...(index?.files ?? []), ...(loaded?.ignoreFiles ?? [])]);
      t.indexed = index !== undefined;
      t.tracker.applyState(t.session.state);
      this.updateWatcher();
    } catch (e) {
      this.options.logger.warn(`[pending] ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (generation === t.generation) {
        t.loading = false;
      }
    }
  }

  private updateWatcher(): void {
    const needed = !this.isDisposed && [...this.tracked.values()].some((t) => t.tracker.watching);
    if (needed && !this.watcher) {
      // A workspace glob: served by the workspace's own recursive watcher (files.watcherExclude applies).
      const watcher = vscode.workspace.createFileSystemWatcher('**/*');
      const note = (uri: vscode.Uri) => this.note(uri);
      this.watcher = { watcher, listeners: [watcher.onDidChange(note), watcher.onDidCreate(note), watcher.onDidDelete(note)] };
      this.options.logger.debug('[pending] watching the workspace for changes to artifact sources');
    } else if (!needed && this.watcher) {
      this.stopWatching();
    }
  }

  private stopWatching(): void {
    if (this.watcher) {
      this.watcher.listeners.forEach((l) => l.dispose());
      this.watcher.watcher.dispose();
      this.watcher = undefined;
      this.batch = [];
      this.delivery.cancel();
    }
  }

  private note(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || this.batch.length >= MAX_BATCH) {
      return;
    }
    this.batch.push({ file: uri.fsPath, at: Date.now() });
    if (!this.delivery.isTriggered) {
      this.delivery.trigger(() => this.deliver());
    }
  }

  private deliver(): void {
    const batch = this.batch;
    this.batch = [];
    for (const t of this.tracked.values()) {
      t.tracker.noteFileChanges(batch);
      if (batch.some((c) => t.reloadOn.has(c.file))) {
        void this.load(t);
      }
    }
  }
}

/** Whether a session's Skaffold runs and waits to be told to build or to sync. */
function waits(session: SkaffoldSession): boolean {
  const auto = session.state.autoTrigger;
  const running = session.status === 'connected' || session.status === 'reconnecting' || session.status === 'connecting';
  return running && (auto.build === false || auto.sync === false);
}

/** A .dockerignore (or other small file the sources depend on), bounded. */
function readIgnoreFile(file: string): Promise<string | undefined> {
  return readWorkspaceText(file, MAX_IGNORE_BYTES);
}
