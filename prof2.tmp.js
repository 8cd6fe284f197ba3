const fs = require('fs');
const dir = process.argv[2];
for (const f of fs.readdirSync(dir)) {
  const prof = JSON.parse(fs.readFileSync(dir + '/' + f));
  const byId = new Map(prof.nodes.map(n => [n.id, n]));
  const parent = new Map(); for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const self = {}; const incl = {};
  const pkg = url => { if (!url) return '(native)'; const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url); if (m) return m[1]; if (url.includes('/work/main/build/')) return 'ours:' + url.split('/work/main/build/')[1]; return url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url; };
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const d = prof.timeDeltas[i] || 0; total += d;
    let id = prof.samples[i]; const n = byId.get(id);
    const k = pkg(n.callFrame.url) ; self[k] = (self[k] || 0) + d;
    // inclusive by package: walk to root, count each package once
    const seen = new Set();
    while (id !== undefined) { const nn = byId.get(id); const kk = pkg(nn.callFrame.url); if (!seen.has(kk)) { seen.add(kk); incl[kk] = (incl[kk] || 0) + d; } id = parent.get(id); }
  }
  console.log('\n', f, 'total', (total/1000).toFixed(0));
  console.log(' self:', Object.entries(self).sort((a,b)=>b[1]-a[1]).slice(0,14).map(([k,v])=>`${k}=${(v/1000).toFixed(0)}`).join('  '));
  console.log(' incl:', Object.entries(incl).filter(([k])=>k.startsWith('ours')).sort((a,b)=>b[1]-a[1]).slice(0,30).map(([k,v])=>`${k}=${(v/1000).toFixed(0)}`).join('  '));
}
