/**
 * A small network of Linux network namespaces for multi-host tests (reference/toolchain.md §6):
 * `<prefix>-ctl` holds a bridge at 198.18.0.1/24, and each host `<prefix>-hN` has an `eth0` at
 * 198.18.0.(10+N)/24 joined to that bridge by a veth pair. Nothing touches the root namespace:
 * no route, no NAT, no forwarding. The prefix carries the test's pid so runs cannot collide, and
 * close() kills every process started in the lab, then deletes every namespace it made (which
 * removes the veths and the bridge too).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export const CONTROLLER_IP = '198.18.0.1';

export interface NetnsHost {
  /** The namespace name. */
  ns: string;
  /** The host's address on the bridge. */
  ip: string;
}

/** Whether this machine can build the lab: root and the `ip` tool with netns support. */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

let labCount = 0;

export class NetnsLab {
  readonly ctl: string;
  readonly hosts: NetnsHost[] = [];
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  /** `f<lab number><pid>`: unique per lab, so several labs in one process never collide. */
  readonly vethStem = `f${labCount++}${process.pid}`;

  /** Builds the controller namespace and `hostCount` host namespaces. */
  constructor(hostCount: number, tag = 'n') {
    const prefix = `fl${process.pid}${tag}`;
    this.ctl = `${prefix}-ctl`;
    try {
      this.addNamespace(this.ctl);
      ip('-n', this.ctl, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', this.ctl, 'addr', 'add', `${CONTROLLER_IP}/24`, 'dev', 'br0');
      ip('-n', this.ctl, 'link', 'set', 'br0', 'up');
      for (let n = 1; n <= hostCount; n++) {
        const ns = `${prefix}-h${n}`;
        const hostIp = `198.18.0.${10 + n}`;
        // veth names live in the root namespace for an instant: short (at most 15) and unique.
        const outer = `${this.vethStem}v${n}`;
        const inner = `${this.vethStem}p${n}`;
        this.addNamespace(ns);
        ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
        ip('link', 'set', inner, 'netns', ns);
        ip('link', 'set', outer, 'netns', this.ctl);
        ip('-n', ns, 'link', 'set', inner, 'name', 'eth0');
        ip('-n', this.ctl, 'link', 'set', outer, 'name', `vh${n}`);
        ip('-n', this.ctl, 'link', 'set', `vh${n}`, 'master', 'br0', 'up');
        ip('-n', ns, 'addr', 'add', `${hostIp}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
        this.hosts.push({ ns, ip: hostIp });
      }
    } catch (err) {
      this.deleteNamespaces();
      throw err;
    }
  }

  private addNamespace(ns: string): void {
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  /** Starts `command args` inside namespace `ns`; close() kills it if it is still running. */
  spawn(ns: string, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Cuts (false) or restores (true) a host's only link; the host's processes keep running. */
  setLink(host: NetnsHost, up: boolean): void {
    ip('-n', host.ns, 'link', 'set', 'eth0', up ? 'up' : 'down');
  }

  /** Kills every process started here (SIGTERM, then SIGKILL after 3 s) and deletes the namespaces. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.children].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.deleteNamespaces();
  }

  private deleteNamespaces(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Already gone.
      }
    }
  }
}

/** Namespaces whose name starts with `prefix` (to check that a test left none behind). */
export function listNamespaces(prefix: string): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}
