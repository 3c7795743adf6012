import { maskEmails, maskCards, maskSsns, maskAwsKeyIds, maskJwts, maskPemKeys, maskKeyValueSecrets } from "../../plugins/pii-filter/assembly/detectors";

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

import { Scanner, Action, CARD, EMAIL, SSN, PEM } from "../../plugins/pii-filter/assembly/scanner";

function scanWith(sc: Scanner, input: string): string {
  const b = String.UTF8.encode(input);
  sc.scan(changetype<usize>(b), b.byteLength);
  return String.UTF8.decode(b);
}

describe("actions", () => {
  it("partial keeps the last N characters (digits for cards and SSNs)", () => {
    const on = new StaticArray<bool>(7);
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
    const on = new StaticArray<bool>(7);
    on[PEM] = true; on[EMAIL] = true;
    const sc = new Scanner(on, []);
    sc.actions[PEM] = Action.Reject;
    expect(sc.rejectedBy).toBe(-1);
    scanWith(sc, "mail a@b.org only");
    expect(sc.rejectedBy).toBe(-1);
    scanWith(sc, "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----");
    expect(sc.rejectedBy).toBe(PEM);
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
