// A frame's body read (and edited in place) as it streams, instead of held whole.
//
// A plugin that reads a request's (or response's) body normally gets it whole, which costs the whole frame in
// the VM. When what it does never changes the frame's length (it counts, it inspects, it masks
// in place), it can stream the body through a BodyFilter instead: the filter is fed the body in
// whatever pieces arrive and forwards each piece once it is done with it, holding only what it
// must read at once (for the record layer, one record batch).
import { OutputPlan } from "./output_plan";

export abstract class BodyFilter {
  /**
   * Set by the filter when the connection must close (nothing more of this frame or any later one
   * is forwarded): why, for the log.
   */
  closeReason: string = "";
  /** Set with closeReason when the filter could not hold what it must within the VM's memory budget: the `on_over_budget` policy applies. */
  overBudget: bool = false;

  /**
   * The next `length` bytes of the body. Add to `out` what is to go on now: ranges of `buffer`
   * (edited in place or not: set `out.patched` when `buffer` is `out.chunk` and was edited), or
   * bytes of the filter's own. Everything fed must go on exactly once, in order, same length.
   */
  abstract feed(buffer: ArrayBuffer, offset: i32, length: i32, out: OutputPlan): void;

  /** The whole body was fed: add whatever is still held. */
  abstract end(out: OutputPlan): void;

  /** The connection is closing mid-frame: give back what is held. */
  release(): void {}

  /**
   * After the filter went over budget, when the connection's `on_over_budget` is `passthrough`:
   * add to `out`, as they came, every byte fed that has not gone to an output yet (what it held,
   * then the rest of the last piece fed), so that the rest of the connection flows on unparsed
   * and nothing of it is lost. A filter that holds nothing across pieces and always handles a
   * piece whole has nothing to give back.
   */
  giveBack(out: OutputPlan): void {}
}

/** Answer of KafkaConnection.requestBodyFilter or responseBodyFilter: not decided yet, show me more of the frame. */
export class ShowMore extends BodyFilter {
  feed(buffer: ArrayBuffer, offset: i32, length: i32, out: OutputPlan): void {}
  end(out: OutputPlan): void {}
}
export const SHOW_MORE: BodyFilter = new ShowMore();
