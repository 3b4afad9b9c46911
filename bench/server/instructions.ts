import { callgrindControl, readSectionCounts } from '../b1b4/callgrind.js'
import type { ProbeMark } from './protocol.js'

/**
 * Instructions a server executes over the load generator's measured windows, counted by callgrind
 * (the server runs under `valgrind --tool=callgrind`; see `ServerStartOptions.callgrindOut`). Its
 * counters are zeroed where a window starts and dumped where the window's edits have landed, so
 * connecting the clients and closing them are left out. Unlike CPU time, the count does not depend
 * on what else the machine runs, which makes it the fair per-edit figure on a shared machine.
 */
export class WindowInstructions {
  private windows = 0

  constructor(
    private readonly pid: number,
    private readonly outFile: string,
  ) {}

  /** The load generator's window marks (`runLoadChild`'s `onMark`). */
  readonly onMark = (mark: ProbeMark): void => {
    if (mark === 'window-start') callgrindControl(this.pid, '-z')
    else callgrindControl(this.pid, '-d', `window${++this.windows}`)
  }

  /** Instructions of the last window (the measured one, after any warm-up window). */
  last(): number | undefined {
    return this.windows === 0 ? undefined : readSectionCounts(this.outFile)[`window${this.windows}`]
  }
}
