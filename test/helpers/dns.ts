/**
 * A tiny real DNS server for tests (UDP on 127.0.0.1, a port the OS picks): it answers A queries
 * from a table the test changes while it runs, NXDOMAIN for a name the table lacks, and an empty
 * answer (NOERROR, no records) to AAAA queries of a known name, as a server with IPv4 addresses
 * only does. nginx's resolver asks A and AAAA for each name (ipv6=on by default) and needs both
 * answered. Packets are encoded and decoded by `dns-packet`; the server itself is node's dgram.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import * as dnsPacket from "dns-packet";

/** A query as the server received it: the name (lower case, no trailing dot) and its type ("A", "AAAA", ...). */
export interface DnsQuery {
  name: string;
  type: string;
}

export interface TestDns {
  /** the UDP port on 127.0.0.1 */
  port: number;
  /** `127.0.0.1:<port>`, as nginx's `resolver` takes it */
  address: string;
  /**
   * Answers A queries for `name` with `addresses` (IPv4) from now on; `undefined` removes the name
   * (NXDOMAIN). Names compare without case and without a trailing dot.
   */
  set(name: string, addresses: string[] | undefined): void;
  /** every query received so far, in order */
  queries(): DnsQuery[];
  close(): Promise<void>;
}

/** NXDOMAIN (RFC 1035 §4.1.1 RCODE 3): the name does not exist. */
const NXDOMAIN = 3;

/**
 * Starts the server. `ttl` (seconds, default 1) is the TTL of every answer: nginx's resolver keeps
 * an answer that long unless its `valid=` says otherwise.
 */
export async function startDns(options: { ttl?: number } = {}): Promise<TestDns> {
  const ttl = options.ttl ?? 1;
  const table = new Map<string, string[]>();
  const received: DnsQuery[] = [];
  const key = (name: string) => name.toLowerCase().replace(/\.$/, "");
  const socket = createSocket("udp4");

  socket.on("message", (message: Buffer, peer: RemoteInfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: nothing to answer
    }
    const question = query.questions?.[0];
    if (!question) return;
    received.push({ name: key(question.name), type: question.type });
    const addresses = table.get(key(question.name));
    const answers: dnsPacket.Answer[] =
      question.type === "A" ? (addresses ?? []).map((data) => ({ type: "A", name: question.name, ttl, data })) : [];
    const reply = dnsPacket.encode({
      type: "response",
      id: query.id,
      // the query's RD bit back, RA, and the RCODE in the low four bits
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) |
        dnsPacket.RECURSION_AVAILABLE |
        (addresses ? 0 : NXDOMAIN),
      questions: [question],
      answers,
    });
    socket.send(reply, peer.port, peer.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    set(name, addresses) {
      if (addresses === undefined) table.delete(key(name));
      else table.set(key(name), [...addresses]);
    },
    queries: () => [...received],
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
