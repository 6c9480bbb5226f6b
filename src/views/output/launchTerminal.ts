import * as vscode from 'vscode';
import { ProcessExit, SkaffoldProcess } from '../../skaffold/launch/process';

/** Output chunks kept until the terminal opens. */
const MAX_BUFFERED = 2000;

/** Turns process output into terminal text: a terminal needs CRLF line ends. */
function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/**
 * The terminal a Skaffold we started writes to: its output as it comes, Ctrl+C stops it
 * gracefully (twice: at once), closing the terminal stops it. After it exits the terminal
 * stays open to be read (any key closes it), unless `closeOnExit` (tasks: the task ends).
 */
export class LaunchTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closeEmitter.event;
  private opened = false;
  private buffer: string[] = [];
  private process: SkaffoldProcess | undefined;
  private exited: ProcessExit | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly options: {
    commandLine?: string;
    /** Asks for a stop (the launcher knows the timeout; a second call forces). */
    stop(): void;
    closeOnExit?: boolean;
    /** Called once the terminal is shown: start the process here when it should not run earlier (tasks). */
    onOpen?(): void;
  }) {}

  /** Follows the process: its output and its end. */
  attach(process: SkaffoldProcess): void {
    this.process = process;
    this.subscriptions.push(process.onOutput((text) => this.write(toTerminal(text))));
    process.exited.then((exit) => this.onExit(exit));
  }

  /** Writes a line of ours (not Skaffold's), dimmed. */
  note(text: string): void {
    this.write(`\x1b[2m${toTerminal(text)}\x1b[0m\r\n`);
  }

  open(): void {
    this.opened = true;
    if (this.options.commandLine) {
      this.write(`\x1b[1m> ${this.options.commandLine}\x1b[0m\r\n`);
    }
    for (const text of this.buffer.splice(0)) {
      this.writeEmitter.fire(text);
    }
    this.options.onOpen?.();
  }

  handleInput(data: string): void {
    if (this.exited) {
      this.closeEmitter.fire(this.exited.code ?? 1);
      return;
    }
    if (data.includes('\x03')) {
      this.note('^C: stopping Skaffold (it deletes what it deployed); Ctrl+C again to kill it now.');
      this.options.stop();
    }
  }

  /** The user closed the terminal: a Skaffold still running there is stopped. */
  close(): void {
    if (this.process?.running) {
      this.options.stop();
    }
    this.dispose();
  }

  private onExit(exit: ProcessExit): void {
    this.exited = exit;
    const how = exit.error ? exit.error.message : exit.signal ? `Skaffold was stopped (${exit.signal}).` : `Skaffold exited with code ${exit.code}.`;
    this.note(`\r\n${how}${this.options.closeOnExit ? '' : ' Press any key to close this terminal.'}`);
    if (this.options.closeOnExit) {
      this.closeEmitter.fire(exit.code ?? 1);
    }
  }

  private write(text: string): void {
    if (this.opened) {
      this.writeEmitter.fire(text);
      return;
    }
    this.buffer.push(text);
    if (this.buffer.length > MAX_BUFFERED) {
      this.buffer.splice(0, this.buffer.length - MAX_BUFFERED); // a terminal never opened keeps only the latest output
    }
  }

  private dispose(): void {
    for (const d of this.subscriptions.splice(0)) {
      d.dispose();
    }
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
