import { describe, expect, it } from "vitest";
import type { BinEvent } from "../../types.ts";
import { createBin } from "../bins/bins.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import { useTestDatabase } from "../storage/test-database.ts";
import type { BinAccess } from "./authorize.ts";
import { countLiveGrants, findGrant } from "./grants.ts";
import { createLink, maxLiveGrantsPerBin, revokeLink } from "./links.ts";

useTestDatabase({ BINS_PER_IP_PER_HOUR: "0" });

const baseUrl = "http://127.0.0.1:3000";
const forever = { role: "viewer" as const, expiresInSeconds: null, label: null };

function ownerOf(binId: string, expiresAt: number | null = null): BinAccess {
  return { binId, role: "owner", grantId: "minter-grant-000", expiresAt, via: "bearer" };
}

describe("links", () => {
  it("never outlive the owner link that minted them", async () => {
    const bin = await createBin("127.0.0.1");
    const now = Date.now();
    const minterEnds = now + 3_600_000;
    const minter = ownerOf(bin.id, minterEnds);

    expect((await createLink(minter, forever, baseUrl, now)).expiresAt).toBe(minterEnds);
    expect((await createLink(minter, { ...forever, role: "owner", expiresInSeconds: 7200 }, baseUrl, now)).expiresAt).toBe(minterEnds);
    expect((await createLink(minter, { ...forever, expiresInSeconds: 600 }, baseUrl, now)).expiresAt).toBe(now + 600_000);
    // The stored grant stops opening the bin with its minter, not after.
    const minted = await createLink(minter, forever, baseUrl, now);
    expect(await findGrant(minted.token, minterEnds - 1)).not.toBeNull();
    expect(await findGrant(minted.token, minterEnds)).toBeNull();
    // A minter that does not expire mints what was asked.
    expect((await createLink(ownerOf(bin.id), forever, baseUrl, now)).expiresAt).toBeNull();
  });

  it(`are capped at ${maxLiveGrantsPerBin} live grants per bin, the creator's counted; expired and revoked ones make room`, async () => {
    const bin = await createBin("127.0.0.1");
    const owner = ownerOf(bin.id);
    const now = Date.now();
    // The creator's token is one; one short-lived link expires before the last mint.
    const shortLived = await createLink(owner, { ...forever, expiresInSeconds: 60 }, baseUrl, now);
    const minted: string[] = [];
    for (let i = 0; i < maxLiveGrantsPerBin - 2; i++) minted.push((await createLink(owner, forever, baseUrl, now)).id);
    expect(await countLiveGrants(bin.id, now)).toBe(maxLiveGrantsPerBin);

    const refused = await createLink(owner, forever, baseUrl, now).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "conflict", status: 409 });
    expect((refused as AppError).message).toMatch(/100 live links.*revoke some/);
    // The refused mint left nothing behind.
    expect(await countLiveGrants(bin.id, now)).toBe(maxLiveGrantsPerBin);

    await revokeLink(bin.id, minted[0]!);
    await createLink(owner, forever, baseUrl, now);
    // Once the short-lived link has expired it no longer counts.
    expect(shortLived.expiresAt).toBe(now + 60_000);
    await createLink(owner, forever, baseUrl, now + 60_000);
    await expect(createLink(owner, forever, baseUrl, now + 60_000)).rejects.toMatchObject({ code: "conflict" });
  });

  it("revoking one tells the bin's bus which grant went, after it is gone", async () => {
    const bin = await createBin("127.0.0.1");
    const link = await createLink(ownerOf(bin.id), forever, baseUrl);
    const heard: BinEvent[] = [];
    // Whether the grant still opened the bin when each event was heard.
    const stillThere: Promise<boolean>[] = [];
    const unsubscribe = getEventBus().subscribe(bin.id, (event) => {
      heard.push(event);
      stillThere.push(findGrant(link.token).then((grant) => grant !== null));
    });
    try {
      await revokeLink(bin.id, link.id);
      await expect(revokeLink(bin.id, link.id)).rejects.toMatchObject({ code: "not_found" });
    } finally {
      unsubscribe();
    }
    expect(heard).toEqual([{ type: "grant-revoked", binId: bin.id, grantId: link.id }]);
    expect(await Promise.all(stillThere)).toEqual([false]);
  });
});
