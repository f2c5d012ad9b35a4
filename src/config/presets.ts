/**
 * Framework presets (`routes[].preset`, issue 12): the one home of what wssgen knows about each
 * framework's WebSocket endpoint. normalize.ts applies `sets`, lint (src/lint/rules/presets.ts and
 * polling-without-stickiness) checks routes against the rest, `init --preset` scaffolds from it,
 * and docs/presets/<name>.md explains it. Every number cites the framework's own documentation or
 * source (the file in the framework's repository where the docs do not state it; checked 2026-11-30).
 *
 * What a preset may set is deliberately small: `websocket: true`, and `timeouts.read`/`send` only
 * for frameworks whose *server* sends something at a known interval (nginx's proxy_read_timeout
 * counts the time between two reads from the backend, so only server-to-client traffic keeps it
 * from firing). A preset never invents a path (a route keeps `path` required) and never changes an
 * upstream's balancing: stickiness is lint advice (polling-without-stickiness), not a silent change.
 */
import type { Duration } from "./duration.js";

/** `routes[].preset` values, in the order docs list them. */
export const presetNames = ["socket.io", "signalr", "graphql-ws", "phoenix", "actioncable", "home-assistant"] as const;
export type PresetName = (typeof presetNames)[number];

/** How a framework keeps its socket alive. */
export interface Heartbeat {
  /** who sends the heartbeat message (what nginx reads from the backend is what counts) */
  by: "server" | "client" | "none";
  /** the default interval, in seconds; undefined when there is none by default */
  intervalSeconds: number | undefined;
  /** how long the sender waits for the answer before giving up, in seconds */
  timeoutSeconds: number | undefined;
  /** the framework's own setting names, as its docs spell them */
  settings: string;
}

/** A polling (or negotiate) fallback: several HTTP requests of one session that must reach one server. */
export interface Polling {
  /** what the requests are, and what another server answers */
  requests: string;
  /** how the framework's own users avoid stickiness (a shared adapter, skipping the fallback) */
  otherwise: string;
  /**
   * the longest the server holds one poll open before it answers, in seconds: on a route with
   * `websocket: false` (polling only) preset-timeout fires at or below it
   */
  heldSeconds: number;
  /** why heldSeconds is what it is, for the rule's message */
  heldReason: string;
}

export interface PresetFacts {
  name: PresetName;
  /** the framework's name in prose */
  title: string;
  /** the framework's documentation pages these facts come from */
  sources: readonly string[];
  /** the paths the framework uses by default; the first is what `init --preset` writes */
  usualPaths: readonly string[];
  /**
   * the URIs an exact route (`= /path`) may have: every request of the framework's socket has it
   * (none for SignalR, whose hub also answers /negotiate)
   */
  exactPaths: readonly string[];
  /**
   * a route path (URI, as written: nginx compares locations case-sensitively) that looks like this
   * framework's even if it is none of usualPaths
   */
  looksLike: (uri: string) => boolean;
  /**
   * Whether a prefix route at `uri` (which ends in "/", and is not "/") is the socket's own URL,
   * which the framework's client asks for without that slash (graphql-ws opens `/graphql`, not
   * `/graphql/`): nginx then answers the handshake with 301 (preset-path), and a browser's
   * WebSocket does not follow redirects. False where the client asks with the slash (socket.io's
   * `/socket.io/?EIO=4`) or where the path is a prefix of the socket's (`/socket/` for Phoenix).
   */
  askedWithoutSlash: (uri: string) => boolean;
  /**
   * the WebSocket subprotocols the framework's clients ask for (Sec-WebSocket-Protocol), the
   * current one first; empty when it uses none
   */
  subprotocols: readonly string[];
  /**
   * what the client asks for under the socket's path besides it (SignalR's `/negotiate`, Phoenix's
   * `/websocket` and `/longpoll`): an exact route at the socket's path misses them
   */
  alsoAsks: readonly string[];
  heartbeat: Heartbeat;
  /**
   * preset-timeout fires when timeouts.read is at or below this many seconds: the longest the
   * backend is silent by design (a heartbeat interval plus its timeout, or a long poll held open)
   */
  readAtLeastSeconds: number | undefined;
  /** why readAtLeastSeconds is what it is, for the rule's message */
  readReason: string | undefined;
  polling: Polling | undefined;
  /** what normalize.ts applies to a route with this preset unless the route sets it itself */
  sets: { websocket: true; "timeouts.read"?: Duration; "timeouts.send"?: Duration };
  /** the framework's own settings that must match the proxy's, one line each (init's comment, docs) */
  mustMatch: readonly string[];
}

const segment = (uri: string, pattern: RegExp) => uri.split("/").some((s) => pattern.test(s));
/** the last segment of a URI that ends in "/": `/api/graphql/` -> `graphql` */
const lastSegment = (uri: string) => uri.replace(/\/$/, "").split("/").pop() ?? "";
/** a SignalR hub's conventional name: `hub`, `chathub`, `ChatHub` (hub paths are any case; not `github`) */
const hubName = (s: string) => /hub$/i.test(s) && s.toLowerCase() !== "github";

/**
 * The table. Sources per framework:
 * - socket.io: https://socket.io/docs/v4/server-options/ (path `/socket.io/`, pingInterval 25000,
 *   pingTimeout 20000 since v4; engine.io's build/server.js has the same defaults),
 *   https://socket.io/docs/v4/using-multiple-nodes/ (sticky sessions for HTTP long-polling).
 * - SignalR: https://learn.microsoft.com/aspnet/core/signalr/configuration (HubOptions.KeepAliveInterval
 *   15 s, ClientTimeoutInterval 30 s; the same in dotnet/aspnetcore src/SignalR/server/Core/src/HubOptionsSetup.cs,
 *   DefaultKeepAliveInterval and DefaultClientTimeoutInterval), and
 *   src/SignalR/common/Http.Connections/src/LongPollingOptions.cs (`PollTimeout ... = TimeSpan.FromSeconds(90)`),
 *   https://learn.microsoft.com/aspnet/core/signalr/scale (sticky sessions unless skipNegotiation with WebSockets only).
 * - graphql-ws: https://the-guild.dev/graphql/ws (subprotocol `graphql-transport-ws`; `useServer`'s keepAlive
 *   12 000 ms of ws-level pings, lib/use/ws); the protocol itself has optional Ping/Pong only.
 * - Phoenix: https://hexdocs.pm/phoenix/Phoenix.Endpoint.html#socket/3 (`/socket` + `/websocket`,
 *   `/longpoll`; the websocket `:timeout` "defaults to 60_000ms", lib/phoenix/endpoint.ex:1018 and
 *   lib/phoenix/transports/websocket.ex:31 `timeout: 60_000`: the server closes a socket that sent it
 *   nothing for 60 s; long poll `window_ms: 10_000`, lib/phoenix/transports/long_poll.ex:17) and the JS
 *   client's `heartbeatIntervalMs || 30000` (assets/js/phoenix/socket.js:170), which also waits that
 *   long for the reply (socket.js:669, heartbeatTimeoutTimer); LiveView's socket is `/live`.
 * - Action Cable: https://guides.rubyonrails.org/action_cable_overview.html (mount path `/cable`);
 *   rails/rails actioncable/lib/action_cable.rb:75-76 (INTERNAL default_mount_path "/cable", protocols
 *   ["actioncable-v1-json", "actioncable-unsupported"]), actioncable/lib/action_cable/server/connections.rb:14
 *   `BEAT_INTERVAL = 3` (connection/base.rb:142 `beat` transmits a `ping`), the JS ConnectionMonitor's
 *   `staleThreshold = 6` (actioncable/app/assets/javascripts/actioncable.esm.js:110).
 * - Home Assistant: https://developers.home-assistant.io/docs/api/websocket (`/api/websocket`, client
 *   `ping`/`pong` messages); home-assistant/core homeassistant/components/websocket_api/http.py,
 *   WebSocketHandler.__init__: `web.WebSocketResponse(heartbeat=55)`, and aiohttp/web_ws.py: with
 *   `heartbeat` set the server sends a WebSocket ping frame `heartbeat` seconds after the last message
 *   and closes unless the pong comes within `heartbeat / 2.0` (27.5 s). The preset keeps wssgen's 1h
 *   above it rather than lowering the timeout to it.
 */
export const PRESETS: { readonly [N in PresetName]: PresetFacts } = {
  "socket.io": {
    name: "socket.io",
    title: "Socket.IO",
    sources: ["https://socket.io/docs/v4/server-options/", "https://socket.io/docs/v4/using-multiple-nodes/"],
    usualPaths: ["/socket.io/"],
    exactPaths: ["/socket.io/"],
    looksLike: (uri) => uri.includes("/socket.io") || uri.includes("/engine.io"),
    // the client asks for `${path}?EIO=4...` with the path's trailing slash (engine.io's addTrailingSlash)
    askedWithoutSlash: () => false,
    subprotocols: [],
    alsoAsks: [],
    heartbeat: { by: "server", intervalSeconds: 25, timeoutSeconds: 20, settings: "pingInterval (25000), pingTimeout (20000)" },
    readAtLeastSeconds: 45,
    readReason: "socket.io's server pings every pingInterval (25 s) and waits pingTimeout (20 s) for the pong",
    polling: {
      requests:
        'socket.io\'s polling requests must reach the server that created the session (another answers 400 "Session ID unknown")',
      otherwise: 'clients with transports: ["websocket"] skip polling (and lose the fallback)',
      heldSeconds: 25,
      heldReason: "socket.io's server answers a held poll at the latest with its ping, every pingInterval (25 s)",
    },
    sets: { websocket: true, "timeouts.read": "90s", "timeouts.send": "90s" },
    mustMatch: [
      "path: the server's and the client's `path` option (default /socket.io/) is the route's path",
      "pingInterval + pingTimeout (25 s + 20 s) stay below timeouts.read (90s from the preset)",
      "several servers: sticky sessions (sticky, ip-hash) and an adapter (Redis, cluster) between them",
      "cors.origin on the server lists the same origins as the route's origins",
    ],
  },
  signalr: {
    name: "signalr",
    title: "ASP.NET Core SignalR",
    sources: [
      "https://learn.microsoft.com/aspnet/core/signalr/configuration",
      "https://learn.microsoft.com/aspnet/core/signalr/scale",
    ],
    usualPaths: ["/hub"],
    exactPaths: [],
    // hub paths are named freely and in any case (`/chatHub`): this one compares case-insensitively
    looksLike: (uri) => uri.toLowerCase().includes("signalr") || segment(uri.toLowerCase(), /^(?!github$).*hubs?$/),
    // negotiate is `/hub/negotiate`, but the WebSocket (and long polls) go to `/hub?id=...`
    askedWithoutSlash: (uri) => hubName(lastSegment(uri)),
    subprotocols: [],
    alsoAsks: ["/negotiate"],
    heartbeat: {
      by: "server",
      intervalSeconds: 15,
      timeoutSeconds: 30,
      settings:
        "HubOptions.KeepAliveInterval (15 s), ClientTimeoutInterval (30 s), LongPollingOptions.PollTimeout (90 s); client serverTimeoutInMilliseconds (30 s)",
    },
    readAtLeastSeconds: 90,
    readReason: "SignalR's long polling holds each poll open up to 90 s (LongPollingOptions.PollTimeout)",
    polling: {
      requests:
        "SignalR's negotiate and the requests that follow must reach one server (another does not know the connection: 404)",
      otherwise: "clients with skipNegotiation: true and the WebSockets transport need no stickiness",
      heldSeconds: 90,
      heldReason: "SignalR's long polling holds each poll open up to 90 s (LongPollingOptions.PollTimeout)",
    },
    sets: { websocket: true, "timeouts.read": "2m", "timeouts.send": "2m" },
    mustMatch: [
      "app.MapHub<T>(\"/hub\"): the route's path covers the hub's path and its /negotiate",
      "KeepAliveInterval (15 s) below timeouts.read; long polling's 90 s PollTimeout too (2m from the preset)",
      "several servers: sticky sessions, unless every client uses skipNegotiation with WebSockets only",
    ],
  },
  "graphql-ws": {
    name: "graphql-ws",
    title: "GraphQL over WebSocket (graphql-ws)",
    sources: ["https://the-guild.dev/graphql/ws", "https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md"],
    usualPaths: ["/graphql"],
    exactPaths: ["/graphql"],
    looksLike: (uri) => uri.includes("graphql") || uri.includes("subscriptions"),
    askedWithoutSlash: (uri) => ["graphql", "subscriptions"].includes(lastSegment(uri)),
    // graphql-ws's own; subscriptions-transport-ws (the legacy library) asks for `graphql-ws`
    subprotocols: ["graphql-transport-ws", "graphql-ws"],
    alsoAsks: [],
    heartbeat: {
      by: "server",
      intervalSeconds: 12,
      timeoutSeconds: undefined,
      settings: "useServer(..., keepAlive = 12000) (ws only)",
    },
    readAtLeastSeconds: 12,
    readReason: "graphql-ws's useServer pings every 12 s (keepAlive); other servers may not ping at all",
    polling: undefined,
    // servers other than graphql-ws's own may send nothing: keep wssgen's 1h
    sets: { websocket: true },
    mustMatch: [
      "the client's url path is the route's path (usually /graphql)",
      "subprotocol graphql-transport-ws (the older subscriptions-transport-ws uses graphql-ws): nginx passes Sec-WebSocket-Protocol as sent",
      "a server that does not ping needs timeouts.read above the longest silence of a subscription",
    ],
  },
  phoenix: {
    name: "phoenix",
    title: "Phoenix Channels and LiveView",
    sources: ["https://hexdocs.pm/phoenix/Phoenix.Endpoint.html#socket/3", "https://hexdocs.pm/phoenix/js/"],
    usualPaths: ["/socket", "/live"],
    exactPaths: ["/socket/websocket", "/live/websocket"],
    looksLike: (uri) => segment(uri, /^(?:socket|live)$/),
    // `/socket/` covers `/socket/websocket`; `/socket/websocket/` is the socket's URL with a slash
    askedWithoutSlash: (uri) => ["websocket", "longpoll"].includes(lastSegment(uri)),
    // the JS client with authToken offers `phoenix` and `base64url.bearer.phx.<token>`: the token
    // rides in the header (test/e2e/preset-phoenix.test.ts); without authToken it offers none
    subprotocols: ["phoenix"],
    alsoAsks: ["/websocket", "/longpoll"],
    heartbeat: {
      by: "client",
      intervalSeconds: 30,
      timeoutSeconds: 30,
      settings: "JS heartbeatIntervalMs (30000); the server replies to each; transport timeout (60 s)",
    },
    readAtLeastSeconds: 30,
    readReason:
      "Phoenix's client sends a heartbeat every 30 s and the server's reply is all the backend sends on an idle channel",
    polling: {
      requests:
        "Phoenix's long-poll fallback (/longpoll) keeps each session in a process on the node that created it; other nodes find it only when the nodes form a cluster",
      otherwise: "cluster the nodes (distributed Erlang with Phoenix.PubSub), or leave out longPollFallbackMs",
      heldSeconds: 10,
      heldReason: "Phoenix holds each long poll open up to window_ms (10 s)",
    },
    sets: { websocket: true, "timeouts.read": "90s", "timeouts.send": "90s" },
    mustMatch: [
      'socket "/socket" (and "/live" for LiveView) in the endpoint: the route covers /socket/websocket and /socket/longpoll',
      "check_origin lists the site's origins (Phoenix refuses others itself)",
      "heartbeatIntervalMs (30 s) below timeouts.read (90s from the preset)",
    ],
  },
  actioncable: {
    name: "actioncable",
    title: "Rails Action Cable",
    sources: ["https://guides.rubyonrails.org/action_cable_overview.html"],
    usualPaths: ["/cable"],
    exactPaths: ["/cable"],
    looksLike: (uri) => segment(uri, /^cable$/),
    askedWithoutSlash: (uri) => lastSegment(uri) === "cable",
    // ActionCable.INTERNAL.protocols in the JS client (actioncable-unsupported is its second offer)
    subprotocols: ["actioncable-v1-json", "actioncable-unsupported"],
    alsoAsks: [],
    heartbeat: {
      by: "server",
      intervalSeconds: 3,
      timeoutSeconds: 6,
      settings: "BEAT_INTERVAL (3 s); the client's staleThreshold (6 s)",
    },
    readAtLeastSeconds: 6,
    readReason: "Action Cable's server pings every 3 s and the client gives up after 6 s",
    polling: undefined,
    sets: { websocket: true, "timeouts.read": "90s", "timeouts.send": "90s" },
    mustMatch: [
      'config.action_cable.mount_path (default "/cable") is the route\'s path',
      "config.action_cable.allowed_request_origins lists the site's origins",
      "several servers share a pub/sub adapter (Redis, Solid Cable); no stickiness needed",
    ],
  },
  "home-assistant": {
    name: "home-assistant",
    title: "Home Assistant",
    sources: ["https://developers.home-assistant.io/docs/api/websocket", "https://www.home-assistant.io/integrations/http/"],
    usualPaths: ["/"],
    exactPaths: ["/api/websocket"],
    looksLike: (uri) => "/api/websocket".startsWith(uri) || uri.startsWith("/api/websocket"),
    askedWithoutSlash: (uri) => uri === "/api/websocket/",
    subprotocols: [],
    alsoAsks: [],
    heartbeat: {
      by: "server",
      intervalSeconds: 55,
      timeoutSeconds: 27.5,
      settings: "the server's WebSocket ping (aiohttp heartbeat=55 in websocket_api/http.py); the client's ping messages",
    },
    readAtLeastSeconds: 55,
    readReason: "Home Assistant's server sends a WebSocket ping 55 s after the last message (aiohttp heartbeat=55)",
    polling: undefined,
    sets: { websocket: true },
    mustMatch: [
      "the whole app sits behind the route / (the frontend, /api/ and /api/websocket)",
      "http: use_x_forwarded_for: true and trusted_proxies: the nginx address, or Home Assistant refuses proxied requests with 400",
      "timeouts.read above the server's 55 s ping (wssgen's 1h by default)",
    ],
  },
};

/** The facts of a preset by name. */
export function presetFacts(name: PresetName): PresetFacts {
  return PRESETS[name];
}

/**
 * Whether a route path (its URI, as in Route.uri) reaches the framework's usual path: a prefix route
 * that covers it (`/` covers `/socket.io/`) or looks like the framework's own (`/app/socket.io/`,
 * `/chathub`); an exact route only at one of exactPaths (`= /socket` misses Phoenix's `/socket/websocket`).
 * Case-sensitive, as nginx's locations are (ngx_http_core_module `location`; only on case-insensitive
 * operating systems does a prefix ignore case): `/Cable` does not cover Action Cable's `/cable`.
 */
export function pathFits(facts: PresetFacts, uri: string, exact: boolean): boolean {
  if (exact) return facts.exactPaths.includes(uri);
  return facts.looksLike(uri) || facts.usualPaths.some((usual) => usual.startsWith(uri));
}

/** A WebSocket-only preset: the framework has no HTTP fallback (PresetFacts.polling), so `websocket: false` cannot work. */
export const websocketOnly = (facts: PresetFacts): boolean => facts.polling === undefined;
