import * as vscode from 'vscode';
import { StateChange } from '../skaffold/model';
import { artifactDescription, formatDuration, oneLine } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';
import { contextWord, detailItem, DetailNode, errorDetails, nodeId, SessionTree, statusIcon, Tooltip, TreePart } from './common';

export interface ArtifactNode {
  kind: 'artifact';
  id: string;
  sessionId: string;
  name: string;
}

export type ArtifactsTreeNode = ArtifactNode | DetailNode;

/** Artifacts: one row per image, its status, last build time and, when failed, why. */
export class ArtifactsView extends SessionTree<ArtifactsTreeNode> {
  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<ArtifactsTreeNode> {
    return new ArtifactsPart(session, idPrefix);
  }
}

class ArtifactsPart implements TreePart<ArtifactsTreeNode> {
  private readonly nodes = new Map<string, ArtifactNode>();
  /** Build Now is on a row while its session is connected with auto build off (see item). */
  readonly statusMatters = true;

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string) {}

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
    const reshaped = known.some((n) => n && n.id !== this.idFor(n.name, state.get(n.name)?.error !== undefined));
    if (change.all.has('artifacts') || reshaped || known.some((n) => !n) || this.nodes.size !== state.size) {
      return 'all';
    }
    return known as ArtifactNode[];
  }

  private nodeFor(name: string): ArtifactNode {
    const id = this.idFor(name, this.session.state.artifacts.get(name)?.error !== undefined);
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
      const a = this.session.state.artifacts.get(element.name);
      return a ? errorDetails(element, a.error) : [];
    }
    return [];
  }

  item(element: ArtifactsTreeNode): vscode.TreeItem {
    if (element.kind === 'detail') {
      return detailItem(element);
    }
    const a = this.session.state.artifacts.get(element.name);
    const item = new vscode.TreeItem(oneLine(element.name, 200), a?.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    if (!a) {
      return item;
    }
    item.description = artifactDescription(a);
    item.iconPath = statusIcon(a.status);
    // The row's own session decides whether Build Now is offered, not a window-wide context
    // key: a context key change re-renders rows, and VS Code then fails on rows a regroup
    // has just replaced ("Data tree node not found").
    const buildable = this.session.status === 'connected' && this.session.state.autoTrigger.build !== true;
    item.contextValue = `artifact.${contextWord(a.status)}${buildable ? '.buildable' : ''}`;
    item.accessibilityInformation = { label: `${oneLine(a.name, 200)}, ${item.description}` };
    const tip = new Tooltip().heading(a.name).line('Status', a.status).line('Iteration', a.iteration >= 0 ? `#${a.iteration}` : undefined);
    if (a.lastResult) {
      tip.line('Last build', `${a.lastResult.status} in #${a.lastResult.iteration}${a.lastResult.durationMs !== undefined ? ` after ${formatDuration(a.lastResult.durationMs)}` : ''}`);
      if (a.lastResult.at) {
        tip.line('Finished', new Date(a.lastResult.at).toLocaleTimeString());
      }
    }
    tip.line('Platform', a.targetPlatforms ?? a.hostPlatform).error(a.error, 'Build failed');
    item.tooltip = tip.md;
    return item;
  }
}
