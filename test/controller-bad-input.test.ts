/**
 * Bad input on the agent stream, each against a real controller: frames that do not decode,
 * frames over the size limit, messages that make no sense, a stream that never says hello.
 * Each ends that one stream with a clear status; the controller keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { isFleetError } from '../common/errors.js';
import { status as Status } from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import type { AgentMessage, ControllerMessage } from '../controller/core/link-protocol.js';
import { call, faultOf, startTestController, type TestController } from './helpers/controller-harness.js';
import { sendRawFrame } from './helpers/raw-grpc.js';
import { protoProcess, ScriptedAgent, transitionEvent } from './helpers/scripted-agent.js';

/** Sends raw bytes as one gRPC message on a Connect call; resolves with the status the server ends it with. */
const sendConnectFrame = (address: string, payload: Buffer): ReturnType<typeof sendRawFrame> =>
  sendRawFrame({ url: `http://${address}` }, '/fleet.v1.AgentService/Connect', payload);

describe('controller bad input', () => {
  let ctl: TestController;
  const agents: ScriptedAgent[] = [];
  let bystander: ScriptedAgent;
  before(async () => {
    ctl = await startTestController({ core: { helloTimeoutMs: 400 } });
    bystander = await ScriptedAgent.connect(ctl.address, { host: 'bystander' });
    agents.push(bystander);
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });
  /** The controller still answers, and the bystander's stream still works end to end. */
  async function stillServing(): Promise<void> {
    const seq = bystander.received.acks.length + 1;
    bystander.events([transitionEvent(seq, 'app', 'app', 'STARTING', 'RUNNING')]);
    await bystander.waitForAck(seq);
    const hosts = await call(ctl.fleet.listHosts, ctl.fleet, { hosts: ['bystander'], labels: undefined });
    assert.equal(hosts.hosts.length, 1);
  }

  test('a frame that does not decode ends that stream with a status, and nothing else', async () => {
    // Field 1 with wire type 7 does not exist in protobuf.
    const { status, message } = await sendConnectFrame(ctl.address, Buffer.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(status, Status.INTERNAL);
    assert.match(message, /deserializ/i);
    await stillServing();
  });

  test('a frame over the size limit ends that stream with RESOURCE_EXHAUSTED', async () => {
    const big = ScriptedAgent.open(ctl.address, 'big-1');
    agents.push(big);
    big.hello({ host: 'big-1' });
    await big.waitFor(() => big.helloAck, 'the HelloAck');
    big.snapshot([{ ...protoProcess('app', 'app'), description: 'x'.repeat(5 * 1024 * 1024) }]);
    const status = await big.waitForEnd();
    assert.equal(status.code, Status.RESOURCE_EXHAUSTED);
    assert.match(status.details, /larger than max/i);
    await stillServing();
  });

  test('a stream that starts with anything but a hello is ended with INVALID_ARGUMENT', async () => {
    const rude = ScriptedAgent.open(ctl.address);
    agents.push(rude);
    rude.heartbeat();
    const status = await rude.waitForEnd();
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.equal(status.details, 'the first message must be a hello, not heartbeat');
    assert.equal(faultOf(status), 'BAD_ARGUMENTS');
  });

  test('a hello whose host name could not be addressed is refused', async () => {
    const slash = ScriptedAgent.open(ctl.address);
    agents.push(slash);
    slash.hello({ host: 'web/1' });
    const status = await slash.waitForEnd();
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.match(status.details, /^bad hello: the host name "web\/1" contains one of/);
  });

  test('a message with no body, or an event with no kind, ends the stream and says why', async () => {
    const empty = await ScriptedAgent.connect(ctl.address, { host: 'empty-1' });
    agents.push(empty);
    empty.send({ body: undefined });
    const status = await empty.waitForEnd();
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.equal(status.details, 'a message with no body');

    const kindless = await ScriptedAgent.connect(ctl.address, { host: 'kindless-1' });
    agents.push(kindless);
    kindless.events([{ seq: 1n, timeMs: 1n, kind: undefined }]);
    const status2 = await kindless.waitForEnd();
    assert.equal(status2.code, Status.INVALID_ARGUMENT);
    assert.equal(status2.details, 'event seq 1 has no kind');
    assert.deepEqual(kindless.received.acks, [], 'nothing of the bad batch was acked');
    await stillServing();
  });

  test('a stream that never says hello is ended after the hello timeout', async () => {
    const mute = ScriptedAgent.open(ctl.address);
    agents.push(mute);
    const status = await mute.waitForEnd(3000);
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.equal(status.details, 'no hello within 400 ms of connecting');
  });

  test('a stream authenticated as one host cannot say hello as another', async () => {
    // The transport's identity (a client certificate's name, later) handed to the core directly.
    let closedWith: Error | undefined;
    const sent: ControllerMessage[] = [];
    const hello: AgentMessage = { kind: 'hello', hello: { host: 'web-2', labels: {}, agentVersion: 'x', lastSeq: 0, instanceId: 'i', pid: 1, startedAt: 0 } };
    await ctl.controller.core.serveAgent({
      peer: 'test',
      identity: 'web-1',
      messages: (async function* () {
        yield hello;
      })(),
      send: async (m) => void sent.push(m),
      close: (error) => void (closedWith = error),
    });
    assert.ok(isFleetError(closedWith, 'PERMISSION_DENIED'), String(closedWith));
    assert.match(closedWith.message, /^this connection is authenticated as host web-1 \(its client certificate\) and cannot report for web-2; /);
    assert.deepEqual(sent, [], 'no HelloAck');
    const hosts = await call(ctl.fleet.listHosts, ctl.fleet, { hosts: ['web-2'], labels: undefined });
    assert.deepEqual(hosts.hosts, []);
  });

  test('a second hello on the same stream ends it', async () => {
    const twice = await ScriptedAgent.connect(ctl.address, { host: 'twice-2' });
    agents.push(twice);
    twice.hello({ host: 'someone-else' });
    const status = await twice.waitForEnd();
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.equal(status.details, 'a second hello on the same stream');
    await stillServing();
  });
});
