/** preset-subprotocol (src/lint/rules/presets.ts): a preset route whose headers set Sec-WebSocket-Protocol. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (route: string, defaults = "") =>
  `${UPSTREAMS}${defaults}sites:\n  - domains: [chat.example.com]\n    routes:\n      - { upstream: chat, origins: [https://chat.example.com], ${route} }\n`;
const findings = (yaml: string) => ruleFindings("preset-subprotocol", yaml);

describe("preset-subprotocol", () => {
  it("fires (warning) at the header, naming the framework's subprotocols", () => {
    expect(findings(site("path: /graphql, preset: graphql-ws, headers: { Sec-WebSocket-Protocol: graphql-ws }"))).toEqual([
      {
        path: "sites[0].routes[0].headers.Sec-WebSocket-Protocol",
        severity: "warning",
        message:
          'headers sets Sec-WebSocket-Protocol for the backend, replacing what the client offers: GraphQL over WebSocket (graphql-ws)\'s client offers "graphql-transport-ws" or "graphql-ws" and its server answers with the one it speaks; a fixed value breaks that negotiation (the browser fails a handshake whose subprotocol it did not offer); remove it, nginx passes the client\'s as sent',
      },
    ]);
    expect(
      findings(site("path: /cable, preset: actioncable, headers: { sec-websocket-protocol: actioncable-v1-json }"))[0]!.message,
    ).toContain('"actioncable-v1-json"');
    expect(findings(site("path: /socket, preset: phoenix, headers: { Sec-WebSocket-Protocol: phoenix }"))[0]!.message).toContain(
      'client offers "phoenix" and',
    );
    // from defaults.headers, at the key that set it; and for presets without a subprotocol of their own
    expect(
      findings(site("path: /socket.io/, preset: socket.io", "defaults: { headers: { SEC-WEBSOCKET-PROTOCOL: x } }\n")),
    ).toEqual([expect.objectContaining({ path: "defaults.headers.SEC-WEBSOCKET-PROTOCOL" })]);
  });

  it("is silent without the header, without a preset, and off by lint.rules", () => {
    expect(findings(site("path: /graphql, preset: graphql-ws, headers: { X-App: chat }"))).toEqual([]);
    expect(findings(site("path: /ws, headers: { Sec-WebSocket-Protocol: chat }"))).toEqual([]);
    const yaml = site("path: /graphql, preset: graphql-ws, headers: { Sec-WebSocket-Protocol: graphql-ws }");
    expect(findings(`${yaml}lint: { rules: { preset-subprotocol: off } }\n`)).toEqual([]);
  });
});
