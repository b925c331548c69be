import { describe, expect, it } from "vitest";
import {
  type JsonContainer,
  displayText,
  initialExpansion,
  jsonSearchMaxMatches,
  jsonTreeExpandAllMaxValues,
  pathTo,
  rowIndexOf,
  searchJson,
  visibleRows,
} from "./json-tree";

const event = {
  id: "evt_1",
  type: "invoice.paid",
  data: { object: { amount: 4200, lines: [{ price: { id: "price_deep" } }] } },
  livemode: false,
};

const describeRows = (root: unknown, expanded: Set<JsonContainer>) => visibleRows(root, expanded).map((row) => `${row.depth}:${String(row.key)}`);

describe("visibleRows", () => {
  it("lists the root, then the children of expanded containers only, in document order", () => {
    expect(describeRows(event, new Set([event]))).toEqual(["0:null", "1:id", "1:type", "1:data", "1:livemode"]);
    expect(describeRows(event, new Set([event, event.data]))).toEqual(["0:null", "1:id", "1:type", "1:data", "2:object", "1:livemode"]);
    expect(describeRows(event, new Set())).toEqual(["0:null"]);
  });

  it("walks a value nested far deeper than the call stack", () => {
    let deep: unknown = 1;
    const expanded = new Set<JsonContainer>();
    for (let i = 0; i < 100_000; i++) {
      deep = { a: deep };
      expanded.add(deep as JsonContainer);
    }
    const rows = visibleRows(deep, expanded);
    expect(rows).toHaveLength(100_001);
    expect(rows.at(-1)).toMatchObject({ depth: 100_000, key: "a", value: 1 });
  });
});

describe("initialExpansion", () => {
  it("expands a small value fully and a large one at its first level only", () => {
    const small = initialExpansion(event);
    expect(small.has(event.data.object.lines[0]!.price)).toBe(true);

    const large = { items: Array.from({ length: jsonTreeExpandAllMaxValues }, (_, i) => ({ i })) };
    const opened = initialExpansion(large);
    expect([...opened]).toEqual([large]);
    expect(describeRows(large, opened)).toEqual(["0:null", "1:items"]);
  });
});

describe("searchJson", () => {
  it("finds keys and scalar values case-insensitively, in the order the tree shows them", () => {
    const { matches } = searchJson(event, "PRICE");
    expect(matches.map((match) => match.key)).toEqual(["price", "id"]);
    expect(searchJson(event, "4200").matches).toEqual([{ parent: event.data.object, key: "amount", value: 4200 }]);
    expect(searchJson(event, "false").matches.map((match) => match.key)).toEqual(["livemode"]);
    expect(searchJson(event, "").matches).toEqual([]);
    expect(searchJson(event, "nowhere").matches).toEqual([]);
  });

  it("gives the way down to a deep match, which makes its row visible", () => {
    const search = searchJson(event, "price_deep");
    const match = search.matches[0]!;
    const path = pathTo(match, search.parents);
    expect(path).toEqual([event.data.object.lines[0]!.price, event.data.object.lines[0], event.data.object.lines, event.data.object, event.data, event]);
    expect(rowIndexOf(visibleRows(event, new Set([event])), match)).toBe(-1);
    const rows = visibleRows(event, new Set(path));
    expect(rows[rowIndexOf(rows, match)]).toMatchObject({ depth: 6, key: "id", value: "price_deep" });
  });

  it("stops counting at its cap and says there are more", () => {
    const many = Array.from({ length: jsonSearchMaxMatches + 5 }, () => "hit");
    const search = searchJson(many, "hit");
    expect(search.matches).toHaveLength(jsonSearchMaxMatches);
    expect(search.more).toBe(true);
  });

  it("searches a 2 MB event and finds a key deep inside it", () => {
    const big = { items: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `item ${i}`, nested: { deep: { value: i } } })) };
    (big.items[12_345]!.nested.deep as Record<string, unknown>).needle_key = "found";
    expect(JSON.stringify(big).length).toBeGreaterThan(1_000_000);
    const search = searchJson(big, "needle_key");
    expect(search.matches).toHaveLength(1);
    expect(pathTo(search.matches[0]!, search.parents)).toHaveLength(5);
  });
});

describe("displayText", () => {
  it("spells control characters as escapes so a row stays one line, and cuts long text", () => {
    expect(displayText("a\nb\tc\u0001")).toEqual({ text: "a\\nb\\tc\\u0001", cut: 0 });
    expect(displayText("x".repeat(1_500))).toEqual({ text: "x".repeat(1_000), cut: 500 });
  });
});
