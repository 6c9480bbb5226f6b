import * as vscode from 'vscode';
import { LiveSettings } from '../../common/settings';
import { CommandId, DIAGNOSTIC_SOURCE } from '../../common/ids';
import { Disposable } from '../../common/disposable';
import { Logger } from '../../skaffold/base/events';
import { Delayer } from '../../skaffold/base/schedule';
import { Section } from '../../skaffold/state/model';
import type { Problem } from '../../skaffold/project/problems';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
import type { SuggestionAction } from '../../skaffold/project/suggestions';
import { ProjectIndexes } from '../project/projectIndexes';

// Types only: the modules (and the YAML parser under them) load when a problem is first placed.
type Placing = typeof import('../../skaffold/project/problems') & typeof import('../../skaffold/project/suggestions');
let placing: Placing | undefined;

async function loadPlacing(): Promise<Placing> {
  if (!placing) {
    const [problems, suggestions] = await Promise.all([import('../../skaffold/project/problems'), import('../../skaffold/project/suggestions')]);
    placing = { ...problems, ...suggestions };
  }
  return placing;
}

/** The sections whose change can add or clear a problem. */
const PROBLEM_SECTIONS: Section[] = ['artifacts', 'resources', 'deploy', 'fileSync', 'statusCheck', 'devLoop'];

export interface ProblemsOptions {
  manager: SessionManager;
  logger: Logger;
  /** The workspace's project indexes (which skaffold.yaml a session runs), shared with the CodeLens and pending changes. */
  indexes: ProjectIndexes;
  /** `skaffold.problems.enabled`, followed live. */
  settings: LiveSettings;
  /** Wait this long after a change before placing problems again (default 150 ms). */
  debounceMs?: number;
}

interface Placed {
  problem: Problem;
  sessionId: string;
  diagnostic: vscode.Diagnostic;
}

/**
 * Skaffold's failures in the Problems panel: each one on the line of the workspace's
 * skaffold.yaml (build, sync), the manifest (status check) or the config (deploy) it
 * concerns, with Skaffold's suggestions as quick fixes. They clear when the phase succeeds:
 * the problems are a function of the sessions' state, placed again on every change.
 */
export class ProblemsProvider extends Disposable implements vscode.CodeActionProvider {
  /** Created with the first problem: nothing to show until then. */
  private collection: vscode.DiagnosticCollection | undefined;
  private readonly indexes: ProjectIndexes;
  private readonly placed = new Map<string, Placed[]>();
  private readonly updates: Delayer;
  private running: Promise<void> | undefined;
  private again = false;
  private enabled: boolean;
  private offering = false;

  constructor(private readonly options: ProblemsOptions) {
    super();
    this.indexes = options.indexes;
    this._register(this.indexes.onDidChange(() => this.schedule()));
    this.updates = this._register(new Delayer(options.debounceMs ?? 150));
    this.enabled = options.settings.value.problemsEnabled;
    this._register(options.settings.watch('problemsEnabled', (enabled) => this.setEnabled(enabled)));
    this._register(options.manager.onDidChangeState(({ change }) => {
      if (PROBLEM_SECTIONS.some((s) => change.sections.has(s))) {
        this.schedule();
      }
    }));
    this._register(options.manager.onDidChangeSessions(() => this.schedule()));
  }

  /** Offers quick fixes from the first problem on, not at activation (the indexes watch the YAML from then on too). */
  private offerQuickFixes(): void {
    if (this.offering) {
      return;
    }
    this.offering = true;
    this._register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.schedule();
  }

  private schedule(): void {
    if (this.isDisposed) {
      return;
    }
    this.updates.trigger(() => void this.update());
  }

  private async update(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.place().catch((e: unknown) => this.options.logger.warn(`[problems] ${e instanceof Error ? e.message : String(e)}`));
    await this.running;
    this.running = undefined;
    if (this.again && !this.isDisposed) {
      this.again = false;
      this.schedule();
    }
  }

  private async place(): Promise<void> {
    const byFile = new Map<string, Placed[]>();
    const failing = this.options.manager.sessions.filter((s) => mayHaveProblems(s));
    if (this.enabled && failing.length > 0) {
      const { computeProblems } = await loadPlacing();
      this.offerQuickFixes();
      for (const session of failing) {
        const root = await this.indexes.rootConfig(session);
        if (!root || this.isDisposed) {
          continue;
        }
        const index = await this.indexes.index(root);
        for (const problem of computeProblems(session.state, index)) {
          const list = byFile.get(problem.file) ?? [];
          if (!list.some((p) => sameProblem(p.problem, problem))) {
            list.push({ problem, sessionId: session.id, diagnostic: toDiagnostic(problem) });
          }
          byFile.set(problem.file, list);
        }
      }
    }
    if (this.isDisposed || byFile.size === 0 && !this.collection) {
      return;
    }
    this.collection ??= this._register(vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE));
    this.collection.clear();
    for (const [file, list] of byFile) {
      this.collection.set(vscode.Uri.file(file), list.map((p) => p.diagnostic));
    }
    this.placed.clear();
    for (const [file, list] of byFile) {
      this.placed.set(file, list);
    }
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const placed = this.placed.get(document.uri.fsPath) ?? [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
        continue;
      }
      const match = placed.find((p) => p.diagnostic.message === diagnostic.message && p.diagnostic.range.isEqual(diagnostic.range));
      if (!match) {
        continue;
      }
      const { problemActions, suggestionActions } = placing!;
      const all = [
        ...match.problem.suggestions.flatMap((s) => suggestionActions(s, match.problem)),
        ...problemActions(match.problem),
      ];
      const seen = new Set<string>();
      for (const a of all) {
        const action = toCodeAction(a, match, diagnostic);
        if (action && !seen.has(action.title)) {
          seen.add(action.title);
          actions.push(action);
        }
      }
    }
    return actions;
  }
}

/**
 * Whether a session's state may hold a problem: a failure, an error, or a resource whose
 * code is not plainly fine. Otherwise nothing is read or placed (and YAML is never loaded).
 */
function mayHaveProblems(session: SkaffoldSession): boolean {
  const s = session.state;
  const failed = (p: { status: string; error?: unknown }) => p.status === 'Failed' || p.error !== undefined;
  return [s.deploy, s.fileSync, s.statusCheck, s.devLoop].some(failed)
    || [...s.artifacts.values()].some((a) => failed(a) || a.lastResult !== undefined && failed(a.lastResult))
    || [...s.resources.values()].some((r) => failed(r) || r.code !== undefined && !/(^OK|_SUCCESS)$/.test(r.code));
}

function sameProblem(a: Problem, b: Problem): boolean {
  return a.message === b.message && a.range.startLine === b.range.startLine && a.range.startCharacter === b.range.startCharacter;
}

function toDiagnostic(problem: Problem): vscode.Diagnostic {
  const r = problem.range;
  const range = new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);
  const d = new vscode.Diagnostic(range, problem.message, problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = DIAGNOSTIC_SOURCE;
  if (problem.code) {
    d.code = problem.code;
  }
  return d;
}

/** A suggestion's action as a quick fix; only actions we define, with arguments we chose. */
function toCodeAction(a: SuggestionAction, placed: Placed, diagnostic: vscode.Diagnostic): vscode.CodeAction | undefined {
  const action = new vscode.CodeAction(a.title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  const node = { sessionId: placed.sessionId };
  switch (a.kind) {
    case 'rerun': {
      const command = a.phase === 'deploy' ? CommandId.Deploy : a.phase === 'sync' ? CommandId.Sync : a.phase === 'devloop' ? CommandId.BuildAndDeploy : CommandId.Build;
      action.command = { command, title: a.title, arguments: [node] };
      break;
    }
    case 'openSettings':
      action.command = { command: 'workbench.action.openSettings', title: a.title, arguments: [a.setting] };
      break;
    case 'openDocs':
      action.command = { command: CommandId.OpenDocs, title: a.title, arguments: [a.url] };
      break;
    case 'openFile':
      if (!a.file) {
        return undefined;
      }
      action.command = {
        command: 'vscode.open',
        title: a.title,
        arguments: [vscode.Uri.file(a.file), a.range ? { selection: new vscode.Range(a.range.startLine, a.range.startCharacter, a.range.endLine, a.range.endCharacter) } : undefined],
      };
      break;
    case 'openLogs':
      action.command = { command: CommandId.ShowContainerLogs, title: a.title, arguments: [{ ...node, kind: 'resource', name: a.resource }] };
      break;
    case 'output':
      action.command = { command: CommandId.ShowOutput, title: a.title, arguments: [{ ...node, kind: a.phase === 'build' ? 'artifact' : 'phase', name: a.subject, phase: a.phase }] };
      break;
    default:
      return undefined;
  }
  return action;
}
