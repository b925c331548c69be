import { z } from "zod";
import type { BinEvent } from "../../types.ts";

/**
 * The wire format of the PostgreSQL live bus (postgres-bus.ts): what one instance tells
 * the others with `NOTIFY`. A notice carries only a key (which bin, which capture or
 * attempt) and never a summary or an attempt: PostgreSQL caps a payload below 8000
 * bytes, and the receiver reads the full record from the database anyway. Pure, so the
 * capture writer can encode its notice inside its storing transaction and tests can
 * send notices from a plain client.
 */

/** The one channel every instance LISTENs on and every notice is sent to. */
export const liveChannel = "hookyard_live";

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
export const maxNoticeBytes = 7999;

/** The events a notice can stand for: every bus event but `resync`, which an instance makes for itself. */
export type NoticeType = Exclude<BinEvent["type"], "resync">;

/** A notice as the receiver reads it; `from` is the instance that sent it. */
export type Notice = { from: string; binId: string } & (
  | { type: "request"; seq: number }
  | { type: "request-deleted"; requestId: string }
  | { type: "requests-cleared"; throughSeq: number }
  | { type: "requests-pruned"; throughSeq: number; removed: number }
  | { type: "bin-deleted" }
  | { type: "bin-updated" }
  | { type: "forward-attempt"; attemptId: string }
  | { type: "grant-revoked"; grantId: string }
);

// Short keys: a burst of captures sends one notice each, and instances of different
// versions may share a database, so the format is small and checked field by field.
const id = z.string().min(1).max(200);
const seq = z.number().int().nonnegative();
const wire = z.discriminatedUnion("t", [
  z.object({ t: z.literal("c"), i: id, b: id, s: seq }),
  z.object({ t: z.literal("d"), i: id, b: id, r: id }),
  z.object({ t: z.literal("x"), i: id, b: id, s: seq }),
  z.object({ t: z.literal("p"), i: id, b: id, n: z.number().int().nonnegative(), s: seq }),
  z.object({ t: z.literal("bd"), i: id, b: id }),
  z.object({ t: z.literal("bu"), i: id, b: id }),
  z.object({ t: z.literal("f"), i: id, b: id, a: id }),
  z.object({ t: z.literal("g"), i: id, b: id, g: id }),
]);
type Wire = z.infer<typeof wire>;

/**
 * The notice of capture `seq` stored in bin `binId` by instance `instanceId`. The capture
 * writer sends it with `SELECT pg_notify($1, $2)` (`liveChannel`, this) inside the
 * transaction that stores the capture, so a notice exists if and only if the capture
 * committed, and notices arrive in commit order.
 * @throws Error when the ids make it longer than PostgreSQL accepts (not with real ids).
 */
export function captureNotice(binId: string, seq: number, instanceId: string): string {
  return encode({ t: "c", i: instanceId, b: binId, s: seq });
}

/**
 * `captureNotice` as an SQL expression over the columns `"binId"` and `"lastSeq"`, for
 * the PostgreSQL writer, which learns a group's numbers only inside its transaction and
 * notifies in the same round trip (decision 013). The same JSON, parsed by `parseNotice`
 * alike. The instance id is the one literal (quotes doubled: standard_conforming_strings).
 */
export function captureNoticeSql(instanceId: string): string {
  return `json_build_object('t', 'c', 'i', '${instanceId.replaceAll("'", "''")}', 'b', "binId", 's', "lastSeq")::text`;
}

/**
 * The notice that tells other instances of a local `event`, or null for the events no
 * one else is told of: `request` (its notice is the capture writer's, sent in the storing
 * transaction) and `resync` (each instance makes its own).
 * @throws Error when the ids make it longer than PostgreSQL accepts (not with real ids).
 */
export function eventNotice(event: BinEvent, instanceId: string): string | null {
  if (event.type === "request" || event.type === "resync") return null;
  const i = instanceId;
  const b = event.binId;
  switch (event.type) {
    case "request-deleted":
      return encode({ t: "d", i, b, r: event.requestId });
    case "requests-cleared":
      return encode({ t: "x", i, b, s: event.throughSeq });
    case "requests-pruned": {
      return encode({ t: "p", i, b, n: event.removed, s: event.throughSeq });
    }
    case "bin-deleted":
      return encode({ t: "bd", i, b });
    case "bin-updated":
      return encode({ t: "bu", i, b });
    case "forward-attempt":
      // The attempt itself (headers, the target's answer) can exceed a payload; the
      // receiver reads it back by id.
      return encode({ t: "f", i, b, a: event.attempt.id });
    case "grant-revoked":
      return encode({ t: "g", i, b, g: event.grantId });
  }
}

/** The notice in `payload`, or null when it is not one (another version's, or garbage). */
export function parseNotice(payload: string): Notice | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (_notJson) {
    // Not JSON is simply not a notice; the caller logs what it ignored.
    return null;
  }
  const parsed = wire.safeParse(json);
  if (!parsed.success) return null;
  const notice = parsed.data;
  const head = { from: notice.i, binId: notice.b };
  switch (notice.t) {
    case "c":
      return { ...head, type: "request", seq: notice.s };
    case "d":
      return { ...head, type: "request-deleted", requestId: notice.r };
    case "x":
      return { ...head, type: "requests-cleared", throughSeq: notice.s };
    case "p":
      return { ...head, type: "requests-pruned", throughSeq: notice.s, removed: notice.n };
    case "bd":
      return { ...head, type: "bin-deleted" };
    case "bu":
      return { ...head, type: "bin-updated" };
    case "f":
      return { ...head, type: "forward-attempt", attemptId: notice.a };
    case "g":
      return { ...head, type: "grant-revoked", grantId: notice.g };
  }
}

function encode(notice: Wire): string {
  const payload = JSON.stringify(notice);
  if (Buffer.byteLength(payload) > maxNoticeBytes) throw new Error(`A live notice of ${Buffer.byteLength(payload)} bytes exceeds PostgreSQL's limit.`);
  return payload;
}
