/** Name/value pairs in their original order, duplicates kept. Values are text, never markup. */
export function KeyValueTable({ rows, empty, label }: { rows: [string, string][]; empty: string; label?: string }) {
  if (rows.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <table className="w-full table-fixed border-collapse text-left font-mono text-xs" aria-label={label}>
      <tbody>
        {rows.map(([name, value], index) => (
          <tr key={index} className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800">
            <th scope="row" className="w-1/3 break-all py-1 pr-3 font-semibold text-zinc-700 dark:text-zinc-300">
              {name}
            </th>
            <td className="break-all py-1 text-zinc-900 dark:text-zinc-100">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
