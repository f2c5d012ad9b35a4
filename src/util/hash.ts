/**
 * Node's crypto module, loaded on first use: loading it costs ~3 ms of start-up (measured, Node 20), and
 * most runs hash nothing (a render of a small config names nothing by digest and reads no certificate).
 */
import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";

let loaded: typeof Crypto | undefined;

/** `node:crypto`, required on the first call. */
export function nodeCrypto(): typeof Crypto {
  return (loaded ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto);
}

/**
 * The SHA-256 digest of `text` (UTF-8), as 64 lowercase hex digits: with `crypto.hash` (Node ≥ 20.12,
 * nodejs.org/api/crypto.html#cryptohashalgorithm-data-outputencoding) where there is one, a third of the
 * time of a Hash object, which a config of 10,000 routes with long keys asks for 10,000 times.
 */
export function sha256Hex(text: string): string {
  const crypto = nodeCrypto();
  return typeof crypto.hash === "function"
    ? crypto.hash("sha256", text, "hex")
    : crypto.createHash("sha256").update(text).digest("hex");
}
