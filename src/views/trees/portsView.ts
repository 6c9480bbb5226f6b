import * as vscode from 'vscode';
import { StateChange } from '../../skaffold/state/model';
import { listedPorts, openPorts, portUrl } from '../../skaffold/present/labels';
import { currentIteration, portRow } from '../../skaffold/present/rows';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionTree, TreePart } from './sessionTree';
import { lookIcon, nodeId, Tooltip } from './rowItems';

export interface PortNode {
  kind: 'port';
  id: string;
  sessionId: string;
  localPort: number;
}

/**
 * Forwarded ports: `localhost:LOCAL` and where it leads, with open and copy actions. A port
 * stays until Skaffold redeploys (it stops its forwards then) or ends, whatever its State
 * says in between; `· #N` says an earlier iteration forwarded it.
 */
export class PortsView extends SessionTree<PortNode> {
  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<PortNode> {
    return new PortsPart(session, idPrefix);
  }
}

class PortsPart implements TreePart<PortNode> {
  private readonly nodes = new Map<number, PortNode>();

  /** An ended Skaffold closed its forwards: its rows go when its status changes. */
  readonly statusMatters = true;

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string) {}

  changed(change: StateChange): PortNode[] | 'all' | undefined {
    if (change.sections.has('devLoop') && this.session.state.ports.size > 0) {
      return 'all'; // `· #N` on the rows forwarded in an earlier iteration
    }
    if (!change.sections.has('ports')) {
      return undefined;
    }
    const known = [...change.ports].map((p) => this.nodes.get(p));
    if (change.all.has('ports') || known.some((n) => !n)) {
      return 'all';
    }
    return known as PortNode[];
  }

  roots(): PortNode[] {
    const ports = listedPorts(this.session);
    for (const p of this.nodes.keys()) {
      if (!ports.has(p)) {
        this.nodes.delete(p);
      }
    }
    return [...ports.keys()].sort((a, b) => a - b).map((p) => {
      let node = this.nodes.get(p);
      if (!node) {
        node = { kind: 'port', id: nodeId(this.idPrefix, `port:${p}`), sessionId: this.session.id, localPort: p };
        this.nodes.set(p, node);
      }
      return node;
    });
  }

  children(): PortNode[] {
    return [];
  }

  item(element: PortNode): vscode.TreeItem {
    const p = listedPorts(this.session).get(element.localPort);
    if (!p) {
      return new vscode.TreeItem(String(element.localPort));
    }
    const row = portRow(p, currentIteration(this.session.state));
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.description = row.description;
    item.iconPath = lookIcon(row.look);
    item.accessibilityInformation = { label: row.accessible };
    const url = openPorts(this.session).has(p.localPort) ? portUrl(p) : undefined;
    item.contextValue = url ? 'port.openable' : 'port';
    item.tooltip = new Tooltip().heading(url ?? `port ${p.localPort}`).line('Resource', `${p.resourceType ?? ''}/${p.resourceName ?? ''}`)
      .line('Namespace', p.namespace).line('Pod', p.podName).line('Container', p.containerName).line('Port name', p.portName)
      .line('Remote port', p.targetPort).line('Bound to', p.address).line('Forwarded in', `#${p.iteration}`).md;
    return item;
  }
}
