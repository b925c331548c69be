"use client";

import { JsonView, allExpanded, defaultStyles } from "react-json-view-lite";
import "react-json-view-lite/dist/index.css";

/** A JSON value as an expanded tree (text nodes only). Loaded only when a JSON body is shown. */
export function JsonTree({ value }: { value: object }) {
  return <JsonView data={value} shouldExpandNode={allExpanded} style={defaultStyles} />;
}
