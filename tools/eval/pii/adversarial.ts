// The hand-written half of the PII corpus: one case per line of
// tests/fixtures/pii-corpus/adversarial.txt, for every failure class seen so far, recall and
// precision. A line is `pii/<category><TAB><text>` or `clean/<category><TAB><text>`; in the
// text, ⟦detector/format|value⟧ labels a secret and ⏎ stands for a line break. Lines starting
// with # are comments. Add a line for every new failure class.
import fs from "node:fs";
import { rootPath } from "../../lib/paths.js";
import { RecordBuilder, Sample } from "./sample.js";
import { isJson } from "./generate.js";

export const ADVERSARIAL_FILE = rootPath("tests", "fixtures", "pii-corpus", "adversarial.txt");

export function parseCase(line: string, id: string): Sample {
  const tab = line.indexOf("\t");
  if (tab < 0) throw new Error(`${id}: no tab after the category`);
  const [kindTag, ...rest] = line.slice(0, tab).split("/");
  if ((kindTag !== "pii" && kindTag !== "clean") || rest.length === 0) throw new Error(`${id}: the line must start with pii/<category> or clean/<category>`);
  const text = line.slice(tab + 1).replace(/⏎/g, "\n");
  const b = new RecordBuilder();
  let at = 0;
  for (;;) {
    const open = text.indexOf("⟦", at);
    if (open < 0) { b.text(text.slice(at)); break; }
    const close = text.indexOf("⟧", open);
    const bar = text.indexOf("|", open);
    if (close < 0 || bar < 0 || bar > close) throw new Error(`${id}: unterminated ⟦detector/format|value⟧`);
    const [detector, format] = text.slice(open + 1, bar).split("/");
    const value = text.slice(bar + 1, close);
    // Digits outside quotes in a JSON case are a JSON number.
    const numeric = /^-?[0-9]+$/.test(value) && text.trimStart().startsWith("{") && text[open - 1] !== '"';
    b.text(text.slice(at, open)).secret(detector, format ?? "", value, numeric);
    at = close + 1;
  }
  if ((kindTag === "pii") !== (b.spans.length > 0)) throw new Error(`${id}: pii lines need labelled secrets, clean lines none`);
  const value = b.value;
  return { id, source: "adversarial", kind: isJson(value) ? "json" : "text", locale: "-", category: rest.join("/"), value, spans: b.spans };
}

export function adversarial(file = ADVERSARIAL_FILE): Sample[] {
  const out: Sample[] = [];
  fs.readFileSync(file, "utf8").split("\n").forEach((line, n) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    out.push(parseCase(line, `adv-${n + 1}`));
  });
  return out;
}
