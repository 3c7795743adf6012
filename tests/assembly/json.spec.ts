import { JsonParser, JsonKind } from "../../assembly/config/json";

describe("JsonParser", () => {
  it("parses objects, arrays, strings with escapes, numbers and literals", () => {
    const v = new JsonParser('{"a": [1, -2.5e1, true, null], "b": "x\\ny\\u0041", "c": {}}').parse();
    expect(v).not.toBeNull();
    const doc = v!;
    expect(doc.get("a")!.items.length).toBe(4);
    expect(doc.get("a")!.items[1].num).toBe(-25.0);
    expect(doc.get("a")!.items[2].bool).toBe(true);
    expect(doc.get("a")!.items[3].kind).toBe(JsonKind.Null);
    expect(doc.get("b")!.str).toBe("x\nyA");
    expect(doc.get("c")!.kind).toBe(JsonKind.Object);
    expect(doc.get("missing")).toBeNull();
  });

  it("reports errors with an offset instead of trapping", () => {
    const cases = ['{"a": }', "[1, 2", '"open', "{} extra", "tru", '{"a" 1}', "\\u"];
    for (let i = 0; i < cases.length; i++) {
      const p = new JsonParser(cases[i]);
      expect(p.parse()).toBeNull();
      expect(p.error.length).toBeGreaterThan(0);
    }
  });

  it("bounds nesting depth", () => {
    let deep = "";
    for (let i = 0; i < 100; i++) deep += "[";
    const p = new JsonParser(deep);
    expect(p.parse()).toBeNull();
    expect(p.error.includes("nesting")).toBe(true);
  });
});
