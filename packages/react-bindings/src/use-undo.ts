import { UndoManager, type UndoManagerOptions } from '@weft/crdt-core'
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { toHandle, type HandleLike } from './handle-like.js'

/** What {@link useUndo} returns. */
export interface UseUndoResult {
  undo(): boolean
  redo(): boolean
  readonly canUndo: boolean
  readonly canRedo: boolean
  /** The next edit starts a new undo step. */
  stopCapturing(): void
}

const NO_UNDO = { canUndo: false, canRedo: false }

/**
 * Undo and redo of this client's own edits to a doc (others' edits are never
 * undone). One `UndoManager` per component, created after mount and
 * destroyed on unmount; `options` are read when it is created.
 *
 * @example
 * const { undo, redo, canUndo, canRedo } = useUndo(note)
 * <button disabled={!canUndo} onClick={undo}>Undo</button>
 */
export function useUndo(source: HandleLike, options?: UndoManagerOptions): UseUndoResult {
  const doc = toHandle(source).doc
  const [manager, setManager] = useState<UndoManager | null>(null)
  const optionsRef = useRef(options)
  optionsRef.current = options

  // Created in an effect, not during render: a render may be discarded, and a manager listens to the doc.
  useEffect(() => {
    const m = new UndoManager(doc, optionsRef.current)
    setManager(m)
    return () => {
      m.destroy()
      setManager((cur) => (cur === m ? null : cur))
    }
  }, [doc])

  const last = useRef(NO_UNDO)
  const subscribe = useCallback((notify: () => void) => doc.on('change', notify), [doc])
  const getSnapshot = (): typeof NO_UNDO => {
    const canUndo = manager?.canUndo ?? false
    const canRedo = manager?.canRedo ?? false
    if (last.current.canUndo !== canUndo || last.current.canRedo !== canRedo) last.current = { canUndo, canRedo }
    return last.current
  }
  const flags = useSyncExternalStore(subscribe, getSnapshot, () => NO_UNDO)

  return useMemo(
    () => ({
      undo: () => manager?.undo() ?? false,
      redo: () => manager?.redo() ?? false,
      stopCapturing: () => manager?.stopCapturing(),
      canUndo: flags.canUndo,
      canRedo: flags.canRedo,
    }),
    [manager, flags],
  )
}
