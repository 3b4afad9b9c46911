/**
 * Re-renders bench/results/<NAME>.md from <NAME>.json (default `crdt`), e.g. after a report change,
 * without re-running the benchmark. Usage: node --import tsx crdt/render.ts [NAME]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { toMarkdown } from './report.js'
import type { BenchResults } from './results.js'

const name = process.argv[2] ?? 'crdt'
const base = fileURLToPath(new URL(`../results/${name}`, import.meta.url))
const results = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as BenchResults
const md = toMarkdown(results)
writeFileSync(`${base}.md`, md)
process.stdout.write(md)
