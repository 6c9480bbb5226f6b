import * as vscode from 'vscode';
import { NOT_STARTED, PhaseState, ResourceState, StateChange } from '../skaffold/model';
import { Status } from '../skaffold/protocol';
import { groupResources, oneLine, ResourceGroup } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';
import { resolveDebugTarget, runtimeLabel } from '../skaffold/debugConfig';
import { contextWord, detailItem, DetailNode, errorDetails, nodeId, SessionTree, statusIcon, Tooltip, TreePart } from './common';

type PhaseKey = 'deploy' | 'statusCheck' | 'fileSync' | 'test';

const PHASE_LABEL: Record<PhaseKey, string> = {
  deploy: 'Deploy',
  statusCheck: 'Status check',
  fileSync: 'File sync',
  test: 'Test',
};

export interface PhaseNode {
  kind: 'phase';
  id: string;
  sessionId: string;
  phase: PhaseKey;
}

export interface ResourceNode {
  kind: 'resource';
  id: string;
  sessionId: string;
  name: string;
}

/** A container `skaffold debug` set up for debugging, under its pod (or at the top when the pod has no row). */
export interface DebugNode {
  kind: 'debug';
  id: string;
  sessionId: string;
  /** DebugContainerState.key */
  key: string;
}

export type ResourcesTreeNode = PhaseNode | ResourceNode | DebugNode | DetailNode;

/**
 * Resources: deploy and status-check progress, then one row per Kubernetes resource Skaffold
 * checks, pods under the deployment that owns them.
 */
export class ResourcesView extends SessionTree<ResourcesTreeNode> {
  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<ResourcesTreeNode> {
    return new ResourcesPart(session, idPrefix);
  }
}

class ResourcesPart implements TreePart<ResourcesTreeNode> {
  private readonly phases = new Map<PhaseKey, PhaseNode>();
  private readonly nodes = new Map<string, ResourceNode>();
  private grouped: { source: ReadonlyMap<string, ResourceState>; groups: ResourceGroup[]; byName: Map<string, ResourceGroup> } | undefined;

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string) {}

  private visiblePhases(): PhaseKey[] {
    const s = this.session.state;
    if (s.artifacts.size === 0 && s.resources.size === 0 && s.deploy.status === NOT_STARTED) {
      return [];
    }
    return (['deploy', 'statusCheck', 'fileSync', 'test'] as const).filter((p) => p === 'deploy' || p === 'statusCheck' || s[p].status !== NOT_STARTED);
  }

  changed(change: StateChange): ResourcesTreeNode[] | 'all' | undefined {
    const phaseChanged = (['deploy', 'statusCheck', 'fileSync', 'test'] as const).filter((p) => change.sections.has(p));
    const resourcesChanged = change.sections.has('resources');
    if (change.sections.has('debugContainers') || change.sections.has('ports') && this.session.state.debugContainers.size > 0) {
      return 'all';
    }
    if (!resourcesChanged && phaseChanged.length === 0 && !change.sections.has('artifacts')) {
      return undefined;
    }
    const shown = this.visiblePhases();
    const state = this.session.state;
    const reshaped = [...change.resources].some((name) => {
      const node = this.nodes.get(name);
      return !node || node.id.endsWith('/failed') !== (state.resources.get(name)?.error !== undefined);
    }) || phaseChanged.some((p) => this.phases.get(p)?.id.endsWith('/failed') !== (state[p].error !== undefined));
    const rootChanged = change.all.has('resources') || change.sections.has('artifacts') && this.phases.size === 0
      || shown.length !== this.phases.size || reshaped;
    if (rootChanged || phaseChanged.includes('statusCheck')) {
      // (Whether a pod's In Progress is stale depends on the check: redraw them all.)
      return 'all';
    }
    const targets: ResourcesTreeNode[] = [];
    for (const p of phaseChanged) {
      const node = this.phases.get(p);
      if (node) {
        targets.push(node);
      }
    }
    for (const name of change.resources) {
      targets.push(this.nodes.get(name)!);
    }
    return targets;
  }

  /** Pods grouped under their owners, computed once per version of the resources map. */
  private groups(): ResourceGroup[] {
    const resources = this.session.state.resources;
    if (this.grouped?.source !== resources) {
      const groups = groupResources(resources.values());
      this.grouped = { source: resources, groups, byName: new Map(groups.map((g) => [g.resource.name, g])) };
    }
    return this.grouped.groups;
  }

  private groupOf(name: string): ResourceGroup | undefined {
    this.groups();
    return this.grouped!.byName.get(name);
  }

  /** Stable per resource; a suffix while it carries an error, so its row opens (see ArtifactsView). */
  private resourceNode(name: string): ResourceNode {
    const failed = this.session.state.resources.get(name)?.error !== undefined;
    const id = nodeId(this.idPrefix, failed ? `resource:${name}/failed` : `resource:${name}`);
    let node = this.nodes.get(name);
    if (!node || node.id !== id) {
      node = { kind: 'resource', id, sessionId: this.session.id, name };
      this.nodes.set(name, node);
    }
    return node;
  }

  roots(): ResourcesTreeNode[] {
    const state = this.session.state;
    const shown = this.visiblePhases();
    this.phases.clear();
    const phaseNodes = shown.map((phase) => {
      const node: PhaseNode = { kind: 'phase', id: nodeId(this.idPrefix, state[phase].error ? `phase:${phase}/failed` : `phase:${phase}`), sessionId: this.session.id, phase };
      this.phases.set(phase, node);
      return node;
    });
    for (const name of this.nodes.keys()) {
      if (!state.resources.has(name)) {
        this.nodes.delete(name);
      }
    }
    const podRows = new Set([...state.resources.keys()].filter((n) => /^pods?\//i.test(n)).map((n) => n.slice(n.indexOf('/') + 1)));
    const looseDebug = [...state.debugContainers.values()].filter((c) => !c.podName || !podRows.has(c.podName)).map((c) => this.debugNode(c.key));
    return [...phaseNodes, ...this.groups().map((g) => this.resourceNode(g.resource.name)), ...looseDebug];
  }

  private debugNode(key: string): DebugNode {
    return { kind: 'debug', id: nodeId(this.idPrefix, `debug:${key}`), sessionId: this.session.id, key };
  }

  /** The debugging containers of a pod row (`Pod/name`). */
  private debugChildren(resourceName: string): DebugNode[] {
    const slash = resourceName.indexOf('/');
    if (!/^pods?\//i.test(resourceName)) {
      return [];
    }
    const pod = resourceName.slice(slash + 1);
    return [...this.session.state.debugContainers.values()].filter((c) => c.podName === pod).map((c) => this.debugNode(c.key));
  }

  children(element: ResourcesTreeNode): ResourcesTreeNode[] {
    const state = this.session.state;
    if (element.kind === 'phase') {
      return errorDetails(element, state[element.phase].error);
    }
    if (element.kind === 'resource') {
      const r = state.resources.get(element.name);
      const group = this.groupOf(element.name);
      return [...errorDetails(element, r?.error), ...this.debugChildren(element.name), ...(group?.children ?? []).map((c) => this.resourceNode(c.name))];
    }
    return [];
  }

  item(element: ResourcesTreeNode): vscode.TreeItem {
    if (element.kind === 'detail') {
      return detailItem(element);
    }
    if (element.kind === 'phase') {
      return this.phaseItem(element);
    }
    if (element.kind === 'debug') {
      return this.debugItem(element);
    }
    const state = this.session.state;
    const r = state.resources.get(element.name);
    const hasChildren = r?.error !== undefined || (this.groupOf(element.name)?.children.length ?? 0) > 0 || this.debugChildren(element.name).length > 0;
    const item = new vscode.TreeItem(oneLine(element.name, 200), hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    if (!r) {
      return item;
    }
    // Skaffold's v1 events never close a pod's "In Progress": once the status check has
    // ended, that is only the last thing it saw, not work still going on.
    const stale = r.status === Status.InProgress && (state.statusCheck.status === Status.Succeeded || state.statusCheck.status === Status.Failed);
    item.iconPath = stale ? new vscode.ThemeIcon('history', new vscode.ThemeColor('disabledForeground')) : statusIcon(r.status);
    item.description = stale ? `last seen ${resourceDescription(r)}` : resourceDescription(r);
    item.contextValue = `resource.${contextWord(r.status)}`;
    item.tooltip = new Tooltip().heading(r.name).line('Status', r.status).line('Message', r.message).line('Code', r.code)
      .line('Updated', r.at ? new Date(r.at).toLocaleTimeString() : undefined).error(r.error, 'Failed').md;
    return item;
  }

  private debugItem(node: DebugNode): vscode.TreeItem {
    const c = this.session.state.debugContainers.get(node.key);
    const item = new vscode.TreeItem(oneLine(c?.containerName ?? node.key, 200), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (!c) {
      return item;
    }
    const target = resolveDebugTarget(c, this.session.state.ports.values());
    const runtime = runtimeLabel(c.runtime);
    const ports = Object.entries(c.debugPorts).map(([name, port]) => `${oneLine(name, 40)} ${port}`).join(', ');
    const terminated = c.status === 'Terminated';
    item.description = terminated
      ? vscode.l10n.t('{0} · terminated', runtime)
      : target.ok
        ? vscode.l10n.t('{0} · debug on localhost:{1}', runtime, target.localPort)
        : vscode.l10n.t('{0} · {1}', runtime, ports || vscode.l10n.t('no debug port'));
    item.iconPath = new vscode.ThemeIcon(terminated ? 'debug-disconnect' : 'debug-alt', terminated ? new vscode.ThemeColor('disabledForeground') : undefined);
    item.contextValue = !terminated && target.ok ? 'debugContainer.attachable' : terminated ? 'debugContainer.terminated' : 'debugContainer.pending';
    item.tooltip = new Tooltip().heading(c.containerName ?? c.key).line('Pod', c.podName).line('Namespace', c.namespace).line('Artifact', c.artifact)
      .line('Runtime', c.runtime).line('Working dir', c.workingDir).line('Debug ports', ports).line('Status', c.status)
      .line('Attach', target.ok ? `localhost:${target.localPort}` : target.reason).md;
    return item;
  }

  private phaseItem(node: PhaseNode): vscode.TreeItem {
    const p: PhaseState & { fileCount?: number; image?: string } = this.session.state[node.phase];
    const item = new vscode.TreeItem(PHASE_LABEL[node.phase], p.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = statusIcon(p.status);
    const extra = p.message ? ` · ${oneLine(p.message, 120)}` : p.fileCount ? ` · ${p.fileCount} files to ${oneLine(p.image, 80)}` : '';
    item.description = `${oneLine(p.status, 40) || NOT_STARTED}${extra}`;
    item.contextValue = `phase.${node.phase}`;
    item.tooltip = new Tooltip().heading(PHASE_LABEL[node.phase]).line('Status', p.status).line('Message', p.message).line('Code', p.code)
      .line('Updated', p.at ? new Date(p.at).toLocaleTimeString() : undefined).error(p.error, 'Failed').md;
    return item;
  }
}

function resourceDescription(r: ResourceState): string {
  const message = r.message && r.message !== r.status ? ` · ${oneLine(r.message, 120)}` : '';
  return `${oneLine(r.status, 40)}${message}`;
}
