import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';
// Types only: the module (and the YAML parser under it) loads when a project is first indexed.
import type { ConfigIndex, ProjectFiles } from '../../skaffold/project/configLocations';
import { SkaffoldSession } from '../../skaffold/session/session';

/** Bounds on what is read to index a project: workspace files are input like any other. */
const MAX_CANDIDATE_CONFIGS = 20;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_GLOB_RESULTS = 500;

let locations: typeof import('../../skaffold/project/configLocations') | undefined;

async function loadLocations(): Promise<typeof import('../../skaffold/project/configLocations')> {
  locations ??= await import('../../skaffold/project/configLocations');
  return locations;
}

export interface ProjectIndexesOptions {
  /** The skaffold.yaml a session started from VS Code runs, when it was. */
  configOf(session: SkaffoldSession): string | undefined;
}

/**
 * Where the workspace's Skaffold projects declare things, for what places a session's state
 * on its files (the Problems panel, the CodeLens): the workspace's candidate skaffold.yaml
 * files, which of them a session runs, and each root config's index (configLocations.ts),
 * read once and kept until a YAML file of the workspace changes. Nothing is read, and no
 * file is watched, until something first asks.
 */
export class ProjectIndexes extends Disposable {
  private readonly indexes = new Map<string, Promise<ConfigIndex>>();
  private candidates: Promise<string[]> | undefined;
  private watching = false;
  private readonly changes = this._register(new vscode.EventEmitter<void>());
  /** Indexes were dropped (a YAML file changed, was created or deleted, or the folders did): ask again. */
  readonly onDidChange = this.changes.event;

  constructor(private readonly options: ProjectIndexesOptions) {
    super();
  }

  /** Watches the workspace's YAML from the first question on, not at activation. */
  private watch(): void {
    if (this.watching || this.isDisposed) {
      return;
    }
    this.watching = true;
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'));
    const forget = (uri: vscode.Uri) => this.forget(uri);
    this._register(watcher.onDidChange(forget));
    this._register(watcher.onDidCreate(forget));
    this._register(watcher.onDidDelete(forget));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.forget()));
  }

  /** Drops what a change of `uri` (of anything, when absent) may have made stale, and says so. */
  forget(uri?: vscode.Uri): void {
    if (!uri || /skaffold[^/\\]*\.ya?ml$/i.test(uri.fsPath)) {
      this.candidates = undefined;
    }
    // Any YAML may be a manifest or a required config: index again.
    this.indexes.clear();
    if (!this.isDisposed) {
      this.changes.fire();
    }
  }

  /** The skaffold.yaml of a session: the one we started it with, else the workspace's that declares most of its artifacts. */
  async rootConfig(session: SkaffoldSession): Promise<string | undefined> {
    const launched = this.options.configOf(session);
    if (launched) {
      return launched;
    }
    const artifacts = [...session.state.artifacts.keys()];
    if (artifacts.length === 0 && session.state.resources.size === 0) {
      return undefined;
    }
    this.watch();
    const candidates = await (this.candidates ??= findCandidates());
    let best: string | undefined;
    let bestScore = 0;
    for (const file of candidates) {
      const index = await this.index(file);
      const declared = new Set(index.artifacts.map((a) => a.image));
      const score = artifacts.filter((a) => declared.has(a)).length;
      if (score > bestScore) {
        best = file;
        bestScore = score;
      }
    }
    return best ?? (candidates.length === 1 && artifacts.length === 0 ? candidates[0] : undefined);
  }

  /** The index of a root config, read once until a YAML file changes. */
  index(root: string): Promise<ConfigIndex> {
    this.watch();
    let index = this.indexes.get(root);
    if (!index) {
      index = loadLocations().then(({ indexSkaffoldProject }) => indexSkaffoldProject(root, workspaceFiles));
      this.indexes.set(root, index);
    }
    return index;
  }
}

/** The workspace's Skaffold configs, nearest first, bounded. */
async function findCandidates(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles('**/skaffold*.{yaml,yml}', '**/{node_modules,.git,vendor}/**', MAX_CANDIDATE_CONFIGS);
  return uris.map((u) => u.fsPath).sort((a, b) => a.split(path.sep).length - b.split(path.sep).length || a.localeCompare(b));
}

/** A text file of at most `maxBytes`, through VS Code's file system (remote windows too); undefined when absent, larger or unreadable. */
export async function readWorkspaceText(file: string, maxBytes: number): Promise<string | undefined> {
  try {
    const uri = vscode.Uri.file(file);
    const stat = await vscode.workspace.fs.stat(uri);
    if (!(stat.type & vscode.FileType.File) || stat.size > maxBytes) {
      return undefined;
    }
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** Reads and globs through VS Code's file system, so that it works in remote windows too. */
const workspaceFiles: ProjectFiles = {
  read: (file: string) => readWorkspaceText(file, MAX_FILE_BYTES),
  async stat(file: string) {
    try {
      const stat = await vscode.workspace.fs.stat(vscode.Uri.file(file));
      const type = stat.type & vscode.FileType.Directory ? 'directory' as const : stat.type & vscode.FileType.File ? 'file' as const : 'other' as const;
      return { type, size: stat.size };
    } catch {
      return undefined;
    }
  },
  async glob(baseDir: string, pattern: string): Promise<string[]> {
    if (!/[*?[\]{}]/.test(pattern)) {
      return [path.resolve(baseDir, pattern)];
    }
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(baseDir), pattern), null, MAX_GLOB_RESULTS);
    return uris.map((u) => u.fsPath).sort();
  },
};
