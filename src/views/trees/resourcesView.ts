import * as vscode from 'vscode';
import { NOT_STARTED, ResourceState, StateChange } from '../../skaffold/state/model';
import { groupResources, ResourceGroup } from '../../skaffold/present/labels';
import { oneLine, Width } from '../../skaffold/base/text';
import { currentIteration, PHASE_LABEL, PhaseKey, phaseRow, resourceRow } from '../../skaffold/present/rows';
import { isPod, shortName } from '../../skaffold/state/workloads';
import { SkaffoldSession } from '../../skaffold/session/session';
import { resolveDebugTarget, runtimeLabel } from '../../skaffold/debug/debugConfig';
import { SessionTree, TreePart } from './sessionTree';
import { contextWord, detailItem, DetailNode, errorDetails, lookIcon, nodeId, Tooltip } from './rowItems';

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
 * Resources: deploy and status-check progress (this iteration's, else the last result), then
 * one row per Kubernetes resource running, with the last verdict a status check gave it,
 * pods under the workload that owns them.
 */
export class ResourcesView extends SessionTree<ResourcesTreeNode> {
  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<ResourcesTreeNode> {
    return new ResourcesPart(session, idPrefix);
  }
}

class ResourcesPart implements TreePart<ResourcesTreeNode> {
  private readonly phases = new Map<PhaseKey, PhaseNode>();
  private readonly nodes = new Map<string, ResourceNode>();
  /** Pods grouped under their owners, until a change names the resources (see groups()). */
  private grouped: {
    source: ReadonlyMap<string, ResourceState>;
    groups: ResourceGroup[];
    byName: Map<string, ResourceGroup>;
    ownerOfPod: Map<string, ResourceState>;
  } | undefined;

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string) {}

  private visiblePhases(): PhaseKey[] {
    const s = this.session.state;
    if (s.artifacts.size === 0 && s.resources.size === 0 && s.deploy.status === NOT_STARTED) {
      return [];
    }
    return (['deploy', 'statusCheck', 'fileSync', 'test'] as const).filter((p) => p === 'deploy' || p === 'statusCheck' || s[p].status !== NOT_STARTED || s[p].last);
  }

  changed(change: StateChange): ResourcesTreeNode[] | 'all' | undefined {
    if (change.sections.has('resources')) {
      this.grouped = undefined; // the shown resources map is written in place (reducer.ts, Ownership)
    }
    const phaseChanged = (['deploy', 'statusCheck', 'fileSync', 'test'] as const).filter((p) => change.sections.has(p));
    const resourcesChanged = change.sections.has('resources');
    if (change.sections.has('debugContainers') || change.sections.has('ports') && this.session.state.debugContainers.size > 0) {
      return 'all';
    }
    if (change.sections.has('devLoop')) {
      return 'all'; // rows say `· #N` when their word is from an earlier iteration
    }
    if (!resourcesChanged && phaseChanged.length === 0 && !change.sections.has('artifacts')) {
      return undefined;
    }
    const shown = this.visiblePhases();
    const state = this.session.state;
    const reshaped = [...change.resources].some((name) => {
      const node = this.nodes.get(name);
      return !node || node.id.endsWith('/failed') !== (state.resources.get(name)?.error !== undefined);
    }) || phaseChanged.some((p) => this.phases.get(p)?.id.endsWith('/failed') !== (this.phaseError(p) !== undefined));
    const rootChanged = change.all.has('resources') || change.sections.has('artifacts') && this.phases.size === 0
      || shown.length !== this.phases.size || reshaped;
    if (rootChanged || phaseChanged.includes('statusCheck')) {
      // (Whether a pod is running depends on the check: redraw them all.)
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

  /** The error a phase row shows: this iteration's, else its last result's. */
  private phaseError(p: PhaseKey) {
    return phaseRow(p, this.session.state[p], currentIteration(this.session.state)).shown.error;
  }

  /**
   * Pods grouped under their owners, computed once per resources map and change: the map a
   * session shows is written in place, so a change that names resources drops the groups.
   */
  private groups(): ResourceGroup[] {
    const resources = this.session.state.resources;
    if (this.grouped?.source !== resources) {
      const groups = groupResources(resources.values());
      const ownerOfPod = new Map(groups.flatMap((g) => g.children.map((c): [string, ResourceState] => [c.name, g.resource])));
      this.grouped = { source: resources, groups, byName: new Map(groups.map((g) => [g.resource.name, g])), ownerOfPod };
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
      const node: PhaseNode = { kind: 'phase', id: nodeId(this.idPrefix, this.phaseError(phase) ? `phase:${phase}/failed` : `phase:${phase}`), sessionId: this.session.id, phase };
      this.phases.set(phase, node);
      return node;
    });
    for (const name of this.nodes.keys()) {
      if (!state.resources.has(name)) {
        this.nodes.delete(name);
      }
    }
    const podRows = new Set([...state.resources.keys()].filter(isPod).map(shortName));
    const looseDebug = [...state.debugContainers.values()].filter((c) => !c.podName || !podRows.has(c.podName)).map((c) => this.debugNode(c.key));
    return [...phaseNodes, ...this.groups().map((g) => this.resourceNode(g.resource.name)), ...looseDebug];
  }

  private debugNode(key: string): DebugNode {
    return { kind: 'debug', id: nodeId(this.idPrefix, `debug:${key}`), sessionId: this.session.id, key };
  }

  /** The debugging containers of a pod row (`Pod/name`). */
  private debugChildren(resourceName: string): DebugNode[] {
    if (!isPod(resourceName)) {
      return [];
    }
    const pod = shortName(resourceName);
    return [...this.session.state.debugContainers.values()].filter((c) => c.podName === pod).map((c) => this.debugNode(c.key));
  }

  children(element: ResourcesTreeNode): ResourcesTreeNode[] {
    const state = this.session.state;
    if (element.kind === 'phase') {
      return errorDetails(element, this.phaseError(element.phase));
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
    if (!r) {
      const item = new vscode.TreeItem(oneLine(element.name, Width.name));
      item.id = element.id;
      return item;
    }
    const row = resourceRow(r, state, this.ownerOf(r));
    const item = new vscode.TreeItem(row.label, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.iconPath = lookIcon(row.look);
    item.description = row.description;
    item.contextValue = `resource.${contextWord(r.status)}`;
    item.accessibilityInformation = { label: row.accessible };
    return item; // its tooltip when hovered (tooltip(), through resolveTreeItem)
  }

  tooltip(element: ResourcesTreeNode): vscode.MarkdownString | undefined {
    if (element.kind !== 'resource') {
      return undefined;
    }
    const state = this.session.state;
    const r = state.resources.get(element.name);
    if (!r) {
      return undefined;
    }
    const row = resourceRow(r, state, this.ownerOf(r));
    return new Tooltip().heading(r.name).line('Status', `${row.word} (Skaffold: ${r.status})`).line('Message', r.message).line('Code', r.code)
      .line('Checked', `in #${r.iteration}${r.at ? `, at ${new Date(r.at).toLocaleTimeString()}` : ''}`).error(r.error, 'Failed').md;
  }

  private debugItem(node: DebugNode): vscode.TreeItem {
    const c = this.session.state.debugContainers.get(node.key);
    const item = new vscode.TreeItem(oneLine(c?.containerName ?? node.key, Width.name), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (!c) {
      return item;
    }
    const target = resolveDebugTarget(c, this.session.state.ports.values());
    const runtime = runtimeLabel(c.runtime);
    const ports = Object.entries(c.debugPorts).map(([name, port]) => `${oneLine(name, Width.address)} ${port}`).join(', ');
    const terminated = c.status === 'Terminated';
    item.description = terminated
      ? vscode.l10n.t('{0} · terminated', runtime)
      : target.ok
        ? vscode.l10n.t('{0} · debug on localhost:{1}', runtime, target.localPort)
        : vscode.l10n.t('{0} · {1}', runtime, ports || vscode.l10n.t('no debug port'));
    item.iconPath = new vscode.ThemeIcon(terminated ? 'debug-disconnect' : 'debug-alt', terminated ? new vscode.ThemeColor('disabledForeground') : undefined);
    item.contextValue = !terminated && target.ok ? 'debugContainer.attachable' : terminated ? 'debugContainer.terminated' : 'debugContainer.pending';
    item.accessibilityInformation = { label: `Debugging container ${oneLine(c.containerName ?? c.key, Width.name)}, ${item.description}` };
    item.tooltip = new Tooltip().heading(c.containerName ?? c.key).line('Pod', c.podName).line('Namespace', c.namespace).line('Artifact', c.artifact)
      .line('Runtime', c.runtime).line('Working dir', c.workingDir).line('Debug ports', ports).line('Status', c.status)
      .line('Attach', target.ok ? `localhost:${target.localPort}` : target.reason).md;
    return item;
  }

  /** The workload a pod row sits under, if any. */
  private ownerOf(r: ResourceState): ResourceState | undefined {
    this.groups();
    return this.grouped!.ownerOfPod.get(r.name);
  }

  private phaseItem(node: PhaseNode): vscode.TreeItem {
    const state = this.session.state;
    const p = state[node.phase];
    const row = phaseRow(node.phase, p, currentIteration(state));
    const shown = row.shown;
    const item = new vscode.TreeItem(PHASE_LABEL[node.phase], shown.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = lookIcon(row.look);
    item.description = row.description;
    item.contextValue = `phase.${node.phase}`;
    item.accessibilityInformation = { label: row.accessible };
    const sync = state.fileSync;
    item.tooltip = new Tooltip().heading(PHASE_LABEL[node.phase]).line('This iteration', p.status)
      .line('Last result', p.last ? `${p.last.status} in #${p.last.iteration}` : undefined).line('Message', shown.message)
      .line('Files', node.phase === 'fileSync' && sync.fileCount ? `${sync.fileCount} to ${sync.image ?? '?'}` : undefined)
      .line('Updated', shown.at ? new Date(shown.at).toLocaleTimeString() : undefined).error(shown.error, 'Failed').md;
    return item;
  }
}
