import { sha256 } from '@noble/hashes/sha2.js'
import type { Container } from '../containers/container.js'
import type { VersionVector } from '../version-vector.js'

/**
 * Canonical JSON: object keys sorted, so equal states serialize equally
 * whatever order their keys were written in.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  const keys = Object.keys(v).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`
}

/**
 * SHA-256 (hex) of the canonical visible state plus the version vector.
 * A cryptographic hash so that equal digests really do prove equal states,
 * even between replicas that do not trust each other's bugs.
 */
export function computeDigest(json: unknown, vv: VersionVector): string {
  const replicas = Object.keys(vv)
    .filter((k) => vv[Number(k)]! > 0)
    .sort((a, b) => Number(a) - Number(b))
  const vvText = replicas.map((r) => `${r}:${vv[Number(r)]}`).join(',')
  const bytes = new TextEncoder().encode(`${canonicalJson(json)}\n${vvText}`)
  const hash = sha256(bytes)
  let hex = ''
  for (const b of hash) hex += b.toString(16).padStart(2, '0')
  return hex
}

/**
 * The JSON a digest hashes: the document's JSON, plus the spans of every
 * text that carries marks (formatting is state too). A document without
 * marks hashes exactly as before marks existed.
 */
export function withMarks(json: Record<string, unknown>, containers: Iterable<Container>): unknown {
  let marks: Record<string, unknown> | undefined
  for (const c of containers) {
    if (c.kind !== 'text' || c.marks.size === 0) continue
    marks ??= {}
    marks[c.id.name !== null ? `root:${c.id.name}` : `${c.id.replica}.${c.id.counter}`] = c.toDelta()
  }
  return marks === undefined ? json : { json, marks }
}
