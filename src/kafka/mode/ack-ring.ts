// Which outputs of one engine shard Kafka has acknowledged, as a prefix of
// engine seqs: every message a shard produces takes the next slot of a ring
// with the seq of the command that caused it (seqs never decrease in produce
// order); its delivery report marks the slot; the ring's head moves past
// marked slots. Every output of the commands up to `ackedSeq` is then
// acknowledged, whatever order the reports came in (they come per topic
// partition). A snapshot of seq S is stored only once ackedSeq >= S, so a
// restart from it re-sends whatever a crash may have lost.

/** Slots the ring starts with; it doubles (rarely: a backlog while the broker is away) up to `slotsMax`. */
const slotsInitial = 1 << 16;

export class AckRing {
  private seqs: Float64Array;
  private done: Uint8Array;
  private mask: number;
  /** Counters, not indexes: slot = counter & mask. */
  private head = 0;
  private tail = 0;
  /** Seq of the shard's last applied command (set by the shard): acknowledged trivially when nothing is outstanding. */
  appliedSeq = 0;
  readonly slotsMax: number;

  constructor(slotsMax: number) {
    if (!(Number.isInteger(Math.log2(slotsMax)) && slotsMax >= slotsInitial))
      throw new Error(`ack ring size ${slotsMax} must be a power of two >= ${slotsInitial}`);
    this.slotsMax = slotsMax;
    this.seqs = new Float64Array(slotsInitial);
    this.done = new Uint8Array(slotsInitial);
    this.mask = slotsInitial - 1;
  }

  /** Messages produced (or waiting to be) and not yet acknowledged. */
  get outstanding(): number {
    return this.tail - this.head;
  }

  /** Whether `count` more messages can be tracked (growing the ring if it may). */
  hasRoom(count: number): boolean {
    return this.tail - this.head + count <= this.slotsMax;
  }

  /** Takes the next slot for a message of command `seq`; returns the slot counter (the delivery report names it). */
  push(seq: number): number {
    if (this.tail - this.head === this.mask + 1) this.grow();
    const counter = this.tail++;
    const slot = counter & this.mask;
    this.seqs[slot] = seq;
    this.done[slot] = 0;
    return counter;
  }

  /** The message of slot counter `counter` was acknowledged. */
  ack(counter: number): void {
    if (!(counter >= this.head && counter < this.tail))
      throw new Error(`ack ring: slot ${counter} is not outstanding [${this.head}, ${this.tail})`);
    this.done[counter & this.mask] = 1;
    while (this.head < this.tail && this.done[this.head & this.mask] === 1) this.head++;
  }

  /** Every output of the commands up to this seq is acknowledged. */
  get ackedSeq(): number {
    return this.head === this.tail ? this.appliedSeq : this.seqs[this.head & this.mask]! - 1;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    if (size > this.slotsMax)
      throw new Error(`ack ring full (${this.slotsMax} outputs unacknowledged): the caller must check hasRoom`);
    const seqs = new Float64Array(size);
    const done = new Uint8Array(size);
    for (let c = this.head; c < this.tail; c++) {
      seqs[c & (size - 1)] = this.seqs[c & this.mask]!;
      done[c & (size - 1)] = this.done[c & this.mask]!;
    }
    this.seqs = seqs;
    this.done = done;
    this.mask = size - 1;
  }
}
