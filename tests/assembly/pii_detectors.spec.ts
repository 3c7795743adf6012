import { maskEmails, maskCards, maskSsns, maskAwsKeyIds, maskJwts, maskPemKeys, maskKeyValueSecrets, maskPhones, maskIbans } from "../../plugins/pii-filter/assembly/detectors";

type Detector = (p: usize, n: i32) => i32;

/** Runs a detector over `input` and returns the masked text. */
function run(d: Detector, input: string): string {
  const b = String.UTF8.encode(input);
  d(changetype<usize>(b), b.byteLength);
  return String.UTF8.decode(b);
}
const WORDS = ["password", "secret", "token", "api_key"];
function kv(input: string): string {
  const b = String.UTF8.encode(input);
  maskKeyValueSecrets(changetype<usize>(b), b.byteLength, WORDS);
  return String.UTF8.decode(b);
}

describe("email", () => {
  it("masks addresses whole, and only addresses", () => {
    expect(run(maskEmails, "My email is example@email.com")).toBe("My email is *****************");
    expect(run(maskEmails, "write to a.b+c@mail.example.co.uk.")).toBe("write to ************************.");
    expect(run(maskEmails, "user@localhost is no address")).toBe("user@localhost is no address");
    expect(run(maskEmails, "@handle and a@b.c")).toBe("@handle and a@b.c");
  });
});

describe("payment cards", () => {
  it("masks Luhn-valid 13-19 digit numbers, keeping separators", () => {
    expect(run(maskCards, "card 4111 1111 1111 1111 ok")).toBe("card **** **** **** **** ok");
    expect(run(maskCards, "5500-0000-0000-0004")).toBe("****-****-****-****");
    expect(run(maskCards, "amex 378282246310005")).toBe("amex ***************");
  });
  it("leaves Luhn-invalid numbers, order numbers, dates and versions alone", () => {
    expect(run(maskCards, "4111 1111 1111 1112")).toBe("4111 1111 1111 1112");
    expect(run(maskCards, "order 123456789012")).toBe("order 123456789012");
    expect(run(maskCards, "2024-01-02 v1.2.3")).toBe("2024-01-02 v1.2.3");
    expect(run(maskCards, "id4111111111111111x")).toBe("id4111111111111111x");
  });
});

describe("US SSN", () => {
  it("masks possible SSNs and skips impossible ones", () => {
    expect(run(maskSsns, "ssn 123-45-6789.")).toBe("ssn ***-**-****.");
    expect(run(maskSsns, "000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000")).toBe("000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000");
    expect(run(maskSsns, "tel 555-123-45-6789")).toBe("tel 555-123-45-6789");
  });
});

describe("AWS access key ids", () => {
  it("masks AKIA/ASIA ids", () => {
    expect(run(maskAwsKeyIds, "key AKIAIOSFODNN7EXAMPLE here")).toBe("key ******************** here");
    expect(run(maskAwsKeyIds, "AKIAIOSFODNN7EXAMPL")).toBe("AKIAIOSFODNN7EXAMPL");
    expect(run(maskAwsKeyIds, "XAKIAIOSFODNN7EXAMPLE")).toBe("XAKIAIOSFODNN7EXAMPLE");
  });
});

describe("JWT", () => {
  it("masks three-part eyJ tokens", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    expect(run(maskJwts, "Bearer " + jwt + " end")).toBe("Bearer " + "*".repeat(jwt.length) + " end");
    expect(run(maskJwts, "eyJhbGciOiJIUzI1NiJ9 alone")).toBe("eyJhbGciOiJIUzI1NiJ9 alone");
  });
});

describe("PEM private keys", () => {
  it("masks the body of private key blocks only", () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\nabc=\n-----END RSA PRIVATE KEY-----";
    expect(run(maskPemKeys, key)).toBe("-----BEGIN RSA PRIVATE KEY-----\n**************\n****\n-----END RSA PRIVATE KEY-----");
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    expect(run(maskPemKeys, cert)).toBe(cert);
  });
});

describe("key=value secrets", () => {
  it("masks the value of keys whose name holds a secret word", () => {
    expect(kv("AWS_SECRET_ACCESS_KEY=myawssecretkeyvalue")).toBe("AWS_SECRET_ACCESS_KEY=*******************");
    expect(kv("user=bob password=hunter2; next")).toBe("user=bob password=*******; next");
    expect(kv('{"api_key": "abc123", "name": "x"}')).toBe('{"api_key": "******", "name": "x"}');
    expect(kv("db_password: 's3cr3t' rest")).toBe("db_password: '******' rest");
    expect(kv("Token:xyz")).toBe("Token:***");
  });
  it("leaves other keys and plain colons alone", () => {
    expect(kv("user=bob time: 12:30 url=http://x")).toBe("user=bob time: 12:30 url=http://x");
  });
});

describe("phone numbers", () => {
  it("masks E.164 numbers, keeping the plus and the separators", () => {
    expect(run(maskPhones, "call +14155552671 now")).toBe("call +*********** now");
    expect(run(maskPhones, "+44 20 7946 0958.")).toBe("+** ** **** ****.");
    expect(run(maskPhones, "tel:+1 (555) 234-5678")).toBe("tel:+* (***) ***-****");
    expect(run(maskPhones, "+49-151-1234-5678")).toBe("+**-***-****-****");
  });
  it("masks North American and trunk-0 national formats", () => {
    expect(run(maskPhones, "555-234-5678")).toBe("***-***-****");
    expect(run(maskPhones, "at 555.234.5678,")).toBe("at ***.***.****,");
    expect(run(maskPhones, "(555) 234-5678")).toBe("(***) ***-****");
    expect(run(maskPhones, "Tel. 020 7946 0958")).toBe("Tel. *** **** ****");
    expect(run(maskPhones, "030 12345678")).toBe("*** ********");
  });
  it("leaves dates, versions, addresses, ids and short numbers alone", () => {
    const plain = ["2024-01-15 15.01.2024", "v1.2.3 10.0.19041.1", "192.168.100.200", "ORD-123456789", "1234567890",
      "+1 2", "123-456-7890", "555-234-56789", "x555-234-5678", "01-02-2024", "0.1.2", "+0 123 456 789", "555-234-5678-9", "2+2=4"];
    for (let k = 0; k < plain.length; k++) expect(run(maskPhones, plain[k])).toBe(plain[k]);
  });
});

describe("IBAN", () => {
  it("masks checksum-valid IBANs, grouped or solid, keeping spaces", () => {
    expect(run(maskIbans, "IBAN GB82 WEST 1234 5698 7654 32.")).toBe("IBAN **** **** **** **** **** **.");
    expect(run(maskIbans, "DE89370400440532013000")).toBe("**********************");
    expect(run(maskIbans, "pay to FR1420041010050500013M02606 today")).toBe("pay to *************************** today");
  });
  it("leaves invalid checksums and look-alikes alone", () => {
    const plain = ["GB82 WEST 1234 5698 7654 33", "DE89370400440532013001", "XGB82WEST12345698765432", "GB82 WEST", "AB12 order 1234", "GB82WEST12345698765432x"];
    for (let k = 0; k < plain.length; k++) expect(run(maskIbans, plain[k])).toBe(plain[k]);
  });
});

import { Scanner, Action, CARD, EMAIL, SSN, PEM, PHONE, DETECTOR_COUNT } from "../../plugins/pii-filter/assembly/scanner";

function scanWith(sc: Scanner, input: string): string {
  const b = String.UTF8.encode(input);
  sc.scan(changetype<usize>(b), b.byteLength);
  return String.UTF8.decode(b);
}

describe("actions", () => {
  it("partial keeps the last N characters (digits for cards and SSNs)", () => {
    const on = new StaticArray<bool>(DETECTOR_COUNT);
    on[CARD] = true; on[EMAIL] = true; on[SSN] = true;
    const sc = new Scanner(on, []);
    sc.actions[CARD] = Action.Partial;
    sc.actions[EMAIL] = Action.Partial;
    sc.actions[SSN] = Action.Partial;
    sc.partialKeep = 4;
    expect(scanWith(sc, "card 4111 1111 1111 1111")).toBe("card **** **** **** 1111");
    expect(scanWith(sc, "to example@email.com")).toBe("to *************.com");
    expect(scanWith(sc, "ssn 123-45-6789")).toBe("ssn ***-**-6789");
  });

  it("reject flags the detector and still masks (the request is replaced anyway)", () => {
    const on = new StaticArray<bool>(DETECTOR_COUNT);
    on[PEM] = true; on[EMAIL] = true;
    const sc = new Scanner(on, []);
    sc.actions[PEM] = Action.Reject;
    expect(sc.rejectedBy).toBe(-1);
    scanWith(sc, "mail a@b.org only");
    expect(sc.rejectedBy).toBe(-1);
    scanWith(sc, "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----");
    expect(sc.rejectedBy).toBe(PEM);
  });

  it("hash records spans and leaves the bytes; drop flags the record and masks", () => {
    const on = new StaticArray<bool>(DETECTOR_COUNT);
    on[CARD] = true; on[EMAIL] = true; on[PHONE] = true;
    const sc = new Scanner(on, []);
    sc.actions[EMAIL] = Action.Hash;
    sc.actions[CARD] = Action.Hash;
    sc.actions[PHONE] = Action.Drop;
    expect(scanWith(sc, "to a@b.org, card 4111-1111-1111-1111")).toBe("to a@b.org, card 4111-1111-1111-1111");
    const spans = sc.hashSpans;
    expect(spans.length).toBe(6);
    expect(spans[0]).toBe(3); expect(spans[1]).toBe(10); expect(spans[2]).toBe(0);
    expect(spans[3]).toBe(17); expect(spans[4]).toBe(36); expect(spans[5]).toBe(1);
    expect(sc.dropRecord).toBe(false);
    expect(scanWith(sc, "call 555-234-5678")).toBe("call ***-***-****");
    expect(sc.hashSpans.length).toBe(0);
    expect(sc.dropRecord).toBe(true);
  });
});

import { saslPrincipal } from "../../assembly/kafka/sasl";

function utf8Bytes(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

describe("saslPrincipal", () => {
  it("reads PLAIN (authzid wins) and SCRAM client-first, never the password", () => {
    expect(saslPrincipal(utf8Bytes("\0alice\0secret"))).toBe("alice");
    expect(saslPrincipal(utf8Bytes("admin\0alice\0secret"))).toBe("admin");
    expect(saslPrincipal(utf8Bytes("n,,n=bob=2Cjr,r=abc123"))).toBe("bob,jr");
    expect(saslPrincipal(utf8Bytes("some GSSAPI token"))).toBe("");
  });
});

import { Sha256, HmacSha256 } from "../../plugins/pii-filter/assembly/sha256";

function hex(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) { const b = load<u8>(p + <usize>i); s += (b < 16 ? "0" : "") + b.toString(16); }
  return s;
}
function sha256Hex(input: string): string {
  const b = String.UTF8.encode(input);
  const h = new Sha256();
  // Fed in two pieces, so block boundaries inside update() are exercised.
  const half = b.byteLength >> 1;
  h.update(changetype<usize>(b), half);
  h.update(changetype<usize>(b) + <usize>half, b.byteLength - half);
  const out = new ArrayBuffer(32);
  h.finish(changetype<usize>(out));
  return hex(changetype<usize>(out), 32);
}
function hmacHex(key: string, msg: string): string { return hmacHexKey(Uint8Array.wrap(String.UTF8.encode(key)), msg); }
function hmacHexKey(key: Uint8Array, msg: string): string {
  const m = new HmacSha256(key);
  const b = String.UTF8.encode(msg);
  m.begin();
  m.update(changetype<usize>(b), b.byteLength);
  const out = new ArrayBuffer(32);
  m.finish(changetype<usize>(out));
  return hex(changetype<usize>(out), 32);
}

describe("SHA-256 and HMAC-SHA-256", () => {
  it("matches the FIPS 180-4 and RFC 4231 vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect(hmacHex("Jefe", "what do ya want for nothing?")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // RFC 4231 case 6: a key longer than the block is hashed first.
    const long = new Uint8Array(131);
    long.fill(0xaa);
    expect(hmacHexKey(long, "Test Using Larger Than Block-Size Key - Hash Key First")).toBe("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  });
});

import { globMatch } from "../../assembly/record_layer/scope";

describe("topic globs", () => {
  it("match names, stars across dots, and single characters", () => {
    expect(globMatch("payments", "payments")).toBe(true);
    expect(globMatch("payments", "payments2")).toBe(false);
    expect(globMatch("payments.*", "payments.eu.cards")).toBe(true);
    expect(globMatch("payments.*", "payments")).toBe(false);
    expect(globMatch("*-pii", "orders-pii")).toBe(true);
    expect(globMatch("*-pii", "orders-pii-archive")).toBe(false);
    expect(globMatch("log?", "logs")).toBe(true);
    expect(globMatch("log?", "log")).toBe(false);
    expect(globMatch("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatch("a*b*c", "axxbyy")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
    expect(globMatch("**x", "abx")).toBe(true);
  });
});

import { Regex } from "../../assembly/text/regex";

/** Every match of `re` in `input`, as "start-end" pairs. */
function matchesOf(re: Regex, input: string): string {
  const b = String.UTF8.encode(input);
  const out = new Array<string>();
  let from = 0;
  while (from < b.byteLength) {
    const m = re.find(changetype<usize>(b), b.byteLength, from);
    if (m < 0) break;
    const s = <i32>(m >>> 32), e = <i32>(m & 0xffffffff);
    out.push(s.toString() + "-" + e.toString());
    from = e;
  }
  return out.join(",");
}
function rx(pattern: string, input: string, ignoreCase: bool = false): string {
  const re = Regex.compile(pattern, ignoreCase);
  expect(re.error).toBe("");
  return matchesOf(re, input);
}
function rxError(pattern: string): string { return Regex.compile(pattern, false).error; }

describe("user rules: the regex engine", () => {
  it("finds leftmost-longest, non-overlapping matches", () => {
    expect(rx("EMP-[0-9]{6}", "id EMP-123456 and EMP-654321x EMP-12")).toBe("3-13,18-28");
    expect(rx("a|ab|abc", "xabcx")).toBe("1-4");
    expect(rx("(?:ab)+", "ababab abab")).toBe("0-6,7-11");
    expect(rx("colou?r", "color colour colouur")).toBe("0-5,6-12");
    expect(rx("x{2,3}", "x xx xxxx")).toBe("2-4,5-8");
    expect(rx("\\d{3}-\\d{4}", "call 555-1234 now")).toBe("5-13");
    expect(rx("[^ ]+@corp\\.example", "mail bob@corp.example now")).toBe("5-21");
  });
  it("supports classes, escapes, anchors and word boundaries", () => {
    expect(rx("\\bcat\\b", "cat concat cat.")).toBe("0-3,11-14");
    expect(rx("^ab", "abab")).toBe("0-2");
    expect(rx("ab$", "abab")).toBe("2-4");
    expect(rx("[a-c\\d_]+", "zz a1_b9 zz")).toBe("3-8");
    expect(rx("\\w+\\s\\W", "ab !")).toBe("0-4");
    expect(rx("a.c", "abc a\nc")).toBe("0-3");
    expect(rx("\\(\\d\\)", "(1) (x)")).toBe("0-3");
  });
  it("ignores case when asked, in literals and classes", () => {
    expect(rx("secret-[a-f]+", "SECRET-ABC secret-def", true)).toBe("0-10,11-21");
    expect(rx("secret", "SECRET")).toBe("");
  });
  it("compiles literal lists, by default as whole words", () => {
    const re = Regex.literals(["Falcon", "Blue bird", "fal"], true, true);
    expect(matchesOf(re, "project FALCON and blue bird, falconry, fal.")).toBe("8-14,19-28,40-43");
    const inside = Regex.literals(["fal"], false, false);
    expect(matchesOf(inside, "falconry")).toBe("0-3");
  });
  it("rejects what it does not support, saying where", () => {
    expect(rxError("(a")).toBe("missing ) at offset 2");
    expect(rxError("a)")).toBe("unbalanced ) at offset 1");
    expect(rxError("*a")).toBe("nothing to repeat at offset 0");
    expect(rxError("(?=a)").includes("lookaround")).toBe(true);
    expect(rxError("a*?").includes("lazy")).toBe(true);
    expect(rxError("\\1").includes("unsupported escape")).toBe(true);
    expect(rxError("a{5,2}").includes("m < n")).toBe(true);
    expect(rxError("a{101}").includes("over 100")).toBe(true);
    expect(rxError("[z-a]").includes("out of order")).toBe(true);
    expect(rxError("((a{100}){100}){3}").includes("too large")).toBe(true);
  });
  it("never backtracks: a catastrophic pattern for backtracking engines costs input x program steps", () => {
    const re = Regex.compile("(a*)*b", false);
    expect(re.error).toBe("");
    const input = "a".repeat(20000);
    expect(matchesOf(re, input)).toBe("");
    // One pass, at most every instruction per byte (the program is under 10 instructions).
    expect(re.steps).toBeLessThanOrEqual(<i64>20001 * 10);
    const nested = Regex.compile("(x+x+)+y", false);
    expect(matchesOf(nested, "x".repeat(5000))).toBe("");
    expect(nested.steps).toBeLessThanOrEqual(<i64>5001 * 12);
  });
});

import { JsonFields } from "../../plugins/pii-filter/assembly/json_fields";

function jsonMask(paths: Array<string>, input: string): string {
  const f = new JsonFields();
  for (let i = 0; i < paths.length; i++) f.add(paths[i]);
  const b = String.UTF8.encode(input);
  f.scan(changetype<usize>(b), b.byteLength);
  return String.UTF8.decode(b);
}

describe("JSON field rules", () => {
  it("mask by name at any depth, by anchored path, through arrays, and with *", () => {
    expect(jsonMask(["ssn"], '{"a":{"ssn":"123-45-6789"},"ssn":"x"}')).toBe('{"a":{"ssn":"***********"},"ssn":"*"}');
    expect(jsonMask(["customer.email"], '{"customer":{"email":"a@b.c"},"email":"keep"}')).toBe('{"customer":{"email":"*****"},"email":"keep"}');
    expect(jsonMask(["$.customer.email"], '{"x":{"customer":{"email":"keep"}}}')).toBe('{"x":{"customer":{"email":"keep"}}}');
    expect(jsonMask(["items.card"], '{"items":[{"card":"1"},{"card":"22","n":"k"}]}')).toBe('{"items":[{"card":"*"},{"card":"**","n":"k"}]}');
    expect(jsonMask(["customer.*"], '{"customer":{"a":"x","b":"yy"},"c":"z"}')).toBe('{"customer":{"a":"*","b":"**"},"c":"z"}');
  });
  it("keeps JSON valid: numbers zeroed, containers masked leaf by leaf, escapes respected", () => {
    expect(jsonMask(["pin"], '{"pin": 4711, "n": 5}')).toBe('{"pin": 1000, "n": 5}');
    expect(jsonMask(["card"], '{"card": {"no": "41", "exp": [12, "ab"]}, "k": "v"}')).toBe('{"card": {"no": "**", "exp": [10, "**"]}, "k": "v"}');
    expect(jsonMask(["pin", "z", "f"], '{"pin": -12.5e3, "z": 7, "f": 0.25}')).toBe('{"pin": -10.0e0, "z": 0, "f": 0.00}'); // still numbers: no leading zero
    expect(jsonMask(["note"], '{"note":"say \\"hi\\"","x":"\\"note\\""}')).toBe('{"note":"**********","x":"\\"note\\""}');
  });
  it("leaves non-JSON and truncated JSON alone past where it stops", () => {
    expect(jsonMask(["a"], 'a=1 "a":"b"')).toBe('a=1 "a":"b"');
    expect(jsonMask(["a"], '{"a":"xy","b":')).toBe('{"a":"**","b":');
    expect(JsonFields.check("a..b")).toBe("has an empty segment");
  });
});
