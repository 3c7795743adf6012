// The whole PII evaluation corpus: generated records, then the hand-written adversarial cases.
import { generate } from "./generate.js";
import { adversarial } from "./adversarial.js";
import { Sample } from "./sample.js";

export function corpus(): Sample[] { return [...generate(), ...adversarial()]; }
