/// <reference types="mocha" />
/**
 * The views' welcome texts as VS Code shows them. The welcome view renders links (a link alone
 * on its line is a button) and nothing else of markdown: a backtick, an asterisk or an
 * underscore shows as it is. So each text, without its links, must be plain prose, and each
 * command link must name a command the extension registers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';

interface Welcome {
  view: string;
  contents: string;
  when?: string;
}

/** `[label](target)`: what the welcome view renders as a link or button. */
const LINK = /\[([^\]]*)\]\(([^)\s]*)\)/g;

/**
 * The markdown a welcome view shows literally, in a text without its links: inline code,
 * emphasis, headings, quotes, lists, HTML, escapes, link syntax left over.
 */
const RAW_MARKDOWN: [string, RegExp][] = [
  ['a backtick', /`/],
  ['an asterisk', /\*/],
  ['underscore emphasis', /(^|[\s(])_+[^_\s]|[^_\s]_+($|[\s).,;:!?])/m],
  ['strikethrough', /~~/],
  ['a heading', /^\s*#/m],
  ['a quote', /^\s*>/m],
  ['a list item', /^\s*([-+]|\d+\.)\s/m],
  ['HTML', /<\/?[a-z][^>]*>/i],
  ['a markdown escape', /\\[\\`*_{}[\]()#+\-.!|<>~]/],
  ['link syntax left over', /\[|\]|\]\(/],
];

/** What a welcome text shows besides its links, and its links. */
export function splitWelcome(text: string): { prose: string; links: { label: string; target: string }[] } {
  const links = [...text.matchAll(LINK)].map((m) => ({ label: m[1], target: m[2] }));
  return { prose: text.replace(LINK, ''), links };
}

/** Each problem of a welcome text: raw markdown in its prose, a link without a label. */
export function welcomeProblems(text: string): string[] {
  const { prose, links } = splitWelcome(text);
  const problems = RAW_MARKDOWN.filter(([, re]) => re.test(prose)).map(([what]) => `${what} in "${prose.trim()}"`);
  for (const l of links) {
    if (!l.label.trim()) {
      problems.push(`a link without a label to ${l.target}`);
    }
  }
  return problems;
}

describe('welcome views', () => {
  let welcomes: (Welcome & { key: string; text: string })[];

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    await ext.activate();
    // The host's packageJSON keeps its %keys%: resolve them as VS Code does, from package.nls.json.
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const contributed = (ext.packageJSON as { contributes?: { viewsWelcome?: Welcome[] } }).contributes?.viewsWelcome ?? [];
    welcomes = contributed.map((w) => {
      const key = /^%(.+)%$/.exec(w.contents)?.[1];
      assert.ok(!key || typeof nls[key] === 'string', `package.nls.json has ${key} (the welcome of ${w.view} when ${w.when})`);
      return { ...w, key: key ?? w.contents, text: key ? nls[key] : w.contents };
    });
  });

  it('every view has welcome content', () => {
    const views = new Set(welcomes.map((w) => w.view));
    assert.deepStrictEqual([...views].sort(), ['skaffold.artifacts', 'skaffold.history', 'skaffold.ports', 'skaffold.resources']);
  });

  it('each welcome text is plain prose and links: no markdown the welcome view would show literally', () => {
    const problems = welcomes.flatMap((w) => welcomeProblems(w.text).map((p) => `${w.key}: ${p}`));
    assert.deepStrictEqual(problems, []);
  });

  it('the check finds what the welcome view shows literally', () => {
    assert.deepStrictEqual(welcomeProblems('Start Skaffold with `--port-forward`.'), ['a backtick in "Start Skaffold with `--port-forward`."']);
    assert.strictEqual(welcomeProblems('Set **skaffold.address**.').length, 1);
    assert.strictEqual(welcomeProblems('It is _not_ running.').length, 1);
    assert.strictEqual(welcomeProblems('See [the docs].').length, 1);
    assert.deepStrictEqual(welcomeProblems('Not connected.\n[Start skaffold dev](command:skaffold.dev)\n[Settings](command:skaffold.openSettings)'), []);
    assert.deepStrictEqual(welcomeProblems('Run "skaffold dev --rpc-port 50051" with launch_args.'), [], 'an underscore inside a word is no emphasis');
  });

  it('each command link names a command the extension registers', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const links = welcomes.flatMap((w) => splitWelcome(w.text).links.map((l) => ({ ...l, key: w.key })));
    assert.ok(links.length > 0, 'the welcome texts have links');
    for (const l of links) {
      const command = /^command:([\w.-]+)/.exec(l.target)?.[1];
      if (command) {
        assert.ok(registered.has(command), `${l.key}: [${l.label}] runs ${command}, which is registered`);
      } else {
        assert.match(l.target, /^https:\/\//, `${l.key}: [${l.label}] is a command or an https link`);
      }
    }
  });
});
