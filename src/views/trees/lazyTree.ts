// An import-equals, not `import * as`: the bundle then takes the API object as it is, where
// `import * as` would copy its hundreds of members first (0.7 ms of activation; esbuild.js).
import vscode = require('vscode');

/**
 * A view's data provider as activation registers it, before the rest of the extension is
 * loaded (extension.ts): it stands for the real provider, which the extension's core attaches
 * once built, and until then builds the core when VS Code first asks for rows. So a view
 * shown at startup has its rows at once, and activation loads none of the code behind them.
 * Imports nothing but `vscode`: it is part of the small bundle that activation loads.
 */
export class LazyTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changes.event;
  private target: vscode.TreeDataProvider<T> | undefined;
  private forwarding: vscode.Disposable | undefined;

  /** `load` builds the core, which attaches the real provider. */
  constructor(private readonly load: () => void) {}

  /** The real provider: its changes are passed on, and the whole tree is redrawn from it. */
  attach(target: vscode.TreeDataProvider<T>): void {
    this.forwarding?.dispose();
    this.target = target;
    this.forwarding = target.onDidChangeTreeData?.((e) => this.changes.fire(e));
    this.changes.fire();
  }

  private get real(): vscode.TreeDataProvider<T> {
    if (!this.target) {
      this.load();
    }
    if (!this.target) {
      throw new Error('the Skaffold views are not ready');
    }
    return this.target;
  }

  getChildren(element?: T): vscode.ProviderResult<T[]> {
    return this.real.getChildren(element);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.real.getTreeItem(element);
  }

  resolveTreeItem(item: vscode.TreeItem, element: T, token: vscode.CancellationToken): vscode.ProviderResult<vscode.TreeItem> {
    const real = this.real;
    return real.resolveTreeItem ? real.resolveTreeItem(item, element, token) : item;
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changes.dispose();
  }
}
