// Prints "N passed, N failed" over every test report under test-results/.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
const vitest = 'test-results/vitest.json'
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0)
} else {
  failed += 1
  console.error(`missing ${vitest}: the unit and integration suites did not report`)
}
const check = 'test-results/check.json'
if (existsSync(check)) {
  for (const step of JSON.parse(readFileSync(check, 'utf8'))) {
    if (step.ok) passed++
    else failed++
  }
}
const pw = 'test-results/playwright.json'
if (existsSync(pw)) {
  const r = JSON.parse(readFileSync(pw, 'utf8'))
  passed += r.stats.expected + (r.stats.flaky ?? 0)
  failed += r.stats.unexpected
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
