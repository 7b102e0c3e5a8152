/**
 * An in-process agent for test/control-*.test.ts: a real engine over real children (through
 * EngineHarness, which kills and reaps them in cleanup), the real control server on a real unix
 * socket (and TCP port when asked) in a temp dir, and fleetctl's real gRPC client. The daemon
 * is replaced by a FakeHost that records shutdown and restart requests.
 */
import { join } from 'node:path';
import type { AgentClient } from '../../cli/client/agent-client.js';
import { connectAgent } from '../../cli/client/grpc-agent-client.js';
import { loadConfig } from '../../agent/config/load.js';
import type { Config, ConfigResult, GroupConfig } from '../../agent/config/types.js';
import type { AgentMood, ControlHost } from '../../agent/control/control-host.js';
import { startControlServer, type ControlServer } from '../../agent/control/control-server.js';
import type { Supervisor } from '../../agent/engine/supervisor.js';
import { config as engineConfig, EngineHarness, MemoryLogger } from './engine-harness.js';

export class FakeHost implements ControlHost {
  mood: AgentMood = 'RUNNING';
  shutdowns = 0;
  restarts = 0;
  /** What loadConfig answers; by default the file at `configFile`, read again. */
  load: () => ConfigResult;

  constructor(
    configFile: string | null,
    private readonly logPath: string | null,
  ) {
    this.load = () => (configFile ? loadConfig(configFile) : { ok: false, errors: [{ file: '', line: 0, message: 'no config file' }], warnings: [] });
  }

  state(): AgentMood {
    return this.mood;
  }
  loadConfig(): ConfigResult {
    return this.load();
  }
  activityLogPath(): string | null {
    return this.logPath;
  }
  shutdown(): void {
    this.shutdowns += 1;
    this.mood = 'SHUTDOWN';
  }
  restart(): void {
    this.restarts += 1;
  }
}

export interface TestAgent {
  engine: Supervisor;
  server: ControlServer;
  host: FakeHost;
  logger: MemoryLogger;
  /** What the server wrote to stderr (stale socket notes). */
  stderr: string[];
  config: Config;
  /** A client on the unix socket (or `url`); closed by cleanup. */
  client(options?: { url?: string; auth?: { username: string; password: string } }): AgentClient;
}

export class ControlHarness {
  readonly engines = new EngineHarness();
  private readonly servers: ControlServer[] = [];
  private readonly clients: AgentClient[] = [];
  private sockets = 0;

  get dir(): string {
    return this.engines.dir.path;
  }

  /** A Config like the engine harness's, with a socket of its own in the temp dir, or the given servers. */
  config(groups: GroupConfig[], servers: Partial<Pick<Config, 'unixHttpServer' | 'inetHttpServer'>> = {}): Config {
    const file = join(this.dir, `agent-${++this.sockets}.sock`);
    const unixHttpServer = { file, chmod: 0o700, chown: null, username: null, password: null };
    return { ...engineConfig(this.dir, groups), unixHttpServer, ...servers };
  }

  /** Builds an engine from `config` (autostarted unless start: false) and serves it. */
  async agent(config: Config, options: { start?: boolean; configFile?: string; followIntervalMs?: number } = {}): Promise<TestAgent> {
    const { engine, logger } = await this.engines.engine([], { config, start: options.start ?? true });
    const host = new FakeHost(options.configFile ?? null, join(this.dir, 'supervisord.log'));
    const stderr: string[] = [];
    const server = await startControlServer({
      config,
      engine,
      host,
      logger,
      stderr: { write: (text: string) => stderr.push(text) },
      followIntervalMs: options.followIntervalMs ?? 20,
      closeGraceMs: 500,
    });
    this.servers.push(server);
    return {
      engine,
      server,
      host,
      logger,
      stderr,
      config,
      client: (o = {}) => {
        const client = connectAgent(o.url ?? server.urls.find((u) => u.startsWith('unix://'))!, o.auth);
        this.clients.push(client);
        return client;
      },
    };
  }

  /** A client on any URL, closed by cleanup. */
  client(url: string, auth?: { username: string; password: string }): AgentClient {
    const client = connectAgent(url, auth);
    this.clients.push(client);
    return client;
  }

  async cleanup(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const server of this.servers) await server.close();
    await this.engines.cleanup();
  }
}
