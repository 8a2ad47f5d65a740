/** When the worker yields the machine to its owner (`--only-when-idle`). */
export type IdlePolicy = {
  /** Share of the machine's CPU (0..1) that other processes may use before the worker pauses. */
  otherBusyMax: number;
  /** Consecutive samples above `otherBusyMax` before pausing: one busy second is not a busy user. */
  busySamplesToPause: number;
  /** Consecutive samples below before resuming: the user must have stopped, not paused between keystrokes. */
  calmSamplesToResume: number;
};

export const IDLE_POLICY_DEFAULTS: IdlePolicy = {
  otherBusyMax: 0.25,
  busySamplesToPause: 2,
  calmSamplesToResume: 5,
};

/**
 * Decides from load samples whether the machine is busy with other work, with hysteresis so the worker
 * does not flap between paused and running. Pure: the caller samples, this only counts.
 */
export class IdleDetector {
  readonly #policy: IdlePolicy;
  #busy = false;
  #streak = 0;

  constructor(policy: IdlePolicy) {
    this.#policy = policy;
  }

  /** Feeds one sample (the share of the machine other processes used) and says whether the machine is busy. */
  sample(otherBusy: number): boolean {
    const above = otherBusy > this.#policy.otherBusyMax;
    if (above === this.#busy) {
      this.#streak = 0;
      return this.#busy;
    }
    this.#streak += 1;
    const needed = this.#busy ? this.#policy.calmSamplesToResume : this.#policy.busySamplesToPause;
    if (this.#streak >= needed) {
      this.#busy = above;
      this.#streak = 0;
    }
    return this.#busy;
  }

  get busy(): boolean {
    return this.#busy;
  }
}
