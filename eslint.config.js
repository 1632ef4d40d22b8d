// The lint that `npm test` runs: typescript-eslint's recommended rules over the whole repo.
// Names starting with `_` are deliberate discards (rest siblings, unused tuple slots).
// Lines stay within Prettier's 160 columns, comments and strings too (Prettier cannot break those).
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist/**', 'node_modules/**', 'build/**', '.cache/**'] }, ...tseslint.configs.recommended, {
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    'max-len': ['error', { code: 160, tabWidth: 2 }],
  },
});
