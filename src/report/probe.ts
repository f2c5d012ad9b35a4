/** `probe` results for people and for tools. */
import type { ChalkInstance } from "chalk";
import type { ProbeResult } from "../probe/probe.js";

export function formatProbe(result: ProbeResult, format: "text" | "json", color: ChalkInstance): string {
  if (format === "json") return `${JSON.stringify(result, null, 2)}\n`;
  const lines: string[] = [];
  const upgrade = result.timing.upgradeMs === undefined ? "" : ` in ${result.timing.upgradeMs} ms`;
  if (result.ok) lines.push(`${result.url}: ${color.green("101 Switching Protocols")}${upgrade}`);
  else
    lines.push(
      `${result.url}: ${color.red("failed")}${result.status === undefined ? "" : ` (HTTP ${result.status}${upgrade})`}: ${result.problem?.message ?? ""}`,
    );
  const t = result.timing;
  const steps = [
    t.connectMs !== undefined && `connect ${t.connectMs} ms`,
    t.tlsMs !== undefined && `TLS ${t.tlsMs} ms`,
    t.upgradeMs !== undefined && `answer ${t.upgradeMs} ms`,
  ].filter(Boolean);
  if (steps.length) lines.push(`  timing: ${steps.join(", ")}`);
  if (result.tls) {
    const tls = result.tls;
    lines.push(
      `  TLS: ${tls.protocol ?? "?"} ${tls.cipher}; certificate ${tls.subject || "(no CN)"} issued by ${tls.issuer || "?"}, valid until ${tls.validTo.slice(0, 10)} (${tls.daysLeft} days)${tls.authorized ? "" : color.yellow(" — not verified (--insecure)")}`,
    );
  }
  if (result.idle) {
    const held = (result.idle.requestedMs / 1000).toFixed(1);
    lines.push(
      result.idle.survived
        ? result.idle.receivedBytes > 0
          ? `  idle: held for ${held}s; still open — but the server sent ${result.idle.receivedBytes} bytes meanwhile (pings?), so the socket was never silent`
          : `  idle: held silent for ${held}s; still open`
        : `  idle: closed by the server after ${((result.idle.closedAfterMs ?? 0) / 1000).toFixed(1)}s of silence (asked for ${held}s)`,
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
  return `${JSON.stringify({ url: url ?? null, ok: false, headers: {}, timing: {}, problem: { code: problem.code, message } }, null, 2)}\n`;
}
