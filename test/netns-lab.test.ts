import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { CONTROLLER_IP, listNamespaces, netnsAvailable, NetnsLab } from './helpers/netns.js';
import { waitFor } from './helpers/wait-for.js';

const skip = !netnsAvailable() && 'needs root and ip netns';

/** Tries a TCP connection from inside `ns` with `ip netns exec` and a one-line node client. */
async function canConnect(lab: NetnsLab, ns: string, port: number): Promise<boolean> {
  const script = `require('net').connect(${port}, '${CONTROLLER_IP}').on('connect', () => process.exit(0)).on('error', () => process.exit(1)).setTimeout(1000, () => process.exit(1))`;
  const child = lab.spawn(ns, process.execPath, ['-e', script]);
  const [code] = await once(child, 'exit');
  return code === 0;
}

test('the namespace lab joins hosts to the controller namespace, a cut link stops traffic, and close() removes every namespace', { skip }, async () => {
  const lab = new NetnsLab(2, 'lab');
  const prefix = lab.ctl.replace(/-ctl$/, '');
  try {
    assert.deepEqual(listNamespaces(prefix).sort(), [`${prefix}-ctl`, `${prefix}-h1`, `${prefix}-h2`]);
    // An echo target in the controller namespace, on the bridge address.
    const echo = lab.spawn(lab.ctl, process.execPath, ['-e', `require('net').createServer((s) => s.pipe(s)).listen(7400, '${CONTROLLER_IP}', () => console.log('echo ready'))`]);
    let ready = '';
    echo.stdout!.on('data', (b: Buffer) => (ready += b));
    await waitFor(() => /echo ready/.test(ready), { what: 'the echo server' });
    assert.equal(await canConnect(lab, lab.hosts[0]!.ns, 7400), true, 'h1 reaches the controller namespace');
    lab.setLink(lab.hosts[0]!, false);
    assert.equal(await canConnect(lab, lab.hosts[0]!.ns, 7400), false, 'h1 is cut off');
    assert.equal(await canConnect(lab, lab.hosts[1]!.ns, 7400), true, 'h2 is unaffected');
    lab.setLink(lab.hosts[0]!, true);
    await waitFor(() => canConnect(lab, lab.hosts[0]!.ns, 7400), { what: 'h1 reconnecting after the link returns' });
  } finally {
    await lab.close();
    await lab.close();
  }
  assert.deepEqual(listNamespaces(prefix), []);
  // The root namespace keeps no veth of ours.
  const { execFileSync } = await import('node:child_process');
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`${lab.vethStem}[vp]`));
});
