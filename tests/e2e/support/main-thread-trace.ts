import type { Browser, Page } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

/**
 * Where a page's main-thread time goes, from a Chromium performance trace
 * (the DevTools timeline categories): self time per trace event, so a
 * FunctionCall's time excludes the GC and layout inside it, summed into
 * buckets (script, GC, style, layout, paint, ...). Self times are thread
 * time (`tdur`, what `Performance.getMetrics`' TaskDuration counts) where the
 * event has it, else wall time.
 *
 * One trace covers the whole browser: each page is told apart by a
 * `performance.mark` it makes (`tagPage`), whose event names its renderer
 * process.
 */

const CATEGORIES = [
  '-*',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'toplevel',
  'blink.user_timing',
  'v8.execute',
  'disabled-by-default-v8.gc',
  'IndexedDB',
].join(',')

/** The buckets a report shows, in order; an event goes to the first whose test matches its name. */
export const BUCKETS: readonly { name: string; test: (event: string) => boolean }[] = [
  { name: 'gc', test: (n) => /GC|Scavenge|MarkCompact|Sweep|ThreadState|Oilpan|CppGC|BlinkGC/i.test(n) },
  { name: 'style', test: (n) => /^(UpdateLayoutTree|RecalcStyle|ParseAuthorStyleSheet|ScheduleStyleRecalculation)/.test(n) },
  { name: 'layout', test: (n) => /^(Layout|UpdateLayout|InvalidateLayout)/.test(n) },
  {
    name: 'paint',
    test: (n) =>
      /^(PrePaint|Paint|PaintImage|UpdateLayer|UpdateLayerTree|Layerize|CompositeLayers|Commit|RasterTask|Decode|HitTest|IntersectionObserverController)/.test(
        n,
      ),
  },
  { name: 'idb', test: (n) => /IndexedDB|IDB/i.test(n) },
  {
    name: 'script',
    test: (n) =>
      /^(FunctionCall|EvaluateScript|v8\.|V8\.|TimerFire|EventDispatch|RunMicrotasks|FireAnimationFrame|FireIdleCallback|XHR|CompileScript|CompileCode|ParseHTML|ProfileCall|MessagePort|BackgroundDeserialize|FunctionCallbacks)/.test(
        n,
      ),
  },
]

interface TraceEvent {
  name: string
  cat: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  tts?: number
  args?: { name?: string; data?: unknown }
}

/** Milliseconds of main-thread time by bucket and by event name, over one window of a trace. */
export interface Breakdown {
  /** Top-level task time (RunTask and friends). */
  task: number
  buckets: Record<string, number>
  /** Every event name with its self time, most first. */
  byEvent: [string, number][]
}

/** Marks `page` so its renderer can be found in the trace (call before `startTrace`'s window ends). */
export async function tagPage(page: Page, tag: string): Promise<void> {
  await page.evaluate((t) => performance.mark(`weft-trace:${t}`), tag)
}

/** Starts a browser-wide trace; the returned function stops it and gives the breakdown of each tagged page. */
export async function startTrace(browser: Browser, page: Page): Promise<() => Promise<Map<string, Breakdown>>> {
  await browser.startTracing(page, { categories: CATEGORIES.split(',') })
  return async () => {
    const buffer = await browser.stopTracing()
    // WEFT_EDITOR_BENCH_TRACE_DIR=dir keeps each raw trace (open it in DevTools' Performance panel).
    const dir = process.env.WEFT_EDITOR_BENCH_TRACE_DIR
    if (dir) writeFileSync(resolve(dir, `trace-${Date.now()}.json`), buffer)
    const parsed = JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[]
    return breakdown(Array.isArray(parsed) ? parsed : parsed.traceEvents)
  }
}

const TOP_LEVEL = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadControllerImpl::DoWork', 'TaskQueueManager::ProcessTaskFromWorkQueue'])

/** Breaks each tagged renderer's main thread down (see the module comment). */
export function breakdown(events: readonly TraceEvent[]): Map<string, Breakdown> {
  // Renderer main threads, and which tag each process carries.
  const mainThread = new Map<number, number>()
  const tagOf = new Map<number, string>()
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') mainThread.set(e.pid, e.tid)
    if (e.name.startsWith('weft-trace:')) tagOf.set(e.pid, e.name.slice('weft-trace:'.length))
  }
  const out = new Map<string, Breakdown>()
  for (const [pid, tag] of tagOf) {
    const tid = mainThread.get(pid)
    if (tid === undefined) continue
    out.set(tag, threadBreakdown(events.filter((e) => e.pid === pid && e.tid === tid)))
  }
  return out
}

interface Span {
  name: string
  start: number
  end: number
  /** Thread time of the span when known (µs). */
  cpu: number | undefined
}

function spans(events: readonly TraceEvent[]): Span[] {
  const out: Span[] = []
  const open = new Map<string, TraceEvent[]>()
  for (const e of events) {
    if (e.ph === 'X' && e.dur !== undefined) out.push({ name: e.name, start: e.ts, end: e.ts + e.dur, cpu: e.tdur })
    else if (e.ph === 'B') {
      const stack = open.get(e.name) ?? []
      stack.push(e)
      open.set(e.name, stack)
    } else if (e.ph === 'E') {
      const b = open.get(e.name)?.pop()
      if (b !== undefined) out.push({ name: e.name, start: b.ts, end: e.ts, cpu: b.tts !== undefined && e.tts !== undefined ? e.tts - b.tts : undefined })
    }
  }
  // Parents before children: earlier start first, then the longer one.
  return out.sort((a, b) => a.start - b.start || b.end - a.end)
}

function threadBreakdown(events: readonly TraceEvent[]): Breakdown {
  const self = new Map<string, number>()
  let task = 0
  const stack: { span: Span; child: number }[] = []
  const cost = (s: Span): number => s.cpu ?? s.end - s.start
  const close = (): void => {
    const top = stack.pop()!
    const own = Math.max(0, cost(top.span) - top.child)
    self.set(top.span.name, (self.get(top.span.name) ?? 0) + own)
    const parent = stack[stack.length - 1]
    if (parent !== undefined) parent.child += cost(top.span)
  }
  for (const s of spans(events)) {
    while (stack.length > 0 && stack[stack.length - 1]!.span.end <= s.start) close()
    // Only work inside a task counts (as TaskDuration does); a stray event outside one is skipped.
    if (stack.length === 0) {
      if (!TOP_LEVEL.has(s.name)) continue
      task += cost(s)
    }
    stack.push({ span: s, child: 0 })
  }
  while (stack.length > 0) close()
  const ms = (us: number): number => us / 1000
  const buckets: Record<string, number> = Object.fromEntries([...BUCKETS.map((b) => [b.name, 0]), ['other', 0]])
  for (const [name, us] of self) {
    const bucket = TOP_LEVEL.has(name) ? 'other' : (BUCKETS.find((b) => b.test(name))?.name ?? 'other')
    buckets[bucket]! += ms(us)
  }
  return {
    task: ms(task),
    buckets,
    byEvent: [...self].map(([n, us]): [string, number] => [n, ms(us)]).sort((a, b) => b[1] - a[1]),
  }
}
