// The layout of generated code (codegen/layout.ts): long lines broken at blocks, statements,
// names and parameters, and nothing but whitespace changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { layout, MAX_LINE } from "../../codegen/layout.js";
import { rootPath } from "../../tools/lib/paths.js";

const squeeze = (s: string) => s.replace(/\s+/g, "");

const DENSE = [
  `    { const count = (version >= 9) ? r.compactArrayLength(1) : r.arrayLength(1); if (count < 0) { r.fail(ReadError.BadLength); this.topicData = []; } else { const a = new Array<T>(count); for (let i = 0; i < count && !r.bad; i++) { a[i] = T.decodeFrom(r, version); } this.topicData = a; } }`,
  `    case 0: if (response) { const x = m.ProduceResponse.decodeFrom(r, version); if (!r.bad) x.toJson(j, version); return true; } else { return false; }`,
  `    if (version >= 9) w.compactNullableString(this.transactionalId); else w.nullableString(this.transactionalId); r.field = "A { b; c } \\" d;";`,
  `import { RawTaggedField, unknownTaggedSize, writeUnknownTaggedBelow, isZeroUuid, EMPTY_BOOL, EMPTY_I8 } from "../../wire/tagged";`,
  `  static fromJson(v: JsonValue, version: i16, e: JsonErrors, path: string = "ProduceRequest_TopicProduceData"): ProduceRequest_TopicProduceData {`,
  `const MAX_VERSION: StaticArray<i16> = [13, 18, 11, 13, 7, 4, 8, 3, 10, 10, 6, 9, 4, 5, 5, 6, 5, 1, 5, 7, 6, 2, 6, 4, 5, 4, 5, 2, 6, 3, 3, 3, 4, 2];`,
];

test("long lines are broken up, and only whitespace changes", () => {
  for (const line of DENSE) {
    const out = layout(line);
    assert.ok(out.split("\n").length > 1, `not broken: ${line}`);
    assert.equal(squeeze(out), squeeze(line), "nothing but whitespace changed");
    for (const l of out.split("\n")) assert.ok(l.length <= MAX_LINE || !/[{;]\s*\S/.test(l.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\([^()]*\)/g, "()")), `still dense: ${l}`);
  }
});

test("blocks: statements on lines of their own, indented by braces; } else { and for headers kept whole", () => {
  assert.equal(layout(DENSE[1]), [
    "    case 0: if (response) {",
    "      const x = m.ProduceResponse.decodeFrom(r, version);",
    "      if (!r.bad) x.toJson(j, version);",
    "      return true;",
    "    } else {",
    "      return false;",
    "    }",
  ].join("\n"));
  assert.match(layout(DENSE[0]), /\n {8}for \(let i = 0; i < count && !r\.bad; i\+\+\) \{\n {10}a\[i\] = T\.decodeFrom\(r, version\);\n {8}\}/);
  assert.match(layout(DENSE[2]), /r\.field = "A \{ b; c \} \\" d;";$/, "a string's braces and semicolons are left alone");
});

test("names, parameters and number tables wrap after commas", () => {
  assert.match(layout(DENSE[3]), /^import \{\n {2}RawTaggedField, [^\n]+\n[^\n]*\n?\} from "\.\.\/\.\.\/wire\/tagged";$/);
  assert.equal(layout(DENSE[4]), [
    "  static fromJson(",
    '      v: JsonValue, version: i16, e: JsonErrors, path: string = "ProduceRequest_TopicProduceData"',
    "  ): ProduceRequest_TopicProduceData {",
  ].join("\n"));
  const table = layout(DENSE[5]).split("\n");
  assert.equal(table[0], "const MAX_VERSION: StaticArray<i16> = [");
  assert.equal(table[table.length - 1], "];");
});

test("short lines, comments and lines that do not balance stay as they are", () => {
  const short = "    if (x) { y(); }";
  assert.equal(layout(short), short);
  const comment = "    // " + "a; b { c } ".repeat(20);
  assert.equal(layout(comment), comment);
  const open = "    something(" + "a, ".repeat(40) + "{";
  assert.equal(squeeze(layout(open)), squeeze(open));
});

test("the committed generated code is laid out: laying it out again changes nothing", () => {
  const dir = rootPath("assembly", "kafka", "generated");
  const files = [...fs.readdirSync(dir).map((f) => path.join(dir, f)), ...fs.readdirSync(path.join(dir, "messages")).map((f) => path.join(dir, "messages", f))].filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 90);
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    assert.equal(layout(text), text, path.relative(dir, f));
  }
});
