#!/usr/bin/env node
// `npm run fixtures`: copies the real Skaffold recordings the tests compare against from the
// team's shared folder (../shared/skaffold/recorded beside the checkout, or
// SKAFFOLD_SHARED_DIR/recorded) into test/fixtures/recorded. Run it after a new recording;
// the tests themselves read only the committed fixtures.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const shared = path.join(process.env.SKAFFOLD_SHARED_DIR ?? path.resolve(root, '..', 'shared', 'skaffold'), 'recorded');
const target = path.join(root, 'test', 'fixtures', 'recorded');
const files = {
  ok: ['events.json', 'events.json.v2', 'v1-state.json', 'v2-state.json'],
  'build-fail-rebuild': ['events.json', 'events.json.v2', 'v1-state.json', 'v2-state.json'],
  manual: ['events.json', 'events.json.v2', 'v1-state.json', 'v2-state.json'],
  grpc: ['v1-Events.keepCase-true.json', 'v1-GetState.keepCase-true.json'],
};
if (!fs.existsSync(shared)) {
  console.error(`No recordings at ${path.relative(root, shared)}: set SKAFFOLD_SHARED_DIR to the folder holding recorded/.`);
  process.exit(1);
}
for (const [scenario, names] of Object.entries(files)) {
  fs.mkdirSync(path.join(target, scenario), { recursive: true });
  for (const name of names) {
    fs.copyFileSync(path.join(shared, scenario, name), path.join(target, scenario, name));
    fs.chmodSync(path.join(target, scenario, name), 0o644);
  }
}
console.log(`Copied ${Object.values(files).flat().length} recordings into ${path.relative(root, target)}.`);
