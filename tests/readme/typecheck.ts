import { dirname, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '../..')

/** Type errors of `files`, compiled with the workspace's tsconfig (strict, packages mapped to their sources). */
export function typeErrors(files: readonly string[]): string[] {
  const configPath = resolve(root, 'tsconfig.json')
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath))
  const program = ts.createProgram([...files], { ...parsed.options, noEmit: true, jsx: ts.JsxEmit.ReactJSX, noUnusedLocals: false })
  const wanted = new Set(files.map((f) => resolve(f)))
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && wanted.has(resolve(d.file.fileName)))
    .map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
      return `${d.file?.fileName}:${(where?.line ?? 0) + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
}
