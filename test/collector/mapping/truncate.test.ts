import { describe, expect, it } from 'vitest';
import { truncateString } from '../../../collector/mapping/truncate.js';
import { codePointPrefix, isStoredUnchanged } from './wellFormed.js';

const FLAG = '🇩🇪'; // two regional indicators, each a surrogate pair
const ZWJ = '👩‍💻'; // U+1F469 U+200D U+1F4BB

describe('truncateString', () => {
  const cases: Array<[string, string, number, string]> = [
    ['short ASCII is unchanged', 'shop', 256, 'shop'],
    ['ASCII is cut at the limit', 'abcdef', 4, 'abcd'],
    ['an emoji that fits exactly is kept', 'abc😀', 5, 'abc😀'],
    ['an emoji split by the limit is left out', 'abc😀', 4, 'abc'],
    ['an emoji right after the limit is left out', 'abcd😀', 4, 'abcd'],
    ['mathematical script capital', '𝒜𝒜𝒜', 5, '𝒜𝒜'],
    ['CJK extension B', 'ab𠀀', 3, 'ab'],
    ['a limit of one code unit on an emoji', '😀', 1, ''],
    ['a flag split between its code points keeps the first (a code point, not a grapheme, boundary)', `a${FLAG}`, 3, 'a🇩'],
    ['a flag split inside its second code point', `a${FLAG}`, 4, 'a🇩'],
    ['a flag that fits exactly', `a${FLAG}`, 5, `a${FLAG}`],
    ['a ZWJ sequence split inside its last code point', `a${ZWJ}`, 5, 'a👩\u200d'],
    ['a lone high surrogate in the input becomes U+FFFD', 'ab\ud800c', 10, 'ab\ufffdc'],
    ['a lone low surrogate in the input becomes U+FFFD', 'a\udc00', 10, 'a\ufffd'],
    ['a lone high surrogate at the limit becomes U+FFFD and stays', 'abc\ud800d', 4, 'abc\ufffd'],
    ['reversed halves are two lone surrogates', '\ude00\ud83d', 10, '\ufffd\ufffd'],
  ];
  it.each(cases)('%s', (_name, value, limit, expected) => {
    expect(truncateString(value, limit)).toBe(expected);
  });

  it('at every limit, gives the longest whole-code-point prefix that fits, as well-formed text', () => {
    const samples = ['a😀b𝒜c', `${FLAG}${FLAG}`, `x${ZWJ}y`, '𠀀😀🇩🇪ab'];
    for (const value of samples) {
      for (let limit = 0; limit <= value.length + 1; limit += 1) {
        const cut = truncateString(value, limit);
        expect(cut, `${JSON.stringify(value)} at ${limit}`).toBe(codePointPrefix(value, limit));
        expect(isStoredUnchanged(cut)).toBe(true);
      }
    }
  });
});
