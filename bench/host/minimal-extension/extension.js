// The benchmark's minimal extension: what any extension with views does at activation, and
// nothing else, so that activation can be compared with an extension that does the same work.
'use strict';
const vscode = require('vscode');

exports.activate = function activate(context) {
  const empty = { getChildren: () => [], getTreeItem: (e) => e };
  for (let i = 0; i < 3; i++) {
    context.subscriptions.push(vscode.window.createTreeView(`skaffoldBenchMinimal.view${i}`, { treeDataProvider: empty }));
  }
  const item = vscode.window.createStatusBarItem('skaffoldBenchMinimal.status', vscode.StatusBarAlignment.Left);
  item.text = '$(sync) minimal';
  item.show();
  context.subscriptions.push(item, vscode.window.createOutputChannel('Minimal (benchmark)', { log: true }));
  for (let i = 0; i < 10; i++) {
    context.subscriptions.push(vscode.commands.registerCommand(`skaffoldBenchMinimal.command${i}`, () => undefined));
  }
};
exports.deactivate = function deactivate() {};
