import tseslint from 'typescript-eslint';

// The house rules, enforced: core never reaches into the faces; shared and renderer
// never touch Node or main-process modules; the renderer talks to the core only over
// the control API (so it may import shared/, never core/).
const nodeModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'http2', 'tls', 'crypto',
  'stream', 'url', 'util', 'events', 'worker_threads', 'dgram', 'dns', 'zlib', 'readline',
];
const mainOnly = ['better-sqlite3', 'mockttp', 'electron', 'node-notifier', 'commander', 'env-paths'];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'native/**', 'test-results/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: restrict(['electron', '**/electron/**', '**/renderer/**'], 'core/ is the headless engine: it never imports electron/ or renderer/.'),
  },
  {
    files: ['shared/**/*.ts'],
    rules: restrict([...nodeModules, ...mainOnly, '**/core/**', '**/electron/**', '**/renderer/**'], 'shared/ is pure: no Node modules, no imports from other layers.'),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: restrict([...nodeModules, ...mainOnly, '**/core/**', '**/electron/**'], 'renderer/ runs in a sandboxed page: no Node modules; talk to the core through the control API.'),
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'bench/**/*.js', 'scripts/**/*.js'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
