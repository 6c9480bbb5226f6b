import * as vscode from 'vscode';
import { IterationPhases, IterationRecord, PhaseTiming, StateChange } from '../skaffold/model';
import { formatDuration, oneLine } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';
import { SessionManager } from '../skaffold/sessions';
import { contextWord, detailItem, DetailNode, errorDetails, nodeId, SessionTree, statusIcon, Tooltip, TreePart } from './common';

type PhaseKey = keyof IterationPhases;

const PHASES: readonly PhaseKey[] = ['sync', 'build', 'deploy', 'statusCheck'];

const PHASE_LABEL: Record<PhaseKey, string> = {
  sync: 'Sync',
  build: 'Build',
  deploy: 'Deploy',
  statusCheck: 'Status check',
};

const TRIGGER_LABEL: Record<string, string> = {
  initial: 'initial',
  rebuild: 'rebuild',
  sync: 'sync',
  redeploy: 'redeploy',
  other: 'other',
};

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

export type HistoryTreeNode = IterationNode | IterationPhaseNode | DetailNode;

/**
 * Dev Loop History: every iteration, newest first, with what it did, how long each phase
 * took (from Skaffold's event timestamps) and how it ended.
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

  children(element: HistoryTreeNode): HistoryTreeNode[] {
    if (element.kind === 'iteration') {
      const r = this.record(element.iteration);
      if (!r) {
        return [];
      }
      const phases = PHASES.filter((p) => r.phases[p]).map((phase): IterationPhaseNode => ({
        kind: 'iterationPhase', id: `${element.id}/${phase}`, sessionId: this.session.id, iteration: r.iteration, phase,
      }));
      return [...errorDetails(element, r.error), ...phases];
    }
    if (element.kind === 'iterationPhase' && element.phase === 'build') {
      const r = this.record(element.iteration);
      return (r?.artifacts ?? []).map((a, i): DetailNode => {
        const d = formatDuration(a.durationMs);
        return {
          kind: 'detail', id: `${element.id}/artifact/${i}`, sessionId: this.session.id,
          label: `${oneLine(a.name, 200)} · ${oneLine(a.status, 40)}${d ? ` · ${d}` : ''}`,
          icon: a.status === 'Failed' ? 'error' : 'package',
        };
      });
    }
    return [];
  }

  item(element: HistoryTreeNode): vscode.TreeItem {
    if (element.kind === 'detail') {
      return detailItem(element);
    }
    const r = this.record(element.iteration);
    if (element.kind === 'iterationPhase') {
      return this.phaseItem(element, r?.phases[element.phase]);
    }
    const cause = r ? this.causeOf(r) : undefined;
    const trigger = r ? `${TRIGGER_LABEL[r.trigger] ?? 'other'}${cause ? ` · ${cause}` : ''}` : '';
    const item = new vscode.TreeItem(`#${element.iteration} · ${trigger}`, r?.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = element.id;
    if (!r) {
      return item;
    }
    const total = formatDuration(r.durationMs);
    const phases = PHASES.map((p) => {
      const d = formatDuration(r.phases[p]?.durationMs);
      return d ? `${PHASE_LABEL[p].toLowerCase()} ${d}` : '';
    }).filter(Boolean);
    item.description = [oneLine(r.outcome, 40), total, ...phases].filter(Boolean).join(' · ');
    item.iconPath = statusIcon(r.outcome);
    item.contextValue = `iteration.${contextWord(r.outcome)}`;
    const tip = new Tooltip().heading(`Iteration #${r.iteration}`).line('Trigger', trigger).line('Outcome', r.outcome)
      .line('Started', r.startedAt ? new Date(r.startedAt).toLocaleTimeString() : undefined).line('Took', total || undefined);
    for (const p of PHASES) {
      const timing = r.phases[p];
      if (timing) {
        tip.line(PHASE_LABEL[p], `${timing.status}${timing.durationMs !== undefined ? ` · ${formatDuration(timing.durationMs)}` : ''}`);
      }
    }
    item.tooltip = tip.error(r.error, 'Failed').md;
    item.accessibilityInformation = { label: `Iteration ${r.iteration}, ${item.description}` };
    return item;
  }

  private phaseItem(node: IterationPhaseNode, timing: PhaseTiming | undefined): vscode.TreeItem {
    const r = this.record(node.iteration);
    const hasChildren = node.phase === 'build' && (r?.artifacts.length ?? 0) > 0;
    const item = new vscode.TreeItem(PHASE_LABEL[node.phase], hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (!timing) {
      return item;
    }
    const d = formatDuration(timing.durationMs);
    item.description = `${oneLine(timing.status, 40)}${d ? ` · ${d}` : ''}`;
    item.iconPath = statusIcon(timing.status);
    item.contextValue = `iterationPhase.${node.phase}`;
    return item;
  }
}
