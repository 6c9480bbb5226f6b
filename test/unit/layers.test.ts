/**
 * The linter keeps the core's layers (eslint.config.mjs, docs/architecture.md): a layer
 * imports only those below it, nothing imports in a cycle, and the core never imports
 * `vscode`. Each rule is shown to fail on a violation, linted as if it were a file of the
 * project, and the project itself to pass them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `code` placed at `file` (relative to the project). */
async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

test('a layer importing a layer above it fails the lint: state must not import present', async () => {
  const found = await violations('src/skaffold/state/reducer.ts', "import { oneLine } from '../present/labels';\nexport const clean = oneLine;\n");
  assert.ok(found.includes('import-x/no-restricted-paths'), found.join(', '));
});

test('the same import the other way round passes: present may import state', async () => {
  const found = await violations('src/skaffold/present/rows.ts', "import { NOT_STARTED } from '../state/model';\nexport const word = NOT_STARTED;\n");
  assert.deepEqual(found, []);
});

test('an import cycle fails the lint: base importing what imports it', async () => {
  // present/labels imports session/session, which imports base/events.
  const found = await violations('src/skaffold/base/events.ts', "import { oneLine } from '../present/labels';\nexport const clean = oneLine;\n");
  assert.ok(found.includes('import-x/no-cycle'), found.join(', '));
});

test('the core importing vscode fails the lint', async () => {
  const found = await violations('src/skaffold/state/model.ts', "import * as vscode from 'vscode';\nexport const v = vscode.version;\n");
  assert.ok(found.includes('no-restricted-imports'), found.join(', '));
});
