import { describe, expect, it } from "vitest";
import { binAliasSchema, isBinAlias } from "@/lib/aliases";
import { binIdForAlias, isBinId } from "@/lib/server/bins/ids";

describe("bin aliases", () => {
  it.each(["abc", "stripe-dev", "a1-b2-c3", "0xdeadbeef", "a".repeat(21), "a".repeat(23), "a".repeat(64)])("accepts %s", (alias) => {
    expect(isBinAlias(alias)).toBe(true);
  });

  it.each(["ab", "a".repeat(65), "Stripe", "stripe_dev", "-stripe", "stripe-", "str ipe", "stripé", "api", "bins", "b", "new"])("refuses %s", (alias) => {
    expect(isBinAlias(alias)).toBe(false);
  });

  it("never takes a name that would also read as a bin id", () => {
    const idShaped = "abcdefghijklmnopqrstuv";
    expect(isBinId(idShaped)).toBe(true);
    expect(binAliasSchema.safeParse(idShaped).error?.issues[0]?.message).toMatch(/bin id/);
  });

  it("derives the same valid bin id from an alias every time, different per alias", () => {
    expect(isBinId(binIdForAlias("stripe-dev"))).toBe(true);
    expect(binIdForAlias("stripe-dev")).toBe(binIdForAlias("stripe-dev"));
    expect(binIdForAlias("stripe-dev")).not.toBe(binIdForAlias("stripe-prod"));
  });
});
