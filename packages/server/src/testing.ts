/**
 * @weft/server/testing: contract suites for third-party Stores and Buses
 * (vitest), and a throwaway PostgreSQL database per test.
 */
export { runStoreContract } from './store/store-contract.js'
export type { StoreHarness } from './store/store-contract.js'
export { createTestDatabase, refusePostgresAppends, TEST_PG_URL } from './test-support/postgres-test-database.js'
export type { TestDatabase } from './test-support/postgres-test-database.js'
