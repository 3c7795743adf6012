// The library's linear-time regex (assembly/text/regex.ts): whole-string matching for names.
import { Regex, wholeMatchRegex, matchesWhole } from "../../assembly/text/regex";

describe("wholeMatchRegex", () => {
  it("matches only the whole string", () => {
    const re = wholeMatchRegex("[a-z0-9-]+\\.(events|commands)");
    expect(re.error).toBe("");
    expect(matchesWhole(re, "orders.events")).toBe(true);
    expect(matchesWhole(re, "a-b.commands")).toBe(true);
    expect(matchesWhole(re, "old.orders.events.bak")).toBe(false);
    expect(matchesWhole(re, "orders.events2")).toBe(false);
    expect(matchesWhole(re, "Orders.events")).toBe(false);
    expect(matchesWhole(re, "")).toBe(false);
  });
  it("keeps alternation inside the anchors", () => {
    // Unwrapped, "a|b" anchored only by a caller's ^…$ would read as ^a | b$.
    const re = wholeMatchRegex("a|b");
    expect(matchesWhole(re, "a")).toBe(true);
    expect(matchesWhole(re, "b")).toBe(true);
    expect(matchesWhole(re, "ab")).toBe(false);
    expect(matchesWhole(re, "xb")).toBe(false);
  });
  it("reports errors at offsets of the pattern as written, and refuses what only the wrapping would balance", () => {
    expect(wholeMatchRegex("a)").error).toBe(Regex.compile("a)", false).error);
    expect(wholeMatchRegex("a)|(b").error.length).toBeGreaterThan(0);
    expect(wholeMatchRegex("(a").error.length).toBeGreaterThan(0);
    expect(matchesWhole(wholeMatchRegex("(a"), "a")).toBe(false);
  });
  it("does work (steps) linear in the name, whatever the pattern", () => {
    const re = wholeMatchRegex("(a*)*b");
    let s = "";
    for (let i = 0; i < 2000; i++) s += "a";
    expect(matchesWhole(re, s)).toBe(false);
    expect(re.steps).toBeLessThan(2000 * 20);
  });
});
