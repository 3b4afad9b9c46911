/**
 * Sees the linear memory of every WebAssembly instance created after `trackWasmMemory()`, so the
 * memory step can add Loro's and Automerge's wasm heap (invisible to V8's heapUsed) to their figure.
 * Both libraries instantiate synchronously with `new WebAssembly.Instance` when first imported;
 * `WebAssembly.instantiate` is wrapped too for libraries that load asynchronously.
 */
const memories = new Set<WebAssembly.Memory>()

function collect(instance: WebAssembly.Instance): void {
  for (const value of Object.values(instance.exports)) {
    if (value instanceof WebAssembly.Memory) memories.add(value)
  }
}

let installed = false

/** Installs the hooks; call before importing any wasm library. */
export function trackWasmMemory(): void {
  if (installed) return
  installed = true
  const Original = WebAssembly.Instance
  WebAssembly.Instance = new Proxy(Original, {
    construct(target, args: [WebAssembly.Module, WebAssembly.Imports?]) {
      const instance = new target(...args)
      collect(instance)
      return instance
    },
  })
  const instantiate = WebAssembly.instantiate.bind(WebAssembly)
  WebAssembly.instantiate = (async (...args: Parameters<typeof WebAssembly.instantiate>) => {
    const result = (await instantiate(...args)) as WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource
    collect(result instanceof WebAssembly.Instance ? result : result.instance)
    return result
  }) as typeof WebAssembly.instantiate
}

/** Current size in bytes of all tracked linear memories (it only grows: wasm memory never shrinks). */
export function wasmMemoryBytes(): number {
  let total = 0
  for (const m of memories) total += m.buffer.byteLength
  return total
}
