// Who sent or fetches a record: the request's client.id, the connection's SASL principal and
// its source address. Plugins decide by them (exempt an auditor, bill a tenant).
export class ClientInfo {
  /** The request header's client.id ("" when null). */
  clientId: string = "";
  /** The SASL principal the connection authenticated as ("" when none). */
  principal: string = "";
  /** The client's address as Envoy saw it ("ip:port"; "" when unknown). */
  address: string = "";
}
