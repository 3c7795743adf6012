// Context before a match: the words shortly before a number that say what it is ("SSN",
// "phone", "Tel."). The scanner may run the detectors over one JSON string at a time; the
// look-back still reaches the bytes before that string (its key), down to the field's start.
import { WordSet, CONTEXT_WINDOW } from "./words";

/** How far before the bytes the detectors see the field starts (0 outside JSON strings). */
let floor: i32 = 0;
export function setContextFloor(bytesBefore: i32): void { floor = -bytesBefore; }

/** True when one of `words` occurs in the CONTEXT_WINDOW bytes before i. */
export function contextBefore(p: usize, i: i32, words: WordSet): bool {
  let from = i - CONTEXT_WINDOW;
  if (from < floor) from = floor;
  return words.contains(p, from, i);
}
