/** Distinct reason labels kept, at most: reasons name hashes, so they are folded, and the rest is "other". */
const REASONS_MAX = 200;

type Summary = { count: number; sumSeconds: number };

/**
 * The node's Prometheus metrics: its tip and peers, every peer message by kind, verdict and reason, and how
 * long stages take to train and blocks to verify.
 */
export class Metrics {
  readonly #messages = new Map<string, number>();
  readonly #summaries = new Map<string, Summary>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  message(kind: string, verdict: string, reason = ''): void {
    // Hashes (hex with a letter) become H and numbers N, so one reason is one label.
    let folded = reason
      .replace(/\b(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/g, 'H')
      .replace(/[0-9]+/g, 'N')
      .slice(0, 100);
    const known = [...this.#messages.keys()].some((key) => key.endsWith(`|${folded}`));
    if (!known && this.#messages.size >= REASONS_MAX) folded = 'other';
    const key = `${kind}|${verdict}|${folded}`;
    this.#messages.set(key, (this.#messages.get(key) ?? 0) + 1);
  }

  observe(name: string, seconds: number): void {
    const summary = this.#summaries.get(name) ?? { count: 0, sumSeconds: 0 };
    summary.count += 1;
    summary.sumSeconds += seconds;
    this.#summaries.set(name, summary);
  }

  /** Messages counted so far with a verdict (for tests and the status route). */
  count(verdict: string): number {
    let total = 0;
    for (const [key, n] of this.#messages) if (key.split('|')[1] === verdict) total += n;
    return total;
  }

  /** The Prometheus text exposition. */
  render(): string {
    const lines: string[] = [];
    for (const [name, { help, read }] of this.#gauges)
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    lines.push(
      '# HELP proofgrid_node_messages_total Peer messages judged, by kind, verdict and reason.',
      '# TYPE proofgrid_node_messages_total counter',
    );
    for (const [key, n] of this.#messages) {
      const [kind, verdict, reason] = key.split('|');
      lines.push(
        `proofgrid_node_messages_total{kind="${kind}",verdict="${verdict}",reason="${escapeLabel(reason ?? '')}"} ${n}`,
      );
    }
    for (const [name, { count, sumSeconds }] of this.#summaries)
      lines.push(`# TYPE ${name} summary`, `${name}_sum ${sumSeconds}`, `${name}_count ${count}`);
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ');
}
