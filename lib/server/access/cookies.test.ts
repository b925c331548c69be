import { describe, expect, it } from "vitest";
import { accessCookieName, accessCookies, readCookies } from "./cookies.ts";

describe("access cookies", () => {
  it("are scoped to the bin's page and API, never to capture URLs, and live no longer than their grant", () => {
    const [page, api] = accessCookies("AbCdEfGhIjKlMnOpQrStUv", "hyk_x", { secure: true, expiresAt: 1_000_000 + 90_500, now: 1_000_000 });
    expect(page).toBe("hookyard_bin=hyk_x; Path=/bins/AbCdEfGhIjKlMnOpQrStUv; Max-Age=90; HttpOnly; SameSite=Lax; Secure");
    expect(api).toBe("hookyard_bin=hyk_x; Path=/api/bins/AbCdEfGhIjKlMnOpQrStUv; Max-Age=90; HttpOnly; SameSite=Strict; Secure");
    expect(accessCookies("AbCdEfGhIjKlMnOpQrStUv", "hyk_x", { secure: false, expiresAt: 1, now: 5_000 })[0]).toContain("Max-Age=0;");
  });

  it("are read by name from a Cookie header, every copy in order", () => {
    expect(readCookies(`a=1; ${accessCookieName}=hyk_one; b=2;${accessCookieName}=hyk_two`, accessCookieName)).toEqual(["hyk_one", "hyk_two"]);
    expect(readCookies("hookyard_bin_other=x; xhookyard_bin=y", accessCookieName)).toEqual([]);
    expect(readCookies(undefined, accessCookieName)).toEqual([]);
  });
});
