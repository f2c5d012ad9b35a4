import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { nodeCrypto, sha256Hex } from "../../src/util/hash.js";

describe("sha256Hex", () => {
  it("is the SHA-256 of the text's UTF-8 bytes in lowercase hex", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (const text of ["wssgen.conf", "chat-ws.conf", "Grüße ✓ 𝄞", "a".repeat(10_000)])
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
  });

  it("loads node:crypto once, on first use", () => {
    expect(nodeCrypto()).toBe(nodeCrypto());
    expect(typeof nodeCrypto().X509Certificate).toBe("function");
  });
});
