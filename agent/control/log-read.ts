/**
 * Reading a log file with Supervisor's offset/length rules (options.py readFile and tailFile),
 * behind readLog, readProcess*Log and tailProcess*Log. Bytes are returned as they are in the
 * file, never decoded.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FleetError } from '../../common/errors.js';

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * readFile: offset < 0 with length 0 gives the last |offset| bytes; offset < 0 with another
 * length, or offset >= 0 with length < 0, is BAD_ARGUMENTS; length 0 reads from offset to the
 * end; otherwise up to `length` bytes from offset. NO_FILE (with the path) when the file does not
 * exist, FAILED for any other I/O error.
 */
export async function readLogFile(path: string, offset: number, length: number): Promise<Buffer> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FleetError('NO_FILE', path);
    throw new FleetError('FAILED', '');
  }
  try {
    // After the existence check, as supervisord: a missing file is NO_FILE whatever the arguments.
    if ((offset < 0 && length !== 0) || (offset >= 0 && length < 0)) throw new FleetError('BAD_ARGUMENTS', '');
    const size = (await file.stat()).size;
    if (offset < 0) {
      const start = Math.max(0, size + offset);
      return await readAt(file, start, size - start);
    }
    const end = length === 0 ? size : Math.min(size, offset + length);
    return await readAt(file, offset, Math.max(0, end - offset));
  } catch (err) {
    throw err instanceof FleetError ? err : new FleetError('FAILED', '');
  } finally {
    await file.close();
  }
}

export interface TailResult {
  data: Buffer;
  /** The file's size: where the next tail starts. */
  offset: number;
  /** Bytes between `offset` and the returned ones were skipped. */
  overflow: boolean;
}

/**
 * tailFile: up to `length` bytes ending at the end of the file, from `offset` on; if the file
 * holds more than offset + length bytes, overflow is set and the last `length` bytes are
 * returned. The returned offset is the file size. A missing file gives ('', 0, false), an I/O
 * error ('', offset, false), as supervisord answers.
 */
export async function tailLogFile(path: string, offset: number, length: number): Promise<TailResult> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: Buffer.alloc(0), offset: 0, overflow: false };
    return { data: Buffer.alloc(0), offset, overflow: false };
  }
  try {
    const size = (await file.stat()).size;
    let overflow = false;
    if (size > offset + length) {
      overflow = true;
      offset = size - 1;
    }
    if (offset + length > size) {
      if (offset > size - 1) length = 0;
      offset = size - length;
    }
    offset = Math.max(0, offset);
    length = Math.max(0, length);
    const data = length === 0 ? Buffer.alloc(0) : await readAt(file, offset, length);
    return { data, offset: size, overflow };
  } catch {
    return { data: Buffer.alloc(0), offset, overflow: false };
  } finally {
    await file.close();
  }
}
