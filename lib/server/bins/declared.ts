import type { ConfiguredBin } from "../../config.ts";
import { setConfiguredGrant } from "../access/grants.ts";
import { rejudgeBin } from "../signatures/signature-checks.ts";
import { getDb } from "../storage/sqlite/client.ts";
import { aliasCache, currentSignature, getBinSettings, loadSettings, settingsCache, signatureColumns } from "./settings.ts";

/**
 * Makes each configured bin exist with exactly its configured settings; an alias held
 * by another bin moves to the configured one. Captures are judged again only when the
 * signature check differs from the stored one. Run at start-up, before listening.
 */
export async function applyConfiguredBins(bins: readonly ConfiguredBin[]): Promise<void> {
  const db = getDb();
  for (const bin of bins) {
    const before = await getBinSettings(bin.id);
    await db.$transaction(async (tx) => {
      const binColumns = { ...signatureColumns(bin.signature), maxCaptures: bin.maxCaptures };
      await tx.bin.upsert({ where: { id: bin.id }, create: { id: bin.id, ...binColumns }, update: binColumns });
      await tx.binAlias.deleteMany({ where: bin.alias ? { OR: [{ binId: bin.id }, { alias: bin.alias }] } : { binId: bin.id } });
      if (bin.alias) await tx.binAlias.create({ data: { binId: bin.id, alias: bin.alias } });
      const columns = { response: bin.response ? JSON.stringify(bin.response) : null, rules: JSON.stringify(bin.rules) };
      await tx.binResponse.upsert({ where: { binId: bin.id }, create: { binId: bin.id, ...columns }, update: columns });
    });
    // The alias may have come from another bin whose cached settings still name it.
    if (bin.alias) {
      const previousHolder = aliasCache().get(bin.alias);
      if (previousHolder && previousHolder !== bin.id) settingsCache().delete(previousHolder);
    }
    await setConfiguredGrant(bin.id, bin.token);
    const settings = await loadSettings(bin.id);
    if (before && settings && JSON.stringify(before.signature) !== JSON.stringify(settings.signature)) {
      await rejudgeBin(bin.id, () => currentSignature(bin.id));
    }
  }
}
