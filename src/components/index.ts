// App-wide components every feature's screens use: the page header, read-aloud and large text
// (their composables are in src/composables), and the note naming people whose roles wait for a signature.
export { default as AccessReadAloud } from './AccessReadAloud.vue'
export { default as AccessLargeText } from './AccessLargeText.vue'
export { default as AccessPageHeader } from './AccessPageHeader.vue'
export { default as RolesPendingNote } from './RolesPendingNote.vue'
