import { describe, expect, it } from "vitest";
import { escapeText, showValue } from "../../src/util/show.js";

describe("showValue", () => {
  it("quotes and escapes quotes and backslashes", () => {
    expect(showValue('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
  it("writes newlines and a GitHub workflow command as escapes, so nothing starts a line", () => {
    const shown = showValue("x\n::error file=a::owned");
    expect(shown).toBe('"x\\n::error file=a::owned"');
    expect(shown).not.toMatch(/\n/);
  });
  it("escapes bidirectional, zero-width and separator characters", () => {
    expect(showValue("a\u202eb\u200bc\u2028d\ufeffe\u0085f")).toBe('"a\\u202eb\\u200bc\\u2028d\\ufeffe\\u0085f"');
  });
  it("escapes terminal escape sequences and NUL", () => {
    expect(showValue("\u001b[31mred\u0000")).toBe('"\\u001b[31mred\\0"');
  });
  it("cuts a long value and says how long it was", () => {
    const shown = showValue("a".repeat(5000));
    expect(shown).toBe(`"${"a".repeat(60)}…" (5000 characters)`);
  });
  it("never splits a surrogate pair", () => {
    const shown = showValue(`${"a".repeat(59)}😀tail`);
    expect(shown).toBe(`"${"a".repeat(59)}…" (65 characters)`);
  });
  it("escapes lone surrogates", () => {
    expect(showValue("a\ud800b")).toBe('"a\\ud800b"');
  });
  it("shows numbers, booleans, null and containers by kind", () => {
    expect([showValue(5), showValue(true), showValue(null), showValue([1]), showValue({})]).toEqual([
      "5",
      "true",
      "null",
      "a list",
      "a mapping",
    ]);
  });
});

describe("escapeText", () => {
  it("leaves ordinary text, tabs aside, alone", () => {
    expect(escapeText("wssgen.yaml:3:5 sites[0]: ok — ünïcode ✓")).toBe("wssgen.yaml:3:5 sites[0]: ok — ünïcode ✓");
    expect(escapeText("a\tb\r\nc")).toBe("a\\tb\\r\\nc");
  });
});
