import type { IncomingHttpHeaders } from "node:http";
import { getConfig } from "../../config.ts";
import { requestOrigin } from "../http/node-http.ts";
import type { Credentials } from "./authorize.ts";

/**
 * What a request carries that can prove access to a bin, from Next's `Headers` or the
 * custom server's own request headers alike. `trustForwarded`: whether X-Forwarded-*
 * may be believed (the custom server strips untrusted ones before Next sees them).
 */
export function credentialsFrom(headers: Headers | IncomingHttpHeaders, clientIp: string, trustForwarded = true): Credentials {
  const read = (name: string): string | null => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return (Array.isArray(value) ? value.join(", ") : value) ?? null;
  };
  const config = getConfig();
  const selfOrigins = [
    requestOrigin(headers, `localhost:${config.port}`, false, trustForwarded),
    ...(config.publicUrl ? [new URL(config.publicUrl).origin] : []),
  ];
  return {
    authorization: read("authorization"),
    cookie: read("cookie"),
    origin: read("origin"),
    fetchSite: read("sec-fetch-site"),
    selfOrigins,
    clientIp,
  };
}
