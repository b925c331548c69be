"use client";

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { BinEvent, RequestPage, RequestSummary } from "@/lib/types";
import { liveStreamPath, resumePoint, type StreamEventType, streamEventTypes, takeEarlyStream } from "./early-stream";

/** An auto-forward attempt as it was made: the attempt (without the answer's body) and where its job stands. */
export type LiveForwardAttempt = Omit<Extract<BinEvent, { type: "forward-attempt" }>, "type" | "binId">;

export type LiveStatus = "connecting" | "live" | "reconnecting" | "bin-deleted";

/**
 * The stream's status, held outside React state: it flips to "Live" as the page
 * hydrates, and only what shows it re-renders, not the whole list and its panels.
 */
export class LiveStatusStore {
  private status: LiveStatus = "connecting";
  private readonly listeners = new Set<() => void>();

  get = (): LiveStatus => this.status;

  set = (status: LiveStatus): void => {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.listeners) listener();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/**
 * What `select` reads from the stream's status; the server and hydration see
 * "connecting". Subscribed in a layout effect, reading the store once as it subscribes,
 * so a status set while the page hydrates is rendered in a synchronous update before
 * the browser paints (useSyncExternalStore would subscribe in a passive effect, a frame
 * later). `select` must be stable (defined outside the component); the caller
 * re-renders only when what it selects changes.
 */
export function useLiveStatus<T>(store: LiveStatusStore, select: (status: LiveStatus) => T): T {
  const [selected, setSelected] = useState(() => select("connecting"));
  useLayoutEffect(() => {
    const update = () => setSelected(select(store.get()));
    update();
    return store.subscribe(update);
  }, [store, select]);
  return selected;
}

export type LiveState = {
  requests: RequestSummary[];
  total: number;
  nextCursor: string | null;
};

/**
 * The bin's captures, newest first, kept current over Server-Sent Events. The stream
 * resumes from the newest capture the server rendered (or from the start of an empty
 * bin), so a capture that lands while the page loads is not lost; after a dropped
 * connection EventSource resumes from the last event it saw (Last-Event-ID).
 * `onRemoved` hears of captures deleted, cleared or pruned anywhere, as a test of an id,
 * so a view of one that is gone can say so.
 */
export function useLiveRequests(binId: string, initialPage: RequestPage, initialTotal: number, onRemoved?: (removed: (requestId: string) => boolean) => void) {
  // The latest callback, without reopening the stream when it changes.
  const onRemovedRef = useRef(onRemoved);
  useLayoutEffect(() => {
    onRemovedRef.current = onRemoved;
  });
  const [state, setState] = useState<LiveState>({
    requests: initialPage.requests,
    total: initialTotal,
    nextCursor: initialPage.nextCursor,
  });
  // The list as last rendered, for the stream's handlers (which outlive a render).
  const requestsRef = useRef(state.requests);
  useLayoutEffect(() => {
    requestsRef.current = state.requests;
  });
  const [statusStore] = useState(() => new LiveStatusStore());
  /**
   * Counts `bin-updated` and `resync` events: the bin's settings, its verdicts or its list
   * may have changed, and what shows them reads them again.
   */
  const [revision, setRevision] = useState(0);
  /** The latest auto-forward attempt in this bin, so an open detail view can show it. */
  const [forwardAttempt, setForwardAttempt] = useState<LiveForwardAttempt | null>(null);
  const resumeFrom = resumePoint(initialPage.requests[0]);

  // A layout effect: the stream (usually opened by the page's inline script, and often
  // ready already) is adopted as hydration commits, so "Live" is painted with the
  // hydrated page instead of a frame later.
  useLayoutEffect(() => {
    // A new stream (another resume point, a remount) is not live until it says so.
    if (statusStore.get() !== "bin-deleted") statusStore.set("connecting");
    const path = liveStreamPath(binId, resumeFrom);
    // The page's inline script usually opened this stream already (early-stream.ts).
    const early = takeEarlyStream(path);
    const source = early?.source ?? new EventSource(path);
    const handle = (type: StreamEventType, data: string) => {
      switch (type) {
        case "ready":
          statusStore.set("live");
          return;
        case "request": {
          const request = JSON.parse(data) as RequestSummary;
          setState((current) =>
            current.requests.some((known) => known.id === request.id)
              ? current
              : { ...current, requests: [request, ...current.requests], total: current.total + 1 },
          );
          return;
        }
        case "request-deleted": {
          const { id } = JSON.parse(data) as { id: string };
          setState((current) => removeRequest(current, id));
          onRemovedRef.current?.((requestId) => requestId === id);
          return;
        }
        case "requests-cleared": {
          // Everything up to `through` went; a capture stored meanwhile elsewhere (a higher place) stays.
          const { through } = JSON.parse(data) as { through: number };
          const gone = new Set(requestsRef.current.filter((request) => request.seq <= through).map((request) => request.id));
          setState((current) => clearThrough(current, through));
          onRemovedRef.current?.((requestId) => gone.has(requestId));
          return;
        }
        case "requests-pruned": {
          const { through, removed } = JSON.parse(data) as { through: number; removed: number };
          // Which of the listed captures the pruning took (a place is not in an id).
          const gone = new Set(requestsRef.current.filter((request) => request.seq <= through).map((request) => request.id));
          setState((current) => pruneThrough(current, through, removed));
          onRemovedRef.current?.((requestId) => gone.has(requestId));
          return;
        }
        // resync: the server missed other instances' events for a while; deletes, clears
        // and settings changes may be among them, so the list and the bin are read again.
        case "bin-updated":
        case "resync":
          setRevision((current) => current + 1);
          return;
        case "forward-attempt":
          setForwardAttempt(JSON.parse(data) as LiveForwardAttempt);
          return;
        case "bin-deleted":
          source.close();
          statusStore.set("bin-deleted");
          return;
      }
    };
    for (const event of early?.events ?? []) handle(event.type, event.data);
    for (const type of streamEventTypes) {
      source.addEventListener(type, (event) => handle(type, (event as MessageEvent<string>).data));
    }
    source.onerror = () => {
      // CLOSED means the server refused the stream (the bin is gone); EventSource gives up.
      statusStore.set(source.readyState === EventSource.CLOSED ? "bin-deleted" : "reconnecting");
    };
    return () => source.close();
  }, [binId, resumeFrom, statusStore]);

  useEffect(() => {
    if (revision === 0) return;
    // Verdicts changed server-side, or the stream missed events (resync): read the captures on screen again.
    const controller = new AbortController();
    const loaded = Math.min(200, Math.max(50, state.requests.length));
    fetch(`/api/bins/${binId}/requests?limit=${loaded}`, { signal: controller.signal })
      .then((response) => (response.ok ? (response.json() as Promise<RequestPage>) : null))
      .then((page) => {
        if (page) setState((current) => ({ ...current, requests: page.requests, nextCursor: page.nextCursor }));
      })
      .catch(() => {
        // Aborted by a newer revision, or offline: the next event or reload brings it back.
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new revision triggers a refresh, not every change of the list
  }, [binId, revision]);

  async function loadOlder(): Promise<void> {
    if (!state.nextCursor) return;
    const response = await fetch(`/api/bins/${binId}/requests?limit=50&cursor=${state.nextCursor}`);
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    const page = (await response.json()) as RequestPage;
    setState((current) => {
      const known = new Set(current.requests.map((request) => request.id));
      return {
        ...current,
        requests: [...current.requests, ...page.requests.filter((request) => !known.has(request.id))],
        nextCursor: page.nextCursor,
      };
    });
  }

  const forget = (requestId: string) => setState((current) => removeRequest(current, requestId));
  const forgetAll = () => setState({ requests: [], total: 0, nextCursor: null });

  return { ...state, statusStore, revision, forwardAttempt, loadOlder, forget, forgetAll };
}

/** The bin was cleared through place `through`: only newer captures are left, and nothing older to load. */
export function clearThrough(state: LiveState, through: number): LiveState {
  const kept = state.requests.filter((request) => request.seq > through);
  return { requests: kept, total: kept.length, nextCursor: null };
}

/** Retention removed every capture up to place `through` (the `seq`), `removed` in all. */
export function pruneThrough(state: LiveState, through: number, removed: number): LiveState {
  const kept = state.requests.filter((request) => request.seq > through);
  return {
    requests: kept,
    total: Math.max(0, state.total - removed),
    // Older pages are gone too when the oldest loaded capture went (a cursor is a place).
    nextCursor: state.nextCursor !== null && Number(state.nextCursor) <= through ? null : state.nextCursor,
  };
}

function removeRequest(state: LiveState, requestId: string): LiveState {
  if (!state.requests.some((request) => request.id === requestId)) return state;
  return { ...state, requests: state.requests.filter((request) => request.id !== requestId), total: Math.max(0, state.total - 1) };
}
