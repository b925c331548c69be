import { CopyButton } from "@/components/ui/copy-button";

type Props = {
  rows: [string, string][];
  empty: string;
  label?: string;
  /** A copy button per value, named "Copy value of {name}", shown on hover and on focus. */
  copyable?: boolean;
};

/** Name/value pairs in their original order, duplicates kept. Values are text, never markup. */
export function KeyValueTable({ rows, empty, label, copyable = false }: Props) {
  if (rows.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <table className="w-full table-fixed border-collapse text-left font-mono text-xs" aria-label={label}>
      <tbody>
        {rows.map(([name, value], index) => (
          <tr key={index} className="group border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800">
            <th scope="row" className="w-1/3 break-all py-1 pr-3 font-semibold text-zinc-700 dark:text-zinc-300">
              {name}
            </th>
            <td className="break-all py-1 text-zinc-900 dark:text-zinc-100">
              {copyable ? (
                <span className="flex items-start gap-2">
                  <span className="min-w-0 flex-1">{value}</span>
                  {/* Hidden until the row is hovered or the button focused; always shown where nothing hovers (touch). */}
                  <CopyButton
                    compact
                    text={value}
                    label={`Copy value of ${name}`}
                    className="opacity-0 group-hover:opacity-100 focus-visible:opacity-100 [@media(hover:none)]:opacity-100"
                  />
                </span>
              ) : (
                value
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
