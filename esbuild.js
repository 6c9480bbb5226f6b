// Bundles the extension. `--production` minifies; `--watch` rebuilds.
//
// - dist/extension.js: what activation loads: the views and commands registered, nothing
//   behind them (src/extension.ts).
// - dist/core.js: the rest of the extension (src/core.ts), required one macrotask after
//   activation, or at the first row a view asks for or the first command run.
// - dist/grpc.js: grpc-js and proto-loader (with protobufjs, which reading and writing event-log
//   files uses too: src/skaffold/wire/protoJson.ts), required at the first
//   connection (src/skaffold/session/session.ts loads the client lazily).
// - dist/yaml.js: the YAML parser, required when a skaffold.yaml is first read (launching).
// Activation parses neither of the two: they are files of their own, not parts of the bundle.
const esbuild = require('esbuild');
const path = require('path');
const fs = require('fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Packages that live in a bundle of their own beside dist/extension.js. */
const BESIDE = { yaml: './yaml.js', '@grpc/grpc-js': './grpc.js', '@grpc/proto-loader': './grpc.js', protobufjs: './grpc.js' };

/** In the extension bundle, `require('<package>')` of those loads its file at run time. */
const besideBundles = {
  name: 'beside-bundles',
  setup(build) {
    build.onResolve({ filter: /^(yaml|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/ }, (args) => ({ path: args.path, namespace: 'beside' }));
    build.onLoad({ filter: /.*/, namespace: 'beside' }, (args) => ({
      contents: args.path === 'yaml'
        ? `module.exports = require(${JSON.stringify(BESIDE.yaml)});`
        : `module.exports = require(${JSON.stringify(BESIDE[args.path])})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/(yaml|grpc)\.js$/, namespace: 'beside' }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * `import * as vscode from 'vscode'` in every module of a bundle would each copy the API
 * object (hundreds of members, each made a getter: about 0.7 ms per module in the extension
 * host). All of a bundle's modules import one module instead that re-exports it, copied once.
 */
const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

/** In the activation bundle, `require('./core')` loads dist/core.js at run time. */
const coreBeside = {
  name: 'core-beside',
  setup(build) {
    build.onResolve({ filter: /^\.\/core$/ }, (args) => (/[\\/]src[\\/]extension\.ts$/.test(args.importer) ? { path: './core.js', external: true } : undefined));
  },
};

/**
 * The extension is a gRPC client only: grpc-js's server half (and its server metrics, ORCA)
 * never runs in it. Those modules are left out of dist/grpc.js (about 55 KB minified) and
 * replaced by a stub that throws if
 * anything ever reaches into it, so a grpc-js update that needed them fails loudly in the
 * extension-host tests (which run the bundles) instead of quietly.
 */
const SERVER_ONLY = /^\.\/(server|server-interceptors|server-call|orca)$/;
/**
 * Load-balancing policies for many backends, chosen only by a service config (xDS, DNS TXT
 * records): the extension talks to one Skaffold on this machine with the default pick_first,
 * and Skaffold sends no service config. Left out the same way (about 20 KB minified), except
 * that their `setup()` (which registers the policy, when grpc-js loads) does nothing: a
 * config naming one would find no such policy.
 */
const UNUSED_POLICIES = /^\.\/(load-balancer-weighted-round-robin|load-balancer-outlier-detection)$/;
const stub = (what, members) => `module.exports = new Proxy(${members}, { get(t, key) { if (typeof key === 'symbol' || key === '__esModule' || key in t) { return t[key]; } throw new Error('grpc-js ${what}.' + String(key) + ' is not bundled: the extension is a gRPC client of one local Skaffold (see esbuild.js)'); } });`;
/**
 * proto-loader names each method's camel-case alias with lodash.camelcase (5 KB minified). Our
 * protos' method names are single PascalCase words run together (GetState, ApplicationLogs),
 * whose camel case is the first letter lowered: that is all the bundle carries.
 */
const CAMEL_CASE = "module.exports = (name) => String(name).charAt(0).toLowerCase() + String(name).slice(1);";
/**
 * proto-loader describes every message and enum of a proto in descriptor form (protobufjs's
 * ext/descriptor and its descriptor.json: 25 KB minified, and milliseconds at the first
 * connection), for gRPC reflection servers. A client reads none of it but the enums' value
 * names (src/skaffold/wire/entryDecoder.ts): those are given, the rest is empty, and anything
 * else asked of the module throws.
 */
const DESCRIPTORS = `const pb = require('protobufjs');
const described = (object) => ({ $type: { toObject: () => object } });
pb.Type.prototype.toDescriptor = function () { return described({ name: this.name }); };
pb.Enum.prototype.toDescriptor = function () { const values = this.values; return described({ name: this.name, value: Object.keys(values).map((name) => ({ name, number: values[name] })) }); };
pb.Root.prototype.toDescriptor = function () { return { file: [] }; };
module.exports = new Proxy({}, { get(t, key) { if (typeof key === 'symbol' || key === '__esModule') { return undefined; } throw new Error('protobufjs descriptors.' + String(key) + ' are not bundled: the extension is a gRPC client (see esbuild.js)'); } });`;
const clientOnlyGrpc = {
  name: 'client-only-grpc',
  setup(build) {
    build.onResolve({ filter: /^protobufjs\/ext\/descriptor$/ }, (args) => (/[\\/]@grpc[\\/]proto-loader[\\/]/.test(args.importer) ? { path: args.path, namespace: 'descriptor-stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'descriptor-stub' }, () => ({ contents: DESCRIPTORS, loader: 'js', resolveDir: __dirname }));
    build.onResolve({ filter: /^lodash\.camelcase$/ }, (args) => (/[\\/]@grpc[\\/]proto-loader[\\/]/.test(args.importer) ? { path: args.path, namespace: 'camel-case' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'camel-case' }, () => ({ contents: CAMEL_CASE, loader: 'js' }));
    const inGrpc = (args) => /[\\/]@grpc[\\/]grpc-js[\\/]/.test(args.importer);
    build.onResolve({ filter: SERVER_ONLY }, (args) => (inGrpc(args) ? { path: args.path, namespace: 'grpc-server-stub' } : undefined));
    build.onResolve({ filter: UNUSED_POLICIES }, (args) => (inGrpc(args) ? { path: args.path, namespace: 'grpc-policy-stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'grpc-server-stub' }, (args) => ({ contents: stub(args.path.slice(2), '{}'), loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: 'grpc-policy-stub' }, (args) => ({ contents: stub(args.path.slice(2), '{ setup() {} }'), loader: 'js' }));
  },
};

/**
 * What src/ imports from 'yaml' (`import { A, B } from 'yaml'`, type-only names included: they
 * are classes the package exports anyway). Any other form of import keeps the whole package.
 */
function yamlNamesUsed(dir = path.join(__dirname, 'src')) {
  const names = new Set();
  let whole = false;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = yamlNamesUsed(file);
      whole ||= inner === undefined;
      inner?.forEach((n) => names.add(n));
    } else if (entry.name.endsWith('.ts')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+'yaml'/g)) {
        const braces = /^\{([^}]*)\}$/.exec(m[2].trim());
        if (!braces) {
          whole = true;
          continue;
        }
        braces[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean).forEach((n) => names.add(n));
      }
      whole ||= /require\(\s*'yaml'\s*\)|import\(\s*'yaml'\s*\)/.test(text);
    }
  }
  return whole ? undefined : [...names].sort();
}

function yamlEntry() {
  const names = yamlNamesUsed();
  return names ? `export { ${names.join(', ')} } from 'yaml';` : "export * from 'yaml';";
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};

async function main() {
  const contexts = await Promise.all([
    // The activation bundle's modules import vscode with `import vscode = require('vscode')`:
    // not even one copy of the API object.
    esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [coreBeside] }),
    esbuild.context({ ...common, entryPoints: ['src/core.ts'], outfile: 'dist/core.js', plugins: [vscodeOnce, besideBundles] }),
    esbuild.context({
      ...common,
      stdin: {
        contents: "module.exports = { '@grpc/grpc-js': require('@grpc/grpc-js'), '@grpc/proto-loader': require('@grpc/proto-loader'), protobufjs: require('protobufjs') };",
        resolveDir: __dirname,
        sourcefile: 'grpc-entry.js',
      },
      outfile: 'dist/grpc.js',
      plugins: [clientOnlyGrpc],
    }),
    esbuild.context({
      ...common,
      // The YAML package's ES modules, with only what the project imports (yamlNamesUsed): its
      // writer and the rest are tree-shaken away (about 5 KB off the .vsix).
      stdin: { contents: yamlEntry(), resolveDir: __dirname, sourcefile: 'yaml-entry.mjs', loader: 'js' },
      // Not `node`: its exports map gives Node the CommonJS build, which cannot be tree-shaken.
      platform: 'neutral',
      conditions: ['import'],
      mainFields: ['module', 'main'],
      outfile: 'dist/yaml.js',
    }),
  ]);
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  for (const ctx of contexts) {
    const result = await ctx.rebuild();
    await ctx.dispose();
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      if (file.endsWith('.js')) {
        console.log(`${file}: ${(output.bytes / 1024).toFixed(0)} KiB${production ? ' (production)' : ''}`);
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
