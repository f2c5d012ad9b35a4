/** Key paths as users read them (src/config/path.ts). */
import { describe, expect, it } from "vitest";
import { formatPath, parsePath } from "../../src/config/path.js";

describe("key paths", () => {
  it("parsePath reads what formatPath writes", () => {
    for (const path of [
      ["sites", 0, "routes", 12, "headers", "X-App"],
      ["upstreams", "chat-1", "servers", 0],
      ["a", "odd key"],
    ])
      expect(parsePath(formatPath(path))).toEqual(path);
  });
});
