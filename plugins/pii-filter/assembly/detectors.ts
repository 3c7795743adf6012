// Whole-buffer forms of the built-in detectors: scan [p, p+n) for one kind of match.
// The plugin uses Scanner (one pass for all detectors); these serve tests and tools.
import { Scanner, EMAIL, CARD, SSN, AWS_KEY_ID, JWT, PEM, SECRET_KV, PHONE, IBAN, DETECTOR_COUNT } from "./scanner";

function only(detector: i32, p: usize, n: i32, words: Array<string> = []): i32 {
  const on = new StaticArray<bool>(DETECTOR_COUNT);
  on[detector] = true;
  return new Scanner(on, words).scan(p, n);
}

export function maskEmails(p: usize, n: i32): i32 { return only(EMAIL, p, n); }
export function maskCards(p: usize, n: i32): i32 { return only(CARD, p, n); }
export function maskSsns(p: usize, n: i32): i32 { return only(SSN, p, n); }
export function maskAwsKeyIds(p: usize, n: i32): i32 { return only(AWS_KEY_ID, p, n); }
export function maskJwts(p: usize, n: i32): i32 { return only(JWT, p, n); }
export function maskPemKeys(p: usize, n: i32): i32 { return only(PEM, p, n); }
export function maskKeyValueSecrets(p: usize, n: i32, words: Array<string>): i32 { return only(SECRET_KV, p, n, words); }
export function maskPhones(p: usize, n: i32): i32 { return only(PHONE, p, n); }
export function maskIbans(p: usize, n: i32): i32 { return only(IBAN, p, n); }
