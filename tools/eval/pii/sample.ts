// A labelled record of the PII evaluation corpus: its bytes, and where each secret sits in
// them. Offsets are byte offsets into the UTF-8 value, so they line up with what the
// filter sees on the wire.

/** One labelled secret: bytes [start, end) of the record are `detector`'s, written in `format`. */
export interface Span {
  start: number;
  end: number;
  detector: string;
  format: string;
  /** The secret is a JSON number: masked digits become `0` (or `1` where a leading digit must stay non-zero). */
  numeric: boolean;
}

export interface Sample {
  id: string;
  source: "generated" | "adversarial";
  /** "text" or "json": JSON records must still parse after masking. */
  kind: "text" | "json";
  locale: string;
  /** For a clean record, the kind of trap it holds (its false-positive category); else the record's shape. */
  category: string;
  value: Buffer;
  spans: Span[];
}

/** Builds a record piece by piece, remembering the byte offsets of the labelled pieces. */
export class RecordBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  readonly spans: Span[] = [];

  text(s: string): this {
    this.parts.push(s);
    this.length += Buffer.byteLength(s);
    return this;
  }

  secret(detector: string, format: string, s: string, numeric = false): this {
    const start = this.length;
    this.text(s);
    this.spans.push({ start, end: this.length, detector, format, numeric });
    return this;
  }

  get value(): Buffer { return Buffer.from(this.parts.join("")); }
}

/** A secret inside a JSON document built with `writeJson`. */
export class Secret {
  constructor(readonly detector: string, readonly format: string, readonly value: string, readonly asNumber = false) {}
}

export type JsonLike = string | number | boolean | null | Secret | JsonLike[] | { [key: string]: JsonLike };

/**
 * Writes `v` as JSON into `b`, labelling each Secret's characters (a string secret's span is
 * its escaped contents, without the quotes). `space` is written after colons and commas.
 */
export function writeJson(b: RecordBuilder, v: JsonLike, space = "", indent = "", depth = 0): void {
  const nl = indent ? "\n" + indent.repeat(depth + 1) : "";
  const close = indent ? "\n" + indent.repeat(depth) : "";
  if (v instanceof Secret) {
    if (v.asNumber) { b.secret(v.detector, v.format, v.value, true); return; }
    const quoted = JSON.stringify(v.value);
    b.text('"').secret(v.detector, v.format, quoted.slice(1, -1)).text('"');
  } else if (Array.isArray(v)) {
    b.text("[");
    v.forEach((item, i) => { if (i > 0) b.text("," + (indent ? "" : space)); b.text(nl); writeJson(b, item, space, indent, depth + 1); });
    b.text(v.length ? close + "]" : "]");
  } else if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    b.text("{");
    keys.forEach((k, i) => {
      if (i > 0) b.text("," + (indent ? "" : space));
      b.text(nl + JSON.stringify(k) + ":" + (space || indent ? " " : ""));
      writeJson(b, v[k], space, indent, depth + 1);
    });
    b.text(keys.length ? close + "}" : "}");
  } else {
    b.text(JSON.stringify(v));
  }
}
