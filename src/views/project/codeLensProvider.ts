import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';
import { Logger } from '../../skaffold/base/events';
import { Clock, Delayer, realClock } from '../../skaffold/base/schedule';
import { Section } from '../../skaffold/state/model';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
// Types only: the module (and the YAML parser under it) loads when a lens is first asked for.
import type { Lens, LensSession } from '../../skaffold/project/codeLens';
import type { ConfigIndex } from '../../skaffold/project/configLocations';
import { ProjectIndexes } from './projectIndexes';
import { LiveSettings } from '../../common/settings';
import type { PendingLookup } from './pendingWatcher';

/** The files the lenses are asked for: YAML on disk (skaffold.yaml and the manifests). */
export const CODE_LENS_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', pattern: '**/*.{yaml,yml}' },
];

/** The sections whose change can change what a lens says. */
const LENS_SECTIONS: Section[] = ['artifacts', 'resources', 'deploy', 'statusCheck', 'devLoop', 'autoTrigger'];

/** Never ask again sooner than this for a relative time, nor later (a timer's range is bounded). */
const MIN_TICK_MS = 1_000;
const MAX_TICK_MS = 3_600_000;

let lensModule: typeof import('../../skaffold/project/codeLens') | undefined;

async function loadLensModule(): Promise<typeof import('../../skaffold/project/codeLens')> {
  lensModule ??= await import('../../skaffold/project/codeLens');
  return lensModule;
}

export interface CodeLensOptions {
  manager: SessionManager;
  indexes: ProjectIndexes;
  logger: Logger;
  /** `skaffold.codeLens.enabled`, followed live. */
  settings: LiveSettings;
  /** Changes not built yet while auto build is off, said on the artifact's lens. */
  pending?: PendingLookup;
  /** Time and timers for the relative times ("12s ago"); the real clock by default. */
  clock?: Clock;
}

/**
 * The sessions' state on the config and manifests that declare it, as CodeLens (see
 * skaffold/project/codeLens.ts for what each says). VS Code asks only for the YAML documents
 * that are shown, so nothing is read for the others; a state change (already coalesced by the
 * sessions) just tells VS Code to ask again. Relative times are kept true by one timer set
 * for when the first of them reads differently, and only while a lens shows one.
 */
export class SkaffoldCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changes = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changes.event;
  private enabled: boolean;
  private readonly clock: Clock;
  private readonly ticker: Delayer;
  private tickAt: number | undefined;

  constructor(private readonly options: CodeLensOptions) {
    super();
    this.clock = options.clock ?? realClock;
    this.ticker = this._register(new Delayer(0, this.clock));
    this.enabled = options.settings.value.codeLensEnabled;
    this._register(options.settings.watch('codeLensEnabled', (enabled) => {
      this.enabled = enabled;
      this.changes.fire(); // turned off too: VS Code asks again and gets none
    }));
    const { manager } = options;
    this._register(manager.onDidChangeState(({ change }) => {
      if (LENS_SECTIONS.some((s) => change.sections.has(s))) {
        this.refresh();
      }
    }));
    this._register(manager.onDidChangeSessions(() => this.refresh()));
    // Build Now is offered only to a connected session.
    this._register(manager.onDidChangeStatus(() => this.refresh()));
    this._register(options.indexes.onDidChange(() => this.refresh()));
    if (options.pending) {
      this._register(options.pending.onDidChange(() => this.refresh()));
    }
    this._register(vscode.languages.registerCodeLensProvider(CODE_LENS_SELECTOR, this));
  }

  /** Asks VS Code for the lenses of the shown documents again (while they are on). */
  refresh(): void {
    if (this.enabled && !this.isDisposed) {
      this.changes.fire();
    }
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.ProviderResult<vscode.CodeLens[]> {
    if (!this.enabled) {
      this.stopTicking();
      return [];
    }
    const sessions = this.options.manager.shown.filter(hasState);
    if (sessions.length === 0) {
      return [];
    }
    return this.lensesOf(document, sessions, token).catch((e: unknown) => {
      this.options.logger.warn(`[codelens] ${e instanceof Error ? e.message : String(e)}`);
      return [];
    });
  }

  private async lensesOf(document: vscode.TextDocument, sessions: SkaffoldSession[], token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const file = document.uri.fsPath;
    const { codeLensesFor } = await loadLensModule();
    const { indexes } = this.options;
    // The sessions by the project they run: one index for each.
    const byRoot = new Map<string, LensSession[]>();
    for (const session of sessions) {
      const root = await indexes.rootConfig(session);
      if (token.isCancellationRequested || this.isDisposed) {
        return [];
      }
      if (root) {
        byRoot.set(root, [...byRoot.get(root) ?? [], {
          id: session.id, label: session.label, state: session.state, connected: session.status === 'connected',
          pending: (artifact: string) => this.options.pending?.pendingFor(session.id, artifact),
        }]);
      }
    }
    const projects: { index: ConfigIndex; sessions: LensSession[] }[] = [];
    for (const [root, list] of byRoot) {
      const index = await indexes.index(root);
      if (token.isCancellationRequested || this.isDisposed) {
        return [];
      }
      if (index.files.includes(file)) {
        projects.push({ index, sessions: list });
      }
    }
    const now = this.clock.now();
    const lenses: vscode.CodeLens[] = [];
    for (const { index, sessions: list } of projects) {
      // Sessions of several projects in one file (a shared manifest): each lens names its session.
      const result = codeLensesFor(file, index, list, now, { nameSessions: projects.length > 1 });
      // The index is of the files on disk: a line edited since (not saved yet) gets no lens.
      lenses.push(...result.lenses.filter((l) => inPlace(document, l)).map(toCodeLens));
      if (result.refreshAt !== undefined) {
        this.tickBy(result.refreshAt, now);
      }
    }
    return lenses;
  }

  /** Asks again when a relative time reads differently (the earliest asked for), once. */
  private tickBy(at: number, now: number): void {
    const delay = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, at - now));
    if (this.tickAt !== undefined && this.ticker.isTriggered && this.tickAt <= now + delay) {
      return;
    }
    this.tickAt = now + delay;
    this.ticker.trigger(() => {
      this.tickAt = undefined;
      this.refresh();
    }, delay);
  }

  private stopTicking(): void {
    this.ticker.cancel();
    this.tickAt = undefined;
  }
}

/** Whether a session has anything a lens could say. */
function hasState(session: SkaffoldSession): boolean {
  return session.state.artifacts.size > 0 || session.state.resources.size > 0;
}

function rangeOf(lens: Lens): vscode.Range {
  const r = lens.range;
  return new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);
}

/** Whether the lens's range still covers what it is about (quoted or not). */
function inPlace(document: vscode.TextDocument, lens: Lens): boolean {
  const text = document.getText(rangeOf(lens)).trim();
  return text === lens.subject || text.length === lens.subject.length + 2 && /^(["']).*\1$/.test(text) && text.slice(1, -1) === lens.subject;
}

function toCodeLens(lens: Lens): vscode.CodeLens {
  const range = rangeOf(lens);
  // A lens with no command is text only: VS Code shows a title whose command is ''.
  return new vscode.CodeLens(range, {
    title: lens.title,
    command: lens.command?.id ?? '',
    arguments: lens.command?.args,
    ...(lens.tooltip !== undefined ? { tooltip: lens.tooltip } : {}),
  });
}
