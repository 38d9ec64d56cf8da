/**
 * A strict JSON reader for request bodies: besides what `JSON.parse` refuses, it refuses duplicate
 * keys, keys that could pollute prototypes, and deep nesting — before any value is built.
 * @module
 */

export class JsonError extends Error {
  override name = 'JsonError';
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 32;

/** Scans `text` for structure problems `JSON.parse` accepts, then parses it. */
export function parseStrictJson(text: string): unknown {
  // Each open container: a Set of its keys for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      const start = index;
      index++;
      while (index < text.length && text[index] !== '"') {
        if (text[index] === '\\') index++;
        index++;
      }
      if (index >= text.length) throw new JsonError('Unterminated string.');
      const keys = stack.at(-1);
      if (expectKey && keys) {
        let key: unknown;
        try {
          key = JSON.parse(text.slice(start, index + 1));
        } catch {
          throw new JsonError('Invalid string.');
        }
        if (typeof key !== 'string') throw new JsonError('Invalid key.');
        if (FORBIDDEN_KEYS.has(key)) throw new JsonError(`The key "${key}" is not allowed.`);
        if (keys.has(key)) throw new JsonError(`Duplicate key "${key}".`);
        keys.add(key);
        expectKey = false;
      }
      continue;
    }
    switch (char) {
      case '{':
        stack.push(new Set());
        expectKey = true;
        break;
      case '[':
        stack.push(null);
        expectKey = false;
        break;
      case '}':
      case ']':
        stack.pop();
        expectKey = false;
        break;
      case ',':
        expectKey = stack.at(-1) instanceof Set;
        break;
      default:
        break;
    }
    if (stack.length > MAX_JSON_DEPTH) throw new JsonError('The JSON is nested too deeply.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonError('Malformed JSON.');
  }
}
