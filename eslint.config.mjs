// ESLint (flat config): the recommended JavaScript rules everywhere, typescript-eslint's type-aware recommended rules on
// TypeScript, and a 140-character line limit that also holds for comments and strings (Prettier formats code to 140 but
// cannot wrap a comment or a string). Formatting itself is Prettier's (.prettierrc.json); no stylistic rules here.
//   npm run lint        — this, Prettier's check and the line check for Python, CSS and shell (tools/lint/longLines.mjs)
//   npm run lint:rules  — this without the line limit
// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The rules about values typed `any`, off where such values are read on purpose (see each use). */
const UNSAFE_OFF = {
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
};

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'models/', 'test/fixtures/', '.cache/', '.bench/', 'test-results/'] },
  js.configs.recommended,
  {
    rules: {
      // A limit for every line, comments and strings included; a line with a URL may be longer (a URL cannot be wrapped).
      // max-len is deprecated in ESLint core (kept until ESLint 11); @stylistic/eslint-plugin's max-len takes the same
      // options when it goes.
      'max-len': ['error', { code: 140, tabWidth: 2, ignoreUrls: true }],
      // Tokenizer normalizers and model-id checks match control characters on purpose.
      'no-control-regex': 'off',
      // `let` for a variable that a closure declared above reads and a later statement assigns (extension.ts wires
      // hooks that way); everywhere else const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Each file is checked with its own tsconfig: webview/tsconfig.json (DOM) for webview/, tsconfig.json for the rest.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe()/it() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // `_` names a value that is deliberately unused (as tsc's noUnusedLocals / noUnusedParameters allow).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // An async function without await is how this code meets a signature that wants a promise (a serializer, a test
      // step, a mock): a throw then becomes a rejection instead of escaping synchronously.
      '@typescript-eslint/require-await': 'off',
      // Unions such as `unknown | undefined` or `FixtureName | string` are written as documentation of what may come.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Numeric enums here name values read from bytes (protobuf wire types), and tests compare messages as they
      // travel (plain strings) with the protocol's enums; comparing a number or a string with an enum is the point.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    // @huggingface/tokenizers' typings do not resolve under "moduleResolution": "node16": the package is ESM and its
    // .d.ts files re-export "./core/Tokenizer" without an extension, so TypeScript types the library as `any` (skipLibCheck
    // hides the error). Until the typings resolve, what the tokenizer hands back is checked by the narrow interfaces in
    // src/core/tokenize/hfTokenizers.ts and by the tests, not by these rules.
    files: ['src/core/tokenize/**/*.ts'],
    rules: UNSAFE_OFF,
  },
  {
    // Tests and tools read untyped values on purpose — JSON files, page.evaluate() results, messages captured from a
    // webview, the tokenizer library above — and their assertions are the check. Promise rules stay on here too.
    files: ['test/**/*.ts', 'tools/**/*.ts'],
    rules: { ...UNSAFE_OFF, '@typescript-eslint/restrict-template-expressions': 'off' },
  },
  {
    // Build scripts and tools in plain JavaScript (ES modules run by Node).
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
