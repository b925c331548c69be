import type { Storage } from "../storage.ts";
import { createBinsRepository } from "./bins.ts";
import { createCapturesRepository } from "./captures.ts";
import { createForwardingRepository } from "./forwarding.ts";
import { createGrantsRepository } from "./grants.ts";
import type { PrismaModels } from "./models.ts";

/** The aggregates every driver serves through Prisma's model API, over the driver's own client. */
export function createPrismaRepositories(db: PrismaModels): Pick<Storage, "bins" | "grants" | "captures" | "forwarding"> {
  return {
    bins: createBinsRepository(db),
    grants: createGrantsRepository(db),
    captures: createCapturesRepository(db),
    forwarding: createForwardingRepository(db),
  };
}
