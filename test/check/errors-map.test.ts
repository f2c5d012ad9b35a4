/** nginx's messages as wssgen shows them (src/check/errors-map.ts). */
import { describe, expect, it } from "vitest";
import { showNginxText } from "../../src/check/errors-map.js";

describe("showNginxText", () => {
  it("escapes nginx's message and shows each quoted token as a value: escaped and cut", () => {
    expect(showNginxText(`unknown directive "x\u202ey" in /tmp/a.conf:3`)).toBe('unknown directive "x\\u202ey" in /tmp/a.conf:3');
    expect(showNginxText(`invalid value "${"v".repeat(1000)}"`)).toBe(`invalid value "${"v".repeat(60)}…" (1000 characters)`);
    expect(showNginxText("line\none")).toBe("line\\none");
  });
});
