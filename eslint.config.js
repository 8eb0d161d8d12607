import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'

const UI = ['vue', 'vue-*', '@vue/*', 'pinia', 'vant', 'vant/*', 'vue-i18n', 'vue-router']
const STORAGE = ['rxdb', 'rxdb/*', 'dexie', 'pouchdb', 'pouchdb-*']

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.hub-data/**', 'dev-dist/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.{ts,vue,js,mjs}'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  // The layers, each importing only those below it:
  //   domain ← shared ← data ← i18n ← stores ← components, composables ← features ← modules.
  // The hub (sync-server) runs only the domain and the shared code.
  layer(['src/domain/**/*.ts'], 'The domain is pure: it imports nothing of the app (no UI, storage, DOM or shared code).',
    [...UI, ...STORAGE, ...above('shared', 'data', 'i18n', 'stores', 'components', 'composables', 'features', 'modules')]),
  layer(['src/shared/**/*.ts'], 'Shared code (hub and tablet) imports only the domain: no RxDB, no Vue.',
    [...UI, ...STORAGE, ...above('data', 'i18n', 'stores', 'components', 'composables', 'features', 'modules')]),
  layer(['src/data/**/*.ts'], 'The data layer imports the domain and shared code, never stores, features or modules.',
    [...UI, ...above('i18n', 'stores', 'components', 'composables', 'features', 'modules')]),
  layer(['src/i18n/**/*.ts'], 'The messages and the i18n instance import no store, component, feature or module.',
    [...STORAGE, ...above('data', 'stores', 'components', 'composables', 'features', 'modules')]),
  layer(['src/stores/**/*.ts'], 'Stores import the domain, shared code, data and i18n: never a component, feature or module (pass what they need in, or move it down).',
    above('components', 'composables', 'features', 'modules')),
  layer(['src/components/**/*.{ts,vue}', 'src/composables/**/*.ts'], 'App-wide components and composables import no feature or module.',
    above('features', 'modules')),
  layer(['src/features/**/*.{ts,vue}'], 'Features import stores, components and what is below them, never src/modules (the app wiring): give the feature a store.',
    [...STORAGE, ...above('modules')]),
  layer(['sync-server/**/*.ts'], 'The hub imports only src/domain and src/shared (its engine is PouchDB or CouchDB, never RxDB).',
    [...UI, 'rxdb', 'rxdb/*', 'dexie', ...above('data', 'i18n', 'stores', 'components', 'composables', 'features', 'modules')]),
  // One record model per kind (src/shared/records.ts): a cast through `unknown` is where the types stopped
  // telling the truth. Data from outside goes through a guard that checks it; a library's wrong typing is
  // the only place left for one, disabled on its line with the reason.
  {
    files: ['src/**/*.{ts,vue}', 'sync-server/**/*.ts'],
    // their casts go when the work on these files lands (#13 §3)
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "TSAsExpression > TSAsExpression[typeAnnotation.type='TSUnknownKeyword']",
        message: 'No `as unknown as`: type the record (src/shared/records.ts), or check data from outside with a guard.',
      }],
    },
  },
)

function layer(files, message, group) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] } }
}
/** Import patterns that reach a folder of src/ by alias or relative path. */
function above(...folders) {
  return folders.flatMap((f) => [`@/${f}`, `@/${f}/*`, `**/${f}`, `**/${f}/*`, `**/src/${f}/**`])
}
