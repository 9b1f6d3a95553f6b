import type { TrainingProgressEvent } from '@mlops/training';

/** Where the renderer writes: a stream with `isTTY` and `columns` when it is a terminal. */
export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const PHASE: Readonly<Record<string, string>> = {
  tuning: 'tuning',
  cross_validation: 'cv',
  final_fit: 'fit',
};
const REDRAW_MS = 80;

/**
 * Progress of a training run on stderr. On a terminal: log lines scroll above one live bar
 * (`xgboost  fit  [#########...........]  57/100  loss 0.412  val AUC 0.842`), redrawn at most
 * every 80 ms. Elsewhere (a pipe, a CI log): plain lines only, one per step, finished fit, trial
 * and model, never a control character.
 */
export class ProgressRenderer {
  private bar = '';
  private lastDraw = 0;
  private readonly tty: boolean;
  private trialLabel = '';
  private foldLabel = '';

  constructor(private readonly out: ProgressStream) {
    this.tty = out.isTTY === true;
  }

  handle = (e: TrainingProgressEvent): void => {
    switch (e.kind) {
      case 'step':
        this.line(`· ${e.message}`);
        break;
      case 'fit-started':
        this.trialLabel = e.trial !== undefined ? ` ${e.trial + 1}/${e.totalTrials ?? '?'}` : '';
        this.foldLabel = e.fold !== undefined ? ` ${e.fold + 1}/${e.totalFolds ?? '?'}` : '';
        if (this.tty) this.draw(this.format(e.model, e.phase, 0, e.totalRounds, null, null), true);
        break;
      case 'round': {
        const p = e.progress;
        const text = this.format(p.model, p.phase, p.round, p.totalRounds, p.trainLoss, p.validAuc ?? null);
        if (this.tty) this.draw(text, p.round === p.totalRounds);
        else if (p.round === p.totalRounds && p.phase !== 'tuning') this.line(text);
        break;
      }
      case 'trial-finished':
        this.line(
          `  ${e.model} trial ${e.trial + 1}/${e.totalTrials} ${e.state.toLowerCase()}${e.value === null ? '' : ` val AUC ${e.value.toFixed(4)}`}${e.bestValue === null ? '' : ` (best ${e.bestValue.toFixed(4)})`}`,
        );
        break;
      case 'model-finished':
        this.line(
          `✓ ${e.model}: val AUC ${e.validationRocAuc.toFixed(4)}, test AUC ${e.testRocAuc.toFixed(4)}, threshold ${e.threshold.toFixed(3)} (${e.seconds.toFixed(1)} s)`,
        );
        break;
    }
  };

  /** A permanent message (clears the live bar first, then redraws it). */
  line(text: string): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}\n`);
      if (this.bar) this.out.write(this.bar);
    } else this.out.write(text + '\n');
  }

  /** Removes the live bar (call before printing the final table). */
  done(): void {
    if (this.tty && this.bar) this.out.write('\r\x1b[2K');
    this.bar = '';
  }

  private format(
    model: string,
    phase: string,
    round: number,
    total: number,
    loss: number | null,
    auc: number | null,
  ): string {
    const label =
      `${model.padEnd(19)} ${(PHASE[phase] ?? phase) + (phase === 'tuning' ? this.trialLabel : phase === 'cross_validation' ? this.foldLabel : '')}`.padEnd(
        33,
      );
    const width = 24;
    const filled = total > 0 ? Math.round((Math.min(round, total) / total) * width) : 0;
    const bar = this.tty ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]` : '';
    const stats = `${String(round).padStart(String(total).length)}/${total}${loss === null ? '' : `  loss ${loss.toFixed(4)}`}${auc === null ? '' : `  val AUC ${auc.toFixed(4)}`}`;
    return `  ${label} ${bar}${bar ? ' ' : ''}${stats}`;
  }

  private draw(text: string, force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const cols = this.out.columns ?? 120;
    this.bar = `\r\x1b[2K${text.length > cols - 1 ? text.slice(0, cols - 1) : text}`;
    this.out.write(this.bar);
  }
}
