// Bundles the extension into dist/extension.js. `--production` minifies; `--watch` rebuilds.
// The YAML parser is a bundle of its own, dist/yaml.js, required only when a skaffold.yaml is
// first read (launching Skaffold): activation does not pay to load it.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** `require('yaml')` in the extension bundle loads ./yaml.js beside it at run time. */
const yamlBeside = {
  name: 'yaml-beside',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: './yaml.js', external: true }));
  },
};

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
    esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [yamlBeside] }),
    esbuild.context({ ...common, entryPoints: ['yaml'], outfile: 'dist/yaml.js' }),
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
