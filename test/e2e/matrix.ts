import { atLeast } from "../../src/nginx-version/version.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";

/** Debian 12's nginx and the newest of the matrix (1.29.7 changed the keepalive and Connection defaults). */
export function e2eBuilds(): [string, NginxBuild][] {
  const builds = nginxBuilds();
  const newest = builds.reduce((a, b) => (atLeast(b.version, a.version.join(".")) ? b : a));
  return [builds[0]!, newest].map((b) => [b.label, b]);
}
