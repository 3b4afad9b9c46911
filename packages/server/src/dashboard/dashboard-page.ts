/**
 * The operator's page: plain HTML and JS (no build step), polling
 * `/dashboard/api/state` every second with the token it was opened with.
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
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; }
  section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 14px 16px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef0f3; vertical-align: top; overflow-wrap: anywhere; }
  .up { color: #137333; font-weight: 600; } .down { color: #b3261e; font-weight: 600; }
  .ok { color: #137333; } .bad { color: #b3261e; }
  code { font-size: 12px; }
  #findings td:nth-child(3) { font-family: ui-monospace, monospace; font-size: 12px; }
  form { display: flex; gap: 6px; margin-top: 10px; } input { flex: 1; padding: 4px 6px; }
  #error { color: #b3261e; }
</style>
</head>
<body>
<h1>Weft — operator dashboard</h1>
<div class="sub">node <b id="node">…</b> · updated <span id="time">…</span> <span id="error"></span></div>
<div class="grid">
  <section><h2>Nodes</h2><table id="nodes"><tbody></tbody></table></section>
  <section><h2>Health</h2><table id="health"><tbody></tbody></table></section>
  <section><h2>Auditor</h2><table id="auditor"><tbody></tbody></table>
    <form id="audit-one"><input id="doc" placeholder="doc id, e.g. note:1" aria-label="doc to audit"><button>Audit doc</button></form>
    <div id="audit-result"></div>
  </section>
</div>
<section style="margin-top:16px"><h2>Audit findings (<span id="finding-count">0</span>)</h2>
  <table id="findings"><thead><tr><th>check</th><th>doc</th><th>finding</th><th>since</th></tr></thead><tbody></tbody></table>
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
async function refresh() {
  try {
    const r = await fetch('/dashboard/api/state', { headers })
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
  } catch (e) {
    $('error').textContent = 'cannot reach the node: ' + e.message
    for (const tr of $('nodes').tBodies[0].rows) if (tr.cells[0].textContent === $('node').textContent) { tr.cells[1].textContent = 'unreachable'; tr.cells[1].className = 'down' }
  }
}
$('audit-one').addEventListener('submit', async (e) => {
  e.preventDefault()
  const r = await fetch('/dashboard/api/audit?doc=' + encodeURIComponent($('doc').value), { method: 'POST', headers })
  const body = await r.json()
  $('audit-result').textContent = body.error || (body.findings.length ? body.findings.map((f) => f.check + ': ' + f.message).join('; ') : body.doc + ': no findings (seq ' + body.headSeq + ')')
  refresh()
})
refresh()
setInterval(refresh, 1000)
</script>
</body>
</html>
`
