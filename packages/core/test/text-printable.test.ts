import { describe, expect, it } from 'vitest';
import { cleanExternalText } from '../src/http/redact.js';
import { printablePath, stripControls } from '../src/text/printable.js';

describe('stripControls', () => {
  it('removes CSI, OSC and C1 sequences and bare controls; keeps tabs and text', () => {
    expect(stripControls('a\u001b[2Jb\u001b]0;title\u0007c\u009b31md\u0000e\u007ff\tg')).toBe(
      'abcdef\tg',
    );
    expect(stripControls('x\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\y')).toBe('xlinky');
  });

  it('turns line breaks into spaces so words stay apart', () => {
    expect(stripControls('one\ntwo\r\nthree\rfour\u2028five')).toBe('one two three four five');
  });
});

describe('cleanExternalText', () => {
  it('strips controls and redacts keys, also a key split by an escape sequence', () => {
    const key = 'sk-test-GUARD-0123456789';
    const text = `id req_1 Bearer ${key}\u001b[0m and sk-test-GUA\u001b[1mRD-0123456789`;
    const clean = cleanExternalText(text, [key]);
    expect(clean).not.toContain('GUARD');
    expect(clean).not.toContain('\u001b');
    expect(clean).toContain('[redacted]');
  });
});

describe('printablePath', () => {
  it('leaves plain paths alone, spaces and non-ASCII included', () => {
    expect(printablePath('src/content/My café post.md')).toBe('src/content/My café post.md');
  });

  it('JSON-quotes paths with controls, line breaks or bidi overrides', () => {
    expect(printablePath('a\nb.md')).toBe('"a\\nb.md"');
    expect(printablePath('a\u001b[31m.md')).toBe('"a\\u001b[31m.md"');
    expect(printablePath('evil\u202egpj.md')).toBe('"evil\\u202egpj.md"');
    expect(printablePath('c1\u009b.md')).toBe('"c1\\u009b.md"');
  });
});
