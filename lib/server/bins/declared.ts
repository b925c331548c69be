import type { ConfiguredBin } from "../../config.ts";
import { setConfiguredGrant } from "../access/grants.ts";
import { rejudgeBin } from "../signatures/signature-checks.ts";
import { getStorage } from "../storage/storage.ts";
import { aliasCache, currentSignature, getBinSettings, loadSettings, settingsCache } from "./settings.ts";

/**
 * Makes each configured bin exist with exactly its configured settings; an alias held
 * by another bin moves to the configured one. Captures are judged again only when the
 * signature check differs from the stored one. Run at start-up, before listening.
 */
export async function applyConfiguredBins(bins: readonly ConfiguredBin[]): Promise<void> {
  for (const bin of bins) {
    const before = await getBinSettings(bin.id);
    await getStorage().bins.applyDeclared(bin);
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
