import { defineConfig, devices } from '@playwright/test'

// Real Chromium from the system (Debian's /usr/bin/chromium); Playwright never downloads a browser here.
const chromium = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  // Builds the packages and the demo, then starts one shared server (free port, temp SQLite file).
  globalSetup: './tests/e2e/support/global-setup.ts',
  fullyParallel: false,
  workers: 1, // the machine has 2 cores; each test drives 2+ browser pages
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  outputDir: 'test-results/playwright-artifacts',
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
})
