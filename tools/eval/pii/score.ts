// Scores masked records against their labels. A secret counts as caught when every one of its
// significant bytes (ASCII letters and digits, and every byte of a non-ASCII character) was
// masked: replaced by '*', or, in a JSON number, by '0' (or a leading '1', which keeps the
// number valid). A clean record counts as a false positive when any byte of it changed.
import { Sample, Span } from "./sample.js";

export interface Outcome { sample: Sample; masked: Buffer }

export interface Tally { total: number; caught: number; partial: number }

export interface Score {
  /** Per detector, and per "detector / format". */
  detectors: Map<string, Tally>;
  formats: Map<string, Tally>;
  /** Clean records per category: how many, and how many were changed. */
  clean: Map<string, { total: number; altered: number }>;
  /** Records with secrets that had bytes changed outside every labelled secret. */
  collateral: number;
  json: { valid: number; stillValid: number; sameShape: number };
  misses: Array<{ id: string; detector: string; format: string; text: string; masked: string }>;
  falsePositives: Array<{ id: string; category: string; text: string; masked: string }>;
  brokenJson: Array<{ id: string; text: string; masked: string }>;
}

function significant(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c >= 0x80;
}

/** How many significant bytes of the span there are, and how many were masked. */
export function maskedCount(orig: Buffer, out: Buffer, s: Span): { sig: number; masked: number } {
  let sig = 0, masked = 0;
  let first = true;
  for (let k = s.start; k < s.end; k++) {
    if (!significant(orig[k])) continue;
    sig++;
    const o = out[k];
    if (o === 0x2a || (s.numeric && (o === 0x30 || (first && o === 0x31)))) masked++;
    first = false;
  }
  return { sig, masked };
}

function bump(m: Map<string, Tally>, key: string, caught: boolean, partial: boolean): void {
  const t = m.get(key) ?? { total: 0, caught: 0, partial: 0 };
  t.total++;
  if (caught) t.caught++;
  if (partial) t.partial++;
  m.set(key, t);
}

/** The token types of a JSON text ('s' string, 'n' number, literals and punctuation as themselves), or null when it is not JSON. */
export function jsonShape(text: string): string[] | null {
  try { JSON.parse(text); } catch { return null; }
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\n" || c === "\r" || c === "\t") { i++; continue; }
    if (c === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      out.push("s");
    } else if ("{}[]:,".includes(c)) { out.push(c); i++; }
    else if (c === "t" || c === "f" || c === "n") { const w = c === "t" ? "true" : c === "f" ? "false" : "null"; out.push(w); i += w.length; }
    else { while (i < text.length && /[-+.0-9eE]/.test(text[i])) i++; out.push("n"); }
  }
  return out;
}

export function score(outcomes: Outcome[]): Score {
  const s: Score = { detectors: new Map(), formats: new Map(), clean: new Map(), collateral: 0, json: { valid: 0, stillValid: 0, sameShape: 0 }, misses: [], falsePositives: [], brokenJson: [] };
  for (const { sample, masked } of outcomes) {
    const orig = sample.value;
    if (sample.spans.length === 0) {
      const c = s.clean.get(sample.category) ?? { total: 0, altered: 0 };
      c.total++;
      if (!orig.equals(masked)) { c.altered++; s.falsePositives.push({ id: sample.id, category: sample.category, text: orig.toString(), masked: masked.toString() }); }
      s.clean.set(sample.category, c);
    } else {
      const inSpan = new Uint8Array(orig.length);
      for (const sp of sample.spans) {
        for (let k = sp.start; k < sp.end; k++) inSpan[k] = 1;
        const { sig, masked: m } = maskedCount(orig, masked, sp);
        const caught = m === sig;
        bump(s.detectors, sp.detector, caught, m > 0 && !caught);
        bump(s.formats, `${sp.detector} / ${sp.format}`, caught, m > 0 && !caught);
        if (!caught) s.misses.push({ id: sample.id, detector: sp.detector, format: sp.format, text: orig.toString(), masked: masked.toString() });
      }
      for (let k = 0; k < orig.length; k++) if (!inSpan[k] && orig[k] !== masked[k]) { s.collateral++; break; }
    }
    if (sample.kind === "json") {
      s.json.valid++;
      const before = jsonShape(orig.toString());
      const after = jsonShape(masked.toString());
      if (after != null) s.json.stillValid++;
      if (after != null && before != null && after.join(" ") === before.join(" ")) s.json.sameShape++;
      else s.brokenJson.push({ id: sample.id, text: orig.toString(), masked: masked.toString() });
    }
  }
  return s;
}

export const GOALS = { recall: 0.995, falsePositiveRate: 0.005, jsonValid: 1 };

export function recall(t: Tally): number { return t.total === 0 ? 1 : t.caught / t.total; }

/** The goals not met, as sentences; empty when all are met. */
export function failedGoals(s: Score): string[] {
  const out: string[] = [];
  for (const [d, t] of s.detectors) if (recall(t) < GOALS.recall) out.push(`recall of ${d} is ${pct(recall(t))}, under ${pct(GOALS.recall)}`);
  const clean = [...s.clean.values()].reduce((a, c) => ({ total: a.total + c.total, altered: a.altered + c.altered }), { total: 0, altered: 0 });
  const fp = clean.total === 0 ? 0 : clean.altered / clean.total;
  if (fp > GOALS.falsePositiveRate) out.push(`false positives on ${pct(fp)} of clean records, over ${pct(GOALS.falsePositiveRate)}`);
  if (s.json.sameShape < s.json.valid) out.push(`${s.json.valid - s.json.sameShape} of ${s.json.valid} valid JSON records lost their validity or shape`);
  return out;
}

export function pct(x: number): string { return (x * 100).toFixed(x === 1 || x === 0 ? 0 : 2) + "%"; }

/** The report as Markdown tables. */
export function report(s: Score, title = "pii-filter"): string {
  const lines: string[] = [];
  const totals = [...s.detectors.values()].reduce((a, t) => ({ total: a.total + t.total, caught: a.caught + t.caught, partial: a.partial + t.partial }), { total: 0, caught: 0, partial: 0 });
  lines.push(`## ${title}: recall per detector`, "", "| detector | secrets | masked | partly masked | missed | recall |", "|---|---:|---:|---:|---:|---:|");
  for (const [d, t] of [...s.detectors].sort()) lines.push(`| ${d} | ${t.total} | ${t.caught} | ${t.partial} | ${t.total - t.caught - t.partial} | ${pct(recall(t))} |`);
  lines.push(`| all | ${totals.total} | ${totals.caught} | ${totals.partial} | ${totals.total - totals.caught - totals.partial} | ${pct(recall(totals))} |`);
  lines.push("", `## ${title}: recall per format`, "", "| detector / format | secrets | recall |", "|---|---:|---:|");
  for (const [f, t] of [...s.formats].sort()) lines.push(`| ${f} | ${t.total} | ${pct(recall(t))} |`);
  const clean = [...s.clean.values()].reduce((a, c) => ({ total: a.total + c.total, altered: a.altered + c.altered }), { total: 0, altered: 0 });
  lines.push("", `## ${title}: false positives per category of clean records`, "", "| category | clean records | altered | rate |", "|---|---:|---:|---:|");
  for (const [c, t] of [...s.clean].sort()) lines.push(`| ${c} | ${t.total} | ${t.altered} | ${pct(t.total ? t.altered / t.total : 0)} |`);
  lines.push(`| all | ${clean.total} | ${clean.altered} | ${pct(clean.total ? clean.altered / clean.total : 0)} |`);
  lines.push("", `Records with secrets that were also changed outside their labelled secrets: ${s.collateral}.`);
  lines.push("", `## ${title}: JSON validity`, "", `${s.json.valid} records were valid JSON before masking; ${s.json.stillValid} parse after it (${pct(s.json.valid ? s.json.stillValid / s.json.valid : 1)}), ${s.json.sameShape} with the same structure (every token keeps its type).`);
  return lines.join("\n");
}
