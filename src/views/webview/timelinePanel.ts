import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { TIMELINE_PANEL } from '../../common/ids';
import { Disposable } from '../../common/disposable';
import { oneLine, Width } from '../../skaffold/base/text';
import { SkaffoldSession } from '../../skaffold/session/session';
import { SessionManager } from '../../skaffold/session/sessionManager';
import { renderTimelineHtml } from '../../skaffold/present/timeline/document';
import { Throttle } from '../../skaffold/base/schedule';

/** At most one redraw per this many ms while the history changes. */
const REDRAW_MS = 500;

/**
 * The dev-loop timeline: a webview with a stacked-bar chart of each iteration's phases. It
 * runs no script and loads nothing (its Content Security Policy allows neither); the HTML is
 * rendered here from the history, every server string escaped (see present/timeline/).
 */
export class TimelinePanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private session: SkaffoldSession | undefined;
  private readonly redraws = new Throttle(() => this.redraw(), REDRAW_MS);
  private _html = '';

  /** `causesOf` says what started each iteration (by v1 number) when more than its events is known. */
  constructor(private readonly manager: SessionManager, private readonly causesOf: (session: SkaffoldSession) => ReadonlyMap<number, string> = () => new Map()) {
    super();
    this._register(manager.onDidChangeState(({ session, change }) => {
      if (session === this.session && change.sections.has('history')) {
        this.scheduleRedraw();
      }
    }));
  }

  /** The HTML last given to the webview (tests read it). */
  get html(): string {
    return this._html;
  }

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  /** Opens (or reveals) the timeline of a session. */
  show(session: SkaffoldSession): void {
    this.session = session;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(TIMELINE_PANEL, this.title(session), vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: false,
        enableFindWidget: true,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.session = undefined;
        this.redraws.cancel();
      });
    } else {
      this.panel.reveal();
    }
    this.panel.title = this.title(session);
    this.redraws.flush();
  }

  private title(session: SkaffoldSession): string {
    const label = this.manager.shown.length > 1 ? ` · ${oneLine(session.label, Width.label)}` : '';
    return vscode.l10n.t('Dev Loop Timeline{0}', label);
  }

  private scheduleRedraw(): void {
    if (this.panel) {
      this.redraws.schedule();
    }
  }

  private redraw(): void {
    if (!this.panel || !this.session) {
      return;
    }
    this._html = renderTimelineHtml(this.session.state.iterations, {
      cspSource: this.panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      title: this.title(this.session),
      locale: vscode.env.language,
      causes: this.causesOf(this.session),
    });
    this.panel.webview.html = this._html;
  }

  override dispose(): void {
    this.redraws.dispose();
    this.panel?.dispose();
    super.dispose();
  }
}
