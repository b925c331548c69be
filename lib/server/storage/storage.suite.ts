import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfiguredBin } from "../../config.ts";
import { noResponseSettings } from "../../responses.ts";
import { responseRuleSchema, responseSpecSchema } from "../../validations/responses.ts";
import { hashToken, newGrantId, newToken } from "../access/tokens.ts";
import { newBinId, newRequestId, requestIdFloor } from "../bins/ids.ts";
import { signatureConfigSchema } from "../signatures/index.ts";
import { type CaptureRow, type NewAttempt, type Storage, defaultInlineBodyBytes, endedByTurningOff } from "./storage.ts";
import { captureRow } from "./test-builders.ts";

/**
 * The storage contract, as behaviour: every driver runs this suite (the pattern
 * tarampampam/webhook-tester uses for its storage drivers), SQLite in
 * sqlite/sqlite-storage.test.ts. Each `describe` below calls `open` once, so `open` must
 * answer a fresh, empty, migrated storage every time, whose writer keeps at least 100
 * captures per bin by default and has no byte limit per bin. The suite reaches the
 * storage only through the interface; what only one database can show (its files, its
 * pages, its error codes) is tested beside its driver. A driver whose job claims lapse
 * (several processes) must let them lapse within `claimLapsesWithinMs`.
 */
export const claimLapsesWithinMs = 30_000;

export function describeStorage(name: string, open: () => Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    /** Within one `describe`: a storage of its own, opened before its tests and closed after. */
    function useStorage(): () => Storage {
      let storage: Storage | undefined;
      beforeAll(async () => {
        storage = await open();
      });
      afterAll(async () => {
        await storage?.close();
      });
      return () => {
        if (!storage) throw new Error("the storage is opened in beforeAll");
        return storage;
      };
    }

    async function newBin(storage: Storage, lastUsedAt = Date.now()): Promise<{ id: string; token: string }> {
      const token = newToken();
      const id = newBinId();
      await storage.bins.create({ id, lastUsedAt, creator: { id: newGrantId(), tokenHash: hashToken(token), role: "owner", kind: "creator" } });
      return { id, token };
    }

    /** Captures of the bin received at `from`, `from + 1`…, in id order (ids of exactly those times, unlike the monotonic newRequestId). */
    function capturesAt(binId: string, from: number, count: number, overrides: Partial<CaptureRow> = {}): CaptureRow[] {
      return Array.from({ length: count }, (_, i) => captureRow({ binId, id: ulid(from + i), receivedAt: from + i, ...overrides }));
    }

    async function readAll(body: Uint8Array | ReadableStream<Uint8Array>): Promise<Buffer> {
      if (body instanceof Uint8Array) return Buffer.from(body);
      const parts: Uint8Array[] = [];
      for await (const part of body) parts.push(part);
      return Buffer.concat(parts);
    }

    const check = signatureConfigSchema.parse({ provider: "github", secrets: ["suite-secret"] });
    const answer = responseSpecSchema.parse({ status: 201, headers: [["X-Suite", "1"]], body: "made" });
    const rule = responseRuleSchema.parse({ method: "PUT", response: { status: 409, body: "taken" } });
    const target = "http://127.0.0.1:9/suite";

    it("says which database it is", async () => {
      const storage = await open();
      try {
        expect(["sqlite", "postgres"]).toContain(storage.kind);
        await expect(storage.health.ping()).resolves.toBeUndefined();
        expect(await storage.health.probeWrite()).toBe(true);
      } finally {
        await storage.close();
      }
    });

    describe("bins", () => {
      const storage = useStorage();

      it("creates a bin with its creator grant, found with no settings yet", async () => {
        const { id, token } = await newBin(storage());
        const bin = await storage().bins.find(id);
        expect(bin).toMatchObject({ id, forwardUrl: null, autoForward: null });
        expect(bin?.createdAt).toBeInstanceOf(Date);
        // CORS is on for a new bin, as every bin behaved before it could be switched off.
        const none = { signature: null, alias: null, responses: noResponseSettings, autoForward: null, maxCaptures: null, cors: true };
        expect(bin?.settings).toEqual(none);
        expect(await storage().bins.loadSettings(id)).toEqual(none);
        expect(await storage().grants.findByTokenHash(hashToken(token))).toMatchObject({ binId: id, role: "owner", kind: "creator", expiresAt: null });
        expect(await storage().bins.find(newBinId())).toBeNull();
        expect(await storage().bins.loadSettings(newBinId())).toBeNull();
      });

      it("applies changes together, and none of them when another bin holds the alias", async () => {
        const [a, b] = [(await newBin(storage())).id, (await newBin(storage())).id];
        await storage().bins.applyChanges(a, { alias: "suite-alias", signature: check, maxCaptures: 7, response: answer, cors: false }, noResponseSettings);
        expect(await storage().bins.loadSettings(a)).toEqual({
          signature: check,
          alias: "suite-alias",
          responses: { response: answer, rules: [] },
          autoForward: null,
          maxCaptures: 7,
          cors: false,
        });
        expect(await storage().bins.resolveAlias("suite-alias")).toBe(a);

        await expect(storage().bins.applyChanges(b, { alias: "suite-alias", maxCaptures: 3, cors: false }, noResponseSettings)).rejects.toMatchObject({
          code: "conflict",
        });
        expect(await storage().bins.loadSettings(b)).toMatchObject({ maxCaptures: null, cors: true });
        expect(await storage().bins.resolveAlias("suite-alias")).toBe(a);

        // Rules alone keep the response the changes are based on; null takes things away.
        await storage().bins.applyChanges(a, { rules: [rule] }, { response: answer, rules: [] });
        await storage().bins.applyChanges(a, { alias: null, signature: null, maxCaptures: null }, noResponseSettings);
        expect(await storage().bins.loadSettings(a)).toEqual({
          signature: null,
          alias: null,
          responses: { response: answer, rules: [rule] },
          autoForward: null,
          maxCaptures: null,
          // Left out of the changes: stays as it was.
          cors: false,
        });
        await storage().bins.applyChanges(a, { cors: true }, noResponseSettings);
        expect(await storage().bins.loadSettings(a)).toMatchObject({ maxCaptures: null, cors: true, responses: { response: answer, rules: [rule] } });
        expect(await storage().bins.resolveAlias("suite-alias")).toBeNull();
      });

      it("keeps the forward target and auto-forward, and ends the bin's waiting jobs when auto-forward goes off", async () => {
        const { id } = await newBin(storage());
        await storage().bins.applyChanges(id, { forward: { url: target, enabled: true, maxAttempts: 3 } }, noResponseSettings);
        const [row] = capturesAt(id, Date.now(), 1, { forwardJob: { target, maxAttempts: 3 } });
        await storage().writer.insertAll([row!]);
        expect(await storage().bins.find(id)).toMatchObject({
          forwardUrl: target,
          autoForward: { url: target, enabled: true, maxAttempts: 3 },
          settings: { autoForward: { url: target, maxAttempts: 3 } },
        });

        // Left out, `enabled` and `maxAttempts` keep their values.
        await storage().bins.applyChanges(id, { forward: { url: `${target}/2` } }, noResponseSettings);
        expect((await storage().bins.find(id))?.autoForward).toEqual({ url: `${target}/2`, enabled: true, maxAttempts: 3 });
        expect((await storage().forwarding.forwardsOf(id, row!.id))?.job?.state).toBe("pending");

        await storage().bins.applyChanges(id, { forward: { url: target, enabled: false } }, noResponseSettings);
        expect((await storage().bins.find(id))?.settings.autoForward).toBeNull();
        expect((await storage().forwarding.forwardsOf(id, row!.id))?.job).toMatchObject(endedByTurningOff);

        await storage().bins.applyChanges(id, { forward: null }, noResponseSettings);
        expect(await storage().bins.find(id)).toMatchObject({ forwardUrl: null, autoForward: null });
      });

      it("counts its captures, prunes them to a limit, and deletes with everything of it", async () => {
        const { id, token } = await newBin(storage());
        const rows = capturesAt(id, Date.now(), 5);
        await storage().writer.insertAll(rows);
        expect(await storage().bins.countCaptures(id)).toBe(5);

        expect(await storage().bins.pruneToLimit(id, 2)).toEqual({ binId: id, throughSeq: 3, removed: 3 });
        expect((await storage().captures.after(id, 0, 10)).map((capture) => capture.id)).toEqual([rows[3]!.id, rows[4]!.id]);
        expect(await storage().bins.pruneToLimit(id, 2)).toBeNull();

        expect(await storage().bins.delete(id)).toBe(true);
        expect(await storage().bins.find(id)).toBeNull();
        expect(await storage().bins.countCaptures(id)).toBe(0);
        expect(await storage().captures.detail(id, rows[4]!.id)).toBeNull();
        expect(await storage().grants.findByTokenHash(hashToken(token))).toBeNull();
        expect(await storage().bins.delete(id)).toBe(false);
      });

      it("records a visit as the bin's last use, and remembers a forward target", async () => {
        const visitedAt = 1_000_000;
        const { id } = await newBin(storage());
        await storage().bins.markVisited(id, visitedAt);
        expect(await storage().writer.idleBinCandidates(visitedAt + 1, 100)).toContainEqual({ binId: id, newestId: null });
        expect(await storage().writer.idleBinCandidates(visitedAt, 100)).not.toContainEqual(expect.objectContaining({ binId: id }));

        await storage().bins.rememberForwardUrl(id, target);
        expect((await storage().bins.find(id))?.forwardUrl).toBe(target);
        // A bin deleted meanwhile: nothing to remember it on, and no error.
        await expect(storage().bins.rememberForwardUrl(newBinId(), target)).resolves.toBeUndefined();
        await expect(storage().bins.markVisited(newBinId(), visitedAt)).resolves.toBeUndefined();
      });

      it("makes a declared bin exactly as declared, taking its alias from another bin", async () => {
        const holder = (await newBin(storage())).id;
        await storage().bins.applyChanges(holder, { alias: "suite-declared" }, noResponseSettings);
        const declared: ConfiguredBin = {
          id: newBinId(),
          alias: "suite-declared",
          signature: check,
          response: answer,
          rules: [rule],
          maxCaptures: 5,
          cors: false,
          token: null,
        };

        await storage().bins.applyDeclared(declared);
        expect(await storage().bins.resolveAlias("suite-declared")).toBe(declared.id);
        expect((await storage().bins.loadSettings(holder))?.alias).toBeNull();
        expect(await storage().bins.loadSettings(declared.id)).toEqual({
          signature: check,
          alias: "suite-declared",
          responses: { response: answer, rules: [rule] },
          autoForward: null,
          maxCaptures: 5,
          cors: false,
        });

        // Declared again, differently: exactly the new declaration.
        await storage().bins.applyDeclared({ ...declared, alias: null, signature: null, response: null, rules: [], maxCaptures: null, cors: true });
        expect(await storage().bins.loadSettings(declared.id)).toEqual({
          signature: null,
          alias: null,
          responses: noResponseSettings,
          autoForward: null,
          maxCaptures: null,
          cors: true,
        });
        expect(await storage().bins.resolveAlias("suite-declared")).toBeNull();
      });
    });

    describe("grants", () => {
      const storage = useStorage();

      it("finds a grant by its token's hash until it expires or is revoked, and lists the live ones newest first", async () => {
        const { id: binId, token: ownerToken } = await newBin(storage());
        const now = Date.now();
        // createdAt orders the list: the link is made visibly later than the bin's creator grant.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const tokenHash = hashToken(newToken());
        const created = await storage().grants.create({
          id: newGrantId(),
          binId,
          tokenHash,
          role: "viewer",
          kind: "link",
          label: "phone",
          expiresAt: now + 60_000,
        });
        expect(created).toMatchObject({ binId, tokenHash, role: "viewer", kind: "link", label: "phone", expiresAt: now + 60_000 });
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await storage().grants.findByTokenHash(tokenHash)).toEqual(created);

        expect((await storage().grants.listLive(binId, now)).map((grant) => grant.kind)).toEqual(["link", "creator"]);
        expect(await storage().grants.countLive(binId, now)).toBe(2);
        expect((await storage().grants.listLive(binId, now + 60_000)).map((grant) => grant.tokenHash)).toEqual([hashToken(ownerToken)]);
        expect(await storage().grants.countLive(binId, now + 60_000)).toBe(1);

        expect(await storage().grants.revoke(newBinId(), created.id)).toBe(false);
        expect(await storage().grants.revoke(binId, created.id)).toBe(true);
        expect(await storage().grants.findByTokenHash(tokenHash)).toBeNull();
        expect(await storage().grants.revoke(binId, created.id)).toBe(false);
      });

      it("keeps one configured grant per bin, and moves a token to the bin it is declared for", async () => {
        const [a, b] = [(await newBin(storage())).id, (await newBin(storage())).id];
        const [first, second] = [hashToken(newToken()), hashToken(newToken())];
        await storage().grants.setConfigured(a, { id: newGrantId(), tokenHash: first });
        expect(await storage().grants.findByTokenHash(first)).toMatchObject({ binId: a, role: "owner", kind: "configured" });

        await storage().grants.setConfigured(a, { id: newGrantId(), tokenHash: second });
        expect(await storage().grants.findByTokenHash(first)).toBeNull();
        expect(await storage().grants.findByTokenHash(second)).toMatchObject({ binId: a });

        await storage().grants.setConfigured(b, { id: newGrantId(), tokenHash: second });
        expect(await storage().grants.findByTokenHash(second)).toMatchObject({ binId: b, kind: "configured" });
        expect((await storage().grants.listLive(a, Date.now())).map((grant) => grant.kind)).toEqual(["creator"]);

        await storage().grants.setConfigured(b, null);
        expect(await storage().grants.findByTokenHash(second)).toBeNull();
        expect((await storage().grants.listLive(b, Date.now())).map((grant) => grant.kind)).toEqual(["creator"]);
      });
    });

    describe("captures", () => {
      const storage = useStorage();

      it("pages a bin newest first by place (seq, not id) with a cursor, without bodies, and knows a missing bin", async () => {
        const { id } = await newBin(storage());
        // Stored in this order, with ids that run the other way (as another instance's clock may make them).
        const rows = capturesAt(id, Date.now() - 10_000, 5).reverse();
        expect((await storage().writer.insertAll(rows)).seqs).toEqual([1, 2, 3, 4, 5]);
        const newestFirst = rows.map((row) => row.id).reverse();

        const first = await storage().captures.page(id, { limit: 2 });
        expect(first?.captures.map((capture) => capture.id)).toEqual(newestFirst.slice(0, 2));
        expect(first?.nextCursor).toBe(4);
        const second = await storage().captures.page(id, { limit: 2, cursor: first!.nextCursor! });
        expect(second?.captures.map((capture) => [capture.seq, capture.id])).toEqual([
          [3, newestFirst[2]],
          [2, newestFirst[3]],
        ]);
        const last = await storage().captures.page(id, { limit: 2, cursor: second!.nextCursor! });
        expect(last).toEqual({ captures: [expect.objectContaining({ id: newestFirst[4], seq: 1 })], nextCursor: null });

        const [newest] = first!.captures;
        const row = rows.at(-1)!;
        expect(newest).toEqual({
          id: row.id,
          binId: id,
          seq: 5,
          method: row.method,
          path: row.path,
          query: row.query,
          contentType: row.contentType,
          size: row.size,
          ip: row.ip,
          receivedAt: row.receivedAt,
          signatureProvider: null,
          signatureStatus: null,
          signatureReason: null,
        });

        expect(await storage().captures.page(newBinId(), { limit: 2 })).toBeNull();
        expect(await storage().captures.page((await newBin(storage())).id, { limit: 2 })).toEqual({ captures: [], nextCursor: null });
      });

      it("lists what came after a place, in place order (what a resuming stream missed), and finds the place of a capture id", async () => {
        const { id } = await newBin(storage());
        const rows = capturesAt(id, Date.now() - 10_000, 4);
        await storage().writer.insertAll(rows);
        expect((await storage().captures.after(id, 0, 10)).map((capture) => capture.seq)).toEqual([1, 2, 3, 4]);
        expect((await storage().captures.after(id, 1, 2)).map((capture) => capture.id)).toEqual([rows[1]!.id, rows[2]!.id]);
        expect(await storage().captures.after(id, 4, 10)).toEqual([]);

        expect(await storage().captures.seqOfRequestId(id, rows[2]!.id)).toBe(3);
        // Gone: the place of the newest capture that arrived before it; none: the start.
        await storage().captures.delete(id, rows[2]!.id);
        expect(await storage().captures.seqOfRequestId(id, rows[2]!.id)).toBe(2);
        expect(await storage().captures.seqOfRequestId(id, ulid(Date.now() - 20_000))).toBe(0);
        expect(await storage().captures.seqOfRequestId(newBinId(), rows[3]!.id)).toBe(0);
      });

      it("reads a capture and its body back exactly, a small one and one too large to sit inline", async () => {
        const { id } = await newBin(storage());
        const pieces = [randomBytes(70_000), randomBytes(defaultInlineBodyBytes), randomBytes(123)];
        const large = Buffer.concat(pieces);
        const [small, big] = [
          captureRow({
            binId: id,
            id: newRequestId(),
            body: Buffer.from([0, 1, 2, 0xff]),
            contentType: "application/octet-stream",
            answerStatus: 202,
            answerBy: "rule",
            answerRule: 2,
          }),
          captureRow({
            binId: id,
            id: newRequestId(),
            body: pieces,
            headers: JSON.stringify([
              ["X-Dup", "1"],
              ["x-dup", "2"],
            ]),
            // As a capture stored before answers were recorded reads.
            answerStatus: null,
            answerBy: null,
            answerRule: null,
          }),
        ];
        await storage().writer.insertAll([small, big]);

        for (const [row, bytes] of [
          [small, Buffer.from([0, 1, 2, 0xff])],
          [big, large],
        ] as const) {
          const detail = await storage().captures.detail(id, row.id);
          expect(detail).toMatchObject({ id: row.id, binId: id, url: row.url, headers: row.headers, receivedAt: row.receivedAt, contentType: row.contentType });
          expect(detail).toMatchObject({ answerStatus: row.answerStatus, answerBy: row.answerBy, answerRule: row.answerRule });
          expect(detail?.body.size).toBe(bytes.length);
          expect(Buffer.from(await storage().captures.readBody(detail!.body)).equals(bytes)).toBe(true);
          const raw = await storage().captures.body(id, row.id);
          expect(raw?.contentType).toBe(row.contentType);
          expect((await readAll(storage().captures.streamBody(raw!.body))).equals(bytes)).toBe(true);
          // A capture is only ever read through its own bin.
          expect(await storage().captures.detail(newBinId(), row.id)).toBeNull();
          expect(await storage().captures.body(newBinId(), row.id)).toBeNull();
        }

        // Deleted while a reader held it: not_found, or null, never a short body.
        const held = (await storage().captures.body(id, big.id))!.body;
        expect(await storage().captures.delete(id, big.id)).toBe(true);
        await expect(storage().captures.readBody(held)).rejects.toMatchObject({ code: "not_found" });
        expect(await storage().captures.readBodyIfStored(held)).toBeNull();
      });

      it("deletes one capture of its own bin, and clears a bin", async () => {
        const [{ id }, other] = [await newBin(storage()), await newBin(storage())];
        const rows = capturesAt(id, Date.now() - 10_000, 3);
        const kept = capturesAt(other.id, Date.now() - 10_000, 1);
        await storage().writer.insertAll([...rows, ...kept]);

        expect(await storage().captures.delete(other.id, rows[0]!.id)).toBe(false);
        expect(await storage().captures.delete(id, rows[0]!.id)).toBe(true);
        expect(await storage().captures.delete(id, rows[0]!.id)).toBe(false);
        expect(await storage().captures.detail(id, rows[0]!.id)).toBeNull();

        // Through the newest place given (3, though place 1 was deleted already).
        expect(await storage().captures.clear(id)).toEqual({ removed: 2, throughSeq: 3 });
        expect(await storage().captures.after(id, 0, 10)).toEqual([]);
        expect(await storage().captures.clear(id)).toEqual({ removed: 0, throughSeq: 3 });
        expect(await storage().captures.clear(newBinId())).toBeNull();
        expect(await storage().bins.countCaptures(other.id)).toBe(1);
      });

      it("hands out what a signature check reads, a page at a time, and stores verdicts", async () => {
        const { id } = await newBin(storage());
        const rows = capturesAt(id, Date.now() - 10_000, 3, { method: "PUT" });
        await storage().writer.insertAll(rows);

        const one = await storage().captures.signedRequest(id, rows[1]!.id);
        expect(one).toMatchObject({ id: rows[1]!.id, method: "PUT", url: rows[1]!.url, headers: rows[1]!.headers, receivedAt: rows[1]!.receivedAt });
        expect(Buffer.from(await storage().captures.readBody(one!.body)).equals(rows[1]!.body as Buffer)).toBe(true);
        expect(await storage().captures.signedRequest(newBinId(), rows[1]!.id)).toBeNull();

        const firstPage = await storage().captures.signedRequestsAfter(id, 0, 2);
        expect(firstPage.map((row) => [row.seq, row.id])).toEqual([
          [1, rows[0]!.id],
          [2, rows[1]!.id],
        ]);
        expect((await storage().captures.signedRequestsAfter(id, 2, 2)).map((row) => row.id)).toEqual([rows[2]!.id]);

        const verdict = { signatureProvider: "github", signatureStatus: "invalid", signatureReason: "no match" };
        await storage().captures.delete(id, rows[2]!.id);
        // One of them deleted meanwhile: skipped, the others stored.
        await storage().captures.writeVerdicts(rows.map((row) => ({ id: row.id, verdict })));
        expect((await storage().captures.after(id, 0, 10)).map((capture) => capture.signatureStatus)).toEqual(["invalid", "invalid"]);

        expect(await storage().captures.clearVerdicts(id)).toBe(2);
        expect((await storage().captures.after(id, 0, 10)).map((capture) => capture.signatureProvider)).toEqual([null, null]);
      });
    });

    describe("forwarding", () => {
      const storage = useStorage();

      function attempt(requestId: string, overrides: Partial<NewAttempt> = {}): NewAttempt {
        return {
          id: newRequestId(),
          requestId,
          target,
          url: `${target}/hook`,
          method: "POST",
          requestHeaders: JSON.stringify([["Content-Type", "text/plain"]]),
          requestSize: 4,
          resigned: false,
          automatic: false,
          durationMs: 12,
          ...overrides,
        };
      }

      it("hands out a capture to send, only through its own bin", async () => {
        const { id } = await newBin(storage());
        const [row] = capturesAt(id, Date.now(), 1, { method: "PATCH", path: "/x/y", query: "a=%2F" });
        await storage().writer.insertAll([row!]);
        const source = await storage().forwarding.captureToForward(id, row!.id);
        expect(source).toMatchObject({ method: "PATCH", path: "/x/y", query: "a=%2F", headers: row!.headers });
        expect(Buffer.from(await storage().captures.readBody(source!.body)).equals(row!.body as Buffer)).toBe(true);
        expect(await storage().forwarding.captureToForward(newBinId(), row!.id)).toBeNull();
      });

      it("keeps a capture's newest attempts, and lists them with the bin's recent targets", async () => {
        const { id } = await newBin(storage());
        const [row] = capturesAt(id, Date.now(), 1);
        await storage().writer.insertAll([row!]);
        const body = new Uint8Array([1, 2, 3]);
        const kept = [];
        for (const [i, each] of [target, `${target}/b`, target, `${target}/c`, `${target}/b`].entries()) {
          const stored = await storage().forwarding.keepAttempt(
            attempt(row!.id, { target: each, status: 200 + i, responseHeaders: "[]", responseBody: body, responseTruncated: i === 0 }),
            3,
          );
          expect(stored).toMatchObject({ requestId: row!.id, target: each, status: 200 + i, error: null, automatic: false });
          expect(stored.createdAt).toBeInstanceOf(Date);
          kept.push(stored.id);
        }
        const failed = await storage().forwarding.keepAttempt(attempt(row!.id, { error: "connection refused", automatic: true }), 3);
        expect(failed).toMatchObject({ status: null, responseHeaders: null, responseBody: null, responseTruncated: false, error: "connection refused" });
        kept.push(failed.id);

        await storage().bins.rememberForwardUrl(id, `${target}/c`);
        const forwards = await storage().forwarding.forwardsOf(id, row!.id);
        expect(forwards?.attempts.map((each) => each.id)).toEqual(kept.slice(-3));
        expect(Buffer.from(forwards!.attempts[0]!.responseBody!).equals(Buffer.from(body))).toBe(true);
        expect(forwards?.recentTargets).toEqual([target, `${target}/b`, `${target}/c`]);
        expect(forwards).toMatchObject({ rememberedUrl: `${target}/c`, job: null });
        expect(await storage().forwarding.forwardsOf(newBinId(), row!.id)).toBeNull();
      });

      it("claims each due job once, earliest first, and finishes, puts back or ends them", async () => {
        const { id } = await newBin(storage());
        const now = Date.now();
        const due = capturesAt(id, now - 5_000, 4, { forwardJob: { target, maxAttempts: 3 } });
        const later = capturesAt(id, now + 60_000, 1, { forwardJob: { target, maxAttempts: 3 } });
        await storage().writer.insertAll([...later, ...due]);
        const job = (row: CaptureRow) => ({ id: row.id, requestId: row.id, binId: id, target, maxAttempts: 3, attempts: 0 });
        const jobState = async (row: CaptureRow) => (await storage().forwarding.forwardsOf(id, row.id))?.job;

        expect(await storage().forwarding.claimDueJobs(2, now)).toEqual([job(due[0]!), job(due[1]!)]);
        expect(await jobState(due[0]!)).toMatchObject({ state: "running" });
        // Two claims at once never take the same job.
        const together = await Promise.all([storage().forwarding.claimDueJobs(2, now), storage().forwarding.claimDueJobs(2, now)]);
        expect(
          together
            .flat()
            .map((each) => each.id)
            .sort(),
        ).toEqual([due[2]!.id, due[3]!.id]);
        expect(await storage().forwarding.claimDueJobs(10, now)).toEqual([]);
        expect(await storage().forwarding.nextDueAt()).toBe(later[0]!.receivedAt);

        const delivered = { state: "delivered" as const, attempts: 1, nextAttemptAt: now, lastError: null };
        expect(await storage().forwarding.finishJob(due[0]!.id, delivered)).toEqual({ state: "delivered", nextAttemptAt: now, lastError: null });
        expect(await jobState(due[0]!)).toEqual({ state: "delivered", target, attempts: 1, maxAttempts: 3, nextAttemptAt: now, lastError: null });

        const retry = { state: "pending" as const, attempts: 1, nextAttemptAt: now + 1_000, lastError: "the target answered 503" };
        expect(await storage().forwarding.putBackJob(due[1]!.id, retry)).toBe(true);
        expect(await storage().forwarding.putBackJob(due[1]!.id, retry)).toBe(false);
        expect(await storage().forwarding.nextDueAt()).toBe(now + 1_000);
        expect(await storage().forwarding.claimDueJobs(10, now + 1_000)).toEqual([{ ...job(due[1]!), attempts: 1 }]);

        // Ended while its attempt was out: it keeps that end, and counts the attempt.
        expect(await storage().forwarding.endRunningJob(due[1]!.id)).toBe(true);
        expect(await storage().forwarding.endRunningJob(due[1]!.id)).toBe(false);
        expect(await storage().forwarding.finishJob(due[1]!.id, { ...delivered, attempts: 2 })).toMatchObject(endedByTurningOff);
        expect(await jobState(due[1]!)).toMatchObject({ ...endedByTurningOff, attempts: 2 });

        // A process stopped mid-attempt: its running jobs are taken again, by the next start
        // (SQLite: one process, so whatever is running was left behind) or once their
        // claim lapses (PostgreSQL: another instance may be sending them right now).
        await storage().forwarding.resetRunningJobs();
        expect((await storage().forwarding.claimDueJobs(10, now + claimLapsesWithinMs)).map((each) => each.id)).toEqual([due[2]!.id, due[3]!.id]);
        await storage().forwarding.resetRunningJobs();

        expect(await storage().forwarding.endJobsOfBin(id)).toBe(3);
        expect(await jobState(later[0]!)).toMatchObject(endedByTurningOff);
        expect(await storage().forwarding.nextDueAt()).toBeNull();

        // Gone with its capture.
        await storage().captures.delete(id, due[3]!.id);
        expect(await storage().forwarding.finishJob(due[3]!.id, delivered)).toBeNull();
      });
    });

    describe("writer and retention", () => {
      const storage = useStorage();

      it("writes a group whole or not at all, with auto-forward jobs, and prunes each bin to its own limit", async () => {
        const { id } = await newBin(storage());
        const now = Date.now();
        await expect(storage().writer.insertAll([...capturesAt(id, now - 9_000, 1), ...capturesAt(newBinId(), now - 8_000, 1)])).rejects.toThrow();
        expect(await storage().bins.countCaptures(id)).toBe(0);
        expect(await storage().writer.insertAll([])).toEqual({ seqs: [], pruned: [] });

        const rows = capturesAt(id, now - 7_000, 4, { maxCaptures: 2 });
        const [looped] = capturesAt(id, now - 1_000, 1, { maxCaptures: 2, forwardJob: { target, maxAttempts: 3, notSent: "not forwarded: a loop" } });
        expect(await storage().writer.insertAll(rows)).toEqual({ seqs: [1, 2, 3, 4], pruned: [{ binId: id, throughSeq: 2, removed: 2 }] });
        expect(await storage().writer.insertAll([looped!])).toEqual({ seqs: [5], pruned: [{ binId: id, throughSeq: 3, removed: 1 }] });
        expect((await storage().captures.after(id, 0, 10)).map((capture) => capture.id)).toEqual([rows[3]!.id, looped!.id]);
        expect((await storage().forwarding.forwardsOf(id, looped!.id))?.job).toMatchObject({
          state: "failed",
          attempts: 0,
          lastError: "not forwarded: a loop",
        });
      });

      it("numbers each bin's captures 1, 2, 3… in the order stored, never reusing a number", async () => {
        const [a, b] = [(await newBin(storage())).id, (await newBin(storage())).id];
        const now = Date.now();
        const [a1, b1, a2] = [...capturesAt(a, now - 900, 1), ...capturesAt(b, now - 800, 1), ...capturesAt(a, now - 700, 1)];
        expect((await storage().writer.insertAll([a1!, b1!, a2!])).seqs).toEqual([1, 1, 2]);
        expect((await storage().writer.insertAll(capturesAt(a, now - 600, 2))).seqs).toEqual([3, 4]);

        // A refused group takes no number; a cleared bin goes on from where it was.
        await expect(storage().writer.insertAll([...capturesAt(a, now - 500, 1), ...capturesAt(newBinId(), now - 400, 1)])).rejects.toThrow();
        expect(await storage().captures.clear(a)).toEqual({ removed: 4, throughSeq: 4 });
        expect((await storage().writer.insertAll(capturesAt(a, now - 300, 1))).seqs).toEqual([5]);
        expect((await storage().writer.insertAll(capturesAt(b, now - 200, 1))).seqs).toEqual([2]);
        expect((await storage().captures.after(a, 0, 10)).map((capture) => capture.seq)).toEqual([5]);
      });

      it("expires the oldest captures in batches, counting them as a use of their bin", async () => {
        const t = 2_000_000;
        const [a, b] = [(await newBin(storage(), t)).id, (await newBin(storage(), t)).id];
        const rowsA = capturesAt(a, t + 10, 3);
        const rowsB = capturesAt(b, t + 20, 1);
        await storage().writer.insertAll([...rowsA, ...rowsB]);

        const beforeId = requestIdFloor(t + 12);
        expect(await storage().writer.expireCaptures(beforeId, 1)).toEqual([{ binId: a, throughSeq: 1, removed: 1 }]);
        expect(await storage().writer.expireCaptures(beforeId, 10)).toEqual([{ binId: a, throughSeq: 2, removed: 1 }]);
        expect(await storage().writer.expireCaptures(beforeId, 10)).toEqual([]);
        expect((await storage().captures.after(a, 0, 10)).map((capture) => capture.id)).toEqual([rowsA[2]!.id]);
        expect(await storage().bins.countCaptures(b)).toBe(1);

        // a was last used by the newest capture removed (t + 11); b still at t.
        expect(await storage().writer.idleBinCandidates(t + 11, 10)).toEqual([{ binId: b, newestId: rowsB[0]!.id }]);
        expect(await storage().writer.idleBinCandidates(t + 12, 10)).toEqual([
          { binId: b, newestId: rowsB[0]!.id },
          { binId: a, newestId: rowsA[2]!.id },
        ]);
        expect(await storage().writer.idleBinCandidates(t + 12, 1)).toEqual([{ binId: b, newestId: rowsB[0]!.id }]);
      });

      it("deletes a bin only while it is still idle, and never moves a last use back", async () => {
        const t = 3_000_000;
        const { id } = await newBin(storage(), t);
        const [row] = capturesAt(id, t + 50, 1);
        await storage().writer.insertAll([row!]);

        await storage().writer.markBinUsed(id, t - 1_000);
        expect(await storage().writer.idleBinCandidates(t + 1, 10)).toContainEqual({ binId: id, newestId: row!.id });
        await storage().writer.markBinUsed(id, t + 100);
        expect(await storage().writer.idleBinCandidates(t + 100, 10)).not.toContainEqual(expect.objectContaining({ binId: id }));

        // A capture at or after `beforeId`, or a use since `usedBefore`, keeps it.
        expect(await storage().writer.deleteIdleBin(id, t + 200, requestIdFloor(t + 50))).toBe(false);
        expect(await storage().writer.deleteIdleBin(id, t + 100, requestIdFloor(t + 51))).toBe(false);
        expect(await storage().bins.find(id)).not.toBeNull();
        expect(await storage().writer.deleteIdleBin(id, t + 200, requestIdFloor(t + 51))).toBe(true);
        expect(await storage().bins.find(id)).toBeNull();
        expect(await storage().captures.detail(id, row!.id)).toBeNull();
        expect(await storage().writer.deleteIdleBin(id, t + 200, requestIdFloor(t + 51))).toBe(false);
      });

      it("gives bins that were never used a last use, so their idle time starts", async () => {
        const declared: ConfiguredBin = { id: newBinId(), alias: null, signature: null, response: null, rules: [], maxCaptures: null, cors: true, token: null };
        // A declared bin is made without a last use, as bins made before it existed were.
        await storage().bins.applyDeclared(declared);
        const stampedAt = Date.now() + 365 * 86_400_000;
        expect(await storage().writer.idleBinCandidates(stampedAt + 1, 1_000)).not.toContainEqual(expect.objectContaining({ binId: declared.id }));
        await storage().writer.stampUnusedBins(stampedAt);
        expect(await storage().writer.idleBinCandidates(stampedAt + 1, 1_000)).toContainEqual({ binId: declared.id, newestId: null });
        expect(await storage().writer.idleBinCandidates(stampedAt, 1_000)).not.toContainEqual(expect.objectContaining({ binId: declared.id }));
      });
    });
  });
}
