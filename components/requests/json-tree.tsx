"use client";

import { JsonView, allExpanded, defaultStyles } from "react-json-view-lite";
import "react-json-view-lite/dist/index.css";

/**
 * A JSON value as an expanded tree (text nodes only), for values `jsonTreeRefusal`
 * lets through. It ships with the bin page's own script (about 6 KB): loaded on
 * demand, its arrival moved everything below the body down after the capture was shown.
 */
export function JsonTree({ value }: { value: object }) {
  return <JsonView data={value} shouldExpandNode={allExpanded} style={defaultStyles} />;
}
