// @ts-check
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The core's layers, lowest first: each imports only those before it (docs/architecture.md).
 * A layer's folder is src/skaffold/<name>.
 */
export const LAYERS = ['base', 'wire', 'state', 'session', 'streams', 'present', 'project', 'debug', 'launch'];

/** For each layer, the zones it must not import from: every layer above it. */
const layerZones = LAYERS.map((layer, i) => ({
  target: `./src/skaffold/${layer}`,
  from: LAYERS.slice(i + 1).map((above) => `./src/skaffold/${above}`),
  message: `src/skaffold/${layer} is below these layers: it must not import them (layers: ${LAYERS.join(' < ')}).`,
})).filter((zone) => zone.from.length > 0);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'off',
      eqeqeq: ['error', 'smart'],
      curly: 'error',
    },
  },
  {
    // Build and test scripts are plain CommonJS run by Node.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // What activation loads takes the vscode API object as it is (`import vscode =
    // require('vscode')`): `import * as` would make the bundle copy it first (esbuild.js).
    files: ['src/extension.ts', 'src/views/trees/lazyTree.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
  {
    // No import cycle anywhere; the core's layers import downwards only.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    // The core must stay usable from plain Node and from unit tests: no VS Code API.
    files: ['src/skaffold/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/skaffold/ is the core: it must not import vscode.' }],
        patterns: [{ group: ['**/views/**', '**/commands/**', '**/extension'], message: 'the core must not depend on the UI layer.' }],
      }],
    },
  },
);
