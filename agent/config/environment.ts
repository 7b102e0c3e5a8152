import { ConfigValueError } from './errors.js';
import { environmentTokens } from './shlex.js';

/**
 * Parses `KEY=val,KEY2="val 2"` (reference 1.5) exactly as supervisord's
 * `dict_of_key_value_pairs`: tokens are read three at a time (key, `=`, value) and the fourth is
 * skipped unchecked, which is why a trailing comma is fine and `KEY1=x KEY2=y,` is not.
 * Later duplicates win. Throws ConfigValueError with supervisord's message.
 */
export function parseEnvironment(value: string): Record<string, string> {
  let tokens: string[];
  try {
    tokens = environmentTokens(value);
  } catch (err) {
    if (err instanceof ConfigValueError) throw new ConfigValueError(`${err.message} in value '${value}'`);
    throw err;
  }
  const env = new Map<string, string>();
  for (let i = 0; i < tokens.length; i += 4) {
    if (i + 2 >= tokens.length || tokens[i + 1] !== '=') {
      throw new ConfigValueError(`Unexpected end of key/value pairs in value '${value}'`);
    }
    env.set(tokens[i]!, tokens[i + 2]!);
  }
  // fromEntries defines own properties, so a key such as __proto__ stays an ordinary key.
  return Object.fromEntries(env);
}
