import { randomInt } from 'node:crypto';
import { closeSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { pyRepr } from '../../common/python-repr.js';

/** tempfile.mkstemp's alphabet and length (Python's _RandomNameSequence). */
const RANDOM_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
const RANDOM_LENGTH = 8;
const ATTEMPTS = 100;

/**
 * Creates the AUTO log of one channel in `childlogdir`, as supervisord's get_autochildlog_name
 * does with mkstemp: `<procname>-<channel>---<identifier>-<8 random chars>.log`, created empty,
 * exclusively, mode 0600. Returns its path. Throws the errno error when the directory is missing
 * or not writable.
 */
export function createAutoLog(childlogdir: string, procname: string, channel: 'stdout' | 'stderr', identifier: string): string {
  for (let attempt = 1; ; attempt++) {
    const path = join(childlogdir, `${procname}-${channel}---${identifier}-${randomName()}.log`);
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === ATTEMPTS) throw err;
    }
  }
}

export interface CleanupOptions {
  /** [supervisord] nocleanup (-k): keep everything. */
  nocleanup?: boolean;
  /** Where problems are reported, as warnings with supervisord's texts. */
  logger?: Logger;
}

/**
 * Deletes the AUTO logs of `identifier` (and their rotated copies) from `childlogdir`; called at
 * every start and restart, before any group is created, and does nothing with nocleanup. The
 * match is supervisord's clear_autochildlogdir regex, applied as Python's re.match (anchored at
 * the start only), so each program cleans up the other's files and nothing else; the identifier
 * is matched literally. Problems are warnings, never errors. Returns the paths removed.
 */
export function cleanupAutoLogs(childlogdir: string, identifier: string, options: CleanupOptions = {}): string[] {
  const { nocleanup = false, logger } = options;
  if (nocleanup) return [];
  const pattern = new RegExp(`^.+?---${escapeRegExp(identifier)}-\\S+\\.log\\.?\\d{0,4}`);
  let names: string[];
  try {
    names = readdirSync(childlogdir);
  } catch {
    logger?.warn('Could not clear childlog dir');
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const path = join(childlogdir, name);
    try {
      unlinkSync(path);
      removed.push(path);
    } catch {
      logger?.warn(`Failed to clean up ${pyRepr(path)}`);
    }
  }
  return removed;
}

function randomName(): string {
  let name = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) name += RANDOM_CHARS[randomInt(RANDOM_CHARS.length)];
  return name;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
