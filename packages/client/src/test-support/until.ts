/** Poll `cond` (which may read storage, so it may be async) on real time until it holds; fail with `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what = 'condition', ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
