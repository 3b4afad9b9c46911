/** Thrown (as a rejection) by every Store method called after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError'
  constructor() {
    super('store is closed')
  }
}
