import { readFileSync } from 'node:fs'

/** A fenced code block of a README that a `<!-- readme-test: name -->` comment marks for testing. */
export interface ReadmeBlock {
  readonly name: string
  readonly lang: string
  readonly code: string
}

/**
 * The marked blocks of a markdown file, by name. Only marked blocks are run:
 * the others are sketches (`render(s)`, `fetchToken()`) that leave parts to the reader.
 */
export function readmeBlocks(path: string): Map<string, ReadmeBlock> {
  const text = readFileSync(path, 'utf8')
  const blocks = new Map<string, ReadmeBlock>()
  const re = /<!-- readme-test: ([\w-]+)[^>]*-->\s*\n```(\w*)\n([\s\S]*?)\n```/g
  for (const m of text.matchAll(re)) {
    const [, name = '', lang = '', code = ''] = m
    if (blocks.has(name)) throw new Error(`${path}: two blocks are marked readme-test: ${name}`)
    blocks.set(name, { name, lang, code })
  }
  return blocks
}

/** The named block, or an error that says which README lost it. */
export function block(blocks: Map<string, ReadmeBlock>, name: string): ReadmeBlock {
  const b = blocks.get(name)
  if (!b) throw new Error(`README has no block marked <!-- readme-test: ${name} --> (was it edited away?)`)
  return b
}
