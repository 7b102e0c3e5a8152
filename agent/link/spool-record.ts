/**
 * The spool's record framing: `u32 length | u32 crc32(payload) | payload`, little-endian, the
 * payload a JSON SpooledEvent. A record cut short by a crash (SIGKILL mid-write, a full disk) or
 * damaged on disk fails its length or checksum and ends the scan there: what follows is not
 * trusted.
 */
import { crc32 } from 'node:zlib';
import type { SpooledEvent } from './link-event.js';

export const HEADER_BYTES = 8;
/** No event comes near this; a larger length field means a damaged header. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

export function encodeRecord(event: SpooledEvent): Buffer {
  const payload = Buffer.from(JSON.stringify(event), 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  payload.copy(record, HEADER_BYTES);
  return record;
}

export interface DecodedRecord {
  event: SpooledEvent;
  /** Offset of the record's first byte in the buffer scanned. */
  offset: number;
  /** Header and payload. */
  size: number;
}

export interface ScanResult {
  records: DecodedRecord[];
  /** Where the complete, valid records end. */
  end: number;
  /** Bytes after `end` that do not form a valid record: at a file's end, a torn write. */
  rest: number;
  /** Why the scan stopped before the end of the buffer ('' when it did not). */
  problem: string;
}

/**
 * Decodes the records in `buffer` from `start`, up to `maxRecords`. A record not entirely in the
 * buffer stops the scan without a problem when `partialOk` (a block read from the middle of a file).
 */
export function scanRecords(buffer: Buffer, start = 0, options: { partialOk?: boolean; maxRecords?: number } = {}): ScanResult {
  const records: DecodedRecord[] = [];
  const maxRecords = options.maxRecords ?? Infinity;
  let offset = start;
  let problem = '';
  while (offset < buffer.length && records.length < maxRecords) {
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
    const payload = buffer.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) {
      problem = 'a record whose checksum does not match';
      break;
    }
    let event: SpooledEvent;
    try {
      event = JSON.parse(payload.toString('utf8')) as SpooledEvent;
    } catch {
      problem = 'a record that is not JSON';
      break;
    }
    if (typeof event?.seq !== 'number') {
      problem = 'a record without a seq';
      break;
    }
    records.push({ event, offset, size: end - offset });
    offset = end;
  }
  return { records, end: offset, rest: buffer.length - offset, problem };
}
