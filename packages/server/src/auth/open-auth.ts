import type { Authenticate, Authorize } from './auth.js'

/** Dev mode: anyone may read and write every doc. The server logs a loud warning when this is in use. */
export function createOpenAuth(): { authenticate: Authenticate; authorize: Authorize } {
  return {
    authenticate: async () => ({ id: 'anonymous', docs: { '*': 'write' } }),
    authorize: () => true,
  }
}

/** The single line logged at start in open mode. */
export const OPEN_MODE_WARNING =
  '!!! WEFT SERVER RUNNING IN OPEN DEV MODE: NO AUTH, ANYONE CAN READ AND WRITE EVERY DOC. Set --jwt-secret / WEFT_JWT_SECRET for production. !!!'
