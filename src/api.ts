/**
 * The API other extensions get from activate(): `getApi(1)`, typed by
 * api/vscode-skaffold.d.ts (shipped with the extension). Plain-data snapshots, no internals.
 */
import * as vscode from 'vscode';
import type { SkaffoldApi, SkaffoldApiEvent, SkaffoldExtensionExports, SkaffoldIntent, SkaffoldSessionSnapshot } from '../api/vscode-skaffold.d';
import { Disposable } from './common/disposable';
import { SkaffoldError } from './skaffold/wire/errors';
import { ErrorInfo } from './skaffold/state/model';
import { portUrl } from './skaffold/present/labels';
import { Event as ProtoEvent } from './skaffold/wire/protocol';
import { SkaffoldSession } from './skaffold/session/session';
import { SessionManager } from './skaffold/session/sessionManager';

const message = (e: ErrorInfo | undefined) => e?.message;

export function snapshot(s: SkaffoldSession): SkaffoldSessionSnapshot {
  const st = s.state;
  return {
    id: s.id,
    address: s.address,
    label: s.label,
    origin: s.origin,
    command: s.command,
    status: s.status,
    error: s.status === 'connected' ? undefined : s.lastError?.message,
    skaffoldVersion: st.skaffoldVersion,
    iteration: st.devLoop.iteration,
    artifacts: [...st.artifacts.values()].map((a) => ({ name: a.name, status: a.status, iteration: a.iteration, error: message(a.error) })),
    resources: [...st.resources.values()].map((r) => ({ name: r.name, status: r.status, message: r.message, error: message(r.error) })),
    ports: [...st.ports.values()].map((p) => ({
      localPort: p.localPort, resourceType: p.resourceType, resourceName: p.resourceName, namespace: p.namespace, targetPort: p.targetPort, url: portUrl(p),
    })),
    deploy: { status: st.deploy.status, error: message(st.deploy.error) },
    statusCheck: { status: st.statusCheck.status, error: message(st.statusCheck.error) },
    autoTrigger: { ...st.autoTrigger },
  };
}

/**
 * An event whose payload is built only while it has listeners: without another extension
 * subscribed, no snapshot is made on the event path.
 */
class LazyEmitter<T> implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<T>();
  private listeners = 0;

  readonly event: vscode.Event<T> = (listener, thisArgs, disposables) => {
    const sub = this.emitter.event(listener, thisArgs);
    this.listeners++;
    let done = false;
    const d = {
      dispose: () => {
        if (!done) {
          done = true;
          this.listeners--;
          sub.dispose();
        }
      },
    };
    disposables?.push(d);
    return d;
  };

  fire(make: () => T): void {
    if (this.listeners > 0) {
      this.emitter.fire(make());
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export class ExtensionApi extends Disposable implements SkaffoldApi {
  readonly version = 1 as const;
  private readonly sessionsEmitter = this._register(new LazyEmitter<readonly SkaffoldSessionSnapshot[]>());
  readonly onDidChangeSessions = this.sessionsEmitter.event;
  private readonly stateEmitter = this._register(new LazyEmitter<SkaffoldSessionSnapshot>());
  readonly onDidChangeSessionState = this.stateEmitter.event;

  constructor(private readonly manager: SessionManager) {
    super();
    const fireSessions = () => this.sessionsEmitter.fire(() => this.sessions);
    const off = [
      manager.onDidChangeSessions(fireSessions),
      manager.onDidChangeStatus(({ event }) => {
        if (event.status !== event.previous) {
          fireSessions();
        }
      }),
      manager.onDidChangeState(({ session }) => this.stateEmitter.fire(() => snapshot(session))),
    ];
    this._register({ dispose: () => off.forEach((d) => d.dispose()) });
  }

  get sessions(): readonly SkaffoldSessionSnapshot[] {
    return this.manager.sessions.map(snapshot);
  }

  getSession(sessionId: string): SkaffoldSessionSnapshot | undefined {
    const s = this.manager.get(String(sessionId));
    return s && snapshot(s);
  }

  async execute(sessionId: string, intent: SkaffoldIntent): Promise<void> {
    const clean = { build: intent?.build === true, sync: intent?.sync === true, deploy: intent?.deploy === true, devloop: intent?.devloop === true };
    return this.session(sessionId).execute(clean);
  }

  async handle(sessionId: string, event: SkaffoldApiEvent): Promise<void> {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new SkaffoldError('rejected', 'handle(): the event must be an object such as { buildEvent: { artifact, status } }.');
    }
    return this.session(sessionId).handle(event as ProtoEvent);
  }

  private session(id: string): SkaffoldSession {
    const s = this.manager.get(String(id));
    if (!s) {
      throw new SkaffoldError('rejected', `No Skaffold session "${String(id)}".`);
    }
    return s;
  }

  /** The exports of activate() for this API. */
  exports(): SkaffoldExtensionExports {
    return { getApi: (version: 1) => (version === 1 ? this : undefined) };
  }
}
