/**
 * Bad input on the secure port, against a real controller in secure mode: bytes that are not
 * TLS, and gRPC frames that do not decode or are over the size limit, from a caller with a
 * valid token and from one with none. Each ends that one connection or call with a clear
 * status; the controller keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CONTROLLER_TLS_NAME } from '../common/controller-tls.js';
import { sendRawFrame } from './helpers/raw-grpc.js';
import { bearer, startSecureController, type SecureController } from './helpers/secure-controller.js';

/** Sends `payload` as one gRPC message to `path` over TLS (pinned CA, fixed name); resolves with the status the call ended with. */
function sendFrame(ctl: SecureController, path: string, payload: Buffer, token?: string): ReturnType<typeof sendRawFrame> {
  const url = `https://127.0.0.1:${ctl.port}`;
  return sendRawFrame({ url, tls: { ca: ctl.caPem, servername: CONTROLLER_TLS_NAME }, headers: token ? { authorization: `Bearer ${token}` } : {} }, path, payload);
}

describe('secure port bad input', () => {
  let ctl: SecureController;
  before(async () => {
    ctl = await startSecureController();
  });
  after(async () => {
    await ctl.close();
  });

  async function stillServing(): Promise<void> {
    const hosts = await new Promise<unknown>((resolve, reject) =>
      ctl.fleet.listHosts({ hosts: [], labels: undefined }, bearer(ctl.adminToken), {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
    assert.ok(hosts);
  }

  test('bytes that are not TLS close that connection, and the controller goes on serving', async () => {
    const socket = netConnect(ctl.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.resume();
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02 garbage that is no ClientHello'));
    await once(socket, 'close');
    await stillServing();
  });

  test('a frame that does not decode, with a valid token, ends that call with INTERNAL', async () => {
    const ended = await sendFrame(ctl, '/fleet.v1.FleetService/ListHosts', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a]), ctl.adminToken);
    assert.equal(ended.status, Status.INTERNAL, ended.message);
    await stillServing();
  });

  test('a frame over the size limit ends that call with RESOURCE_EXHAUSTED, with a token or without', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x41);
    for (const token of [ctl.adminToken, undefined]) {
      const ended = await sendFrame(ctl, '/fleet.v1.FleetService/ListProcesses', big, token);
      assert.equal(ended.status, Status.RESOURCE_EXHAUSTED, `${token ? 'with' : 'without'} a token: ${ended.message}`);
    }
    await stillServing();
  });

  test('garbage from a caller with no credentials at all ends its call with a status', async () => {
    // grpc-js decodes a request (at most 4 MiB) before any handler, and the gate, sees it.
    const ended = await sendFrame(ctl, '/fleet.v1.FleetService/Control', Buffer.from('not a ControlRequest'));
    assert.equal(ended.status, Status.INTERNAL, ended.message);
    await stillServing();
  });
});
