import { describe, expect, it } from 'vitest';
import { GIB, MIB } from '../../src/core/units.js';
import { ValueError } from '../../src/core/errors.js';
import { parseCount, parseOverhead, parseSetPair, parseSize, parseTokenCount } from '../../src/cli/values.js';

describe('parseTokenCount', () => {
  it.each([
    ['32k', 32_768],
    ['32K', 32_768],
    ['32000', 32_000],
    ['1.5k', 1536],
    ['4096', 4096],
    ['1m', 1_048_576],
    [' 8k ', 8192],
  ])('%s -> %d', (raw, tokens) => expect(parseTokenCount(raw)).toBe(tokens));

  it.each(['12q', 'abc', '-5', '0', '', '1.3', '0.1k', '32 kb', '17m', '1e4'])('rejects %j', (raw) => {
    expect(() => parseTokenCount(raw)).toThrow(ValueError);
  });
});

describe('parseCount', () => {
  it('accepts integers within bounds', () => expect(parseCount('10', 100)).toBe(10));
  it.each(['0', '-1', '1.5', 'ten', '101', '1e2'])('rejects %j', (raw) =>
    expect(() => parseCount(raw, 100)).toThrow(ValueError),
  );
});

describe('parseSize and parseOverhead', () => {
  it.each([
    ['1.5GiB', 1.5 * GIB],
    ['512 MiB', 512 * MIB],
    ['2GB', 2e9],
    ['100mb', 1e8],
    ['1000B', 1000],
    ['1kib', 1024],
  ])('size %s -> %d B', (raw, bytes) => expect(parseSize(raw)).toBe(bytes));

  it.each(['1.5 gigs', 'GiB', '-1GiB', '1.5.2GB'])('rejects size %j', (raw) =>
    expect(() => parseSize(raw)).toThrow(ValueError),
  );

  it('reads percentages as basis points and sizes as fixed bytes', () => {
    expect(parseOverhead('10%')).toEqual({ kind: 'percent', basisPoints: 1000 });
    expect(parseOverhead('12.5%')).toEqual({ kind: 'percent', basisPoints: 1250 });
    expect(parseOverhead('1.5GiB')).toEqual({ kind: 'fixed', bytes: 1.5 * GIB });
  });

  it.each(['10x', '5%%', '12.345%', '2000%', '%'])('rejects overhead %j', (raw) =>
    expect(() => parseOverhead(raw)).toThrow(ValueError),
  );

  it('refuses a bare number (issue 13: `--overhead 1.5` was read as 2 bytes, `--gpu-memory 80` as 80 bytes)', () => {
    expect(() => parseSize('80')).toThrow('"80" has no unit (use e.g. 80GiB or 80GB; bytes are 80B)');
    expect(() => parseOverhead('1.5')).toThrow('"1.5" has no unit: a share (1.5%) or a size (1.5GiB)?');
    expect(() => parseOverhead(' 2 ')).toThrow(/has no unit/);
  });
});

describe('parseSetPair', () => {
  it.each([
    ['num_key_value_heads=64', ['num_key_value_heads', 64]],
    ['tie_word_embeddings=true', ['tie_word_embeddings', true]],
    ['sliding_window=null', ['sliding_window', null]],
    ['torch_dtype=float16', ['torch_dtype', 'float16']],
  ] as const)('%s', (raw, pair) => expect(parseSetPair(raw)).toEqual(pair));

  it.each(['foo', '=3', 'a b=3', 'x='])('rejects %j', (raw) => expect(() => parseSetPair(raw)).toThrow(ValueError));
});
