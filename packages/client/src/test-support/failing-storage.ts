import { WeftStorageError, type StorageErrorCode } from '../errors.js'
import type { Storage } from '../storage/types.js'

/** Wraps a storage; while `failWith` is set every call rejects with that code. Counts calls. */
export function failingStorage(inner: Storage): Storage & { failWith: StorageErrorCode | undefined; calls: number } {
  const self = {
    failWith: undefined as StorageErrorCode | undefined,
    calls: 0,
  }
  const guard =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      self.calls++
      if (self.failWith) return Promise.reject(new WeftStorageError(self.failWith, 'injected failure'))
      return fn(...args)
    }
  return Object.assign(self, {
    load: guard(inner.load),
    claimSeqBlock: guard(inner.claimSeqBlock),
    appendLocal: guard(inner.appendLocal),
    appendRemote: guard(inner.appendRemote),
    ackOutbox: guard(inner.ackOutbox),
    compact: guard(inner.compact),
    listDocs: guard(inner.listDocs),
    deleteDoc: guard(inner.deleteDoc),
    close: inner.close,
  })
}
