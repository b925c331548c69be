const colours: Record<string, string> = {
  GET: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  POST: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  PUT: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  PATCH: "bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-300",
  DELETE: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

export function MethodBadge({ method }: { method: string }) {
  const colour = colours[method] ?? "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200";
  return <span className={`inline-block min-w-16 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold ${colour}`}>{method}</span>;
}
