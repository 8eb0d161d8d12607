// Accessibility helpers shared by every feature: read-aloud and large-text mode.
export { useReadAloud } from './useReadAloud'
export { useLargeText, setLargeText } from './useLargeText'
export { default as AccessReadAloud } from './AccessReadAloud.vue'
export { default as AccessLargeText } from './AccessLargeText.vue'
export { default as AccessPageHeader } from './AccessPageHeader.vue'
