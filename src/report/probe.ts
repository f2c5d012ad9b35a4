/** `probe` results for people and for tools. Each fact once: the status and the answer time on the first line. */
import type { ChalkInstance } from "chalk";
import { describeAnswerer, statusTextOf, type ProbeResult } from "../probe/probe.js";
import { escapeText, showValue, toJson } from "../util/show.js";

export function formatProbe(result: ProbeResult, format: "text" | "json", color: ChalkInstance): string {
  if (format === "json") return toJson(result);
  const lines: string[] = [];
  const upgrade = result.timing.upgradeMs === undefined ? "" : ` in ${result.timing.upgradeMs} ms`;
  const answered = result.status !== undefined && result.status !== 101;
  if (result.ok) lines.push(`${result.url}: ${color.green("101 Switching Protocols")}${upgrade}`);
  else if (answered) {
    // the status once, who answered, what the body says, and only then the causes
    lines.push(`${result.url}: ${color.red("failed")}: HTTP ${result.status}${statusTextOf(result)}${upgrade}`);
    lines.push(`  answered by: ${describeAnswerer(result)}`);
    lines.push(`  body: ${result.bodyLine === undefined ? "(empty)" : showValue(result.bodyLine, 201)}`);
    lines.push(`  why: ${escapeText(result.problem?.causes ?? result.problem?.message ?? "")}`);
  } else if (result.status === 101)
    lines.push(
      `${result.url}: ${color.red("failed")} after 101 Switching Protocols${upgrade}: ${escapeText(result.problem?.message ?? "")}`,
    );
  else lines.push(`${result.url}: ${color.red("failed")}: ${escapeText(result.problem?.message ?? "")}`);
  const t = result.timing;
  // the answer's time is on the first line already
  const steps = [t.connectMs !== undefined && `connect ${t.connectMs} ms`, t.tlsMs !== undefined && `TLS ${t.tlsMs} ms`].filter(
    Boolean,
  );
  if (steps.length) lines.push(`  timing: ${steps.join(", ")}`);
  if (result.tls) {
    const tls = result.tls;
    lines.push(
      `  TLS: ${tls.protocol ?? "?"} ${tls.cipher}; certificate ${escapeText(tls.subject) || "(no CN)"} issued by ${escapeText(tls.issuer) || "?"}, valid until ${tls.validTo.slice(0, 10)} (${tls.daysLeft} days)${tls.authorized ? "" : color.yellow(" — not verified (--insecure)")}`,
    );
  }
  // a socket the server closed is the problem on the first line; only a hold that worked has a line of its own
  if (result.idle?.survived) {
    const held = (result.idle.requestedMs / 1000).toFixed(1);
    lines.push(
      result.idle.receivedBytes > 0
        ? `  idle: held for ${held}s; still open — but the server sent ${result.idle.receivedBytes} bytes meanwhile (pings?), so the socket was never silent`
        : `  idle: held silent for ${held}s; still open`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `probe --format json` when the probe could not even start (a usage error, a bug): the shape of a
 * result, with `ok: false` and the reason in `problem` (`code` is `usage` or `internal`).
 */
export function formatProbeFailure(url: string | undefined, problems: { code: string; message: string }[]): string {
  const problem = problems[0] ?? { code: "internal", message: "unknown error" };
  const message = problems.map((p) => p.message).join("; ");
  return toJson({ url: url ?? null, ok: false, headers: {}, timing: {}, problem: { code: problem.code, message } });
}
