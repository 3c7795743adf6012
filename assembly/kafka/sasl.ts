// Who a SASL client says it is, from the auth bytes of its first SaslAuthenticate (or raw
// token). PLAIN is "authzid\0authcid\0password" (the authorization id wins when given);
// SCRAM's client-first message is "n,,n=user,r=nonce". The password is never kept.

/** The user named in `auth`, or "" when the mechanism is not one of those. */
export function saslPrincipal(auth: Uint8Array): string {
  const p = auth.dataStart;
  const n = auth.byteLength;
  let first = -1, second = -1;
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0) { if (first < 0) first = i; else { second = i; break; } }
  if (first >= 0 && second > first) {
    if (first > 0) return String.UTF8.decodeUnsafe(p, <usize>first);
    return String.UTF8.decodeUnsafe(p + first + 1, <usize>(second - first - 1));
  }
  const text = String.UTF8.decodeUnsafe(p, <usize>n);
  if (text.startsWith("n,") || text.startsWith("y,") || text.startsWith("p=")) {
    const at = text.indexOf(",n=");
    if (at < 0) return "";
    const end = text.indexOf(",", at + 3);
    return text.substring(at + 3, end < 0 ? text.length : end).replaceAll("=2C", ",").replaceAll("=3D", "=");
  }
  return "";
}
