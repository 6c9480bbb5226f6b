import * as vscode from 'vscode';
import {
  artifactLabel, artifactSpoken, causeLabel, causeSpoken, iterationDescription, iterationLabel, iterationOutcome, iterationSpoken,
  outcomeWord, PHASE_LABEL, PhaseKey, phaseDescription, PHASES, phaseSpoken, triggerWord,
} from '../../skaffold/present/historyRows';
import { IterationRecord, NOT_STARTED, PhaseTiming, StateChange } from '../../skaffold/state/model';
import { formatDuration } from '../../skaffold/present/labels';
import { Status } from '../../skaffold/wire/protocol';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
import { SessionTree, TreePart } from './sessionTree';
import { contextWord, detailItem, DetailNode, errorDetails, nodeId, statusIcon, Tooltip } from './rowItems';

export interface IterationNode {
  kind: 'iteration';
  id: string;
  sessionId: string;
  /** Skaffold's v1 iteration number. */
  iteration: number;
}

export interface IterationPhaseNode {
  kind: 'iterationPhase';
  id: string;
  sessionId: string;
  iteration: number;
  phase: PhaseKey;
}

/** The row under an iteration that says what started it (the changed files, a Build Now). */
export interface IterationCauseNode {
  kind: 'iterationCause';
  id: string;
  sessionId: string;
  iteration: number;
}

/** An artifact an iteration built, under its Build row. */
export interface IterationArtifactNode {
  kind: 'iterationArtifact';
  id: string;
  sessionId: string;
  iteration: number;
  /** Its place in the record's `artifacts`. */
  index: number;
}

export type HistoryTreeNode = IterationNode | IterationCauseNode | IterationPhaseNode | IterationArtifactNode | DetailNode;

/**
 * Dev Loop History: every iteration, newest first, with what it did, how long each phase
 * took (from Skaffold's event timestamps) and how it ended. Rows stay short for a narrow
 * sidebar ("#3 rebuild", "succeeded · 4.2s"); what started an iteration is its first child
 * and in its tooltip (see historyText).
 */
export class HistoryView extends SessionTree<HistoryTreeNode> {
  /** `causeOf` says what started an iteration when more than its events is known (see triggerCause). */
  constructor(manager: SessionManager, private readonly causeOf: CauseOf = () => undefined) {
    super(manager);
  }

  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<HistoryTreeNode> {
    return new HistoryPart(session, idPrefix, (r) => this.causeOf(session, r));
  }
}

export type CauseOf = (session: SkaffoldSession, record: IterationRecord) => string | undefined;

class HistoryPart implements TreePart<HistoryTreeNode> {
  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string, private readonly causeOf: (r: IterationRecord) => string | undefined) {}

  changed(change: StateChange): HistoryTreeNode[] | 'all' | undefined {
    return change.sections.has('history') ? 'all' : undefined;
  }

  private record(iteration: number): IterationRecord | undefined {
    const all = this.session.state.iterations;
    for (let i = all.length - 1; i >= 0; i--) {
      if (all[i].iteration === iteration) {
        return all[i];
      }
    }
    return undefined;
  }

  roots(): HistoryTreeNode[] {
    return [...this.session.state.iterations].reverse().map((r) => ({
      kind: 'iteration',
      // The outcome is in the id: a row that newly fails opens to its error (see ArtifactsView).
      id: nodeId(this.idPrefix, `iteration:${r.iteration}${r.error ? '/failed' : ''}`),
      sessionId: this.session.id,
      iteration: r.iteration,
    }));
  }

  /** Whether `iteration` is the newest: only that one can still be running. */
  private isNewest(iteration: number): boolean {
    return this.session.state.iterations.at(-1)?.iteration === iteration;
  }

  children(element: HistoryTreeNode): HistoryTreeNode[] {
    if (element.kind === 'iteration') {
      const r = this.record(element.iteration);
      if (!r) {
        return [];
      }
      const base = { sessionId: this.session.id, iteration: r.iteration };
      const cause: IterationCauseNode[] = this.causeOf(r) ? [{ kind: 'iterationCause', id: `${element.id}/cause`, ...base }] : [];
      const phases = PHASES.filter((p) => r.phases[p]).map((phase): IterationPhaseNode => ({
        kind: 'iterationPhase', id: `${element.id}/${phase}`, ...base, phase,
      }));
      return [...cause, ...errorDetails(element, r.error), ...phases];
    }
    if (element.kind === 'iterationPhase' && element.phase === 'build') {
      const r = this.record(element.iteration);
      return (r?.artifacts ?? []).map((_, index): IterationArtifactNode => ({
        kind: 'iterationArtifact', id: `${element.id}/artifact/${index}`, sessionId: this.session.id, iteration: element.iteration, index,
      }));
    }
    return [];
  }

  item(element: HistoryTreeNode): vscode.TreeItem {
    if (element.kind === 'detail') {
      return detailItem(element);
    }
    const r = this.record(element.iteration);
    switch (element.kind) {
      case 'iterationPhase':
        return this.phaseItem(element, r?.phases[element.phase]);
      case 'iterationCause':
        return this.causeItem(element, r);
      case 'iterationArtifact':
        return this.artifactItem(element, r);
    }
    const item = new vscode.TreeItem(r ? iterationLabel(r) : `#${element.iteration}`, r?.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = element.id;
    if (!r) {
      return item;
    }
    const newest = this.isNewest(r.iteration);
    const cause = this.causeOf(r);
    const outcome = iterationOutcome(r, newest);
    item.description = iterationDescription(r, newest);
    // An older iteration whose end never came is not spinning.
    item.iconPath = statusIcon(r.outcome === Status.InProgress && !newest ? NOT_STARTED : r.outcome);
    item.contextValue = `iteration.${contextWord(r.outcome)}`;
    const tip = new Tooltip().heading(`Iteration #${r.iteration}: ${triggerWord(r)}`).line('Started by', cause).line('Outcome', outcome)
      .line('Started', r.startedAt ? new Date(r.startedAt).toLocaleTimeString() : undefined).line('Took', formatDuration(r.durationMs) || undefined);
    for (const p of PHASES) {
      const timing = r.phases[p];
      if (timing) {
        tip.line(PHASE_LABEL[p], phaseDescription(timing));
      }
    }
    item.tooltip = tip.error(r.error, 'Failed').md;
    item.accessibilityInformation = { label: iterationSpoken(r, newest, cause) };
    return item;
  }

  private causeItem(node: IterationCauseNode, r: IterationRecord | undefined): vscode.TreeItem {
    const cause = r ? this.causeOf(r) : undefined;
    const item = new vscode.TreeItem(cause ? causeLabel(cause) : '', vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = new vscode.ThemeIcon('zap');
    item.contextValue = 'detail';
    if (cause) {
      item.tooltip = causeLabel(cause);
      item.accessibilityInformation = { label: causeSpoken(node.iteration, cause) };
    }
    return item;
  }

  private artifactItem(node: IterationArtifactNode, r: IterationRecord | undefined): vscode.TreeItem {
    const a = r?.artifacts[node.index];
    const item = new vscode.TreeItem(a ? artifactLabel(a) : '', vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.contextValue = 'detail';
    if (a) {
      item.iconPath = a.status === Status.Failed ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('package');
      item.tooltip = item.label as string;
      item.accessibilityInformation = { label: artifactSpoken(a, node.iteration) };
    }
    return item;
  }

  private phaseItem(node: IterationPhaseNode, timing: PhaseTiming | undefined): vscode.TreeItem {
    const r = this.record(node.iteration);
    const hasChildren = node.phase === 'build' && (r?.artifacts.length ?? 0) > 0;
    const item = new vscode.TreeItem(PHASE_LABEL[node.phase], hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.accessibilityInformation = { label: phaseSpoken(node.phase, node.iteration, timing) };
    if (!timing) {
      return item;
    }
    item.description = phaseDescription(timing);
    item.iconPath = statusIcon(timing.status);
    item.contextValue = `iterationPhase.${node.phase}`;
    item.tooltip = new Tooltip().heading(`${PHASE_LABEL[node.phase]} of iteration #${node.iteration}`).line('Outcome', outcomeWord(timing.status))
      .line('Started', timing.startedAt ? new Date(timing.startedAt).toLocaleTimeString() : undefined).line('Took', formatDuration(timing.durationMs) || undefined).md;
    return item;
  }
}
