import * as vscode from 'vscode';
import { StateChange } from '../../skaffold/state/model';
import { formatDuration } from '../../skaffold/present/labels';
import { oneLine, Width } from '../../skaffold/base/text';
import { artifactRow, currentIteration, runningBuildText } from '../../skaffold/present/rows';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionTree, TreePart } from './sessionTree';
import { SessionManager } from '../../skaffold/session/sessionManager';
import { pendingWords } from '../../skaffold/project/pendingChanges';
import type { PendingLookup } from '../project/pendingWatcher';
import { contextWord, detailItem, DetailNode, errorDetails, lookIcon, nodeId, Tooltip } from './rowItems';

export interface ArtifactNode {
  kind: 'artifact';
  id: string;
  sessionId: string;
  name: string;
}

export type ArtifactsTreeNode = ArtifactNode | DetailNode;

/**
 * Artifacts: one row per image: what this iteration does to it, else its last build
 * (`up to date · #0`); when failed, why, and which earlier build still runs.
 */
export class ArtifactsView extends SessionTree<ArtifactsTreeNode> {
  /** `pending`: changes not built or synced yet (auto build or sync off), said on the rows. */
  constructor(manager: SessionManager, private readonly pending?: PendingLookup) {
    super(manager);
    if (pending) {
      this._register(pending.onDidChange(() => this.refresh())); // a file saved: seldom
    }
  }

  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<ArtifactsTreeNode> {
    return new ArtifactsPart(session, idPrefix, this.pending);
  }
}

class ArtifactsPart implements TreePart<ArtifactsTreeNode> {
  private readonly nodes = new Map<string, ArtifactNode>();
  /** Build Now is on a row while its session is connected with auto build off (see item). */
  readonly statusMatters = true;

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string, private readonly pending?: PendingLookup) {}

  /**
   * Stable per artifact, with a suffix while it carries an error: VS Code keeps a row's
   * expansion by id, so a row that newly fails only opens to its error lines under a new id.
   */
  private idFor(name: string, failed: boolean): string {
    return nodeId(this.idPrefix, failed ? `artifact:${name}/failed` : `artifact:${name}`);
  }

  changed(change: StateChange): ArtifactsTreeNode[] | 'all' | undefined {
    if (change.sections.has('autoTrigger')) {
      return 'all'; // whether the rows offer Build Now
    }
    if (!change.sections.has('artifacts')) {
      return undefined;
    }
    const state = this.session.state.artifacts;
    const known = [...change.artifacts].map((name) => this.nodes.get(name));
    const reshaped = known.some((n) => n && n.id !== this.idFor(n.name, this.hasDetails(n.name)));
    if (change.all.has('artifacts') || change.sections.has('devLoop') || reshaped || known.some((n) => !n) || this.nodes.size !== state.size) {
      return 'all';
    }
    return known as ArtifactNode[];
  }

  private row(name: string) {
    const a = this.session.state.artifacts.get(name);
    return a ? artifactRow(a, currentIteration(this.session.state)) : undefined;
  }

  /** Whether the row opens to rows under it: the failure and what still runs. */
  private hasDetails(name: string): boolean {
    const row = this.row(name);
    return row?.error !== undefined || row?.running !== undefined;
  }

  private nodeFor(name: string): ArtifactNode {
    const id = this.idFor(name, this.hasDetails(name));
    let node = this.nodes.get(name);
    if (!node || node.id !== id) {
      node = { kind: 'artifact', id, sessionId: this.session.id, name };
      this.nodes.set(name, node);
    }
    return node;
  }

  roots(): ArtifactsTreeNode[] {
    const artifacts = this.session.state.artifacts;
    for (const name of this.nodes.keys()) {
      if (!artifacts.has(name)) {
        this.nodes.delete(name);
      }
    }
    return [...artifacts.keys()].map((name) => this.nodeFor(name));
  }

  children(element: ArtifactsTreeNode): ArtifactsTreeNode[] {
    if (element.kind === 'artifact') {
      const row = this.row(element.name);
      if (!row) {
        return [];
      }
      const details = errorDetails(element, row.error);
      if (row.running) {
        const text = runningBuildText(row.running, currentIteration(this.session.state));
        details.unshift({ kind: 'detail', id: `${element.id}/running`, sessionId: element.sessionId, label: text.label, icon: 'history', accessible: text.accessible });
      }
      return details;
    }
    return [];
  }

  item(element: ArtifactsTreeNode): vscode.TreeItem {
    if (element.kind === 'detail') {
      return detailItem(element);
    }
    const a = this.session.state.artifacts.get(element.name);
    const row = this.row(element.name);
    const item = new vscode.TreeItem(row?.label ?? oneLine(element.name, Width.name), this.hasDetails(element.name) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    if (!a || !row) {
      return item;
    }
    const pending = this.pending?.pendingFor(this.session.id, a.name);
    const waiting = pendingWords(pending);
    item.description = waiting ? `${row.description} · ${waiting}` : row.description;
    item.iconPath = lookIcon(row.look);
    // The row's own session decides whether Build Now is offered, not a window-wide context
    // key: a context key change re-renders rows, and VS Code then fails on rows a regroup
    // has just replaced ("Data tree node not found").
    const buildable = this.session.status === 'connected' && this.session.state.autoTrigger.build !== true;
    item.contextValue = `artifact.${contextWord(a.status)}${buildable ? '.buildable' : ''}`;
    item.accessibilityInformation = { label: waiting ? `${row.accessible}, ${waiting} since its last build` : row.accessible };
    const tip = new Tooltip().heading(a.name).line('This iteration', `${a.status} (#${a.iteration})`);
    const build = (b: typeof a.lastResult) => b
      ? `${b.status} in #${b.iteration}${b.durationMs !== undefined ? ` after ${formatDuration(b.durationMs)}` : ''}${b.at ? `, at ${new Date(b.at).toLocaleTimeString()}` : ''}`
      : undefined;
    tip.line('Last build', build(a.lastResult));
    if (a.lastBuilt && a.lastBuilt !== a.lastResult) {
      tip.line('Running', `the build of #${a.lastBuilt.iteration}`);
    }
    tip.line('Platform', a.targetPlatforms ?? a.hostPlatform).error(row.error, 'Build failed');
    if (pending?.build) {
      tip.line('Changed since its last build', pending.build.sample.join(', ') + (pending.build.files > pending.build.sample.length ? ', …' : ''));
    }
    if (pending?.sync) {
      tip.line('To sync', pending.sync.sample.join(', ') + (pending.sync.files > pending.sync.sample.length ? ', …' : ''));
    }
    item.tooltip = tip.md;
    return item;
  }
}
