// Lint, format and type checks over the whole repo, as two entries in the CI totals.
// Runs both even when the first fails, so one run shows every problem.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

const steps = [
  ['lint and format (biome)', 'pnpm', ['run', '--silent', 'lint']],
  ['types (tsc, every package, tests, bench, demo)', 'pnpm', ['run', '--silent', 'typecheck']],
]
const results = steps.map(([name, cmd, args]) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  const ok = r.status === 0
  console.log(`${ok ? '✓' : '✗'} ${name}`)
  return { name, ok }
})
mkdirSync('test-results', { recursive: true })
writeFileSync('test-results/check.json', JSON.stringify(results))
process.exit(results.every((r) => r.ok) ? 0 : 1)
