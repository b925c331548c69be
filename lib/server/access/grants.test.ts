import { describe, expect, it, vi } from "vitest";
import { createBin } from "../bins/bins.ts";
import { getStorage } from "../storage/storage.ts";
import { useTestDatabase } from "../storage/test-database.ts";
import { createGrant, findGrant, isGrantLive, listGrants, revokeGrant, setConfiguredGrant } from "./grants.ts";
import { hashToken } from "./tokens.ts";

useTestDatabase({ BINS_PER_IP_PER_HOUR: "0" });

describe("grants", () => {
  it("keep only the token's hash, and stop opening the bin when they expire or are revoked", async () => {
    const bin = await createBin("127.0.0.1");
    const now = Date.now();
    const { grant, token } = await createGrant(bin.id, { role: "viewer", kind: "link", expiresAt: now + 60_000 });
    const rows = await getStorage().grants.listLive(bin.id, now);
    expect(rows.map((row) => row.tokenHash).sort()).toEqual([hashToken(bin.token), hashToken(token)].sort());
    expect(rows.some((row) => Object.values(row).some((value) => String(value).includes(token)))).toBe(false);

    expect(await findGrant(token, now + 59_999)).toMatchObject({ id: grant.id, binId: bin.id, role: "viewer" });
    expect(await findGrant(token, now + 60_000)).toBeNull();
    expect((await listGrants(bin.id, now + 60_000)).map((listed) => listed.kind)).toEqual(["creator"]);

    expect(await revokeGrant("AAAAAAAAAAAAAAAAAAAAAA", grant.id)).toBe(false);
    expect(await revokeGrant(bin.id, grant.id)).toBe(true);
    expect(await findGrant(token, now)).toBeNull();
    expect(await findGrant(bin.token)).toMatchObject({ binId: bin.id, role: "owner", kind: "creator" });
  });

  it("tells whether a grant still opens its bin, with one read for every stream of the bin asking at once", async () => {
    const bin = await createBin("127.0.0.1");
    const { grant } = await createGrant(bin.id, { role: "viewer", kind: "link" });
    const reads = vi.spyOn(getStorage().grants, "listLive");
    try {
      const answers = await Promise.all([...Array.from({ length: 50 }, () => isGrantLive(bin.id, grant.id)), isGrantLive(bin.id, "no-such-grant")]);
      expect(answers).toEqual([...Array.from({ length: 50 }, () => true), false]);
      expect(reads).toHaveBeenCalledTimes(1);
      // Read afresh once that read is done: a revocation since is seen.
      await revokeGrant(bin.id, grant.id);
      expect(await isGrantLive(bin.id, grant.id)).toBe(false);
      expect(reads).toHaveBeenCalledTimes(2);
    } finally {
      reads.mockRestore();
    }
  });

  it("a declared token replaces the bin's earlier one, and moves off a bin it named before", async () => {
    const first = await createBin("127.0.0.1");
    const second = await createBin("127.0.0.1");
    await setConfiguredGrant(first.id, "declared-token-0000000000000001");
    await setConfiguredGrant(first.id, "declared-token-0000000000000002");
    expect(await findGrant("declared-token-0000000000000001")).toBeNull();
    expect(await findGrant("declared-token-0000000000000002")).toMatchObject({ binId: first.id, kind: "configured" });
    await setConfiguredGrant(second.id, "declared-token-0000000000000002");
    expect(await findGrant("declared-token-0000000000000002")).toMatchObject({ binId: second.id });
    await setConfiguredGrant(second.id, null);
    expect(await findGrant("declared-token-0000000000000002")).toBeNull();
    // The creator tokens are untouched by any of it.
    expect(await findGrant(first.token)).toMatchObject({ binId: first.id });
  });
});
