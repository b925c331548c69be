"use client";

import { type FormEvent, useId, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import {
  builtInAnswer,
  chooseResponse,
  type JsonScalar,
  matchingRuleIndex,
  placeholderHelp,
  RenderLimitError,
  renderBody,
  type ResponseRule,
  type ResponseSettings,
  type ResponseSpec,
} from "@/lib/responses";
import type { HeaderPair } from "@/lib/types";
import { useBinPatch } from "./patch-bin";

type SpecForm = { status: string; headers: string; body: string; delayMs: string };
type RuleForm = {
  key: number;
  method: string;
  pathMode: "any" | "exact" | "prefix" | "glob";
  pathValue: string;
  headerName: string;
  headerValue: string;
  jsonPath: string;
  jsonEquals: string;
  response: SpecForm;
};

const methods = ["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

let nextKey = 1;

function specToForm(spec: ResponseSpec | null): SpecForm {
  if (!spec) return { status: "200", headers: "", body: "", delayMs: "0" };
  return {
    status: String(spec.status),
    headers: spec.headers.map(([name, value]) => `${name}: ${value}`).join("\n"),
    body: spec.body,
    delayMs: String(spec.delayMs),
  };
}

function ruleToForm(rule: ResponseRule): RuleForm {
  return {
    key: nextKey++,
    method: rule.method,
    pathMode: rule.path?.mode ?? "any",
    pathValue: rule.path?.value ?? "",
    headerName: rule.header?.name ?? "",
    headerValue: rule.header?.value ?? "",
    jsonPath: rule.json?.path ?? "",
    jsonEquals: rule.json ? (typeof rule.json.equals === "string" ? rule.json.equals : JSON.stringify(rule.json.equals)) : "",
    response: specToForm(rule.response),
  };
}

/** `Name: value` per line. */
function parseHeaderLines(text: string): HeaderPair[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const colon = line.indexOf(":");
      return colon === -1 ? [line.trim(), ""] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
}

/** `42`, `true`, `null` and `"quoted"` are JSON; anything else is taken as a string. */
function parseScalar(text: string): JsonScalar {
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) return value as JsonScalar;
  } catch {
    // Plain text: a string.
  }
  return text;
}

function formToSpec(form: SpecForm): ResponseSpec {
  return { status: Number(form.status), headers: parseHeaderLines(form.headers), body: form.body, delayMs: Number(form.delayMs || "0") };
}

function formToRule(form: RuleForm): ResponseRule {
  return {
    method: form.method,
    path: form.pathMode === "any" ? null : { mode: form.pathMode, value: form.pathValue },
    header: form.headerName.trim() ? { name: form.headerName.trim(), value: form.headerValue === "" ? null : form.headerValue } : null,
    json: form.jsonPath.trim() ? { path: form.jsonPath.trim(), equals: parseScalar(form.jsonEquals) } : null,
    response: formToSpec(form.response),
  };
}

type EditorProps = { binId: string; initial: ResponseSettings; onCancel: () => void; onSaved: (settings: ResponseSettings) => void };

export function ResponseEditor({ binId, initial, onCancel, onSaved }: EditorProps) {
  const id = useId();
  const [custom, setCustom] = useState(initial.response !== null);
  const [fallback, setFallback] = useState<SpecForm>(specToForm(initial.response));
  const [rules, setRules] = useState<RuleForm[]>(initial.rules.map(ruleToForm));
  const { pending, error, save: patch } = useBinPatch(binId, "Could not save the response.");

  // The server validates strictly on save (zod stays out of the browser bundle); the
  // preview only needs the shape.
  const draft = useMemo<ResponseSettings>(() => ({ response: custom ? formToSpec(fallback) : null, rules: rules.map(formToRule) }), [custom, fallback, rules]);

  function updateRule(index: number, change: Partial<RuleForm>) {
    setRules((current) => current.map((rule, position) => (position === index ? { ...rule, ...change } : rule)));
  }

  function move(index: number, offset: -1 | 1) {
    setRules((current) => {
      const target = index + offset;
      if (target < 0 || target >= current.length) return current;
      const next = [...current];
      [next[index], next[target]] = [next[target]!, next[index]!];
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const bin = await patch(draft);
    if (bin) onSaved({ response: bin.response, rules: bin.rules });
  }

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Response settings" className="mt-3 grid gap-4 text-sm">
      <fieldset className="grid gap-2">
        <legend className="font-medium">Default answer</legend>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={custom} onChange={(event) => setCustom(event.target.checked)} />
          Answer with a custom response (otherwise: {builtInAnswer})
        </label>
        {custom && <SpecFields idPrefix={`${id}-default`} label="Default" value={fallback} onChange={setFallback} />}
      </fieldset>

      <fieldset className="grid gap-2">
        <legend className="font-medium">Rules, first match wins</legend>
        {rules.length === 0 && <p className="text-zinc-500">No rules: every capture gets the default answer.</p>}
        <ol className="grid gap-3">
          {rules.map((rule, index) => (
            <li key={rule.key} className="grid gap-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-700" aria-label={`Rule ${index + 1}`}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-medium">Rule {index + 1}</span>
                <div className="flex gap-1">
                  <Button className="px-2 py-1 text-xs" onClick={() => move(index, -1)} disabled={index === 0} aria-label={`Move rule ${index + 1} up`}>
                    ↑
                  </Button>
                  <Button
                    className="px-2 py-1 text-xs"
                    onClick={() => move(index, 1)}
                    disabled={index === rules.length - 1}
                    aria-label={`Move rule ${index + 1} down`}
                  >
                    ↓
                  </Button>
                  <Button
                    variant="danger"
                    className="px-2 py-1 text-xs"
                    onClick={() => setRules((current) => current.filter((_, position) => position !== index))}
                    aria-label={`Remove rule ${index + 1}`}
                  >
                    Remove
                  </Button>
                </div>
              </div>
              <RuleFields idPrefix={`${id}-rule-${rule.key}`} number={index + 1} rule={rule} onChange={(change) => updateRule(index, change)} />
            </li>
          ))}
        </ol>
        <div>
          <Button
            onClick={() =>
              setRules((current) => [
                ...current,
                {
                  key: nextKey++,
                  method: "ANY",
                  pathMode: "any",
                  pathValue: "",
                  headerName: "",
                  headerValue: "",
                  jsonPath: "",
                  jsonEquals: "",
                  response: specToForm({ status: 500, headers: [], body: "", delayMs: 0 }),
                },
              ])
            }
          >
            Add rule
          </Button>
        </div>
      </fieldset>

      <details className="text-zinc-600 dark:text-zinc-400">
        <summary className="cursor-pointer">Placeholders for bodies</summary>
        <ul className="mt-1 grid gap-0.5">
          {placeholderHelp.map(([placeholder, meaning]) => (
            <li key={placeholder}>
              <code className="font-mono text-xs">{placeholder}</code> {meaning}
            </li>
          ))}
          <li>A missing value is left empty; an unknown placeholder is kept as written.</li>
        </ul>
      </details>

      <Preview settings={draft} />

      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : "Save response"}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
      {error && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}

const inputClasses =
  "rounded-md border border-zinc-300 bg-white px-2 py-1.5 font-mono focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950";

function SpecFields({ idPrefix, label, value, onChange }: { idPrefix: string; label: string; value: SpecForm; onChange: (value: SpecForm) => void }) {
  const set = (change: Partial<SpecForm>) => onChange({ ...value, ...change });
  return (
    <div className="grid gap-2 sm:grid-cols-2">
      <div className="grid gap-1">
        <label htmlFor={`${idPrefix}-status`}>{label} status</label>
        <input
          id={`${idPrefix}-status`}
          inputMode="numeric"
          value={value.status}
          onChange={(event) => set({ status: event.target.value })}
          className={inputClasses}
        />
      </div>
      <div className="grid gap-1">
        <label htmlFor={`${idPrefix}-delay`}>{label} delay (ms, up to 30000)</label>
        <input
          id={`${idPrefix}-delay`}
          inputMode="numeric"
          value={value.delayMs}
          onChange={(event) => set({ delayMs: event.target.value })}
          className={inputClasses}
        />
      </div>
      <div className="grid gap-1 sm:col-span-2">
        <label htmlFor={`${idPrefix}-headers`}>{label} headers (one Name: value per line)</label>
        <textarea
          id={`${idPrefix}-headers`}
          rows={2}
          value={value.headers}
          onChange={(event) => set({ headers: event.target.value })}
          className={inputClasses}
        />
      </div>
      <div className="grid gap-1 sm:col-span-2">
        <label htmlFor={`${idPrefix}-body`}>{label} body</label>
        <textarea id={`${idPrefix}-body`} rows={3} value={value.body} onChange={(event) => set({ body: event.target.value })} className={inputClasses} />
      </div>
    </div>
  );
}

function RuleFields({ idPrefix, number, rule, onChange }: { idPrefix: string; number: number; rule: RuleForm; onChange: (change: Partial<RuleForm>) => void }) {
  const name = `Rule ${number}`;
  return (
    <>
      <div className="grid gap-2 sm:grid-cols-3">
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-method`}>{name} method</label>
          <select id={`${idPrefix}-method`} value={rule.method} onChange={(event) => onChange({ method: event.target.value })} className={inputClasses}>
            {(methods.includes(rule.method) ? methods : [...methods, rule.method]).map((method) => (
              <option key={method} value={method}>
                {method === "ANY" ? "Any method" : method}
              </option>
            ))}
          </select>
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-path-mode`}>{name} sub-path match</label>
          <select
            id={`${idPrefix}-path-mode`}
            value={rule.pathMode}
            onChange={(event) => onChange({ pathMode: event.target.value as RuleForm["pathMode"] })}
            className={inputClasses}
          >
            <option value="any">Any sub-path</option>
            <option value="exact">Exactly</option>
            <option value="prefix">Starts with (whole segments)</option>
            <option value="glob">Glob (* one segment, ** any)</option>
          </select>
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-path`}>{name} sub-path</label>
          <input
            id={`${idPrefix}-path`}
            value={rule.pathValue}
            disabled={rule.pathMode === "any"}
            placeholder="/fail"
            onChange={(event) => onChange({ pathValue: event.target.value })}
            className={inputClasses}
          />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-header-name`}>{name} header (optional)</label>
          <input
            id={`${idPrefix}-header-name`}
            value={rule.headerName}
            placeholder="X-GitHub-Event"
            onChange={(event) => onChange({ headerName: event.target.value })}
            className={inputClasses}
          />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-header-value`}>{name} header value (empty: present)</label>
          <input
            id={`${idPrefix}-header-value`}
            value={rule.headerValue}
            onChange={(event) => onChange({ headerValue: event.target.value })}
            className={inputClasses}
          />
        </div>
        <span />
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-json-path`}>{name} JSON field (optional)</label>
          <input
            id={`${idPrefix}-json-path`}
            value={rule.jsonPath}
            placeholder="data.object.status"
            onChange={(event) => onChange({ jsonPath: event.target.value })}
            className={inputClasses}
          />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${idPrefix}-json-equals`}>{name} JSON field equals</label>
          <input
            id={`${idPrefix}-json-equals`}
            value={rule.jsonEquals}
            placeholder='failed, 42, true or "42"'
            onChange={(event) => onChange({ jsonEquals: event.target.value })}
            className={inputClasses}
          />
        </div>
      </div>
      <SpecFields idPrefix={`${idPrefix}-response`} label={name} value={rule.response} onChange={(response) => onChange({ response })} />
    </>
  );
}

/** The rendered body, or what the server answers instead when it would pass the cap. */
function previewBody(template: string, sample: Parameters<typeof renderBody>[1]): string {
  try {
    return renderBody(template, sample);
  } catch (error) {
    if (error instanceof RenderLimitError) return `500: ${error.message}`;
    throw error;
  }
}

/** What a sample request would get, computed with the same functions the server runs. */
function Preview({ settings }: { settings: ResponseSettings }) {
  const id = useId();
  const [method, setMethod] = useState("POST");
  const [path, setPath] = useState("/");
  const [headers, setHeaders] = useState("Content-Type: application/json");
  const [body, setBody] = useState('{"type":"example"}');

  const pathPart = path.split("?")[0] ?? "";
  const sample = {
    id: "01PREVIEW0000000000000000A",
    method: method.trim().toUpperCase() || "GET",
    path: pathPart === "/" ? "" : pathPart,
    query: path.includes("?") ? path.slice(path.indexOf("?") + 1) : "",
    headers: parseHeaderLines(headers),
    body,
    ip: "203.0.113.7",
    receivedAt: Date.now(),
  };
  const matched = matchingRuleIndex(settings.rules, sample);
  const spec = chooseResponse(settings, sample);
  const status = spec?.status ?? 200;
  const answerBody = spec ? previewBody(spec.body, sample) : JSON.stringify({ ok: true, id: sample.id });

  return (
    <fieldset className="grid gap-2 rounded-md bg-zinc-50 p-3 dark:bg-zinc-950">
      <legend className="font-medium">Preview</legend>
      <div className="grid gap-2 sm:grid-cols-[8rem_1fr]">
        <div className="grid gap-1">
          <label htmlFor={`${id}-method`}>Sample method</label>
          <input id={`${id}-method`} value={method} onChange={(event) => setMethod(event.target.value)} className={inputClasses} />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${id}-path`}>Sample sub-path and query</label>
          <input id={`${id}-path`} value={path} onChange={(event) => setPath(event.target.value)} className={inputClasses} />
        </div>
        <div className="grid gap-1 sm:col-span-2">
          <label htmlFor={`${id}-headers`}>Sample headers</label>
          <textarea id={`${id}-headers`} rows={2} value={headers} onChange={(event) => setHeaders(event.target.value)} className={inputClasses} />
        </div>
        <div className="grid gap-1 sm:col-span-2">
          <label htmlFor={`${id}-body`}>Sample body</label>
          <textarea id={`${id}-body`} rows={2} value={body} onChange={(event) => setBody(event.target.value)} className={inputClasses} />
        </div>
      </div>
      <output className="grid gap-1" data-testid="response-preview" aria-live="polite">
        <span>
          {matched === -1 ? (spec ? "No rule matches: the default answer." : "No rule matches: the built-in answer.") : `Rule ${matched + 1} matches.`}{" "}
          <strong data-testid="preview-status">{status}</strong>
          {spec?.delayMs ? ` after ${spec.delayMs} ms` : ""}
        </span>
        {spec && spec.headers.length > 0 && (
          <pre className="overflow-x-auto font-mono text-xs">{spec.headers.map(([name, value]) => `${name}: ${value}`).join("\n")}</pre>
        )}
        {/* Rendered as text: a sample or a template may hold markup. */}
        <pre className="max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs dark:bg-zinc-900">{answerBody}</pre>
      </output>
    </fieldset>
  );
}
