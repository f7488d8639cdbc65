/**
 * Look-ups keyed by user or file data (a flag value, a config's model_type, a GGUF architecture,
 * a safetensors dtype). A plain object literal inherits Object.prototype, so `record['constructor']`
 * is a function and `'toString' in record` is true; ownValue reads the record's own keys only
 * (Object.hasOwn answers whether a key is one).
 */

/** `record[key]` when `key` is the record's own key, else undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
