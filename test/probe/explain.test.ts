/**
 * How probe explains an answer other than 101: who wrote it (nginx's own error page, the application
 * behind nginx, another server), the status once, the body's first line, then causes that fit who
 * answered. The e2e test (test/e2e/probe.test.ts) proves the common cases against a real nginx.
 */
import { describe, expect, it } from "vitest";
import { answeredBy, explainStatus, firstBodyLine } from "../../src/probe/probe.js";

/** nginx's error page, as ngx_http_special_response.c writes it with server_tokens off */
const nginxPage = (status: string) =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

const explain = (status: number, statusText: string, server: string | undefined, body: string, origin?: string) => {
  const headers: Record<string, string> = server === undefined ? {} : { server };
  const result = { status, statusText, headers, answeredBy: answeredBy(headers, body), bodyLine: firstBodyLine(body) };
  return { ...explainStatus(result, false, origin), by: result.answeredBy };
};

describe("who answered", () => {
  it("nginx's error page is nginx's, with server_tokens on or off, whatever the Server header says", () => {
    expect(answeredBy({ server: "nginx" }, nginxPage("403 Forbidden"))).toBe("nginx");
    expect(
      answeredBy({ server: "nginx/1.22.1" }, nginxPage("403 Forbidden").replace("<center>nginx<", "<center>nginx/1.22.1<")),
    ).toBe("nginx");
    expect(answeredBy({}, nginxPage("502 Bad Gateway"))).toBe("nginx");
  });
  it("anything else behind Server: nginx is the application's answer that nginx passed on (nginx replaces the Server header)", () => {
    expect(answeredBy({ server: "nginx" }, "forbidden\n")).toBe("upstream");
    expect(answeredBy({ server: "nginx" }, "")).toBe("upstream");
    expect(answeredBy({ server: "uvicorn" }, "forbidden\n")).toBe("server");
    expect(answeredBy({}, "")).toBe("server");
  });
  it("the body's first line with text: an HTML page's title, a text body's first line", () => {
    expect(firstBodyLine(nginxPage("403 Forbidden"))).toBe("403 Forbidden");
    expect(firstBodyLine("\n\n  token expired  \nmore\n")).toBe("token expired");
    expect(firstBodyLine("use <token> here\n")).toBe("use <token> here"); // not HTML: kept as sent
    expect(firstBodyLine("")).toBeUndefined();
    expect(firstBodyLine(`${"a".repeat(300)}\n`)).toBe(`${"a".repeat(200)}…`);
  });
});

describe("causes that fit who answered", () => {
  it.each([
    [
      401,
      "Unauthorized",
      "nginx",
      "unauthorized",
      "nginx asks for credentials (auth_basic or auth_request in nginx's config, which wssgen does not write)",
    ],
    [401, "Unauthorized", "upstream", "unauthorized", "the application behind nginx asks for credentials"],
    [
      404,
      "Not Found",
      "upstream",
      "not-found",
      "the application behind nginx has no handler for this path: nginx passed the request on",
    ],
    [429, "Too Many Requests", "nginx", "limited", "nginx refused it by a limit: maxConnectionsPerIp answers 429"],
    [429, "Too Many Requests", "upstream", "limited", "the application behind nginx refused it: its own rate limit"],
    [503, "Service Unavailable", "nginx", "limited", "nginx refused it by a limit"],
    [504, "Gateway Time-out", "nginx", "gateway-timeout", "the upstream did not answer nginx in time"],
    [
      502,
      "Bad Gateway",
      "upstream",
      "bad-gateway",
      "the application behind nginx answered 502 itself: a proxy other than this nginx",
    ],
    [500, "Internal Server Error", "upstream", "http-error", "the application behind nginx answered instead of 101"],
  ] as const)("HTTP %i %s from %s", (status, text, by, code, cause) => {
    const body = by === "nginx" ? nginxPage(`${status} ${text}`) : "nope\n";
    const problem = explain(status, text, "nginx", body);
    expect(problem.by).toBe(by);
    expect(problem.code).toBe(code);
    expect(problem.causes).toContain(cause);
    expect(problem.message.startsWith(`HTTP ${status} ${text} from `)).toBe(true);
    expect(problem.causes).not.toContain(`HTTP ${status}`); // the status once, in what happened
  });
  it("an application's 403 never names the route's origins as the cause", () => {
    const problem = explain(403, "Forbidden", "nginx", "invalid session\n", "https://app.example.com");
    expect(problem.code).toBe("forbidden-by-application");
    expect(problem.causes).not.toMatch(/route's origins|--origin/);
  });
  it("nginx's 403 names the Origin the probe sent, or that it sent none", () => {
    expect(explain(403, "Forbidden", "nginx", nginxPage("403 Forbidden"), "https://evil.example").causes).toContain(
      'this probe sent Origin "https://evil.example" (add it to the route\'s origins if that page should connect)',
    );
    expect(explain(403, "Forbidden", "nginx", nginxPage("403 Forbidden")).causes).toContain(
      "this probe sent no Origin (refused when allowMissingOrigin is false; probe with --origin https://your-page)",
    );
  });
  it("a redirect names where it goes (escaped), and that WebSocket clients do not follow it", () => {
    const headers = { server: "nginx", location: "https://chat.example.com/ws\u202e" };
    const problem = explainStatus(
      { status: 301, statusText: "Moved Permanently", headers, answeredBy: "nginx", bodyLine: "301 Moved Permanently" },
      false,
    );
    expect(problem.causes).toBe(
      'redirected to "https://chat.example.com/ws\\u202e" (an http->https redirect? use wss://); WebSocket clients do not follow redirects',
    );
  });
  it("a reason phrase and a body are shown escaped, once", () => {
    const problem = explain(403, "Nope\u001b[2J", "x", "\u202eevil\n");
    expect(problem.message).toBe(
      'HTTP 403 Nope\\u001b[2J from the server (Server: "x"), body "\\u202eevil": the server refused the handshake itself (not nginx\'s error page, so not wssgen\'s origins check): its authentication or its own origin check; its body and its logs say why',
    );
  });
});
