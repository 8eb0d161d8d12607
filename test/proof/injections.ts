/** Script-injection strings put into every text field by the hostile suites (hub and Chromium). */
export const INJECTIONS: readonly string[] = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '"><svg onload="window.__pwned = 3">',
  "javascript:window.__pwned = 4",
  '{{ constructor.constructor("window.__pwned = 5")() }}',
  '<iframe srcdoc="<script>parent.__pwned = 6</script>"></iframe>',
  '\u202e修路\u202c <b onmouseover="window.__pwned = 7">粗体</b>',
  "'; DROP TABLE ballots; --",
]
