import * as vscode from 'vscode';
import { sessionSummary } from '../skaffold/present/labels';
import { oneLine, Width } from '../skaffold/base/text';
import { SkaffoldSession } from '../skaffold/session/session';
import { SessionManager } from '../skaffold/session/sessionManager';

interface NodeArg {
  sessionId?: unknown;
}

/** The session a tree node belongs to, if the argument is one of our nodes. */
export function sessionOfNode(manager: SessionManager, node: unknown): SkaffoldSession | undefined {
  const id = (node as NodeArg | undefined)?.sessionId;
  return typeof id === 'string' ? manager.get(id) : undefined;
}

/**
 * The session a command acts on: the node's, else the only one that qualifies, else the one
 * the user picks. Undefined (after telling the user `none`) when no session qualifies.
 */
export async function pickSession(
  manager: SessionManager,
  node: unknown,
  options: { filter: (s: SkaffoldSession) => boolean; placeHolder: string; none: string; from?: readonly SkaffoldSession[] },
): Promise<SkaffoldSession | undefined> {
  const fromNode = sessionOfNode(manager, node);
  if (fromNode) {
    return fromNode;
  }
  const candidates = (options.from ?? manager.shown).filter(options.filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(options.none);
    return undefined;
  }
  if (candidates.length === 1) {
    return candidates[0];
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((session) => ({ label: oneLine(session.label, Width.name), description: `${session.address} · ${sessionSummary(session).text}`, session })),
    { placeHolder: options.placeHolder },
  );
  return picked?.session;
}

export const isConnected = (s: SkaffoldSession): boolean => s.status === 'connected';
