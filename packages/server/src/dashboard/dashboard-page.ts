/**
 * The operator's page: plain HTML and JS (no build step, no charting
 * dependency: the lag chart is a few SVG paths), polling
 * `/admin/api/state` every second with the token it was opened with. The
 * lag history lives in the page (the last two minutes), so the server keeps
 * no series.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Weft — operator dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d232a; background: #f6f7f9; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  .sub { color: #5b6570; margin-bottom: 16px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; }
  section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 14px 16px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef0f3; vertical-align: top; overflow-wrap: anywhere; }
  .up { color: #137333; font-weight: 600; } .down { color: #b3261e; font-weight: 600; }
  .ok { color: #137333; } .bad { color: #b3261e; }
  code { font-size: 12px; }
  #findings td:nth-child(3) { font-family: ui-monospace, monospace; font-size: 12px; }
  form { display: flex; gap: 6px; margin-top: 10px; } input { flex: 1; padding: 4px 6px; }
  #error { color: #b3261e; }
  #chart { width: 100%; height: 200px; display: block; }
  #chart text { font-size: 11px; fill: #5b6570; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
</style>
</head>
<body>
<h1>Weft — operator dashboard</h1>
<div class="sub">node <b id="node">…</b> · updated <span id="time">…</span> <span id="error"></span></div>
<div class="grid">
  <section><h2>Nodes</h2><table id="nodes"><tbody></tbody></table></section>
  <section><h2>Health</h2><table id="health"><tbody></tbody></table></section>
  <section id="regions-section" hidden><h2>Regions</h2><table id="regions"><tbody></tbody></table></section>
  <section><h2>Auditor</h2><table id="auditor"><tbody></tbody></table>
    <form id="audit-one"><input id="doc" placeholder="doc id, e.g. note:1" aria-label="doc to audit"><button>Audit doc</button><button type="button" id="repair-doc">Repair doc</button></form>
    <div id="audit-result"></div>
  </section>
</div>
<section id="lag-section" style="margin-top:16px" hidden><h2>Replication lag per region pair (last 2 min)</h2>
  <svg id="chart" role="img" aria-label="replication lag per region pair"></svg>
  <table id="lag"><thead><tr><th>pair</th><th>lag</th><th>link</th></tr></thead><tbody></tbody></table>
</section>
<section style="margin-top:16px"><h2>Audit findings (<span id="finding-count">0</span>)</h2>
  <table id="findings"><thead><tr><th>check</th><th>doc</th><th>finding</th><th>since</th></tr></thead><tbody></tbody></table>
</section>
<section style="margin-top:16px"><h2>Recent findings and repairs</h2>
  <table id="recent"><thead><tr><th>kind</th><th>check</th><th>doc</th><th>what</th><th>seen</th><th>state</th></tr></thead><tbody></tbody></table>
</section>
<script>
const token = new URLSearchParams(location.search).get('token') || ''
const headers = { authorization: 'Bearer ' + token }
const $ = (id) => document.getElementById(id)
function rows(id, list) {
  const body = $(id).tBodies[0]
  body.replaceChildren(...list.map((cells) => {
    const tr = document.createElement('tr')
    for (const c of cells) {
      const td = document.createElement('td')
      if (c && typeof c === 'object') { td.textContent = c.text; td.className = c.cls } else td.textContent = String(c)
      tr.append(td)
    }
    return tr
  }))
}
const okCell = (ok) => ({ text: ok ? 'ok' : 'unreachable', cls: ok ? 'ok' : 'bad' })
// Lag per pair "from → to" (to pulls from from), kept here for the chart: [time ms, seconds or null].
const WINDOW_MS = 120000
const series = new Map()
const COLORS = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#007b83', '#b06000', '#5f6368']
const SVG = 'http://www.w3.org/2000/svg'
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag)
  for (const k in attrs) el.setAttribute(k, attrs[k])
  if (text !== undefined) el.textContent = text
  return el
}
function recordLag(regions, now) {
  const seen = new Set()
  for (const v of regions) {
    for (const l of v.links || []) {
      const pair = l.peer + ' → ' + v.region
      seen.add(pair)
      if (!series.has(pair)) series.set(pair, { points: [], color: COLORS[series.size % COLORS.length], link: l, via: v.region })
      const s = series.get(pair)
      s.points.push([now, l.lagMs / 1000])
      s.link = l
      s.known = true
    }
  }
  // A pair whose region cannot be asked: a gap in its line, and "unknown" in the table.
  for (const [pair, s] of series) if (!seen.has(pair)) { s.points.push([now, null]); s.known = false }
  for (const s of series.values()) while (s.points.length && s.points[0][0] < now - WINDOW_MS) s.points.shift()
}
function drawChart(now) {
  const chart = $('chart')
  const w = chart.clientWidth || 800, h = chart.clientHeight || 200, left = 44, bottom = 18, top = 8
  let max = 5
  for (const s of series.values()) for (const p of s.points) if (p[1] !== null && p[1] * 1.2 > max) max = p[1] * 1.2
  const x = (t) => left + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (w - left - 8)
  const y = (v) => top + (1 - v / max) * (h - top - bottom)
  const kids = [
    svg('line', { x1: left, y1: y(0), x2: w - 8, y2: y(0), stroke: '#c4c9d0' }),
    svg('line', { x1: left, y1: top, x2: left, y2: y(0), stroke: '#c4c9d0' }),
    svg('text', { x: 4, y: top + 10 }, max.toFixed(1) + ' s'),
    svg('text', { x: 4, y: y(0) }, '0 s'),
    svg('text', { x: left, y: h - 4 }, '-2 min'),
    svg('text', { x: w - 34, y: h - 4 }, 'now'),
  ]
  for (const [pair, s] of series) {
    let d = '', pen = false, peak = 0
    for (const [t, v] of s.points) {
      if (v === null) { pen = false; continue }
      d += (pen ? ' L' : ' M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1)
      pen = true
      if (v > peak) peak = v
    }
    const last = s.points.length ? s.points[s.points.length - 1][1] : null
    kids.push(svg('path', { d: d.trim(), fill: 'none', stroke: s.color, 'stroke-width': 2, 'data-pair': pair, 'data-peak': peak.toFixed(1), 'data-last': last === null ? '' : last.toFixed(1) }))
  }
  chart.replaceChildren(...kids)
}
function showRegions(regions, now) {
  $('regions-section').hidden = !regions
  $('lag-section').hidden = !regions
  if (!regions) return
  recordLag(regions, now)
  rows('regions', regions.map((v) => {
    const worst = (v.links || []).reduce((m, l) => Math.max(m, l.lagMs), 0)
    return [v.region + (v.self ? ' (this node)' : ''), { text: v.reachable ? 'up' : 'down', cls: v.reachable ? 'up' : 'down' },
      v.reachable ? 'behind by ' + (worst / 1000).toFixed(1) + ' s at most' : 'unreachable from here']
  }))
  rows('lag', [...series].map(([pair, s]) => {
    const last = s.points.length ? s.points[s.points.length - 1][1] : null
    return [{ text: pair, cls: '' }, s.known && last !== null ? last.toFixed(1) + ' s' : 'unknown',
      s.known ? { text: s.link.reachable ? 'ok' : 'cut: ' + (s.link.lastError || 'unreachable'), cls: s.link.reachable ? 'ok' : 'bad' } : { text: 'region ' + s.via + ' unreachable', cls: 'bad' }]
  }))
  for (const tr of $('lag').tBodies[0].rows) {
    const sw = document.createElement('span'); sw.className = 'swatch'; sw.style.background = series.get(tr.cells[0].textContent).color
    tr.cells[0].prepend(sw)
  }
  drawChart(now)
}
async function refresh() {
  try {
    const r = await fetch('/admin/api/state', { headers })
    if (!r.ok) throw new Error(await r.text())
    const s = await r.json()
    $('error').textContent = ''
    $('node').textContent = s.node
    $('time').textContent = new Date(s.time).toLocaleTimeString()
    rows('nodes', s.nodes.map((n) => [n.id, { text: n.up ? 'up' : 'down', cls: n.up ? 'up' : 'down' }, 'since ' + new Date(n.since).toLocaleTimeString()]))
    const h = s.health
    rows('health', [
      ['store', h.store.kind + (h.store.url ? ' ' + h.store.url : ''), okCell(h.store.ok)],
      ['bus', h.bus.kind, okCell(h.bus.ok)],
      ['connections', h.connections, ''],
      ['docs loaded', h.docsLoaded, ''],
    ])
    showRegions(s.regions, Date.now())
    const a = s.audit
    rows('auditor', a ? [
      ['every', a.intervalMs + ' ms, ' + a.docsPerTick + ' docs'],
      ['docs audited', a.docsAudited],
      ['passes', a.passes],
      ['last pass', a.lastPassMs === undefined || a.lastPassMs === null ? '—' : (a.lastPassMs / 1000).toFixed(1) + ' s'],
    ] : [['auditor', 'off (start with --audit-interval-ms)']])
    const f = a ? a.findings : []
    $('finding-count').textContent = f.length
    rows('findings', f.map((x) => [{ text: x.check, cls: 'bad' }, x.doc || '(engine)', x.message, new Date(x.firstSeen).toLocaleTimeString()]))
    rows('recent', (a ? a.recent : []).map((x) => [
      { text: x.kind, cls: x.kind === 'repair' ? 'up' : x.resolved ? '' : 'bad' },
      x.check,
      x.doc || '(engine)',
      x.message,
      new Date(x.firstSeen).toLocaleTimeString(),
      x.kind === 'repair' ? 'done by ' + x.node : x.resolved ? 'resolved ' + new Date(x.resolved).toLocaleTimeString() : 'open',
    ]))
  } catch (e) {
    $('error').textContent = 'cannot reach the node: ' + e.message
    for (const tr of $('nodes').tBodies[0].rows) if (tr.cells[0].textContent === $('node').textContent) { tr.cells[1].textContent = 'unreachable'; tr.cells[1].className = 'down' }
  }
}
$('audit-one').addEventListener('submit', async (e) => {
  e.preventDefault()
  const r = await fetch('/admin/api/audit?doc=' + encodeURIComponent($('doc').value), { method: 'POST', headers })
  const body = await r.json()
  $('audit-result').textContent = body.error || (body.findings.length ? body.findings.map((f) => f.check + ': ' + f.message).join('; ') : body.doc + ': no findings (seq ' + body.headSeq + ')')
  refresh()
})
$('repair-doc').addEventListener('click', async () => {
  const r = await fetch('/admin/api/repair?doc=' + encodeURIComponent($('doc').value), { method: 'POST', headers })
  const body = await r.json()
  const done = body.repairs ? body.repairs.filter((x) => x.ok).map((x) => 'repaired ' + x.check + ' (' + x.action + ')') : []
  const left = body.findings ? body.findings.map((f) => 'left: ' + f.check + ': ' + f.message) : []
  $('audit-result').textContent = body.error || body.doc + ': ' + ([...done, ...left].join('; ') || 'nothing to repair')
  refresh()
})
refresh()
setInterval(refresh, 1000)
</script>
</body>
</html>
`
