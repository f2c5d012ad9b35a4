/**
 * The rules that relate keys to each other (src/config/semantics.ts), one by one: a config that
 * keeps the rule passes, one that breaks it gets the rule's message at the key that breaks it.
 * docs/config.md lists the same rules; test/config/schema-parity.test.ts holds that list to them.
 */
import { describe, expect, it } from "vitest";
import { formatPath } from "../../src/config/path.js";
import { parseConfig } from "../../src/config/load.js";
import { normalize } from "../../src/config/normalize.js";
import { configSchema } from "../../src/config/schema.js";
import { checkSemantics } from "../../src/config/semantics.js";
import { ConfigError } from "../../src/errors.js";

type Tree = Record<string, unknown>;
const TLS = { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" };

/** A valid config: upstream `chat`, one plain site with a route to it; `change` replaces parts. */
function base(change: { upstreams?: Tree; sites?: Tree[]; defaults?: Tree; directives?: string[]; resolver?: Tree } = {}): Tree {
  return {
    upstreams: { chat: { servers: ["10.0.0.5:8080"] } },
    sites: [{ domains: ["chat.example.com"], routes: [{ path: "/ws", upstream: "chat" }] }],
    ...change,
  };
}
const site = (extra: Tree, routes: Tree[] = [{ path: "/ws", upstream: "chat" }]) => ({
  domains: ["chat.example.com"],
  routes,
  ...extra,
});

/** The problems of a schema-valid config, as "key.path: message". */
function problems(data: Tree, max?: number): string[] {
  const raw = configSchema.parse(data);
  return checkSemantics(raw, normalize(raw, "wssgen.yaml"), max).map((p) => `${formatPath(p.path)}: ${p.message}`);
}

/** Each rule: a config that keeps it (no problems) and one that breaks it (exactly these problems). */
const RULES: [rule: string, passes: Tree, fails: Tree, expected: string[]][] = [
  [
    "header names are unique ignoring case (route)",
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", headers: { "X-A": "a", "X-B": "b" } }])] }),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", headers: { "X-A": "a", "x-a": "b" } }])] }),
    ['sites[0].routes[0].headers.x-a: header "x-a" is already set as "X-A" (header names ignore case); keep one'],
  ],
  [
    "header names are unique ignoring case (defaults)",
    base({ defaults: { headers: { "X-A": "a" } } }),
    base({ defaults: { headers: { "X-A": "a", "X-a": "b" } } }),
    ['defaults.headers.X-a: header "X-a" is already set as "X-A" (header names ignore case); keep one'],
  ],
  [
    "a WebSocket route's headers may not set Upgrade or Connection",
    base({ sites: [site({}, [{ path: "/", upstream: "chat", websocket: false, headers: { Connection: "" } }])] }),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", headers: { upgrade: "x" } }])] }),
    ['sites[0].routes[0].headers.upgrade: wssgen sets "upgrade" itself on WebSocket routes; remove it, or set websocket: false'],
  ],
  [
    "defaults.headers may not set Upgrade or Connection when any route is a WebSocket route",
    base({
      defaults: { headers: { Connection: "" } },
      sites: [site({}, [{ path: "/", upstream: "chat", websocket: false }])],
    }),
    base({ defaults: { headers: { Connection: "" } } }),
    [
      'defaults.headers.Connection: wssgen sets "Connection" itself on WebSocket routes; remove it (defaults apply to every route)',
    ],
  ],
  [
    "upstream names are unique ignoring case",
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"] }, chat2: { servers: ["10.0.0.6:8080"] } } }),
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"] }, Chat: { servers: ["10.0.0.6:8080"] } } }),
    ['upstreams.Chat: upstream "Chat" is the same name as "chat" to nginx, which ignores case in upstream names; rename one'],
  ],
  [
    "a written site name is no other site's name, written or taken from its first domain, ignoring case",
    base({
      sites: [
        site({ name: "chat" }),
        site({ domains: ["chat.example.com"], listen: 8080 }),
        site({ name: "feed", domains: ["b.example.com"] }),
      ],
    }),
    base({
      sites: [
        site({}),
        site({ name: "Chat.example.com", domains: ["b.example.com"] }),
        site({ name: "chat", domains: ["c.example.com"] }),
        site({ name: "CHAT", domains: ["d.example.com"] }),
      ],
    }),
    [
      'sites[1].name: "Chat.example.com" is also the name of sites[0] (its first domain); site names ignore case and must differ: give this site another name',
      'sites[3].name: "CHAT" is also the name of sites[2]; site names ignore case and must differ: give this site another name',
    ],
  ],
  [
    "backup servers need round-robin or least-conn",
    base({
      upstreams: { chat: { servers: ["10.0.0.5:8080", { address: "10.0.0.6:8080", backup: true }], balance: "least-conn" } },
    }),
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080", { address: "10.0.0.6:8080", backup: true }], balance: "random" } } }),
    [
      "upstreams.chat.servers[1].backup: backup servers cannot be used with balance: random (nginx refuses it); use round-robin or least-conn, or remove backup",
    ],
  ],
  [
    "at least one server is not a backup",
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080", { address: "10.0.0.6:8080", backup: true }] } } }),
    base({ upstreams: { chat: { servers: [{ address: "10.0.0.6:8080", backup: true }] } } }),
    ["upstreams.chat.servers: every server is a backup; at least one must be a primary server"],
  ],
  [
    "hashKey only with balance: hash",
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"], balance: "hash", hashKey: "$remote_addr" } } }),
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"], hashKey: "$remote_addr" } } }),
    ["upstreams.chat.hashKey: hashKey only applies with balance: hash (balance is round-robin)"],
  ],
  [
    "balance: hash needs a hashKey",
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"], balance: "hash", hashKey: "$remote_addr" } } }),
    base({ upstreams: { chat: { servers: ["10.0.0.5:8080"], balance: "hash" } } }),
    ["upstreams.chat.balance: balance: hash needs a hashKey, for example hashKey: $remote_addr"],
  ],
  [
    "http2 needs tls",
    base({ sites: [site({ http2: true, tls: TLS })] }),
    base({ sites: [site({ http2: true })] }),
    ["sites[0].http2: http2 needs tls: browsers speak HTTP/2 only over TLS, and plaintext HTTP/2 breaks ws:// upgrades"],
  ],
  [
    "redirectHttp needs tls",
    base({ sites: [site({ redirectHttp: false })] }),
    base({ sites: [site({ redirectHttp: { listen: 8080 } })] }),
    ["sites[0].redirectHttp: redirectHttp needs tls: it redirects plain http to this site's https"],
  ],
  [
    "a site's listen addresses are distinct",
    base({ sites: [site({ listen: [80, "127.0.0.1:80"] })] }),
    base({ sites: [site({ listen: [80, "0.0.0.0:80"] })] }),
    ['sites[0].listen[1]: "0.0.0.0:80" is the same address as sites[0].listen[0]; nginx refuses a duplicate listen'],
  ],
  [
    "a redirect listener is distinct from the site's own",
    base({ sites: [site({ tls: TLS, listen: 443, redirectHttp: true })] }),
    base({ sites: [site({ tls: TLS, listen: 443, redirectHttp: { listen: [8080, 443] } })] }),
    ['sites[0].redirectHttp.listen[1]: "443" is the same address as sites[0].listen; nginx refuses a duplicate listen'],
  ],
  [
    "an addr:port is either TLS or plain across all sites",
    base({ sites: [site({ tls: TLS }), site({ domains: ["b.example.com"] })] }),
    base({ sites: [site({ tls: TLS, listen: 8443 }), site({ domains: ["b.example.com"], listen: "0.0.0.0:8443" })] }),
    ['sites[1].listen: "0.0.0.0:8443" is plain here but TLS in sites[0].listen; an nginx address:port is one or the other'],
  ],
  [
    "a domain is served once per addr:port",
    base({ sites: [site({}), site({ listen: 8080 })] }),
    base({ sites: [site({}), site({ domains: ["b.example.com", "CHAT.example.com"] })] }),
    ['sites[1].domains[1]: "CHAT.example.com" on "80" is already served by sites[0].domains[0]; nginx would ignore this one'],
  ],
  [
    "a route's upstream names an upstream",
    base(),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chta" }])] }),
    ['sites[0].routes[0].upstream: unknown upstream "chta" (did you mean "chat"?)'],
  ],
  [
    "a location path appears once per site (an exact and a prefix location are two)",
    base({
      sites: [
        site({}, [
          { path: "/ws", upstream: "chat" },
          { path: "= /ws", upstream: "chat" },
        ]),
      ],
    }),
    base({
      sites: [
        site({}, [
          { path: "/ws", upstream: "chat" },
          { path: "/ws", upstream: "chat" },
        ]),
      ],
    }),
    ['sites[0].routes[1].path: location "/ws" is already defined by sites[0].routes[0]'],
  ],
  [
    "allowMissingOrigin only with origins",
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", origins: ["https://a.example"], allowMissingOrigin: false }])] }),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", allowMissingOrigin: true }])] }),
    [
      "sites[0].routes[0].allowMissingOrigin: allowMissingOrigin only applies with origins: list the allowed origins, or remove it",
    ],
  ],
  [
    "a route has exactly one of upstream and static",
    base({
      sites: [
        site({}, [
          { path: "/ws", upstream: "chat" },
          { path: "/", static: { root: "/srv/app" } },
        ]),
      ],
    }),
    base({ sites: [site({}, [{ path: "/ws" }, { path: "/", upstream: "chat", static: { root: "/srv/app" } }])] }),
    [
      "sites[0].routes[0]: a route needs either upstream (to proxy) or static (to serve files); add one",
      "sites[0].routes[1].static: a route has either upstream or static, not both; make the files another route (e.g. path: /)",
    ],
  ],
  [
    "a static route takes none of the proxy keys",
    base({ sites: [site({}, [{ path: "/", static: { root: "/srv/app" }, maxBodySize: "1m", maxConnectionsPerIp: 5 }])] }),
    base({
      sites: [
        site({}, [{ path: "/app/", static: { root: "/srv/app" }, stripPrefix: true, websocket: false, preset: "socket.io" }]),
      ],
    }),
    [
      "sites[0].routes[0].websocket: websocket only applies to a route with an upstream; a static route serves files: remove it",
      "sites[0].routes[0].preset: preset only applies to a route with an upstream; a static route serves files: remove it",
      "sites[0].routes[0].stripPrefix: stripPrefix only applies to a route with an upstream; a static route serves files: remove it",
    ],
  ],
  [
    "static needs a prefix path ending in /",
    base({ sites: [site({}, [{ path: "/docs/", static: { root: "/srv/docs" } }])] }),
    base({ sites: [site({}, [{ path: "= /docs", static: { root: "/srv/docs" } }])] }),
    [
      'sites[0].routes[0].path: static needs a prefix path that ends with "/" ("/docs/"): the path maps onto static.root as a directory',
    ],
  ],
  [
    "static.root is no system directory",
    base({
      sites: [
        site({}, [
          { path: "/docs/", static: { root: "/var/www/docs" } },
          { path: "/app/", static: { root: "/srv/app/" } },
        ]),
      ],
    }),
    base({
      sites: [
        site({}, [
          { path: "/docs/", static: { root: "/" } },
          { path: "/x/", static: { root: "/etc/ssl/" } },
          { path: "/y/", static: { root: "/usr" } },
          { path: "/z/", static: { root: "/srv/app/./../../etc" } },
          { path: "/w/", static: { root: "/var/www/../.." } },
        ]),
      ],
    }),
    [
      "sites[0].routes[0].static.root: static.root is /: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app",
      "sites[0].routes[1].static.root: static.root is inside /etc: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app",
      "sites[0].routes[2].static.root: static.root is /usr: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app",
      "sites[0].routes[3].static.root: static.root is /etc: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app",
      "sites[0].routes[4].static.root: static.root is /: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app",
    ],
  ],
  [
    "stripPrefix needs a prefix path ending in / or an exact path, never /",
    base({
      sites: [
        site({}, [
          { path: "/grafana/", upstream: "chat", stripPrefix: true },
          { path: "= /tracker", upstream: "chat", stripPrefix: true },
        ]),
      ],
    }),
    base({
      sites: [
        site({}, [
          { path: "/grafana", upstream: "chat", stripPrefix: true },
          { path: "= /", upstream: "chat", stripPrefix: true },
        ]),
      ],
    }),
    [
      'sites[0].routes[0].path: stripPrefix needs a path that ends with "/" ("/grafana/"; nginx then redirects "/grafana" to it), or an exact path ("= /grafana"): without it "/grafanax" would reach the backend as "/x"',
      'sites[0].routes[1].stripPrefix: stripPrefix has nothing to strip from "/"; remove it',
    ],
  ],
  [
    "the sites on one addr:port agree on the PROXY protocol",
    base({
      sites: [
        site({ realIp: { from: ["10.0.0.0/8"], header: "proxy_protocol" } }),
        site({ domains: ["b.example.com"], listen: 8080 }),
      ],
    }),
    base({
      sites: [site({}), site({ domains: ["b.example.com"], realIp: { from: ["10.0.0.0/8"], header: "proxy_protocol" } })],
    }),
    [
      'sites[1].realIp.header: "80" takes the PROXY protocol here but does not in sites[0]; nginx sets it per address:port, so every site on it must agree (realIp.header: proxy_protocol)',
    ],
  ],
  [
    "the TLS sites on one addr:port share tls.profile",
    base({ sites: [site({ tls: TLS }), site({ domains: ["b.example.com"], tls: { ...TLS, profile: "modern" }, listen: 8443 })] }),
    base({ sites: [site({ tls: TLS }), site({ domains: ["b.example.com"], tls: { ...TLS, profile: "modern" } })] }),
    [
      'sites[1].tls.profile: "443" has tls.profile modern here but intermediate in sites[0]; nginx negotiates the TLS version with one address\'s settings before it reads the name, so sites on one address:port share a profile: give them the same one, or different addresses',
    ],
  ],
  [
    "with acme, no route takes the ACME challenge location",
    base({ sites: [site({ acme: { webroot: "/var/www/acme" } }, [{ path: "/.well-known/", upstream: "chat" }])] }),
    base({ sites: [site({ acme: { webroot: "/var/www/acme" } }, [{ path: "/.well-known/acme-challenge/", upstream: "chat" }])] }),
    [
      'sites[0].routes[0].path: location "/.well-known/acme-challenge/" is already defined by sites[0].acme (the ACME challenge location); remove this route, the challenge is served from acme.webroot',
    ],
  ],
  [
    "a directives entry is one simple directive",
    base({ sites: [site({ directives: ["large_client_header_buffers 4 32k;", 'add_header X-A "a;b"'] })] }),
    base({ sites: [site({ directives: ["location /x { return 403; }", "a 1; b 2", "include x.conf"] })] }),
    [
      'sites[0].directives[0]: this entry opens a block ("location" { ... }); an entry is one simple directive, and blocks are wssgen\'s to write',
      "sites[0].directives[1]: this entry holds 2 directives; write one directive an entry",
      'sites[0].directives[2]: this entry "include" is not allowed: an included file could change the structure around it; write its directives as entries',
    ],
  ],
  [
    "a directives entry is no directive a key controls at its level",
    // proxy_pass is wssgen's in a location only: at http level it is nothing wssgen writes
    base({
      directives: ["proxy_headers_hash_max_size 1024"],
      sites: [site({}, [{ path: "/ws", upstream: "chat", directives: ["proxy_buffers 8 32k"] }])],
    }),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", directives: ["proxy_pass http://other"] }])] }),
    [
      'sites[0].routes[0].directives[0]: this entry "proxy_pass" is wssgen\'s to write here; it comes from sites[].routes[].upstream (and stripPrefix)',
    ],
  ],
  [
    "a directives entry of a list nginx inherits whole only where no outer level has one",
    base({ directives: ["add_header X-A a"], sites: [site({ directives: ["allow 10.0.0.0/8", "deny all"] })] }),
    base({ directives: ["deny 192.0.2.1"], sites: [site({ directives: ["deny all"] })] }),
    [
      'sites[0].directives[0]: "deny" here would cancel directives[0]: nginx inherits "deny" only into a level that has none of its own; put all of them at one level',
    ],
  ],
  // issue 11
  [
    "an upstream's tls has one name to send and verify: serverName for differing hosts, unix sockets, addresses (verified)",
    base({
      upstreams: {
        chat: { servers: ["a.internal:8443", "a.internal:9443"], tls: true },
        sock: { servers: ["unix:/run/a.sock"], tls: { serverName: "a.internal" } },
        unchecked: { servers: ["10.0.0.5:8443", "10.0.0.6:8443"], tls: { verify: false, serverName: "backend.internal" } },
        address: { servers: ["10.0.0.5:8443"], tls: { verify: false } },
        named: { servers: ["10.0.0.5:8443", "[2001:db8::6]:8443"], tls: { serverName: "backend.internal" } },
      },
    }),
    base({
      upstreams: {
        chat: { servers: ["a.internal:8443", "b.internal:8443"], tls: true },
        sock: { servers: ["unix:/run/a.sock"], tls: true },
        address: { servers: ["10.0.0.5:8443"], tls: true },
        addresses: { servers: ["10.0.0.5:8443", "[2001:db8::6]:8443"], tls: { verify: true } },
        v6: { servers: ["[2001:db8::6]:8443"], tls: {} },
      },
    }),
    [
      "upstreams.chat.tls: the servers have different host names: set tls.serverName, the one name nginx sends to all of them (SNI) and checks their certificates for (proxy_ssl_name is one per route)",
      "upstreams.sock.tls: set tls.serverName: a unix socket has no host name, and nginx sends one name (SNI) and checks the certificate for it",
      "upstreams.address.tls: the servers are addresses, and nginx checks a backend's certificate for a host name (X509_check_host): set tls.serverName to the name the certificate holds",
      "upstreams.addresses.tls: the servers are addresses, and nginx checks a backend's certificate for a host name (X509_check_host): set tls.serverName to the name the certificate holds",
      "upstreams.v6.tls: the servers are addresses, and nginx checks a backend's certificate for a host name (X509_check_host): set tls.serverName to the name the certificate holds",
    ],
  ],
  [
    "tls.certificate and tls.key come together",
    base({ upstreams: { chat: { servers: ["a.internal:8443"], tls: { certificate: "/c.pem", key: "/k.pem" } } } }),
    base({
      upstreams: {
        chat: { servers: ["a.internal:8443"], tls: { certificate: "/c.pem" } },
        other: { servers: ["a.internal:8443"], tls: { key: "/k.pem" } },
      },
    }),
    [
      "upstreams.chat.tls.certificate: a client certificate needs both certificate and key: add tls.key",
      "upstreams.other.tls.key: a client certificate needs both certificate and key: add tls.certificate",
    ],
  ],
  [
    "an https forwardAuth.url names its host",
    base({
      sites: [
        site({}, [
          { path: "/a/", upstream: "chat", access: { forwardAuth: { url: "https://auth.example.com/verify" } } },
          { path: "/b/", upstream: "chat", access: { forwardAuth: { url: "http://10.0.0.9:9091/verify" } } },
        ]),
      ],
    }),
    base({
      sites: [site({}, [{ path: "/a/", upstream: "chat", access: { forwardAuth: { url: "https://10.0.0.9:9091/verify" } } }])],
    }),
    [
      "sites[0].routes[0].access.forwardAuth.url: an https forward-auth URL names the service by address, and nginx checks its certificate for a host name (X509_check_host), so every request would fail with 500: use the name its certificate holds, or http:// to a service on this machine",
    ],
  ],
  [
    "tls.ca only with verify: true",
    base({ upstreams: { chat: { servers: ["a.internal:8443"], tls: { verify: false } } } }),
    base({ upstreams: { chat: { servers: ["a.internal:8443"], tls: { verify: false, ca: "/etc/wssgen/ca.pem" } } } }),
    [
      "upstreams.chat.tls.ca: tls.ca only applies with verify: true (with verify: false nginx checks no certificate); remove ca, or verify",
    ],
  ],
  [
    "resolve needs a server named by host name, and the top-level resolver",
    base({
      resolver: { addresses: ["127.0.0.11"] },
      upstreams: { chat: { servers: ["chat.internal:8080", "10.0.0.5:8080", "unix:/run/a.sock"], resolve: true } },
    }),
    base({
      upstreams: {
        chat: { servers: ["10.0.0.5:8080", "[2001:db8::5]:8080", "unix:/run/a.sock"], resolve: true },
        named: { servers: ["chat.internal:8080"], resolve: true },
      },
    }),
    [
      "upstreams.chat.resolve: resolve: true has nothing to re-resolve: every server is an address or a unix socket; name the servers by host name, or remove resolve",
      "upstreams.named.resolve: resolve: true needs the DNS servers to ask: add the top-level resolver, such as resolver: { addresses: [127.0.0.11] } (Docker's)",
    ],
  ],
  [
    "resolve: no /etc/hosts name (nginx's resolver asks DNS only)",
    base({
      resolver: { addresses: ["127.0.0.11"] },
      upstreams: { chat: { servers: ["chat.internal:8080", "127.0.0.1:8080"], resolve: true } },
    }),
    base({
      resolver: { addresses: ["127.0.0.11"] },
      upstreams: { chat: { servers: ["chat.internal:8080", "LocalHost:8080", "app.localhost"], resolve: true } },
    }),
    [
      'upstreams.chat.servers[1]: "localhost" is a name of /etc/hosts, which nginx\'s resolver (resolve: true) never reads: write the address, such as 127.0.0.1:8080',
      'upstreams.chat.servers[2]: "app.localhost" is a name of /etc/hosts, which nginx\'s resolver (resolve: true) never reads: write the address, such as 127.0.0.1',
    ],
  ],
  [
    "sticky cookies of one site's upstreams differ",
    base({
      upstreams: {
        chat: { servers: ["10.0.0.5:8080"], sticky: { cookie: "srv_id" } },
        other: { servers: ["10.0.0.6:8080"], sticky: { cookie: "srv_id" } },
      },
    }),
    base({
      upstreams: {
        chat: { servers: ["10.0.0.5:8080"], sticky: { cookie: "srv_id" } },
        other: { servers: ["10.0.0.6:8080"], sticky: { cookie: "srv_id" } },
      },
      sites: [
        {
          domains: ["chat.example.com"],
          routes: [
            { path: "/ws", upstream: "chat" },
            { path: "/other", upstream: "other" },
          ],
        },
      ],
    }),
    [
      "upstreams.other.sticky.cookie: \"srv_id\" is also upstreams.chat's sticky cookie, and a site routes to both: the browser keeps one cookie of a name for the site, so each would overwrite the other's server; give this one another name",
    ],
  ],
  [
    "access sets at least one of allow, basicAuth and forwardAuth",
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", access: { allow: ["10.0.0.0/8"] } }])] }),
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", access: {} }])] }),
    ["sites[0].routes[0].access: access needs at least one of allow, basicAuth and forwardAuth; remove it to let everyone in"],
  ],
  [
    "access.allow only where no outer level has an allow or deny entry, nor the route's directives",
    base({
      sites: [
        site({ directives: ["allow 10.0.0.0/8", "deny all"] }, [
          { path: "/ws", upstream: "chat", directives: ["add_header X-A a"] },
        ]),
        site({ domains: ["b.example.com"] }, [
          { path: "/ws", upstream: "chat", access: { allow: ["10.0.0.0/8"] }, directives: ["add_header X-A a"] },
        ]),
      ],
    }),
    base({
      directives: ["deny 192.0.2.1"],
      sites: [site({ directives: ["add_header X-A a"] }, [{ path: "/ws", upstream: "chat", access: { allow: ["10.0.0.0/8"] } }])],
    }),
    [
      "sites[0].routes[0].access.allow: access.allow here would cancel directives[0]: nginx inherits allow and deny only into a level that has none; list the addresses in access.allow of each route instead",
    ],
  ],
  [
    "access.allow: no allow or deny entry in the route's own directives",
    base({ sites: [site({}, [{ path: "/ws", upstream: "chat", access: { allow: ["10.0.0.0/8"] } }])] }),
    base({
      sites: [site({}, [{ path: "/ws", upstream: "chat", access: { allow: ["10.0.0.0/8"] }, directives: ["deny 10.0.0.1"] }])],
    }),
    [
      'sites[0].routes[0].directives[0]: "deny" would come after access.allow\'s "deny all" and never apply; list addresses in access.allow',
    ],
  ],
  [
    "rateLimit only where no outer level has a limit_req entry",
    base({
      directives: ["limit_req_zone $binary_remote_addr zone=all:10m rate=100r/s"],
      sites: [
        site({ directives: ["limit_req zone=all burst=50"] }),
        site({ domains: ["b.example.com"] }, [{ path: "/ws", upstream: "chat", rateLimit: { rate: "10r/s" } }]),
      ],
    }),
    base({
      sites: [
        site({ directives: ["limit_req zone=all burst=50"] }, [
          { path: "/ws", upstream: "chat", rateLimit: { rate: "10r/s" } },
          { path: "/", upstream: "chat" },
        ]),
      ],
    }),
    [
      "sites[0].routes[0].rateLimit: rateLimit here would lift sites[0].directives[0] for this route: nginx inherits limit_req only into a level that has none; set rateLimit on each route instead",
    ],
  ],
  [
    "forwardAuth.responseHeaders only on a route with an upstream, once each, none that wssgen or headers sets",
    base({
      sites: [
        site({}, [
          { path: "/files/", static: { root: "/srv/files" }, access: { forwardAuth: { url: "http://127.0.0.1:9091/" } } },
          {
            path: "/ws",
            upstream: "chat",
            headers: { "X-A": "a" },
            access: { forwardAuth: { url: "http://127.0.0.1:9091/", responseHeaders: ["Remote-User", "Remote-Email"] } },
          },
        ]),
      ],
    }),
    base({
      sites: [
        site({}, [
          {
            path: "/files/",
            static: { root: "/srv/files" },
            access: { forwardAuth: { url: "http://127.0.0.1:9091/", responseHeaders: ["Remote-User"] } },
          },
          {
            path: "/ws",
            upstream: "chat",
            headers: { "X-A": "a" },
            access: {
              forwardAuth: {
                url: "http://127.0.0.1:9091/",
                responseHeaders: ["Remote-User", "REMOTE_USER", "Connection", "x-forwarded-for", "x-a"],
              },
            },
          },
        ]),
      ],
    }),
    [
      "sites[0].routes[0].access.forwardAuth.responseHeaders: responseHeaders pass headers on to a backend, and a static route has none: remove them",
      'sites[0].routes[1].access.forwardAuth.responseHeaders[1]: "REMOTE_USER" is listed twice (header names ignore case, and nginx reads "-" and "_" alike here)',
      'sites[0].routes[1].access.forwardAuth.responseHeaders[2]: wssgen sets "Connection" itself for the backend; pass the auth service\'s answer under another name',
      'sites[0].routes[1].access.forwardAuth.responseHeaders[3]: wssgen sets "x-forwarded-for" itself for the backend; pass the auth service\'s answer under another name',
      'sites[0].routes[1].access.forwardAuth.responseHeaders[4]: "x-a" is also set by headers; keep one',
    ],
  ],
  [
    "no route's path is under /.wssgen/",
    base({
      sites: [
        site({}, [
          { path: "/.wssgenx/", upstream: "chat" },
          { path: "= /.wssgen.json", upstream: "chat" },
        ]),
      ],
    }),
    base({
      sites: [
        site({}, [
          { path: "/.wssgen/", upstream: "chat" },
          { path: "= /.wssgen", upstream: "chat" },
          { path: "/.wssgen/auth/1", upstream: "chat" },
        ]),
      ],
    }),
    [
      "sites[0].routes[0].path: paths under /.wssgen/ are wssgen's own (the forward-auth locations); use another path",
      "sites[0].routes[1].path: paths under /.wssgen/ are wssgen's own (the forward-auth locations); use another path",
      "sites[0].routes[2].path: paths under /.wssgen/ are wssgen's own (the forward-auth locations); use another path",
    ],
  ],
];

describe("each cross-field rule", () => {
  it.each(RULES.map(([rule, passes]) => [rule, passes] as const))("%s: a config that keeps it passes", (_rule, passes) => {
    expect(problems(passes)).toEqual([]);
  });
  it.each(RULES.map(([rule, , fails, expected]) => [rule, fails, expected] as const))(
    "%s: a config that breaks it gets the message at the key",
    (_rule, fails, expected) => {
      expect(problems(fails)).toEqual(expected);
    },
  );
});

describe("unknown upstreams", () => {
  it("with no upstreams close to the name, no suggestion", () => {
    expect(problems(base({ sites: [site({}, [{ path: "/ws", upstream: "zzzzzzzz" }])] }))).toEqual([
      'sites[0].routes[0].upstream: unknown upstream "zzzzzzzz"',
    ]);
  });
  it("a name from the environment gets the defined names instead of a suggestion (it would tell what the secret is near)", () => {
    const text = JSON.stringify(base({ sites: [site({}, [{ path: "/ws", upstream: "${UPSTREAM}" }])] }));
    let messages: string[] = [];
    try {
      parseConfig("wssgen.json", text, { UPSTREAM: "chta" });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      messages = error.problems.map((p) => p.message);
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^unknown upstream .* \(the upstreams are "chat"\)$/);
    expect(messages[0]).not.toContain("did you mean");
  });
});

describe("checking stops at `max` problems", () => {
  const many = base({
    sites: [
      site(
        {},
        [1, 2, 3, 4].map((n) => ({ path: `/${n}`, upstream: `nope${n}` })),
      ),
    ],
  });
  it("all four without a limit, the first two with max 2", () => {
    expect(problems(many)).toHaveLength(4);
    expect(problems(many, 2)).toEqual(problems(many).slice(0, 2));
  });
});
