// Generates a config with N WebSocket sites (YAML or JSON) for benchmarks and scale tests: long,
// realistic names, a TLS and a plain site in turn, several upstreams, origins on every route: no lint
// findings. `options.findings: true` makes the same config with findings, the kind a real config has:
// every 10th site's WebSocket route has no origins and no maxConnectionsPerIp (origin-missing, a
// warning; max-connections-unset, an info), and every other upstream has one server and no keepalive
// (upstream-single-server, a warning, since its sites also have a plain HTTP route).
export function generateConfig(n, format, options = {}) {
  const upstreams = {};
  for (let u = 0; u < Math.max(1, Math.min(100, Math.ceil(n / 1000))); u++)
    upstreams[`pool-${u}`] =
      options.findings && u % 2 === 1
        ? { servers: [`10.${u >> 8}.${u & 255}.10:8080`] }
        : { servers: [`10.${u >> 8}.${u & 255}.10:8080`, `10.${u >> 8}.${u & 255}.11:8080`], keepalive: 16 };
  const pools = Object.keys(upstreams);
  const sites = [];
  for (let i = 0; i < n; i++) {
    const domain = `tenant-${String(i).padStart(6, "0")}.realtime-collaboration.example-hosting-provider.com`;
    const tls = i % 2 === 0;
    const open = options.findings && i % 10 === 5;
    sites.push({
      domains: [domain],
      ...(tls
        ? {
            tls: {
              certificate: options.certificate ?? "/etc/ssl/wssgen/fullchain.pem",
              key: options.key ?? "/etc/ssl/wssgen/privkey.pem",
            },
            redirectHttp: false,
          }
        : {}),
      ...(options.listen ? { listen: tls ? options.listen.tls : options.listen.plain } : {}),
      routes: [
        {
          path: "/ws",
          upstream: pools[i % pools.length],
          ...(open ? {} : { origins: [`${tls ? "https" : "http"}://${domain}`], maxConnectionsPerIp: 50 }),
        },
        { path: "/", upstream: pools[i % pools.length], websocket: false },
      ],
    });
  }
  const config = { upstreams, sites };
  if (format === "json") return JSON.stringify(config);
  // hand-written YAML, as a person (or a template) would lay it out
  const lines = ["upstreams:"];
  for (const [name, u] of Object.entries(upstreams)) {
    lines.push(`  ${name}:`, `    servers: [${u.servers.join(", ")}]`);
    if (u.keepalive !== undefined) lines.push(`    keepalive: ${u.keepalive}`);
  }
  lines.push("sites:");
  for (const s of sites) {
    lines.push(`  - domains: [${s.domains.join(", ")}]`);
    if (s.listen) lines.push(`    listen: ${JSON.stringify(s.listen)}`);
    if (s.tls) lines.push(`    tls: { certificate: ${s.tls.certificate}, key: ${s.tls.key} }`, `    redirectHttp: false`);
    lines.push("    routes:");
    for (const r of s.routes)
      lines.push(
        `      - { path: ${r.path}, upstream: ${r.upstream}${r.origins ? `, origins: [${r.origins.join(", ")}]` : ""}${r.maxConnectionsPerIp ? `, maxConnectionsPerIp: ${r.maxConnectionsPerIp}` : ""}${r.websocket === false ? ", websocket: false" : ""} }`,
      );
  }
  return `${lines.join("\n")}\n`;
}
