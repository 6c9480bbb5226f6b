/// <reference types="mocha" />
/**
 * Why things fail and what runs, inside a real VS Code: Skaffold's failures in the Problems
 * panel with their quick fixes, container logs kept across iterations, Skaffold's own output,
 * debugging containers and the debugger configuration, the dev-loop history and its timeline.
 * Against the fake Skaffold, serving both the v1 and the v2 API on loopback.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SkaffoldExtensionApi } from '../../src/extension';
import type { SessionNode } from '../../src/views/trees/rowItems';
import type { HistoryTreeNode } from '../../src/views/trees/historyView';
import type { Event, LogEntry } from '../../src/skaffold/wire/protocol';
import { MANUAL_AFTER_MS } from '../../src/skaffold/present/triggerCause';
import { FakeSkaffold } from '../fakes/skaffoldFake';
import { api, eventually, published, rows } from './helpers';

function entry(event: Event, text = ''): LogEntry {
  const now = Date.now();
  return { timestamp: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 }, event: { ...event, event_type: Object.keys(event)[0] }, entry: text };
}

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const skaffoldYaml = () => vscode.Uri.file(path.join(workspace(), 'skaffold.yaml'));
const ourDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'skaffold');

/** The 0-based line of the first line of a file matching `pattern`. */
function lineOf(file: string, pattern: RegExp): number {
  const line = fs.readFileSync(file, 'utf8').split(/\r?\n/).findIndex((l) => pattern.test(l));
  assert.ok(line >= 0, `${pattern} in ${file}`);
  return line;
}

describe('Problems, logs, debugging and history', () => {
  let fake: FakeSkaffold;
  let ext: SkaffoldExtensionApi;

  before(async () => {
    fake = await FakeSkaffold.start({ stepMs: 20 });
    await fake.runDevLoop();
    ext = await api();
    await vscode.workspace.getConfiguration().update('skaffold.address', fake.address, vscode.ConfigurationTarget.Global);
    await eventually('the first dev loop to show', () => ext.session.state.ports.size === 1 && ext.session.status === 'connected');
  });

  after(async () => {
    await vscode.workspace.getConfiguration().update('skaffold.address', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration().update('skaffold.debug.autoAttach', undefined, vscode.ConfigurationTarget.Global);
    await fake.stop();
  });

  it('CodeLens: each artifact\'s state and actions above its image: line, each workload\'s verdict above its name:, off with the setting', async () => {
    const lenses = async (uri: vscode.Uri) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [])
      .map((l) => ({ line: l.range.start.line, title: l.command?.title ?? '', command: l.command?.command, args: l.command?.arguments }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(skaffoldYaml()), { preview: false });
    const appLine = lineOf(skaffoldYaml().fsPath, /image: example\/app$/);
    const onApp = async () => (await lenses(skaffoldYaml())).filter((l) => l.line === appLine);
    await eventually('the lenses of example/app', async () => (await onApp()).some((l) => /built/.test(l.title)));
    const app = await onApp();
    assert.match(app[0].title, /^\$\(pass\) built (just now|\d+s ago)/, app[0].title);
    assert.deepStrictEqual(app.slice(1).map((l) => l.title), ['Show Output', 'Show Logs'], 'auto build is on: no Build Now');
    assert.deepStrictEqual(app[1].args, [{ sessionId: ext.session.id, kind: 'artifact', name: 'example/app' }]);
    const workerLine = lineOf(skaffoldYaml().fsPath, /image: example\/worker$/);
    assert.ok((await lenses(skaffoldYaml())).some((l) => l.line === workerLine && /built/.test(l.title)), 'one for each artifact');

    // Its action runs the command it names: Skaffold's output of that build.
    await vscode.commands.executeCommand(app[1].command!, ...app[1].args!);
    assert.match(ext.logs.outputText, /── Build-\d+ · example\/app ──/);

    // With auto build off, Build Now is offered on the line.
    assert.strictEqual(await ext.session.setAutoTrigger('build', false), false);
    try {
      await eventually('Build Now on the line', async () => (await onApp()).some((l) => l.title === 'Build Now'));
    } finally {
      await ext.session.setAutoTrigger('build', true);
    }

    // On the Deployment's name in its manifest (not the Service's of the same name).
    const manifest = vscode.Uri.file(path.join(workspace(), 'k8s', 'app.yaml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(manifest), { preview: false });
    const nameLine = lineOf(manifest.fsPath, /^ {2}name: app$/);
    await eventually('the workload lens', async () => (await lenses(manifest)).some((l) => l.line === nameLine));
    const workload = (await lenses(manifest)).filter((l) => l.line === nameLine);
    assert.match(workload[0].title, /^\$\(pass\) ready/, workload[0].title);
    assert.ok(!(await lenses(manifest)).some((l) => l.line > nameLine + 10), 'nothing on the Service');

    await vscode.workspace.getConfiguration().update('skaffold.codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await eventually('no lenses once turned off', async () => (await lenses(skaffoldYaml())).length === 0);
    } finally {
      await vscode.workspace.getConfiguration().update('skaffold.codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually('back when turned on', async () => (await onApp()).length > 0);

    // An event log of the same project opened beside the live session: each lens names its session.
    const log = vscode.Uri.file(path.join(vscode.extensions.getExtension('vscode-skaffold.vscode-skaffold')!.extensionPath, 'test', 'fixtures', 'recorded', 'ok', 'events.json'));
    const opened = await vscode.commands.executeCommand<{ id: string }>('skaffold.openEventLog', log);
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(skaffoldYaml()), { preview: false });
      await eventually('a lens of each session on the line', async () => (await onApp()).filter((l) => /built/.test(l.title)).length === 2);
      const states = (await onApp()).filter((l) => /built/.test(l.title)).map((l) => l.title);
      assert.ok(states.some((t) => t.includes(`${ext.session.label}: built`)) && states.some((t) => t.includes('events.json: built')), JSON.stringify(states));
    } finally {
      ext.manager.remove(ext.manager.get(opened!.id)!);
    }
  });

  it('a failed build is an error on its artifact\'s image line in skaffold.yaml, with Skaffold\'s suggestion as a quick fix', async () => {
    fake.failNextBuild('example/app', {
      message: 'step 3/5: go build: ./main.go:9:2: undefined: handler',
      errCode: 'BUILD_DOCKER_UNKNOWN',
      suggestions: [{ suggestionCode: 'CHECK_DOCKER_RUNNING', action: 'Check if docker is running' }],
    });
    await fake.changeFile('example/app');
    // Quick fixes are asked for an open document, as the editor does.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(skaffoldYaml()), { preview: false });
    await eventually('a problem in skaffold.yaml', () => ourDiagnostics(skaffoldYaml()).length > 0);
    const [d, ...more] = ourDiagnostics(skaffoldYaml());
    assert.strictEqual(more.length, 0, 'one problem for one failure');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(d.range.start.line, lineOf(skaffoldYaml().fsPath, /image: example\/app$/));
    assert.match(d.message, /example\/app.*undefined: handler/);
    assert.strictEqual(d.code, 'BUILD_DOCKER_UNKNOWN');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', skaffoldYaml(), d.range);
    const ours = actions.filter((a) => a.command !== undefined && a.kind?.value === 'quickfix');
    const commands = ours.map((a) => a.command!.command);
    assert.ok(commands.includes('skaffold.build'), `a rebuild among ${JSON.stringify(ours.map((a) => a.title))}`);
    assert.ok(commands.includes('skaffold.showOutput'), 'the build output one click away');
    const docs = ours.find((a) => a.command!.command === 'skaffold.openDocs');
    assert.ok(docs, 'the docker suggestion links Skaffold\'s docs');
    assert.match(String(docs.command!.arguments![0]), /^https:\/\/skaffold\.dev\/docs\//);
    const rebuild = ours.find((a) => a.command!.command === 'skaffold.build')!;
    assert.deepStrictEqual(rebuild.command!.arguments, [{ sessionId: ext.session.id }]);
  });

  it('the output quick fix shows Skaffold\'s own output of that failed build', async () => {
    const logs = ext.logs.of(ext.session);
    await eventually('the build output to arrive over v2', () => logs.output.latestTask('Build', 'example/app') !== undefined);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', skaffoldYaml(), ourDiagnostics(skaffoldYaml())[0].range);
    const output = actions.find((a) => a.command?.command === 'skaffold.showOutput')!;
    await vscode.commands.executeCommand(output.command!.command, ...output.command!.arguments!);
    assert.match(ext.logs.outputText, /── Build-\d+ · example\/app ──/);
    assert.match(ext.logs.outputText, /undefined: handler/);
  });

  it('the rebuild quick fix reaches Skaffold, and the problem clears when the build succeeds', async () => {
    assert.strictEqual(await ext.session.setAutoTrigger('build', false), false);
    // With auto build off, each artifact row of this (connected) session offers Build Now.
    await eventually('Build Now on the rows', async () => (await rows(ext.views.artifacts)).every((r) => /^artifact\.[A-Za-z]+\.buildable$/.test(r.contextValue ?? '')));
    try {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', skaffoldYaml(), ourDiagnostics(skaffoldYaml())[0].range);
      const rebuild = actions.find((a) => a.command?.command === 'skaffold.build')!;
      const executes = fake.calls.filter((c) => c.method === 'Execute').length;
      // A person clicks the fix a moment after the failed iteration began: an Execute sent
      // within MANUAL_AFTER_MS of an iteration's start could be that one's (the clocks are not
      // in step), and the history then credits no iteration with it (see the history test).
      const failedStart = ext.session.state.iterations.at(-1)?.startedAt ?? 0;
      await eventually('a moment after the failed iteration began', () => Date.now() > failedStart + MANUAL_AFTER_MS);
      await vscode.commands.executeCommand(rebuild.command!.command, ...rebuild.command!.arguments!);
      await eventually('Skaffold asked to build', () => fake.calls.filter((c) => c.method === 'Execute').length > executes);
      await eventually('the problem to clear', () => ourDiagnostics(skaffoldYaml()).length === 0);
    } finally {
      await ext.session.setAutoTrigger('build', true);
    }
    await eventually('no Build Now with auto build on', async () => (await rows(ext.views.artifacts)).every((r) => !(r.contextValue ?? '').endsWith('.buildable')));
  });

  it('a failed status check is an error on the Deployment\'s name in its manifest, cleared on success', async () => {
    const manifest = vscode.Uri.file(path.join(workspace(), 'k8s', 'app.yaml'));
    fake.failNextStatusCheck('example/app', 'container app terminated with exit code 1');
    await fake.changeFile('example/app');
    await eventually('a problem in k8s/app.yaml', () => ourDiagnostics(manifest).some((d) => d.severity === vscode.DiagnosticSeverity.Error));
    const d = ourDiagnostics(manifest).find((x) => x.severity === vscode.DiagnosticSeverity.Error)!;
    assert.strictEqual(d.range.start.line, lineOf(manifest.fsPath, /^ {2}name: app$/));
    assert.match(d.message, /exit code 1/);
    assert.strictEqual(ourDiagnostics(skaffoldYaml()).length, 0, 'nothing on skaffold.yaml for a status check');
    await fake.changeFile('example/app');
    await eventually('the manifest problem to clear', () => ourDiagnostics(manifest).length === 0);
  });

  it('container logs: one channel per container, kept across iterations though Skaffold clears its own', async () => {
    const pod = () => [...ext.session.state.resources.keys()].find((r) => r.startsWith('Pod/app-'))!.slice('Pod/'.length);
    const first = pod();
    fake.appLog(first, 'app', 'listening on :8080');
    fake.appLog(first, 'app', 'GET /healthz 200');
    const logs = ext.logs.of(ext.session);
    await eventually('the lines to arrive', () => logs.logs.lines(`${first}/app`).some((l) => l.includes('GET /healthz')));
    await fake.changeFile('example/app');
    await eventually('a new pod', () => pod() !== first);
    fake.appLog(pod(), 'app', 'second iteration says hi');
    await eventually('the new pod\'s line', () => logs.logs.lines(`${pod()}/app`).some((l) => l.includes('second iteration says hi')));
    assert.strictEqual(fake.appLogBuffer.some((e) => JSON.stringify(e).includes('GET /healthz')), false, 'Skaffold itself forgot the first iteration');
    assert.ok(logs.logs.lines(`${first}/app`).some((l) => l.includes('GET /healthz')), 'we did not');

    const channel = await vscode.commands.executeCommand<vscode.OutputChannel>('skaffold.showContainerLogs', { kind: 'resource', sessionId: ext.session.id, name: `Pod/${first}` });
    assert.ok(channel, 'a channel opened for the pod\'s only container');
    assert.strictEqual(channel.name, `Skaffold: ${first}/app`);
    // From the deployment's row, both pods' containers are offered: pick the newest.
    const pick = vscode.window.showQuickPick;
    let offered: string[] = [];
    (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: { label: string; description: string }[]) => {
      offered = (await items).map((i) => i.description);
      return (await items).find((i) => i.description.startsWith(pod()));
    };
    try {
      const second = await vscode.commands.executeCommand<vscode.OutputChannel>('skaffold.showContainerLogs', { kind: 'resource', sessionId: ext.session.id, name: 'deployment/app' });
      assert.strictEqual(second.name, `Skaffold: ${pod()}/app`);
      assert.strictEqual(offered.length, 2);
    } finally {
      (vscode.window as { showQuickPick: unknown }).showQuickPick = pick;
    }
  });

  it('each kind of suggestion is a quick fix that does what it says: open the setting, the file, the container logs', async () => {
    fake.failNextBuild('example/app', {
      message: 'getting image: no default repo',
      errCode: 'BUILD_PUSH_ACCESS_DENIED',
      suggestions: [
        { suggestionCode: 'ADD_DEFAULT_REPO', action: 'Try running with `--default-repo` flag' },
        { suggestionCode: 'FIX_SKAFFOLD_CONFIG_DOCKERFILE', action: 'Check the dockerfile field of the artifact' },
      ],
    });
    await fake.changeFile('example/app');
    await eventually('the build problem', () => ourDiagnostics(skaffoldYaml()).length === 1);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(skaffoldYaml()), { preview: false });
    try {
      const d = ourDiagnostics(skaffoldYaml())[0];
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', skaffoldYaml(), d.range);
      const byCommand = (id: string) => actions.filter((a) => a.command?.command === id);

      const settings = byCommand('workbench.action.openSettings');
      assert.deepStrictEqual(settings.map((a) => a.command!.arguments), [['skaffold.launch.args']], 'the default-repo flag goes in the launch arguments');
      // vscode.open comes back as the workbench's own open command: run it as the lightbulb would.
      const open = actions.filter((a) => a.command?.command === 'vscode.open' || a.command?.command === '_workbench.open');
      assert.strictEqual(open.length, 1, `the Dockerfile advice opens the config: ${JSON.stringify(actions.map((a) => [a.title, a.command?.command]))}`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand(open[0].command!.command, ...open[0].command!.arguments!);
      assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, skaffoldYaml().fsPath);
      assert.strictEqual(vscode.window.activeTextEditor?.selection.start.line, d.range.start.line, 'at the artifact');
      await vscode.commands.executeCommand(settings[0].command!.command, ...settings[0].command!.arguments!);
      await eventually('the settings editor', () => vscode.window.tabGroups.activeTabGroup.activeTab?.label === 'Settings');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      await fake.changeFile('example/app');
      await eventually('the build problem to clear', () => ourDiagnostics(skaffoldYaml()).length === 0);
    }

    // A crash loop: Skaffold suggests the logs; the quick fix opens the pod's container logs.
    const manifest = vscode.Uri.file(path.join(workspace(), 'k8s', 'app.yaml'));
    const pod = [...ext.session.state.resources.keys()].find((r) => r.startsWith('Pod/app-'))!;
    fake.appLog(pod.slice('Pod/'.length), 'app', 'panic: nil map');
    fake.emit(entry({ resourceStatusCheckEvent: {
      resource: 'deployment/app', status: 'Failed', message: 'container app is backing off', statusCode: 'STATUSCHECK_CONTAINER_RESTARTING',
      actionableErr: { errCode: 'STATUSCHECK_CONTAINER_RESTARTING', message: 'container app is backing off', suggestions: [{ suggestionCode: 'CHECK_CONTAINER_LOGS', action: 'Try checking container logs' }] },
    } }));
    await eventually('the status-check problem', () => ourDiagnostics(manifest).length > 0);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(manifest), { preview: false });
    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', manifest, ourDiagnostics(manifest)[0].range);
    const logs = fixes.find((a) => a.command?.command === 'skaffold.showContainerLogs');
    assert.ok(logs, `a logs quick fix among ${JSON.stringify(fixes.map((a) => a.title))}`);
    assert.deepStrictEqual(logs.command!.arguments, [{ sessionId: ext.session.id, kind: 'resource', name: 'deployment/app' }]);
    const pick = vscode.window.showQuickPick;
    (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: { description: string }[]) => (await items).find((i) => i.description.startsWith(pod.slice('Pod/'.length)));
    try {
      const channel = await vscode.commands.executeCommand<vscode.OutputChannel>(logs.command!.command, ...logs.command!.arguments!);
      assert.strictEqual(channel?.name, `Skaffold: ${pod.slice('Pod/'.length)}/app`);
    } finally {
      (vscode.window as { showQuickPick: unknown }).showQuickPick = pick;
    }
    fake.emit(entry({ resourceStatusCheckEvent: { resource: 'deployment/app', status: 'Succeeded', message: 'Succeeded', statusCode: 'STATUSCHECK_SUCCESS' } }));
    await eventually('the status-check problem to clear', () => ourDiagnostics(manifest).length === 0);
  });

  it('a debugging container shows under its pod with runtime and port, and Attach Debugger starts the right configuration', async () => {
    const podName = [...ext.session.state.resources.keys()].find((r) => r.startsWith('Pod/app-'))!.slice('Pod/'.length);
    fake.emit(entry({ debuggingContainerEvent: { status: 'Started', podName, containerName: 'app', namespace: 'default', artifact: 'example/app', runtime: 'nodejs', workingDir: '/srv/app', debugPorts: { devtools: 9229 } } }));
    fake.emit(entry({ portEvent: { localPort: 39229, remotePort: 9229, podName, containerName: 'app', namespace: 'default', portName: 'devtools', resourceType: 'pod', resourceName: podName, address: '127.0.0.1', targetPort: { type: 0, intVal: 9229 } } }));
    await eventually('the debug container', () => ext.session.state.debugContainers.size === 1 && ext.session.state.ports.has(39229));
    const roots = await ext.views.resources.getChildren();
    const deployment = roots.find((n) => (n as { name?: string }).name === 'deployment/app')!;
    const podNode = (await ext.views.resources.getChildren(deployment)).find((n) => (n as { name?: string }).name === `Pod/${podName}`)!;
    const podRows = await rows(ext.views.resources, podNode);
    const debugRow = podRows.find((r) => r.label === 'app');
    assert.ok(debugRow, `a debug row under the pod in ${JSON.stringify(podRows.map((r) => r.label))}`);
    assert.strictEqual(debugRow.description, 'Node.js · debug on localhost:39229');
    assert.strictEqual(debugRow.accessible, 'Debugging container app, Node.js · debug on localhost:39229');
    assert.strictEqual(debugRow.contextValue, 'debugContainer.attachable');

    const debugNode = (await ext.views.resources.getChildren(podNode)).find((n) => n.kind === 'debug')!;
    const start = vscode.debug.startDebugging;
    let started: vscode.DebugConfiguration | undefined;
    (vscode.debug as { startDebugging: unknown }).startDebugging = async (_folder: unknown, config: vscode.DebugConfiguration) => {
      started = config;
      return true;
    };
    try {
      assert.strictEqual(await vscode.commands.executeCommand('skaffold.attachDebugger', debugNode), true);
    } finally {
      (vscode.debug as { startDebugging: unknown }).startDebugging = start;
    }
    assert.ok(started);
    assert.strictEqual(started.type, 'node');
    assert.strictEqual(started.request, 'attach');
    assert.strictEqual(started.port, 39229, 'the local end of the forward, not the container port');
    assert.strictEqual(started.remoteRoot, '/srv/app');
    assert.strictEqual(started.localRoot, workspace());
  });

  it('with auto attach on, a new debuggable container is offered once', async () => {
    await vscode.workspace.getConfiguration().update('skaffold.debug.autoAttach', true, vscode.ConfigurationTarget.Global);
    const podName = [...ext.session.state.resources.keys()].find((r) => r.startsWith('Pod/app-'))!.slice('Pod/'.length);
    const info = vscode.window.showInformationMessage;
    const offers: string[] = [];
    (vscode.window as { showInformationMessage: unknown }).showInformationMessage = async (message: string) => {
      offers.push(message);
      return undefined;
    };
    try {
      const started = entry({ debuggingContainerEvent: { status: 'Started', podName, containerName: 'sidecar', namespace: 'default', artifact: 'example/app', runtime: 'go', workingDir: '/go/src', debugPorts: { dlv: 56268 } } });
      fake.emit(started);
      fake.emit(entry({ portEvent: { localPort: 56268, remotePort: 56268, podName, containerName: 'sidecar', namespace: 'default', portName: 'dlv', resourceType: 'pod', resourceName: podName, address: '127.0.0.1', targetPort: { type: 0, intVal: 56268 } } }));
      await eventually('the offer', () => offers.length > 0);
      // The auto attach sees each published change before this test's listener does: once the
      // change with the event sent after the repeat is published, the repeat has been judged.
      const judged = published(ext, () => ext.session.state.skaffoldInfo === 'unrelated', 'the event after the repeat');
      fake.emit(started); // the same container reported again
      fake.emit(entry({ metaEvent: { entry: 'unrelated' } }));
      await judged;
      assert.deepStrictEqual(offers.filter((o) => o.includes('sidecar')).length, 1);
      assert.match(offers[0], /sidecar in pod .* is ready to debug \(Go\)/);
    } finally {
      (vscode.window as { showInformationMessage: unknown }).showInformationMessage = info;
    }
  });

  it('the history view lists every iteration, newest first, in short rows; what started each is its first child and in its tooltip', async () => {
    const view = ext.views.history;
    const history = await rows(view);
    const labels = JSON.stringify(history.map((r) => r.label));
    assert.ok(history.length >= 5, `iterations: ${labels}`);
    assert.match(history[0].label, /^#\d+ rebuild$/, labels);
    assert.match(history.at(-1)!.label, /^#0 initial$/);
    assert.match(history[0].description ?? '', /^succeeded · \d+(ms|\.\ds|m \d\ds)$/, 'the outcome, one word, and the total');
    for (const r of history) {
      // About 35 characters fit beside the icon at the default width (~300 px), whatever started the iteration.
      assert.ok(`${r.label} ${r.description ?? ''}`.length <= 34, `"${r.label}  ${r.description}" fits the sidebar`);
    }
    assert.match(history[0].tooltip, /Started by: src\/app\.txt modified/, 'the file change Skaffold logged (v2), in the tooltip');
    assert.ok(history.some((r) => /^#\d+ rebuild$/.test(r.label) && r.tooltip.includes('Started by: build from VS Code')), 'the iteration the rebuild quick fix started');
    assert.ok(history.some((r) => r.icon === 'error'), 'the failed build\'s iteration');

    const [newest] = view.getChildren() as HistoryTreeNode[];
    const children = await rows(view, newest);
    assert.deepStrictEqual(children[0], { ...children[0], label: 'Started by: src/app.txt modified', icon: 'zap' }, 'what started it, first');
    const build = children.find((c) => c.label === 'Build');
    assert.match(build?.description ?? '', /^succeeded · \d+(ms|\.\ds)$/, 'each phase\'s outcome and duration from Skaffold\'s timestamps');

    // A screen reader hears what each row shows, what started the iteration included.
    const spoken = (node: HistoryTreeNode | SessionNode) => view.getTreeItem(node).accessibilityInformation?.label ?? '';
    assert.match(spoken(newest), /^Iteration \d+, rebuild, started by src\/app\.txt modified, succeeded in \d+(\.\d)? (milli)?seconds?$/);
    const nodes = view.getChildren(newest) as HistoryTreeNode[];
    assert.match(spoken(nodes[0]), /^Iteration \d+ was started by src\/app\.txt modified$/);
    const buildNode = nodes.find((n) => n.kind === 'iterationPhase' && n.phase === 'build')!;
    assert.match(spoken(buildNode), /^Build of iteration \d+, succeeded in /);
    const artifacts = view.getChildren(buildNode) as HistoryTreeNode[];
    assert.ok(artifacts.length > 0, 'the artifacts it built');
    assert.match(spoken(artifacts[0]), /^Build of example\/\w+ in iteration \d+, succeeded in /);
  });

  it('the timeline webview has a strict CSP, no script, and escapes what Skaffold sends', async () => {
    const n = ext.session.state.devLoop.iteration + 1;
    const hostile = '<img src=x onerror=alert(1)>';
    fake.emit(entry({ devLoopEvent: { iteration: n, status: 'In Progress' } }));
    fake.emit(entry({ buildEvent: { artifact: hostile, status: 'In Progress' } }));
    fake.emit(entry({ buildEvent: { artifact: hostile, status: 'Failed', actionableErr: { errCode: 'BUILD_UNKNOWN', message: '</style><script>alert(2)</script>' } } }));
    fake.emit(entry({ devLoopEvent: { iteration: n, status: 'Failed', err: { errCode: 'BUILD_UNKNOWN', message: '"><script>alert(3)</script>' } } }));
    await eventually('the hostile iteration', () => ext.session.state.iterations.some((r) => r.iteration === n && r.outcome === 'Failed'));
    await vscode.commands.executeCommand('skaffold.showTimeline');
    await eventually('the timeline to draw it', () => ext.timeline.html.includes(`#${n}`), 5000);
    const html = ext.timeline.html;
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(html, /<script|<img|<\/style><script/i);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the artifact name, as text');
    assert.ok(html.includes('&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;') || html.includes('&quot;&gt;&lt;script&gt;alert(3)'), 'the error, as text');
    assert.ok(ext.timeline.visible);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('pending changes: with auto build off, a saved file marks the artifacts built from it (row, lens, status bar) until Skaffold builds them', async () => {
    const pendingOf = (artifact: string) => ext.pending.pendingFor(ext.session.id, artifact);
    const file = path.join(workspace(), 'src', `pending-${process.pid}.txt`);
    assert.strictEqual(await ext.session.setAutoTrigger('build', false), false);
    try {
      // Saved until the watcher (started once auto build is off) has seen it.
      await eventually('example/app marked', () => {
        fs.writeFileSync(file, `saved at ${Date.now()}\n`);
        return (pendingOf('example/app')?.build?.files ?? 0) >= 1;
      });
      assert.deepStrictEqual(pendingOf('example/app')?.build?.sample, [`src/pending-${process.pid}.txt`]);
      assert.strictEqual(pendingOf('example/worker')?.build?.files, 1, 'the worker is built from the same context');
      let shown: string[] = [];
      await eventually('the rows say so', async () => {
        // (An earlier test's hostile artifact name is a third row: it has no sources here.)
        shown = (await rows(ext.views.artifacts)).map((r) => `${r.label}: ${r.description}`).filter((r) => r.startsWith('example/'));
        return shown.length === 2 && shown.every((r) => /· 1 file changed$/.test(r));
      }).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(shown)}`));
      const bar = (ext.statusBar as unknown as { item: vscode.StatusBarItem }).item;
      await eventually('the status bar counts them', () => / · 2 to build$/.test(bar.text));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(skaffoldYaml()), { preview: false });
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', skaffoldYaml(), 100);
      const appLine = lineOf(skaffoldYaml().fsPath, /image: example\/app$/);
      const onApp = lenses.filter((l) => l.range.start.line === appLine).map((l) => l.command?.title ?? '');
      assert.match(onApp[0], /· 1 file changed$/, onApp[0]);
      assert.ok(onApp.includes('Build Now'));

      // Skaffold sees the change and is told to build: the app's mark clears, the worker's stays.
      await fake.changeFile('example/app');
      await vscode.commands.executeCommand('skaffold.build', { sessionId: ext.session.id });
      await eventually('example/app built and unmarked', () => pendingOf('example/app') === undefined);
      assert.strictEqual(pendingOf('example/worker')?.build?.files, 1, 'not rebuilt: still out of date');
      await eventually('one left in the status bar', () => / · 1 to build$/.test(bar.text));
    } finally {
      fs.rmSync(file, { force: true });
      await ext.session.setAutoTrigger('build', true);
    }
    await eventually('auto build on: nothing is pending', () => pendingOf('example/worker') === undefined);
  });
});
