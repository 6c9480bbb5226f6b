import * as vscode from 'vscode';
import { StateChange } from '../skaffold/model';
import { oneLine, portLabel, portUrl } from '../skaffold/presentation';
import { SessionTree, Tooltip } from './common';

export interface PortNode {
  kind: 'port';
  id: string;
  localPort: number;
}

/** Forwarded ports: `localhost:LOCAL → type/name:remote`, with open and copy actions. */
export class PortsView extends SessionTree<PortNode> {
  private readonly nodes = new Map<number, PortNode>();

  protected onStateChange(change: StateChange): void {
    if (!change.sections.has('ports')) {
      return;
    }
    const known = [...change.ports].map((p) => this.nodes.get(p));
    if (change.all.has('ports') || known.some((n) => !n)) {
      this.fire();
    } else {
      this.fire(known as PortNode[]);
    }
  }

  getChildren(element?: PortNode): PortNode[] {
    if (element) {
      return [];
    }
    const ports = this.session.state.ports;
    for (const p of this.nodes.keys()) {
      if (!ports.has(p)) {
        this.nodes.delete(p);
      }
    }
    return [...ports.keys()].sort((a, b) => a - b).map((p) => {
      let node = this.nodes.get(p);
      if (!node) {
        node = { kind: 'port', id: `port:${p}`, localPort: p };
        this.nodes.set(p, node);
      }
      return node;
    });
  }

  getTreeItem(element: PortNode): vscode.TreeItem {
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
