const {startStack} = require('/work/main/build/local/stack.js');
const autocannon = require('/work/main/node_modules/autocannon');
const fs = require('fs');
(async () => {
  const mode = process.argv[2];
  const dir = '/tmp/prof-' + mode;
  fs.rmSync(dir, {recursive: true, force: true});
  const stack = await startStack({projectId: 'prof-' + mode, authMode: mode, firestoreHost: process.env.FIRESTORE_EMULATOR_HOST, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`]});
  const p = process.argv[3] || '/api/orders?userId=user-001';
  await autocannon({url: stack.info.gateway + p, connections: 32, duration: 1});
  const r = await autocannon({url: stack.info.gateway + p, connections: 32, duration: 5});
  console.log(mode, p, 'rps', r.requests.average);
  await stack.stop();
  // self-time per function, per profile
  for (const f of fs.readdirSync(dir)) {
    const prof = JSON.parse(fs.readFileSync(dir + '/' + f));
    const dt = {}; const byId = new Map(prof.nodes.map(n => [n.id, n]));
    for (let i = 0; i < prof.samples.length; i++) {
      const n = byId.get(prof.samples[i]); const d = prof.timeDeltas[i] || 0;
      const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, '').replace('file:///work/main/', '')}:${cf.lineNumber}`;
      dt[key] = (dt[key] || 0) + d;
    }
    const total = Object.values(dt).reduce((a, b) => a + b, 0);
    const top = Object.entries(dt).sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log('\n', f, 'total ms', (total / 1000).toFixed(0), 'idle%', ((dt['(idle) :-1'] || 0) / total * 100).toFixed(0));
    for (const [k, v] of top) console.log('  ', (v / 1000).toFixed(0).padStart(6), k);
  }
})();
