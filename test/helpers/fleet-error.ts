import assert from 'node:assert/strict';
import { isFleetError, type ErrorCode } from '../../common/errors.js';

/** Asserts that `promise` rejects with a FleetError of `code`, and its message when given (text or pattern). */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isFleetError(err), `expected a FleetError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}
