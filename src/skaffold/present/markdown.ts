/**
 * Markdown made only of escaped text, for tooltips: server strings are untrusted, so nothing
 * in them can become a link, an image, a command, a theme icon or HTML. Pure, so that it is
 * fuzzed in plain Node; the views wrap the result in an untrusted vscode.MarkdownString.
 */
import { ErrorInfo } from '../state/model';
import { oneLine, Width } from '../base/text';

/** Server text as inert markdown: every markdown, HTML and theme-icon character escaped. */
export function escapeMarkdown(text: string): string {
  // Leading spaces would make a code block; '=' under a line a heading.
  return text.replace(/^\s+/, '').replace(/[\\`*_{}[\]()#+\-.!|<>~&$:=]/g, '\\$&');
}

/** Builds tooltip markdown: a bold heading, `label: value` lines, an error with suggestions. */
export class InertMarkdown {
  private text = '';

  /** The markdown so far. */
  get value(): string {
    return this.text;
  }

  heading(text: string): this {
    this.text += `**${escapeMarkdown(oneLine(text, Width.line))}**\n\n`;
    return this;
  }

  line(label: string, value: string | number | undefined): this {
    if (value === undefined || value === '') {
      return this;
    }
    this.text += `${escapeMarkdown(label)}: ${escapeMarkdown(oneLine(value, Width.detail))}  \n`;
    return this;
  }

  error(error: ErrorInfo | undefined, title = 'Error'): this {
    if (!error) {
      return this;
    }
    this.text += '\n\n---\n\n';
    this.text += `${escapeMarkdown(`${title}${error.code ? ` (${oneLine(error.code, Width.code)})` : ''}: ${oneLine(error.message, Width.message)}`)}\n\n`;
    for (const s of error.suggestions) {
      this.text += `• ${escapeMarkdown(oneLine(s.action, Width.detail))}  \n`;
    }
    return this;
  }
}
