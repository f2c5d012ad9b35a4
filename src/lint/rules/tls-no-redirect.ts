import { showValue } from "../../util/show.js";
import { writtenAt } from "../../config/model.js";
import type { Rule } from "../types.js";

export const tlsNoRedirect: Rule = {
  id: "tls-no-redirect",
  severity: "warning",
  description: "A TLS site without redirectHttp: http:// visitors get no answer, or another site's.",
  run: ({ config }) =>
    config.sites
      .filter((site) => site.tls && !writtenAt(site, "redirectHttp"))
      .map((site) => ({
        path: [...site.at, "tls"],
        message: site.acme
          ? `${showValue(site.domains[0])} serves https only: on ${showValue(`http://${site.domains[0]!}`)} its http server answers ACME challenges and 404 for every other page; add redirectHttp: true (or redirectHttp: false to say it is on purpose)`
          : `${showValue(site.domains[0])} serves https only: ${showValue(`http://${site.domains[0]!}`)} reaches no server of this site; add redirectHttp: true (or redirectHttp: false to say it is on purpose)`,
      })),
};
