import * as vscode from 'vscode';
import { StateChange } from '../skaffold/model';
import { oneLine, portLabel, portUrl } from '../skaffold/presentation';
import { SkaffoldSession } from '../skaffold/session';
import { nodeId, SessionTree, Tooltip, TreePart } from './common';

export interface PortNode {
  kind: 'port';
  id: string;
  sessionId: string;
  localPort: number;
}

/** Forwarded ports: `localhost:LOCAL → type/name:remote`, with open and copy actions. */
export class PortsView extends SessionTree<PortNode> {
  protected createPart(session: SkaffoldSession, idPrefix: string): TreePart<PortNode> {
    return new PortsPart(session, idPrefix);
  }
}

class PortsPart implements TreePart<PortNode> {
  private readonly nodes = new Map<number, PortNode>();

  constructor(private readonly session: SkaffoldSession, private readonly idPrefix: string) {}

  changed(change: StateChange): PortNode[] | 'all' | undefined {
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
    const ports = this.session.state.ports;
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
    const p = this.session.state.ports.get(element.localPort);
    if (!p) {
      return new vscode.TreeItem(String(element.localPort));
    }
    const item = new vscode.TreeItem(portLabel(p), vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.description = p.namespace ? oneLine(p.namespace, 64) : undefined;
    item.iconPath = new vscode.ThemeIcon('plug');
    const url = portUrl(p);
    item.contextValue = url ? 'port.openable' : 'port';
    item.tooltip = new Tooltip().heading(url ?? `port ${p.localPort}`).line('Resource', `${p.resourceType ?? ''}/${p.resourceName ?? ''}`)
      .line('Namespace', p.namespace).line('Pod', p.podName).line('Container', p.containerName).line('Port name', p.portName)
      .line('Remote port', p.targetPort).line('Bound to', p.address).md;
    return item;
  }
}
