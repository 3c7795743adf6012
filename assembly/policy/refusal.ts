// A rule's refusal of one resource of a request (a topic to create, a config to alter): the error
// code the client gets for it, the message naming the rule, and the rule's name (for metrics and
// the audit log).
export class Refusal {
  constructor(readonly code: i16, readonly rule: string, readonly message: string) {}
}
