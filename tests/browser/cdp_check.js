// cdp_check.js - open HTML pages in headless Chromium through the Chrome DevTools Protocol and
// check what a reader would see: no console error or uncaught exception, no request leaving the
// page (every URL loaded is the page itself or data:), no horizontal overflow at the given widths
// (document.documentElement.scrollWidth <= the viewport), the figures and tables there, and a PDF
// printed (Page.printToPDF). Node's built-in modules only: the WebSocket client below is the
// minimum RFC 6455 needs (masked client frames; text, continuation, close, ping).
//
//   node tests/browser/cdp_check.js CHROMIUM OUTDIR PAGE.html[:CHECKS]...
//
// CHECKS (comma-separated, optional): report (the nine sections, two SVG figures with <text>,
// no script element), index (a table with links to pages that exist), hostile (the page's text
// shows the hostile label literally). Prints one line per page and check; exit 0 when all pass.
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

function wsConnect(url) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const key = crypto.randomBytes(16).toString('base64');
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
    });
    req.on('error', reject);
    req.on('upgrade', (res, sock) => {
      const want = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (res.headers['sec-websocket-accept'] !== want) return reject(new Error('bad websocket handshake'));
      sock.setNoDelay(true);
      let buf = Buffer.alloc(0), parts = [];
      const ws = { onmessage: null, onclose: null };
      ws.send = (text) => {
        const data = Buffer.from(text, 'utf8'), mask = crypto.randomBytes(4);
        let head;
        if (data.length < 126) head = Buffer.from([0x81, 0x80 | data.length]);
        else if (data.length < 65536) { head = Buffer.alloc(4); head[0] = 0x81; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2); }
        else { head = Buffer.alloc(10); head[0] = 0x81; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(data.length), 2); }
        for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
        sock.write(Buffer.concat([head, mask, data]));
      };
      ws.close = () => sock.end();
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          const fin = buf[0] & 0x80, op = buf[0] & 0x0f, masked = buf[1] & 0x80;
          let len = buf[1] & 0x7f, off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (masked) off += 4;
          if (buf.length < off + len) return;
          let payload = buf.subarray(off, off + len);
          if (masked) { const m = buf.subarray(off - 4, off); payload = Buffer.from(payload.map((b, i) => b ^ m[i & 3])); }
          buf = buf.subarray(off + len);
          if (op === 0x8) { sock.end(); return; }
          if (op === 0x9) { const pong = Buffer.from([0x8a, 0x80, 0, 0, 0, 0]); sock.write(pong); continue; }
          if (op === 0x1 || op === 0x0) {
            parts.push(payload);
            if (fin) { const msg = Buffer.concat(parts).toString('utf8'); parts = []; if (ws.onmessage) ws.onmessage(msg); }
          }
        }
      });
      sock.on('close', () => { if (ws.onclose) ws.onclose(); });
      resolve(ws);
    });
    req.end();
  });
}

function cdpClient(ws) {
  let id = 0;
  const pending = new Map(), listeners = [];
  ws.onmessage = (text) => {
    const m = JSON.parse(text);
    if (m.id !== undefined && pending.has(m.id)) {
      const { resolve, reject } = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) reject(new Error(JSON.stringify(m.error))); else resolve(m.result);
    } else if (m.method) for (const l of listeners) l(m);
  };
  return {
    send(method, params = {}, sessionId) {
      const msg = { id: ++id, method, params };
      if (sessionId) msg.sessionId = sessionId;
      return new Promise((resolve, reject) => { pending.set(msg.id, { resolve, reject }); ws.send(JSON.stringify(msg)); });
    },
    on(fn) { listeners.push(fn); },
  };
}

function launch(chromium, profile) {
  return new Promise((resolve, reject) => {
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--disable-background-networking', '--disable-sync', '--disable-component-update',
      '--remote-debugging-port=0', '--user-data-dir=' + profile, 'about:blank'];
    const p = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('chromium did not start: ' + err.slice(-500))); }, 30000);
    p.stderr.on('data', (d) => {
      err += d.toString();
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ proc: p, url: m[1] }); }
    });
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error('chromium exited (' + code + '): ' + err.slice(-500))); });
  });
}

// What the page shows, measured in the page (the report itself has no script: this runs from the test)
const MEASURE = `(() => {
  const d = document.documentElement;
  const ids = ['data','effects','model','forest','bias','loo','influence','methods','reproducibility'];
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect(); return r.right > d.clientWidth + 0.5 && !e.closest('.scroll, figure'); })
    .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
  return {
    scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, height: d.scrollHeight, wide,
    scripts: document.scripts.length,
    sections: ids.filter(i => document.getElementById(i)).length,
    svgs: document.querySelectorAll('figure svg').length,
    svgTexts: [...document.querySelectorAll('figure svg')].map(s => s.querySelectorAll('text').length),
    svgWidths: [...document.querySelectorAll('figure svg')].map(s => Math.round(s.getBoundingClientRect().width)),
    tables: document.querySelectorAll('table').length,
    numbers: document.querySelectorAll('td[data-v]').length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    text: document.body.innerText,
  };
})()`;

async function checkPage(cdp, file, checks, outdir, widths) {
  const fails = [], notes = [];
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const problems = [], requests = [];
  let loaded = null;
  const loadedP = new Promise((r) => { loaded = r; });
  cdp.on((m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'warning' || m.params.type === 'assert'))
      problems.push('console.' + m.params.type + ': ' + m.params.args.map((a) => a.value || a.description).join(' '));
    if (m.method === 'Runtime.exceptionThrown') problems.push('exception: ' + m.params.exceptionDetails.text);
    if (m.method === 'Log.entryAdded' && (m.params.entry.level === 'error' || m.params.entry.level === 'warning'))
      problems.push('log ' + m.params.entry.level + ': ' + m.params.entry.text + ' ' + (m.params.entry.url || ''));
    if (m.method === 'Network.requestWillBeSent') requests.push(m.params.request.url);
    if (m.method === 'Page.loadEventFired') loaded();
  });
  for (const d of ['Runtime', 'Log', 'Network', 'Page']) await cdp.send(d + '.enable', {}, sessionId);
  const url = 'file://' + path.resolve(file);
  let first = null;
  for (const w of widths) {
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: w, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    if (!first) {
      await cdp.send('Page.navigate', { url }, sessionId);
      await Promise.race([loadedP, new Promise((_, rej) => setTimeout(() => rej(new Error('load timeout')), 20000))]);
    }
    await new Promise((r) => setTimeout(r, 100)); // layout after a resize
    const { result } = await cdp.send('Runtime.evaluate', { expression: MEASURE, returnByValue: true }, sessionId);
    const v = result.value;
    if (!first) first = v;
    if (v.scrollWidth > w) fails.push(`horizontal overflow at ${w} px: scrollWidth ${v.scrollWidth} (${v.wide.join(', ')})`);
    notes.push(`${w} px: scrollWidth ${v.scrollWidth}, height ${v.height}, figures ${v.svgWidths.join('/')} px wide`);
  }
  const v = first;
  const external = requests.filter((u) => u !== url && !u.startsWith('data:'));
  if (external.length) fails.push('requests beyond the page: ' + external.slice(0, 3).join(' '));
  if (problems.length) fails.push(problems.slice(0, 3).join('; '));
  if (v.scripts !== 0) fails.push(v.scripts + ' script elements');
  if (checks.includes('report')) {
    if (v.sections !== 9) fails.push(`${v.sections} of 9 sections`);
    if (v.svgs !== 2 || v.svgTexts.some((n) => n < 5)) fails.push(`figures: ${v.svgs} SVG, text elements ${v.svgTexts}`);
    if (v.numbers < 50) fails.push(`only ${v.numbers} number cells`);
    if (v.links.some((h) => !h.startsWith('#'))) fails.push('a link off the page: ' + v.links.find((h) => !h.startsWith('#')));
  }
  if (checks.includes('index')) {
    const dir = path.dirname(path.resolve(file));
    const pages = v.links.filter((h) => h.endsWith('.html'));
    if (!pages.length) fails.push('no report links');
    for (const h of v.links) if (!fs.existsSync(path.join(dir, decodeURIComponent(h)))) fails.push('broken link ' + h);
  }
  if (checks.includes('hostile') && !(v.text.includes('<script>alert("x")</script>') && v.text.includes('Tom & Jerry "T&J"')))
    fails.push('the hostile labels are not shown as text');
  const pdf = await cdp.send('Page.printToPDF', { printBackground: true, preferCSSPageSize: false }, sessionId);
  const out = path.join(outdir, path.basename(file).replace(/\.html$/, '') + '.pdf');
  const bytes = Buffer.from(pdf.data, 'base64');
  fs.writeFileSync(out, bytes);
  const npages = (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  if (bytes.subarray(0, 5).toString() !== '%PDF-' || npages < 1) fails.push('no PDF printed');
  notes.push(`PDF ${bytes.length} bytes, ${npages} pages`);
  await cdp.send('Target.closeTarget', { targetId });
  return { fails, notes };
}

async function main() {
  const [chromium, outdir, ...pages] = process.argv.slice(2);
  if (!chromium || !outdir || !pages.length) {
    console.error('usage: node cdp_check.js CHROMIUM OUTDIR PAGE.html[:CHECKS]...');
    process.exit(2);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cmeta-chromium-'));
  let browser, bad = 0;
  try {
    browser = await launch(chromium, profile);
    const ws = await wsConnect(browser.url);
    const cdp = cdpClient(ws);
    for (const spec of pages) {
      const i = spec.lastIndexOf(':');
      const file = i > 0 && !spec.slice(i).includes('/') ? spec.slice(0, i) : spec;
      const checks = file === spec ? [] : spec.slice(i + 1).split(',');
      const t0 = Date.now();
      const { fails, notes } = await checkPage(cdp, file, checks, outdir, [1280, 390]);
      const ms = Date.now() - t0;
      if (fails.length) { bad++; console.log(`FAIL ${file}: ${fails.join('; ')}`); }
      else console.log(`ok ${file} (${ms} ms; ${notes.join('; ')})`);
    }
    const exited = new Promise((r) => browser.proc.once('exit', r));
    await cdp.send('Browser.close').catch(() => {});
    ws.close();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  } catch (e) {
    console.log('FAIL: ' + e.message);
    bad++;
  } finally {
    if (browser && browser.proc.exitCode === null) browser.proc.kill('SIGKILL');
    try { fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch (e) { /* a leftover profile in tmp */ }
  }
  process.exit(bad ? 1 : 0);
}

main();
