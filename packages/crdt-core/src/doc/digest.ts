import { sha256 } from '@noble/hashes/sha2.js'
import type { Container } from '../containers/container.js'
import type { VersionVector } from '../version-vector.js'

/**
 * Canonical JSON: object keys sorted, so equal states serialize equally
 * whatever order their keys were written in.
 */
export function canonicalJson(v: unknown): string {
  // An explicit stack, not recursion: a document's JSON may nest as deep as
  // its containers. Entries are values to write or literal text (`Literal`),
  // pushed in reverse so they pop in order. Output is byte for byte what the
  // recursive form wrote (digests are compared across versions).
  const out: string[] = []
  const todo: unknown[] = [v]
  while (todo.length > 0) {
    const x = todo.pop()
    if (x instanceof Literal) {
      out.push(x.text)
    } else if (x === null || typeof x !== 'object') {
      out.push(String(JSON.stringify(x)))
    } else if (Array.isArray(x)) {
      out.push('[')
      todo.push(CLOSE_ARRAY)
      for (let i = x.length - 1; i >= 0; i--) {
        // `join` wrote an undefined item as nothing.
        todo.push(x[i] === undefined ? EMPTY : x[i])
        if (i > 0) todo.push(COMMA)
      }
    } else {
      const keys = Object.keys(x).sort()
      out.push('{')
      todo.push(CLOSE_OBJECT)
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push((x as Record<string, unknown>)[keys[i]!])
        todo.push(new Literal(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`))
      }
    }
  }
  return out.join('')
}

/** Text `canonicalJson` writes as it is (a wrapper, so no JSON value is mistaken for one). */
class Literal {
  constructor(readonly text: string) {}
}
const COMMA = new Literal(',')
const EMPTY = new Literal('')
const CLOSE_ARRAY = new Literal(']')
const CLOSE_OBJECT = new Literal('}')

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
