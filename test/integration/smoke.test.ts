/// <reference types="mocha" />
/**
 * The cheapest proof that the harness works: VS Code found our extension, activated it, and
 * its contributions reached the workbench.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'vscode-skaffold.vscode-skaffold';

describe('smoke', () => {
  it(`${EXTENSION_ID} is present and activates`, async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among the extensions VS Code loaded`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('its commands are registered once activated', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('skaffold.connect'), 'skaffold.connect is not registered');
  });
});
