/**
 * The spool's record framing, little-endian:
 *   u32 payload length | u32 crc32(seq bytes + payload) | u64 seq | payload (a JSON SpooledEvent)
 * The seq in the header lets a reader skip to a position without parsing JSON. A record cut short
 * by a crash (SIGKILL mid-write, a full disk) or damaged on disk fails its length or checksum and
 * ends the scan there: what follows is not trusted.
 */
import { crc32 } from 'node:zlib';
import { transitionDetailOf, type ProcessInfo } from '../../common/process-info.js';
import type { SpooledEvent, SpooledTransition } from './link-event.js';

export const HEADER_BYTES = 16;
/** No event comes near this; a larger length field means a damaged header. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

export function encodeRecord(event: SpooledEvent): Buffer {
  const payload = Buffer.from(JSON.stringify(event), 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  writeSeq(record, event.seq);
  payload.copy(record, HEADER_BYTES);
  record.writeUInt32LE(checksum(record, 0, payload.length), 4);
  return record;
}

/** Where one valid record sits in a buffer. */
export interface RecordHeader {
  seq: number;
  /** Offset of the record's first byte in the buffer scanned. */
  offset: number;
  /** Header and payload. */
  size: number;
}

export interface ScanResult {
  records: RecordHeader[];
  /** Where the complete, valid records end. */
  end: number;
  /** Bytes after `end` that do not form a valid record: at a file's end, a torn write. */
  rest: number;
  /** Why the scan stopped before the end of the buffer ('' when it did not). */
  problem: string;
}

/**
 * Checks the records in `buffer` from `start` (lengths and checksums, no JSON). A record not
 * entirely in the buffer stops the scan without a problem when `partialOk` (a block read from the
 * middle of a file).
 */
export function scanRecords(buffer: Buffer, start = 0, options: { partialOk?: boolean } = {}): ScanResult {
  const records: RecordHeader[] = [];
  let offset = start;
  let problem = '';
  while (offset < buffer.length) {
    if (buffer.length - offset < HEADER_BYTES) {
      if (!options.partialOk) problem = 'a record header cut short';
      break;
    }
    const length = buffer.readUInt32LE(offset);
    if (length > MAX_PAYLOAD_BYTES) {
      problem = `a record length of ${length} bytes`;
      break;
    }
    const end = offset + HEADER_BYTES + length;
    if (end > buffer.length) {
      if (!options.partialOk) problem = 'a record cut short';
      break;
    }
    if (checksum(buffer, offset, length) !== buffer.readUInt32LE(offset + 4)) {
      problem = 'a record whose checksum does not match';
      break;
    }
    records.push({ seq: readSeq(buffer, offset), offset, size: end - offset });
    offset = end;
  }
  return { records, end: offset, rest: buffer.length - offset, problem };
}

/** The event of a record found by scanRecords in the same buffer. Throws if it is not JSON. */
export function decodeRecord(buffer: Buffer, record: RecordHeader): SpooledEvent {
  const event = JSON.parse(buffer.toString('utf8', record.offset + HEADER_BYTES, record.offset + record.size)) as SpooledEvent | OlderTransition;
  event.seq = record.seq;
  return 'info' in event ? upgradeTransition(event) : event;
}

/** A transition as earlier builds spooled it: with the whole process info instead of its detail. */
type OlderTransition = Omit<SpooledTransition, 'detail'> & { info: ProcessInfo | null };

function upgradeTransition({ info, ...rest }: OlderTransition): SpooledTransition {
  return { ...rest, detail: info === null ? null : transitionDetailOf(info) };
}

function checksum(buffer: Buffer, offset: number, length: number): number {
  return crc32(buffer.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length), crc32(buffer.subarray(offset + 8, offset + 16)));
}

function writeSeq(buffer: Buffer, seq: number): void {
  buffer.writeUInt32LE(seq % 2 ** 32, 8);
  buffer.writeUInt32LE(Math.floor(seq / 2 ** 32), 12);
}

function readSeq(buffer: Buffer, offset: number): number {
  return buffer.readUInt32LE(offset + 8) + buffer.readUInt32LE(offset + 12) * 2 ** 32;
}
