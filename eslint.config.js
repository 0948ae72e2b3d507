// One lint for the whole workspace: typescript-eslint's type-aware rules catch the
// floating promises and unsafe `any` that a service cannot afford.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.tap/**', 'coverage/**', 'openapi/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Fastify plugins and tap subtests are async by contract even without an await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // A route parses, calls one use case (@jcp/use-cases) and maps its result to a view:
  // transactions, SQL and repositories are not for routes.
  {
    files: ['services/api/src/routes/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kysely', message: 'Routes call a use case (@jcp/use-cases); transactions and SQL live there.' },
            { name: '@jcp/db', message: 'Routes call a use case (@jcp/use-cases), never a repository.' },
          ],
        },
      ],
    },
  },
  {
    // Tests assert on parsed JSON and driver rows, where `any` is the honest type.
    files: ['tests/**/*.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
