type Props = { labelledBy: string; editing: boolean; children: React.ReactNode };

/**
 * One of the bin's settings above its captures. The cards share a row while they show
 * their summaries, so the captures start high on the screen; while one is edited
 * (`data-editing`), the grid around them stacks them, so its form has the full width
 * and the cards keep their order on screen, in reading and in tab order.
 */
export function SettingsCard({ labelledBy, editing, children }: Props) {
  return (
    <section
      aria-labelledby={labelledBy}
      data-editing={editing || undefined}
      className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
    >
      {children}
    </section>
  );
}
