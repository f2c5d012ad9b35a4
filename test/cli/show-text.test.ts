/** The CLI's last line of defence for text output: every printed line escaped, wssgen's own colours kept. */
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { showLine, showText } from "../../src/cli.js";

describe("showLine and showText", () => {
  const color = new Chalk({ level: 1 });
  it("keeps the colours wssgen writes", () => {
    const line = `${color.red("error")}: x ${color.dim("[rule]")} ${color.green("ok")} ${color.yellow("w")} ${color.blue("i")}`;
    expect(showLine(line)).toBe(line);
    expect(showText(line)).toBe(line);
  });
  it.each([
    ["a newline and a GitHub command", "bad\n::error::x", "bad\\n::error::x"],
    ["a carriage return", "shown\rhidden", "shown\\rhidden"],
    ["clear screen", "\u001b[2Jgone", "\\u001b[2Jgone"],
    ["concealed text (SGR 8)", "\u001b[8msecret", "\\u001b[8msecret"],
    ["an OSC hyperlink", "\u001b]8;;http://evil\u0007x", "\\u001b]8;;http://evil\\u0007x"],
    ["a bidi override", "abc\u202edef", "abc\\u202edef"],
    ["a zero-width space", "a\u200bb", "a\\u200bb"],
    ["a line separator", "a\u2028b", "a\\u2028b"],
  ])("escapes %s inside a line", (_what, input, shown) => {
    expect(showLine(`${color.red("wssgen:")} ${input}`)).toBe(`${color.red("wssgen:")} ${shown}`);
  });
  it("escapes each line of several (a stack trace) but keeps the line breaks", () => {
    expect(showText("one\u202e\ntwo")).toBe("one\\u202e\ntwo");
  });
});
