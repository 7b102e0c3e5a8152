/**
 * One merged log stream from many processes on many hosts, each line prefixed with where it
 * came from, kubectl's `--prefix` style: `[web-1/api:api_0] listening on 8080`. Chunks are
 * cut anywhere, so each source (host, process, channel) keeps its unfinished last line until
 * the rest arrives; flush() hands those over when the stream is over. Bytes stay as captured
 * (a line is not decoded in text mode, so split UTF-8 sequences join up again).
 */
import { formatAddress } from '../../common/address.js';
import type { LogChunk } from '../client/controller-client.js';

const NEWLINE = 0x0a;

/** A complete line without its newline, and the chunk it began in (its source and capture time). */
export interface LogLine {
  origin: LogChunk;
  bytes: Buffer;
}

export class LogLineSplitter {
  private readonly partial = new Map<string, LogLine>();

  /** The lines this chunk completes, in order. */
  push(chunk: LogChunk): LogLine[] {
    const key = `${chunk.host}\0${chunk.group}\0${chunk.name}\0${chunk.channel}`;
    const held = this.partial.get(key);
    let origin = held?.origin ?? chunk;
    let data = held ? Buffer.concat([held.bytes, chunk.data]) : chunk.data;
    const lines: LogLine[] = [];
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE)) {
      lines.push({ origin, bytes: data.subarray(0, nl) });
      data = data.subarray(nl + 1);
      origin = chunk;
    }
    if (data.length > 0) this.partial.set(key, { origin, bytes: Buffer.from(data) });
    else this.partial.delete(key);
    return lines;
  }

  /** Every unfinished line; the splitter is then empty. */
  flush(): LogLine[] {
    const lines = [...this.partial.values()];
    this.partial.clear();
    return lines;
  }
}

/** `[host/group:name] ` (with the channel inside the brackets when both channels are shown). */
export function logPrefix(chunk: Pick<LogChunk, 'host' | 'group' | 'name' | 'channel'>, showChannel = false): string {
  return `[${formatAddress(chunk.host, chunk.group, chunk.name)}${showChannel ? ` ${chunk.channel}` : ''}] `;
}

/** Lines as text: each prefixed and ended with a newline. */
export function prefixedLines(lines: readonly LogLine[], showChannel = false): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(Buffer.from(logPrefix(l.origin, showChannel)), l.bytes, Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** One line of `logs -o json` (text decoded as UTF-8). */
export function logLineJson(l: LogLine): { time_ms: number; host: string; address: string; channel: string; line: string } {
  return {
    time_ms: l.origin.time,
    host: l.origin.host,
    address: formatAddress(l.origin.host, l.origin.group, l.origin.name),
    channel: l.origin.channel,
    line: l.bytes.toString('utf8'),
  };
}
