import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';
import { StateChange } from '../../skaffold/state/model';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
import { sessionItem } from './sessionItem';
import { PartNode, SessionNode } from './rowItems';
import { Throttle } from '../../skaffold/base/schedule';

/**
 * One session's rows in a tree. `changed` says which rows a state change touched: some rows,
 * 'all' of this session's rows, or none (undefined).
 */
export interface TreePart<T> {
  roots(): T[];
  children(element: T): T[];
  item(element: T): vscode.TreeItem;
  /**
   * The tooltip of a row whose item left it out: built when the user hovers the row
   * (resolveTreeItem), not for every row of every refresh.
   */
  tooltip?(element: T): vscode.MarkdownString | string | undefined;
  changed(change: StateChange): T[] | 'all' | undefined;
  /** Its rows show the session's status (in their menus): redraw them when it changes. */
  readonly statusMatters?: boolean;
}

/**
 * What every Skaffold tree shares: it reads the sessions' state, hears their (coalesced)
 * changes, and tells VS Code which rows changed: `fire(nodes)` for those rows, `fire()` for
 * all. With one session shown its rows are the tree's roots; with several, each session is
 * a row with its own health and its rows under it.
 */
export abstract class SessionTree<T extends PartNode> extends Disposable implements vscode.TreeDataProvider<T | SessionNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<T | SessionNode | (T | SessionNode)[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly parts = new Map<SkaffoldSession, TreePart<T>>();
  private readonly sessionNodes = new Map<SkaffoldSession, SessionNode>();
  private grouped: boolean;
  private readonly regroups = new Throttle(() => this.regroup(), 0);

  constructor(protected readonly manager: SessionManager) {
    super();
    this.grouped = manager.shown.length > 1;
    this._register(manager.onDidChangeState(({ session, change }) => this.onStateChange(session, change)));
    this._register(manager.onDidChangeStatus(({ session }) => {
      const node = this.grouped ? this.sessionNodes.get(session) : undefined;
      if (node) {
        this.fire([node]);
      } else if (this.parts.get(session)?.statusMatters) {
        this.fire();
      }
    }));
    this._register(manager.onDidChangeSessions(() => this.scheduleRegroup()));
  }

  /**
   * Redraws the tree for the sessions now shown, one macrotask later: the context keys that
   * row menus read change in the same tick, and VS Code re-renders the rows those keys
   * affect; rows already replaced then cannot be found ("Data tree node not found").
   */
  private scheduleRegroup(): void {
    this.regroups.schedule();
  }

  private regroup(): void {
    if (this.isDisposed) {
      return;
    }
    for (const s of [...this.parts.keys()]) {
      if (!this.manager.sessions.includes(s)) {
        this.parts.delete(s);
        this.sessionNodes.delete(s);
      }
    }
    this.setGrouped(this.manager.shown.length > 1);
    this.fire();
  }

  override dispose(): void {
    this.regroups.dispose();
    super.dispose();
  }

  /** A change of layout starts every part afresh: its rows get the new layout's ids. */
  private setGrouped(grouped: boolean): void {
    if (grouped !== this.grouped) {
      this.grouped = grouped;
      this.parts.clear();
    }
  }

  /** `idPrefix` starts the id of every row of the part (see nodeId). */
  protected abstract createPart(session: SkaffoldSession, idPrefix: string): TreePart<T>;

  /** The session node of a session (for commands and tests). */
  sessionNode(session: SkaffoldSession): SessionNode {
    let node = this.sessionNodes.get(session);
    if (!node) {
      node = { kind: 'session', id: `session:${session.id}`, sessionId: session.id };
      this.sessionNodes.set(session, node);
    }
    return node;
  }

  /** Refreshes every row now. */
  refresh(): void {
    this._onDidChangeTreeData.fire(undefined);
  }

  protected fire(nodes?: (T | SessionNode)[]): void {
    this._onDidChangeTreeData.fire(nodes);
  }

  private part(session: SkaffoldSession): TreePart<T> {
    let part = this.parts.get(session);
    if (!part) {
      part = this.createPart(session, `${this.grouped ? 'grouped/' : ''}${session.id}|`);
      this.parts.set(session, part);
    }
    return part;
  }

  private sessionOf(element: T | SessionNode): SkaffoldSession | undefined {
    return this.manager.get(element.sessionId);
  }

  private onStateChange(session: SkaffoldSession, change: StateChange): void {
    if (!this.parts.has(session) && !this.manager.shown.includes(session)) {
      return; // not shown: nothing to refresh
    }
    const changed = this.part(session).changed(change);
    if (changed === 'all') {
      const node = this.grouped ? this.sessionNodes.get(session) : undefined;
      this.fire(node ? [node] : undefined);
    } else if (changed && changed.length > 0) {
      this.fire(changed);
    }
  }

  getChildren(element?: T | SessionNode): (T | SessionNode)[] {
    if (!element) {
      const shown = this.manager.shown;
      this.setGrouped(shown.length > 1);
      if (shown.length === 1) {
        return this.part(shown[0]).roots();
      }
      return shown.map((s) => this.sessionNode(s));
    }
    const session = this.sessionOf(element);
    if (!session) {
      return [];
    }
    if (element.kind === 'session') {
      return this.part(session).roots();
    }
    return this.part(session).children(element as T);
  }

  getTreeItem(element: T | SessionNode): vscode.TreeItem {
    const session = this.sessionOf(element);
    if (!session) {
      return new vscode.TreeItem('');
    }
    if (element.kind === 'session') {
      return sessionItem(session, element as SessionNode);
    }
    return this.part(session).item(element as T);
  }

  resolveTreeItem(item: vscode.TreeItem, element: T | SessionNode): vscode.TreeItem {
    const session = this.sessionOf(element);
    if (item.tooltip === undefined && session && element.kind !== 'session') {
      item.tooltip = this.part(session).tooltip?.(element as T);
    }
    return item;
  }
}
