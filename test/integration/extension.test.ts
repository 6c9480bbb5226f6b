/// <reference types="mocha" />
/**
 * Inside a real VS Code extension host: the extension as VS Code loads it, against the fake
 * Skaffold started here (a real gRPC server on loopback).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { SessionStatus } from '../../src/skaffold/session/session';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, EXTENSION_ID, plain, rows } from './helpers';

async function setAddress(address: string): Promise<void> {
  await vscode.workspace.getConfiguration().update('skaffold.address', address, vscode.ConfigurationTarget.Global);
}

describe('Skaffold extension in a real VS Code', () => {
  let fake: FakeSkaffold;
  let ext: SkaffoldExtensionApi;
  const waitStatus = (s: SessionStatus) => eventually(`status ${s}`, () => ext.session.status === s);

  before(async () => {
    fake = await FakeSkaffold.start({ stepMs: 20 });
    await fake.runDevLoop();
    ext = await api();
    await setAddress(fake.address);
    await eventually('the first dev loop to show', () => ext.session.state.ports.size === 1);
  });

  after(async () => {
    await vscode.workspace.getConfiguration().update('skaffold.address', undefined, vscode.ConfigurationTarget.Global);
    await fake.stop();
  });

  it('registers every command it contributes', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, []);
    assert.ok(pkg.contributes.commands.length >= 13);
  });

  it('changing skaffold.address connected to the fake Skaffold', () => {
    assert.strictEqual(ext.session.address, fake.address);
    assert.strictEqual(ext.session.status, 'connected');
  });

  it('Artifacts shows each image with its status icon and one word; the build time in the tooltip and the spoken label', async () => {
    const artifacts = await rows(ext.views.artifacts);
    assert.deepStrictEqual(artifacts.map((r) => r.label), ['example/app', 'example/worker']);
    for (const r of artifacts) {
      assert.strictEqual(r.description, 'built');
      assert.strictEqual(r.icon, 'pass');
      assert.strictEqual(r.color, 'testing.iconPassed');
      assert.match(r.tooltip, /Last build: Complete in #0 after \d+(ms|\.\ds)/);
      assert.match(r.accessible ?? '', new RegExp(`^${r.label}, built in \\d+(\\.\\d)? (milli)?seconds?$`));
    }
  });

  it('Resources shows deploy, status check and the deployments with their pods', async () => {
    const top = await rows(ext.views.resources);
    assert.deepStrictEqual(top.map((r) => `${r.label}: ${r.description}`).slice(0, 2), ['Deploy: deployed', 'Status check: passed']);
    assert.deepStrictEqual(top.slice(0, 2).map((r) => r.accessible), ['Deploy, deployed', 'Status check, passed']);
    const deployments = top.slice(2);
    assert.deepStrictEqual(deployments.map((r) => `${r.label}: ${r.description}`), ['deployment/app: ready', 'deployment/worker: ready']);
    assert.deepStrictEqual(deployments.map((r) => r.accessible), ['Deployment app, ready', 'Deployment worker, ready']);
    assert.ok(deployments.every((r) => r.icon === 'pass' && r.collapsible), 'pods are grouped under them');
    const provider = ext.views.resources;
    const [pod] = await rows(provider, (await provider.getChildren())![2]);
    assert.match(pod.label, /^[0-9a-f]+-[0-9a-f]+$/, 'a pod under its deployment is named by what its name adds to the deployment\'s');
    assert.strictEqual(pod.description, 'running', 'Skaffold never closes a pod\'s In Progress: under a deployment that passed it runs');
    assert.strictEqual(pod.accessible, `Pod app-${pod.label}, running`, 'its whole name is spoken');
    assert.match(pod.tooltip, /Message: creating container app/, 'what Skaffold last said of it is in the tooltip');
  });

  it('Forwarded Ports shows localhost:PORT and where it leads, with open and copy actions', async () => {
    const ports = await rows(ext.views.ports);
    assert.deepStrictEqual(ports.map((r) => [r.label, r.description, r.contextValue]), [['localhost:47480', 'app:8080', 'port.openable']]);
    assert.strictEqual(ports[0].accessible, 'Port 47480 on localhost, forwarded to service app port 8080 in namespace default');
    const url = await vscode.commands.executeCommand<string>('skaffold.copyPortUrl', { localPort: 47480 });
    assert.match(url ?? '', /^http:\/\/localhost:47480\/?$|^https?:\/\/127\.0\.0\.1:\d+\/proxy\/47480\/?$/);
    assert.strictEqual(await vscode.env.clipboard.readText(), url);
  });

  it('a file change rebuilds one artifact: live update; the other is up to date with its build of #0, and its port stays', async () => {
    const provider = ext.views.resources;
    const podRows = async () => (await rows(provider, (await provider.getChildren())![2])).map((r) => r.accessible);
    const podsBefore = await podRows();
    await fake.changeFile('example/app');
    await eventually('iteration 1 done', () => ext.session.state.devLoop.iteration === 1 && ext.session.state.devLoop.status === 'Succeeded');
    const artifacts = await rows(ext.views.artifacts);
    assert.strictEqual(artifacts[0].description, 'built');
    assert.strictEqual(artifacts[1].description, 'up to date · #0');
    assert.strictEqual(artifacts[1].icon, 'pass');
    assert.match(artifacts[1].accessible ?? '', /^example\/worker, up to date, built in iteration 0 in /);
    const top = await rows(ext.views.resources);
    assert.deepStrictEqual(top.slice(2).map((r) => `${r.label}: ${r.description}`), ['deployment/app: ready', 'deployment/worker: ready'], 'both checked again in #1');
    // The rollout's new pod takes the old one's place under its deployment (the session
    // writes its resources in place: the view must not show a grouping from before).
    const appPods = [...ext.session.state.resources.keys()].filter((n) => n.startsWith('Pod/app-'));
    assert.strictEqual(appPods.length, 1, 'the replaced pod is gone from the state');
    assert.deepStrictEqual(await podRows(), [`Pod ${appPods[0].slice('Pod/'.length)}, running`]);
    assert.notDeepStrictEqual(await podRows(), podsBefore, 'a new pod, not the one before the change');
  });

  it('a build that fails keeps what runs: its build, the deployments with their iteration, and the port', async () => {
    fake.failNextBuild('example/worker', 'go build: exit 1');
    await fake.changeFile('example/worker');
    await eventually('the failure', () => ext.session.state.devLoop.status === 'Failed' && ext.session.state.devLoop.iteration === 2);
    const artifacts = await rows(ext.views.artifacts);
    assert.deepStrictEqual(artifacts.map((r) => `${r.label}: ${r.description}`), ['example/app: up to date · #1', 'example/worker: failed']);
    const details = await rows(ext.views.artifacts, (await ext.views.artifacts.getChildren())![1]);
    assert.match(details[0].label, /^running: build of #0/, 'the build still deployed is named first');
    assert.match(details[0].accessible ?? '', /^Still running the build from iteration 0/);
    assert.deepStrictEqual(details.slice(1).map((d) => d.accessible), [
      'Error: go build: exit 1', "Skaffold's error code: BUILD_UNKNOWN", 'Suggestion: Fix the build of example/worker: run `skaffold build` to see the whole output',
    ], 'the error, its code and the suggestion in words (never a bare code)');
    const top = await rows(ext.views.resources);
    assert.deepStrictEqual(top.map((r) => `${r.label}: ${r.description}`), [
      'Deploy: deployed · #1', 'Status check: passed · #1', 'deployment/app: ready · #1', 'deployment/worker: ready · #1',
    ]);
    const ports = await rows(ext.views.ports);
    assert.deepStrictEqual(ports.map((r) => `${r.label}: ${r.description}`), ['localhost:47480: app:8080 · #1'], 'the forward stays open until Skaffold redeploys');
    await fake.changeFile('example/worker');
    await eventually('recovery', () => ext.session.state.devLoop.status === 'Succeeded' && ext.session.state.artifacts.get('example/worker')?.status === 'Complete');
  });

  it('a failed build expands to its error and suggestion; the fix clears it', async () => {
    fake.failNextBuild('example/app', 'step 3/5: go build: undefined: foo');
    await fake.changeFile('example/app');
    await eventually('the failure', () => ext.session.state.devLoop.status === 'Failed');
    const [app] = await rows(ext.views.artifacts);
    assert.strictEqual(app.icon, 'error');
    assert.ok(app.collapsible);
    const node = (await ext.views.artifacts.getChildren())![0];
    const details = await rows(ext.views.artifacts, node);
    assert.match(details[0].label, /^running: build of #\d+/, 'the earlier build that still runs');
    assert.deepStrictEqual(details.slice(1).map((d) => d.label), ['step 3/5: go build: undefined: foo', 'code BUILD_UNKNOWN', 'Fix the build of example/app: run `skaffold build` to see the whole output']);
    assert.match(app.tooltip, /Build failed \(BUILD_UNKNOWN\)/);
    await fake.changeFile('example/app');
    await eventually('recovery', () => ext.session.state.devLoop.status === 'Succeeded' && ext.session.state.artifacts.get('example/app')?.status === 'Complete');
    assert.strictEqual((await rows(ext.views.artifacts))[0].icon, 'pass');
  });

  it('server text cannot become a link, a command or HTML in a tooltip', async () => {
    const evil = '[run me](command:workbench.action.quit) <img src=x onerror=alert(1)> **bold** $(zap)';
    const now = Date.now();
    fake.emit({ timestamp: { seconds: String(Math.floor(now / 1000) + 1), nanos: 0 }, event: { buildEvent: { artifact: 'example/app', status: 'Failed', err: evil, actionableErr: { errCode: 'BUILD_UNKNOWN', message: evil, suggestions: [{ action: evil }] } } }, entry: '' });
    await eventually('the evil failure', () => ext.session.state.artifacts.get('example/app')?.error?.message === evil);
    const node = (await ext.views.artifacts.getChildren())!.find((n) => n.kind === 'artifact' && n.name === 'example/app')!;
    const item = await ext.views.artifacts.getTreeItem(node);
    const md = item.tooltip as vscode.MarkdownString;
    assert.ok(md instanceof vscode.MarkdownString);
    assert.strictEqual(md.isTrusted, false);
    assert.ok(!md.supportHtml, 'no HTML');
    assert.ok(!md.supportThemeIcons, 'no theme icons from server text');
    assert.ok(!/(^|[^\\])\]\(/.test(md.value), `link markup escaped: ${md.value}`);
    assert.ok(!/(^|[^\\])</.test(md.value), 'HTML escaped');
    assert.ok(!/(^|[^\\])\$\(/.test(md.value), 'theme icon syntax escaped');
    assert.match(plain(md.value), /\[run me\]\(command:workbench\.action\.quit\)/, 'shown as text');
    await fake.changeFile('example/app');
    await eventually('recovery', () => ext.session.state.artifacts.get('example/app')?.status === 'Complete');
  });

  it('auto triggers toggle from commands and are read back from Skaffold', async () => {
    assert.strictEqual(ext.session.state.autoTrigger.build, true);
    assert.strictEqual(await vscode.commands.executeCommand('skaffold.toggleAutoBuild'), false);
    await eventually('auto build off', () => ext.session.state.autoTrigger.build === false);
    assert.strictEqual(fake.state.buildState?.autoTrigger, false);
    await vscode.commands.executeCommand('skaffold.toggleAutoDeploy');
    await vscode.commands.executeCommand('skaffold.toggleAutoSync');
    await eventually('all manual', () => ext.session.state.autoTrigger.deploy === false && ext.session.state.autoTrigger.sync === false);
    assert.deepStrictEqual(fake.calls.filter((c) => c.method.startsWith('Auto')).map((c) => `${c.method}:${JSON.stringify(c.request)}`), [
      'AutoBuild:{"state":{"enabled":false,"val":"enabled"}}', 'AutoDeploy:{"state":{"enabled":false,"val":"enabled"}}', 'AutoSync:{"state":{"enabled":false,"val":"enabled"}}',
    ]);
  });

  it('Execute commands reach Skaffold: Build Now builds the change, Deploy Now deploys it', async () => {
    await fake.changeFile('example/worker');
    const before = ext.session.state.devLoop.iteration;
    await vscode.commands.executeCommand('skaffold.build');
    await eventually('the manual build', () => ext.session.state.devLoop.iteration === before + 1 && ext.session.state.devLoop.status === 'Succeeded');
    assert.strictEqual(ext.session.state.artifacts.get('example/worker')?.status, 'Complete');
    await vscode.commands.executeCommand('skaffold.deploy');
    await eventually('the manual deploy', () => ext.session.state.deploy.status === 'Complete');
    await vscode.commands.executeCommand('skaffold.buildAndDeploy');
    const executes = fake.calls.filter((c) => c.method === 'Execute').map((c) => JSON.stringify(c.request));
    assert.deepStrictEqual(executes, ['{"intent":{"build":true}}', '{"intent":{"deploy":true}}', '{"intent":{"build":true}}', '{"intent":{"deploy":true}}']);
    for (const cmd of ['skaffold.toggleAutoBuild', 'skaffold.toggleAutoDeploy', 'skaffold.toggleAutoSync']) {
      await vscode.commands.executeCommand(cmd);
    }
    await eventually('auto back on', () => ext.session.state.autoTrigger.build === true && ext.session.state.autoTrigger.deploy === true);
  });

  it('disconnect keeps what was shown; connect brings it back live', async () => {
    await vscode.commands.executeCommand('skaffold.disconnect');
    assert.strictEqual(ext.session.status, 'disconnected');
    assert.strictEqual((await rows(ext.views.artifacts)).length, 2, 'the last state stays visible');
    await vscode.commands.executeCommand('skaffold.connect');
    await waitStatus('connected');
    await eventually('state again', async () => (await rows(ext.views.ports)).length === 1);
  });

  it('Skaffold exiting ends the session, keeps the views, and a new Skaffold is picked up', async () => {
    await fake.stop();
    await waitStatus('ended');
    assert.strictEqual((await rows(ext.views.artifacts)).length, 2, 'still shown after the end');
    await fake.restart();
    await waitStatus('connected');
    await fake.runDevLoop();
    await eventually('the new Skaffold\'s first loop', () => ext.session.state.devLoop.iteration === 0 && ext.session.state.devLoop.status === 'Succeeded');
    const artifacts = await rows(ext.views.artifacts);
    assert.ok(artifacts.every((r) => r.icon === 'pass'));
  });

  it('the status bar item follows skaffold.statusBar.enabled live', async () => {
    assert.strictEqual(ext.statusBar.visible, true);
    await vscode.workspace.getConfiguration().update('skaffold.statusBar.enabled', false, vscode.ConfigurationTarget.Global);
    await eventually('hidden', () => !ext.statusBar.visible);
    await vscode.workspace.getConfiguration().update('skaffold.statusBar.enabled', undefined, vscode.ConfigurationTarget.Global);
    await eventually('shown again', () => ext.statusBar.visible);
  });

  it('an address where nothing listens shows the reason and recovers when set back', async () => {
    await setAddress('127.0.0.1:1');
    await eventually('connecting with an error', () => ext.session.status === 'connecting' && ext.session.lastError?.kind === 'unreachable');
    assert.match(ext.session.lastError!.message, /Nothing answers at 127\.0\.0\.1:1/);
    assert.strictEqual((await rows(ext.views.artifacts)).length, 0, 'a different Skaffold: the old state is not shown as if it were this one');
    await setAddress(fake.address);
    await waitStatus('connected');
  });
});
