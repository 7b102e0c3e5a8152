// fleetctl's own reader of ListProcesses answers (cli/client/fleet-client-listing.ts) against
// the generated codec and the converters, which it stands in for: the same domain objects for
// every field, and the generated path itself for anything the reader does not expect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeListingGenerated, decodeProcessListing, readProcessListing } from '../cli/client/fleet-client-listing.js';
import { BinaryWriter } from '../proto/wire.js';
import { FleetServiceListProcessesResponse, Host, HostLiveness, HostProcess, HostProcesses } from '../proto/gen/fleet/v1/fleet.js';
import { ProcessInfo, ProcessState } from '../proto/gen/fleet/v1/process.js';

/**
 * A message with every field of its type set to something other than its default, so a field
 * added to the proto later is on the wire in these tests too, and a reader that does not know it
 * shows up as a difference once the converters carry it.
 */
function everyFieldSet<T extends object>(base: T, values: Partial<T>): T {
  const message: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(base)) {
    if (typeof value === 'string') message[key] = `${key} text`;
    else if (typeof value === 'number') message[key] = 7;
    else if (typeof value === 'bigint') message[key] = 1_795_349_022_123n;
    else if (typeof value === 'boolean') message[key] = true;
  }
  return { ...message, ...values } as T;
}

function processInfo(values: Partial<ProcessInfo>): ProcessInfo {
  return everyFieldSet(ProcessInfo.create(), values);
}

function host(name: string, values: Partial<Host> = {}): Host {
  return everyFieldSet(Host.create(), { name, labels: { role: 'web', zone: 'eu-1' }, counts: { RUNNING: 2, FATAL: 1 }, ...values });
}

function encode(response: FleetServiceListProcessesResponse): Uint8Array {
  return FleetServiceListProcessesResponse.encode(response).finish();
}

const long = 'x'.repeat(200);

const listing: FleetServiceListProcessesResponse = {
  processes: [
    // The reader starts out remembering a host and a group named NUL: a real one must still read right.
    { host: '\0', info: processInfo({ group: '\0', name: 'nul' }) },
    { host: 'web-1', info: processInfo({ group: 'api', name: 'api_0', state: ProcessState.PROCESS_STATE_RUNNING, pid: 4321 }) },
    { host: 'web-1', info: processInfo({ group: 'api', name: 'api_1', state: ProcessState.PROCESS_STATE_FATAL, exitStatus: -1, pid: 0 }) },
    { host: 'web-1', info: processInfo({ group: 'worker', name: 'worker', state: ProcessState.PROCESS_STATE_STOPPED, stopMs: 0n, startMs: 0n }) },
    // Names and texts beyond ASCII, a length over 127 bytes, the largest pid, a state this build does not know.
    { host: 'wéb-2', info: processInfo({ group: 'grüppe', name: 'naïve 😀', description: long, spawnError: 'spawn error: ✗', pid: 4_294_967_295, state: 99 as ProcessState }) },
    { host: 'wéb-2', info: processInfo({ group: 'grüppe', name: 'ok', state: ProcessState.PROCESS_STATE_UNSPECIFIED, stdoutLogfile: '', stderrLogfile: `/var/log/${long}.log` }) },
    { host: 'db-1', info: undefined },
    { host: '', info: processInfo({ group: '', name: '' }) },
  ],
  hosts: [
    host('web-1'),
    host('wéb-2', { liveness: HostLiveness.HOST_LIVENESS_DISCONNECTED, labels: {}, counts: { RUNNING: 1, NOT_A_STATE: 4 }, lastSeq: 0n }),
    host('db-1', { liveness: 42 as HostLiveness, labels: { 'clé': 'välue', empty: '' } }),
  ],
  errors: [{ host: 'db-9', fault: 'NO_SUCH_HOST', message: 'no such host: db-9' }],
  hostProcesses: [],
};

/** `listing`'s processes as an answer by host (`host_processes`), as a controller sends them when asked. */
function byHost(response: FleetServiceListProcessesResponse): FleetServiceListProcessesResponse {
  const groups: HostProcesses[] = [];
  for (const p of response.processes) {
    if (p.info === undefined) continue;
    const last = groups.at(-1);
    if (last?.host === p.host) last.processes.push(p.info);
    else groups.push({ host: p.host, processes: [p.info] });
  }
  return { ...response, processes: [], hostProcesses: groups.map((g) => Buffer.from(HostProcesses.encode(g).finish())) };
}

test('reads every process, host and error field as the generated codec and the converters do', () => {
  const bytes = encode(listing);
  const fast = readProcessListing(bytes);
  assert.ok(fast !== null, 'the reader took the answer itself');
  assert.deepEqual(fast, decodeListingGenerated(bytes));
  assert.equal(fast.processes.length, 7, 'a process without info is left out');
});

test('reads an answer by host as the generated codec does, and as the same processes sent one by one', () => {
  const bytes = encode(byHost(listing));
  const fast = readProcessListing(bytes);
  assert.ok(fast !== null, 'the reader took the answer itself');
  assert.deepEqual(fast, decodeListingGenerated(bytes));
  assert.deepEqual(fast, decodeListingGenerated(encode(listing)));
  // A host field after the processes, a host message without processes, unknown fields inside.
  const late = new BinaryWriter();
  HostProcesses.encode({ host: '', processes: [processInfo({ name: 'late', group: 'late' })] }, late);
  late.uint32((9 << 3) | 0).uint32(1).uint32(10).string('late-1');
  const odd = encode({ ...listing, processes: [], hostProcesses: [Buffer.from(late.finish()), Buffer.from(HostProcesses.encode({ host: 'empty-1', processes: [] }).finish())] });
  const read = readProcessListing(odd);
  assert.ok(read !== null);
  assert.deepEqual(read, decodeListingGenerated(odd));
  assert.deepEqual(read.processes.map((p) => `${p.host}/${p.info.name}`), ['late-1/late']);
  // Both forms in one answer (no controller sends that): one by one first, then by host, as generated.
  const both = encode({ ...byHost(listing), processes: listing.processes.slice(0, 2) });
  assert.deepEqual(readProcessListing(both), decodeListingGenerated(both));
});

test('reads an answer from a Uint8Array that is not a Buffer, and an empty answer', () => {
  const bytes = encode(listing);
  const copy = new Uint8Array(bytes.length + 3).subarray(3);
  copy.set(bytes);
  assert.deepEqual(readProcessListing(copy), decodeListingGenerated(bytes));
  assert.deepEqual(readProcessListing(new Uint8Array(0)), { processes: [], hosts: [], errors: [] });
});

test('skips fields it does not know, of every wire type, as the generated codec does', () => {
  const writer = new BinaryWriter();
  // Unknown fields around and inside a HostProcess and its info.
  writer.uint32((90 << 3) | 0).uint64(12_345_678_901n);
  writer.uint32((91 << 3) | 1).fixed64(7n);
  writer.uint32((92 << 3) | 5).fixed32(9);
  writer.uint32((93 << 3) | 2).string('later');
  const item = HostProcess.encode({ host: 'web-1', info: undefined }, new BinaryWriter());
  const info = ProcessInfo.encode(processInfo({ name: 'a', group: 'a' }), new BinaryWriter());
  info.uint32((40 << 3) | 2).bytes(new Uint8Array([1, 2, 3]));
  info.uint32((41 << 3) | 0).int32(-5);
  // The known fields with the wrong wire type: skipped, not read.
  info.uint32((1 << 3) | 0).uint32(3);
  info.uint32((13 << 3) | 2).string('not a time');
  item.uint32(18).bytes(info.finish());
  item.uint32((3 << 3) | 5).fixed32(1);
  writer.uint32(10).bytes(item.finish());
  const bytes = writer.finish();
  const fast = readProcessListing(bytes);
  assert.ok(fast !== null);
  assert.deepEqual(fast, decodeListingGenerated(bytes));
  assert.equal(fast.processes[0]!.info.group, 'a');
});

test('leaves times beyond 2^49 ms, negative times, groups and field number 0 to the generated codec, with the same result', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['a start far in the future', encode({ ...listing, processes: [{ host: 'h', info: processInfo({ startMs: 2n ** 60n }) }] })],
    ['a negative stop', encode({ ...listing, processes: [{ host: 'h', info: processInfo({ stopMs: -1n }) }] })],
    ['a last seq beyond 2^49', encode({ ...listing, hosts: [host('h', { lastSeq: 2n ** 63n })] })],
    ['a deprecated group', new BinaryWriter().uint32((5 << 3) | 3).uint32((5 << 3) | 4).finish()],
    // The generated codec stops at field number 0: the HostError after it is not read.
    ['field number 0', Buffer.concat([encode(listing), Buffer.from([0, 1, 26, 0])])],
  ];
  for (const [what, bytes] of cases) {
    assert.equal(readProcessListing(bytes), null, what);
    assert.deepEqual(decodeProcessListing(bytes), decodeListingGenerated(bytes), what);
  }
});

test('an answer cut short fails as it does with the generated codec', () => {
  const bytes = encode(listing);
  const cuts = [1, 5, Math.floor(bytes.length / 2), bytes.length - 1].map((end) => bytes.subarray(0, end));
  // An unknown length-delimited field, and a by-host entry, whose length is missing.
  cuts.push(new Uint8Array([(5 << 3) | 2]), new Uint8Array([(4 << 3) | 2]));
  for (const cut of cuts) {
    assert.equal(readProcessListing(cut), null, `cut at ${cut.length}`);
    assert.throws(() => decodeListingGenerated(cut));
    assert.throws(() => decodeProcessListing(cut));
  }
});

test('damaged answers read as the generated codec reads them, or fail as it does', () => {
  // This guards against the reader taking a malformed answer that the generated codec would
  // refuse or read differently: every cut of a small answer in both forms, and damaged copies.
  const small: FleetServiceListProcessesResponse = {
    processes: [
      { host: 'web-1', info: processInfo({ group: 'api', name: 'api_0', description: 'pid 7, uptime 0:00:01' }) },
      { host: 'web-1', info: processInfo({ group: 'api', name: 'api_1', exitStatus: -1 }) },
      { host: 'db-1', info: processInfo({ group: 'pg', name: 'pg' }) },
    ],
    hosts: [host('web-1'), host('db-1', { liveness: HostLiveness.HOST_LIVENESS_STALE })],
    errors: [{ host: 'x-1', fault: 'NO_SUCH_HOST', message: 'no such host: x-1' }],
    hostProcesses: [],
  };
  const outcome = (read: () => unknown): unknown => {
    try {
      return { value: read() };
    } catch {
      return 'fails';
    }
  };
  const same = (bytes: Uint8Array, what: string): void => {
    assert.deepEqual(outcome(() => decodeProcessListing(bytes)), outcome(() => decodeListingGenerated(bytes)), what);
  };
  let seed = 0x5eed;
  const random = (n: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  for (const bytes of [encode(small), encode(byHost(small))]) {
    for (let end = 0; end <= bytes.length; end++) same(bytes.subarray(0, end), `cut at ${end}`);
    for (let i = 0; i < 1500; i++) {
      const damaged = Uint8Array.from(bytes);
      for (let k = 0; k <= random(3); k++) damaged[random(damaged.length)] = random(4) === 0 ? 0x80 | random(128) : random(256);
      same(damaged, `damaged copy ${i}`);
    }
  }
});
