import type { CaptureRow } from "./storage.ts";

let sequence = 0;

/** A capture row as the capture path writes it; ids are valid ULIDs in creation order. */
export function captureRow(overrides: Partial<CaptureRow> = {}): CaptureRow {
  sequence += 1;
  const binId = overrides.binId ?? "AAAAAAAAAAAAAAAAAAAAAA";
  const body = overrides.body ?? Buffer.from(`body ${sequence}`);
  return {
    id: `01K0000000000000000000${String(sequence).padStart(4, "0")}`,
    binId,
    method: "POST",
    path: "/hook",
    query: "a=1",
    url: `http://localhost/b/${binId}/hook?a=1`,
    headers: JSON.stringify([["Host", "localhost"]]),
    contentType: "text/plain",
    body,
    size: Buffer.isBuffer(body) ? body.length : body.reduce((total, piece) => total + piece.length, 0),
    ip: "127.0.0.1",
    receivedAt: 1_700_000_000_000 + sequence,
    signatureProvider: null,
    signatureStatus: null,
    signatureReason: null,
    answerStatus: 200,
    answerBy: "built-in",
    answerRule: null,
    ...overrides,
  };
}
