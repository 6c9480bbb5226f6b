#!/usr/bin/env node
// `npm run fixtures`: refreshes what the tests compare against from the team's shared folder
// (../shared/skaffold beside the checkout, or SKAFFOLD_SHARED_DIR):
// - the real Skaffold recordings (recorded/) are copied into test/fixtures/recorded;
// - the wire facts of Skaffold's reference protos (proto/v1.0.0, proto/v2.24.0) are written to
//   test/fixtures/wire (./wire-facts.js): their messages, fields, enums and RPCs, never the
//   .proto files themselves.
// Run it after a new recording or a new reference proto; the tests read only the committed fixtures.
'use strict';
const fs = require('fs');
const path = require('path');
const { writeWireFixtures } = require('./wire-facts');

const root = path.resolve(__dirname, '..');
const sharedDir = process.env.SKAFFOLD_SHARED_DIR ? path.resolve(process.env.SKAFFOLD_SHARED_DIR) : path.resolve(root, '..', 'shared', 'skaffold');
const shared = path.join(sharedDir, 'recorded');
const target = path.join(root, 'test', 'fixtures', 'recorded');
const session = ['events.json', 'events.json.v2', 'v1-events.stream', 'v2-events.stream', 'v1-state.json', 'v2-state.json', 'skaffold.yaml'];
const files = {
  ok: session,
  'build-fail-rebuild': session,
  manual: session,
  // What @grpc/proto-loader decoded from a real Skaffold, and the GetState answers.
  grpc: fs.existsSync(path.join(shared, 'grpc')) ? fs.readdirSync(path.join(shared, 'grpc')).filter((f) => f.endsWith('.json')).sort() : [],
};
if (!fs.existsSync(shared) || !fs.existsSync(path.join(sharedDir, 'proto'))) {
  console.error(`No recordings and reference protos at ${path.relative(root, sharedDir)}: set SKAFFOLD_SHARED_DIR to the folder holding recorded/ and proto/.`);
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
const written = writeWireFixtures(path.join(sharedDir, 'proto'), path.join(root, 'test', 'fixtures', 'wire'));
console.log(`Wrote the wire facts of Skaffold's protos: ${written.map((f) => path.relative(root, f)).join(', ')}.`);
