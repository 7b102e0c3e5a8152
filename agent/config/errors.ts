import { FleetError } from '../../common/errors.js';

/**
 * A value that cannot be converted or expanded. Converters throw it with supervisord's message
 * text only; the loader catches it and adds the file, line, section and key, so the converters
 * stay pure and know nothing about where a value came from.
 */
export class ConfigValueError extends FleetError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigValueError';
  }
}
