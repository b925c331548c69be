type Props = { labelledBy: string; editing: boolean; children: React.ReactNode };

/**
 * One of the bin's settings above its captures: a third of the row while it shows its
 * summary, so the captures start high on the screen, and the whole row while it is
 * edited, so its form has room.
 */
export function SettingsCard({ labelledBy, editing, children }: Props) {
  return (
    <section aria-labelledby={labelledBy} className={`rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900 ${editing ? "lg:col-span-3" : ""}`}>
      {children}
    </section>
  );
}
