/**
 * The model behind the dashboard's JSON tree: which rows are visible for a set of
 * expanded containers, and where a search matches. Iterative throughout (a body can be
 * nested far deeper than the call stack allows) and keyed by object identity rather than
 * by path strings, so a deep or huge value costs memory in proportion to its size.
 */

export type JsonContainer = Record<string, unknown> | unknown[];

/** One line of the tree: a value under its key (null for the root) at a depth. */
export type JsonRow = {
  depth: number;
  /** The object or array this row's value sits in; null for the root. */
  parent: JsonContainer | null;
  key: string | number | null;
  value: unknown;
};

/** Values up to this many are shown fully expanded; larger ones open collapsed below the first level. */
export const jsonTreeExpandAllMaxValues = 1_000;
/** Matches counted and navigable at most; the count says "or more" beyond it. */
export const jsonSearchMaxMatches = 10_000;
/** Characters of one string shown in its row; the Raw view has the rest. */
export const jsonRowMaxChars = 1_000;

export function isContainer(value: unknown): value is JsonContainer {
  return typeof value === "object" && value !== null;
}

function entries(container: JsonContainer): [string | number, unknown][] {
  return Array.isArray(container) ? container.map((item, index) => [index, item]) : Object.entries(container);
}

export function childCount(container: JsonContainer): number {
  return Array.isArray(container) ? container.length : Object.keys(container).length;
}

/**
 * The containers expanded when the tree opens: every one for a small value (up to
 * `jsonTreeExpandAllMaxValues` values), else the root alone, so a 2 MB event opens as
 * its top-level keys.
 */
export function initialExpansion(root: JsonContainer): Set<JsonContainer> {
  const all = new Set<JsonContainer>([root]);
  const pending: unknown[] = [root];
  let values = 0;
  while (pending.length > 0) {
    const item = pending.pop();
    values += 1;
    if (values > jsonTreeExpandAllMaxValues) return new Set([root]);
    if (!isContainer(item)) continue;
    all.add(item);
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push(child);
  }
  return all;
}

/** The rows shown, in order: the root, then the children of each expanded container after it. */
export function visibleRows(root: unknown, expanded: ReadonlySet<JsonContainer>): JsonRow[] {
  const rows: JsonRow[] = [];
  // A stack of rows still to emit, pushed in reverse so they pop in order.
  const pending: JsonRow[] = [{ depth: 0, parent: null, key: null, value: root }];
  while (pending.length > 0) {
    const row = pending.pop()!;
    rows.push(row);
    if (!isContainer(row.value) || !expanded.has(row.value)) continue;
    const children = entries(row.value);
    for (let index = children.length - 1; index >= 0; index--) {
      const [key, value] = children[index]!;
      pending.push({ depth: row.depth + 1, parent: row.value, key, value });
    }
  }
  return rows;
}

/** Where a search matched: a key or a scalar value, in document order. */
export type JsonMatch = { parent: JsonContainer | null; key: string | number | null; value: unknown };

export type JsonSearch = {
  matches: JsonMatch[];
  /** More matches exist than `jsonSearchMaxMatches`. */
  more: boolean;
  /** Each container's parent, to expand the way down to a match. */
  parents: Map<JsonContainer, JsonContainer | null>;
};

/** Text a scalar is searched and shown as: strings as themselves, the rest as JSON spells them. */
export function scalarText(value: unknown): string {
  return typeof value === "string" ? value : String(JSON.stringify(value));
}

/**
 * Every row whose key or scalar value contains `query` (case-insensitive), in the order
 * the tree shows them, at most `jsonSearchMaxMatches`. Containers match by key only.
 */
export function searchJson(root: unknown, query: string): JsonSearch {
  const needle = query.toLowerCase();
  const matches: JsonMatch[] = [];
  const parents = new Map<JsonContainer, JsonContainer | null>();
  let more = false;
  if (needle === "") return { matches, more, parents };
  const pending: JsonMatch[] = [{ parent: null, key: null, value: root }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    const keyMatches = item.key !== null && String(item.key).toLowerCase().includes(needle);
    const valueMatches = !isContainer(item.value) && scalarText(item.value).toLowerCase().includes(needle);
    if (keyMatches || valueMatches) {
      if (matches.length === jsonSearchMaxMatches) {
        more = true;
        break;
      }
      matches.push(item);
    }
    if (!isContainer(item.value)) continue;
    // The same object twice cannot come from JSON.parse; a cycle would only loop forever.
    if (parents.has(item.value)) continue;
    parents.set(item.value, item.parent);
    const children = entries(item.value);
    for (let index = children.length - 1; index >= 0; index--) {
      const [key, value] = children[index]!;
      pending.push({ parent: item.value, key, value });
    }
  }
  return { matches, more, parents };
}

/** The containers to expand so that a match's row is visible: its parent and every container above it. */
export function pathTo(match: JsonMatch, parents: ReadonlyMap<JsonContainer, JsonContainer | null>): JsonContainer[] {
  const path: JsonContainer[] = [];
  for (let container = match.parent; container !== null; container = parents.get(container) ?? null) path.push(container);
  return path;
}

/** The row showing a match, or -1 while it is collapsed away. */
export function rowIndexOf(rows: readonly JsonRow[], match: JsonMatch): number {
  return rows.findIndex((row) => row.parent === match.parent && row.key === match.key);
}

/**
 * A key or string as one line of text: control characters (newlines, tabs) spelled as
 * JSON escapes so every row is one line, and cut at `max` characters.
 */
export function displayText(text: string, max = jsonRowMaxChars): { text: string; cut: number } {
  const shown = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const escaped = shown.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return { text: escaped, cut: text.length - shown.length };
}
