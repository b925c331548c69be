import { z } from "zod";

/**
 * A bin's human name, used in place of its id in `/b/{alias}`. Lowercase letters,
 * digits and inner hyphens, 3–64 characters. Never 22 characters: every such name
 * would also read as a bin id (22 base64url characters), so `/b/{x}` would be ambiguous.
 * Shared with the browser, so the dashboard explains a bad name before saving.
 */
export const reservedAliases: ReadonlySet<string> = new Set([
  "api",
  "b",
  "bin",
  "bins",
  "new",
  "admin",
  "app",
  "assets",
  "static",
  "public",
  "health",
  "stream",
  "login",
  "logout",
  "settings",
  "dashboard",
  "www",
  "next",
  "favicon-ico",
]);

export const binAliasSchema = z
  .string()
  .min(3, "must be at least 3 characters")
  .max(64, "must be at most 64 characters")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "only lowercase letters, digits and inner hyphens")
  .refine((alias) => alias.length !== 22, "cannot be 22 characters long: it would read as a bin id")
  .refine((alias) => !reservedAliases.has(alias), "is reserved");

export function isBinAlias(value: string): boolean {
  return binAliasSchema.safeParse(value).success;
}
