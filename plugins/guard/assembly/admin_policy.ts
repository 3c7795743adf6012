// The admin requests the topic and config rules apply to, split and merged as Kafka answers a
// partly valid request: resources that pass go to the broker, refused ones are answered here
// with their own error and message, and the client gets one response in request order. When
// nothing passes, the proxy answers alone and the broker sees nothing.
//
//   CreateTopics (19)             name, partitions, replication factor, configs
//   CreatePartitions (37)         max_partitions on the new total
//   AlterConfigs (33)             topic resources: a full replacement of the configs
//   IncrementalAlterConfigs (44)  topic resources: each operation
//   DeleteTopics (20)             protected names
//
// Each handler returns the plan it made (its keys name the resources), which the connection
// keeps until the response, to merge it and to write the audit entries.
import {
  KafkaRequest, KafkaResponse, Writer, checkDecoded, SplitPlan, Refusal, keptEntries, mergeInOrder, refusedOnly, TopicNames, topicIdHex,
  CreateTopicsRequest, CreateTopicsRequest_CreatableTopic, CreateTopicsResponse, CreateTopicsResponse_CreatableTopicResult,
  CreatePartitionsRequest, CreatePartitionsRequest_CreatePartitionsTopic, CreatePartitionsResponse, CreatePartitionsResponse_CreatePartitionsTopicResult,
  AlterConfigsRequest, AlterConfigsRequest_AlterConfigsResource, AlterConfigsResponse, AlterConfigsResponse_AlterConfigsResourceResponse,
  IncrementalAlterConfigsRequest, IncrementalAlterConfigsRequest_AlterConfigsResource, IncrementalAlterConfigsResponse, IncrementalAlterConfigsResponse_AlterConfigsResourceResponse,
  DeleteTopicsRequest, DeleteTopicsRequest_DeleteTopicState, DeleteTopicsResponse, DeleteTopicsResponse_DeletableTopicResult,
} from "../../../assembly/index";
import { GuardConfig } from "./config";
import { createRefusal, partitionsRefusal, deleteRefusal } from "./topic_rules";

export const CREATE_TOPICS: i16 = 19;
export const DELETE_TOPICS: i16 = 20;
export const ALTER_CONFIGS: i16 = 33;
export const CREATE_PARTITIONS: i16 = 37;
export const INCREMENTAL_ALTER_CONFIGS: i16 = 44;
/** ConfigResource type of a topic (2); brokers (4) and broker loggers (8) pass. */
const TOPIC_RESOURCE: i8 = 2;

export function isPolicyApi(apiKey: i16): bool {
  return apiKey == CREATE_TOPICS || apiKey == DELETE_TOPICS || apiKey == ALTER_CONFIGS || apiKey == CREATE_PARTITIONS || apiKey == INCREMENTAL_ALTER_CONFIGS;
}

/** One resource's result as the client got it (for the audit log). */
export class ResourceResult {
  constructor(readonly key: string, readonly code: i16, readonly message: string) {}
}

/** What a policy API's request left for its response. */
export class PolicyCall {
  plan: SplitPlan = new SplitPlan();
  /** The request was changed (some refused): the response is merged. */
  split: bool = false;
  /** The proxy answered alone. */
  answered: bool = false;
  /** DeleteTopics by id: the id of each "id:<hex>" key, to answer with it. */
  readonly ids: Map<string, Uint8Array> = new Map();
  /** DeleteTopics by id: the names the proxy knows for them. */
  readonly idNames: Map<string, string> = new Map();
}

function encoded<T>(m: T, version: i16): ArrayBuffer {
  const w = Writer.sized(m.size(version));
  m.encode(w, version);
  return w.buffer;
}

/**
 * Reads the request, decides, and rewrites or answers it. Returns "" or why the request could not
 * be read (the caller closes the connection: a policy must not let an unread request through).
 */
export function applyPolicy(req: KafkaRequest, g: GuardConfig, names: TopicNames, call: PolicyCall): string {
  const r = req.body();
  const v = req.apiVersion;
  const k = req.apiKey;
  if (k == CREATE_TOPICS) {
    const m = CreateTopicsRequest.decodeFrom(r, v);
    const err = checkDecoded(r, "CreateTopicsRequest", v);
    if (err != null) return err.toString();
    for (let i = 0; i < m.topics.length; i++) call.plan.add(m.topics[i].name, createRefusal(g.topics, g.configs, m.topics[i]));
    if (call.plan.allPass) return "";
    if (call.plan.nonePass) {
      const resp = new CreateTopicsResponse();
      resp.topics = refusedOnly<CreateTopicsResponse_CreatableTopicResult>(call.plan, createTopicRefused);
      return answer(req, call, encoded(resp, v));
    }
    m.topics = keptEntries<CreateTopicsRequest_CreatableTopic>(call.plan, m.topics, (t: CreateTopicsRequest_CreatableTopic): string => t.name);
    return forward(req, call, encoded(m, v));
  }
  if (k == CREATE_PARTITIONS) {
    const m = CreatePartitionsRequest.decodeFrom(r, v);
    const err = checkDecoded(r, "CreatePartitionsRequest", v);
    if (err != null) return err.toString();
    for (let i = 0; i < m.topics.length; i++) call.plan.add(m.topics[i].name, partitionsRefusal(g.topics, m.topics[i].name, m.topics[i].count));
    if (call.plan.allPass) return "";
    if (call.plan.nonePass) {
      const resp = new CreatePartitionsResponse();
      resp.results = refusedOnly<CreatePartitionsResponse_CreatePartitionsTopicResult>(call.plan, createPartitionsRefused);
      return answer(req, call, encoded(resp, v));
    }
    m.topics = keptEntries<CreatePartitionsRequest_CreatePartitionsTopic>(call.plan, m.topics, (t: CreatePartitionsRequest_CreatePartitionsTopic): string => t.name);
    return forward(req, call, encoded(m, v));
  }
  if (k == ALTER_CONFIGS) {
    const m = AlterConfigsRequest.decodeFrom(r, v);
    const err = checkDecoded(r, "AlterConfigsRequest", v);
    if (err != null) return err.toString();
    for (let i = 0; i < m.resources.length; i++) {
      const res = m.resources[i];
      let refusal: Refusal | null = null;
      if (res.resourceType == TOPIC_RESOURCE && !g.configs.empty) {
        const keys = new Array<string>(), values = new Array<string | null>();
        for (let j = 0; j < res.configs.length; j++) { keys.push(res.configs[j].name); values.push(res.configs[j].value); }
        refusal = g.configs.checkReplace(res.resourceName, keys, values);
      }
      call.plan.add(resourceKey(res.resourceType, res.resourceName), refusal);
    }
    if (call.plan.allPass) return "";
    if (call.plan.nonePass) {
      const resp = new AlterConfigsResponse();
      resp.responses = refusedOnly<AlterConfigsResponse_AlterConfigsResourceResponse>(call.plan, alterConfigsRefused);
      return answer(req, call, encoded(resp, v));
    }
    m.resources = keptEntries<AlterConfigsRequest_AlterConfigsResource>(call.plan, m.resources, (x: AlterConfigsRequest_AlterConfigsResource): string => resourceKey(x.resourceType, x.resourceName));
    return forward(req, call, encoded(m, v));
  }
  if (k == INCREMENTAL_ALTER_CONFIGS) {
    const m = IncrementalAlterConfigsRequest.decodeFrom(r, v);
    const err = checkDecoded(r, "IncrementalAlterConfigsRequest", v);
    if (err != null) return err.toString();
    for (let i = 0; i < m.resources.length; i++) {
      const res = m.resources[i];
      let refusal: Refusal | null = null;
      if (res.resourceType == TOPIC_RESOURCE && !g.configs.empty) {
        for (let j = 0; j < res.configs.length && refusal == null; j++) {
          const c = res.configs[j];
          refusal = g.configs.checkOperation(res.resourceName, c.name, c.configOperation, c.value);
        }
      }
      call.plan.add(resourceKey(res.resourceType, res.resourceName), refusal);
    }
    if (call.plan.allPass) return "";
    if (call.plan.nonePass) {
      const resp = new IncrementalAlterConfigsResponse();
      resp.responses = refusedOnly<IncrementalAlterConfigsResponse_AlterConfigsResourceResponse>(call.plan, incrementalRefused);
      return answer(req, call, encoded(resp, v));
    }
    m.resources = keptEntries<IncrementalAlterConfigsRequest_AlterConfigsResource>(call.plan, m.resources, (x: IncrementalAlterConfigsRequest_AlterConfigsResource): string => resourceKey(x.resourceType, x.resourceName));
    return forward(req, call, encoded(m, v));
  }
  if (k == DELETE_TOPICS) {
    const m = DeleteTopicsRequest.decodeFrom(r, v);
    const err = checkDecoded(r, "DeleteTopicsRequest", v);
    if (err != null) return err.toString();
    // v0-5 name topics in topicNames; v6+ in topics, by name or by id.
    for (let i = 0; i < m.topicNames.length; i++) call.plan.add(m.topicNames[i], deleteRefusal(g.topics, m.topicNames[i], ""));
    for (let i = 0; i < m.topics.length; i++) {
      const t = m.topics[i];
      const key = deleteKey(t);
      let name = t.name;
      if (name == null || name.length == 0) {
        call.ids.set(key, t.topicId);
        name = names.nameOf(null, t.topicId);
        if (name.length > 0) call.idNames.set(key, name);
      }
      call.plan.add(key, deleteRefusal(g.topics, name, topicIdHex(t.topicId)));
    }
    if (call.plan.allPass) return "";
    if (call.plan.nonePass) {
      const resp = new DeleteTopicsResponse();
      resp.responses = refusedOnly<DeleteTopicsResponse_DeletableTopicResult>(call.plan, deleteRefused);
      fillIds(resp.responses, call);
      return answer(req, call, encoded(resp, v));
    }
    m.topicNames = keptEntries<string>(call.plan, m.topicNames, (n: string): string => n);
    m.topics = keptEntries<DeleteTopicsRequest_DeleteTopicState>(call.plan, m.topics, deleteKey);
    return forward(req, call, encoded(m, v));
  }
  return "";
}

/**
 * The broker's answer for what it saw, with the refusals put back in request order (only when the
 * request was split), and each resource's result as the client gets it. Returns "" or why the
 * response could not be read.
 */
export function mergePolicy(resp: KafkaResponse, call: PolicyCall, results: Array<ResourceResult>): string {
  const r = resp.body();
  const v = resp.apiVersion;
  const k = resp.apiKey;
  if (k == CREATE_TOPICS) {
    const m = CreateTopicsResponse.decodeFrom(r, v);
    const err = checkDecoded(r, "CreateTopicsResponse", v);
    if (err != null) return err.toString();
    if (call.split) {
      m.topics = mergeInOrder<CreateTopicsResponse_CreatableTopicResult>(call.plan, m.topics,
        (key: string, t: CreateTopicsResponse_CreatableTopicResult): bool => t.name == key, createTopicRefused);
      resp.replaceBody(encoded(m, v));
    }
    for (let i = 0; i < m.topics.length; i++) results.push(new ResourceResult(m.topics[i].name, m.topics[i].errorCode, text(m.topics[i].errorMessage)));
  } else if (k == CREATE_PARTITIONS) {
    const m = CreatePartitionsResponse.decodeFrom(r, v);
    const err = checkDecoded(r, "CreatePartitionsResponse", v);
    if (err != null) return err.toString();
    if (call.split) {
      m.results = mergeInOrder<CreatePartitionsResponse_CreatePartitionsTopicResult>(call.plan, m.results,
        (key: string, t: CreatePartitionsResponse_CreatePartitionsTopicResult): bool => t.name == key, createPartitionsRefused);
      resp.replaceBody(encoded(m, v));
    }
    for (let i = 0; i < m.results.length; i++) results.push(new ResourceResult(m.results[i].name, m.results[i].errorCode, text(m.results[i].errorMessage)));
  } else if (k == ALTER_CONFIGS) {
    const m = AlterConfigsResponse.decodeFrom(r, v);
    const err = checkDecoded(r, "AlterConfigsResponse", v);
    if (err != null) return err.toString();
    if (call.split) {
      m.responses = mergeInOrder<AlterConfigsResponse_AlterConfigsResourceResponse>(call.plan, m.responses,
        (key: string, t: AlterConfigsResponse_AlterConfigsResourceResponse): bool => resourceKey(t.resourceType, t.resourceName) == key, alterConfigsRefused);
      resp.replaceBody(encoded(m, v));
    }
    for (let i = 0; i < m.responses.length; i++) results.push(new ResourceResult(resourceKey(m.responses[i].resourceType, m.responses[i].resourceName), m.responses[i].errorCode, text(m.responses[i].errorMessage)));
  } else if (k == INCREMENTAL_ALTER_CONFIGS) {
    const m = IncrementalAlterConfigsResponse.decodeFrom(r, v);
    const err = checkDecoded(r, "IncrementalAlterConfigsResponse", v);
    if (err != null) return err.toString();
    if (call.split) {
      m.responses = mergeInOrder<IncrementalAlterConfigsResponse_AlterConfigsResourceResponse>(call.plan, m.responses,
        (key: string, t: IncrementalAlterConfigsResponse_AlterConfigsResourceResponse): bool => resourceKey(t.resourceType, t.resourceName) == key, incrementalRefused);
      resp.replaceBody(encoded(m, v));
    }
    for (let i = 0; i < m.responses.length; i++) results.push(new ResourceResult(resourceKey(m.responses[i].resourceType, m.responses[i].resourceName), m.responses[i].errorCode, text(m.responses[i].errorMessage)));
  } else if (k == DELETE_TOPICS) {
    const m = DeleteTopicsResponse.decodeFrom(r, v);
    const err = checkDecoded(r, "DeleteTopicsResponse", v);
    if (err != null) return err.toString();
    if (call.split) {
      m.responses = mergeInOrder<DeleteTopicsResponse_DeletableTopicResult>(call.plan, m.responses, deleteResultMatches, deleteRefused);
      fillIds(m.responses, call);
      resp.replaceBody(encoded(m, v));
    }
    for (let i = 0; i < m.responses.length; i++) {
      const t = m.responses[i];
      const name = t.name;
      results.push(new ResourceResult(name != null && name.length > 0 ? name : "id:" + topicIdHex(t.topicId), t.errorCode, text(t.errorMessage)));
    }
  }
  return "";
}

/** The results the proxy gave alone (nothing passed), for the audit log. */
export function refusedResults(call: PolicyCall, results: Array<ResourceResult>): void {
  for (let i = 0; i < call.plan.keys.length; i++) {
    const refusal = call.plan.refusals[i];
    if (refusal != null) results.push(new ResourceResult(call.plan.keys[i], refusal.code, refusal.message));
  }
}

function answer(req: KafkaRequest, call: PolicyCall, body: ArrayBuffer): string {
  call.answered = true;
  req.respond(body);
  return "";
}

function forward(req: KafkaRequest, call: PolicyCall, body: ArrayBuffer): string {
  call.split = true;
  req.replaceBody(body);
  return "";
}

function text(s: string | null): string { return s == null ? "" : s; }

/** Config resources are keyed by type and name: a topic and a broker may share a name. */
export function resourceKey(type: i8, name: string): string { return type.toString() + "/" + name; }

function resourceType(key: string): i8 { return <i8>I32.parseInt(key.substring(0, key.indexOf("/"))); }
function resourceName(key: string): string { return key.substring(key.indexOf("/") + 1); }

function deleteKey(t: DeleteTopicsRequest_DeleteTopicState): string {
  const name = t.name;
  return name != null && name.length > 0 ? name : "id:" + topicIdHex(t.topicId);
}

function deleteResultMatches(key: string, t: DeleteTopicsResponse_DeletableTopicResult): bool {
  const name = t.name;
  if (key.startsWith("id:")) return key == "id:" + topicIdHex(t.topicId);
  return name != null && name == key;
}

function fillIds(results: Array<DeleteTopicsResponse_DeletableTopicResult>, call: PolicyCall): void {
  for (let i = 0; i < results.length; i++) {
    const t = results[i];
    const name = t.name;
    if (name == null || !name.startsWith("id:") || !call.ids.has(name)) continue;
    // A refused entry made from an id key: answered with the id, and the name when the proxy knows it.
    t.topicId = call.ids.get(name);
    t.name = call.idNames.has(name) ? call.idNames.get(name) : null;
  }
}

function createTopicRefused(key: string, refusal: Refusal): CreateTopicsResponse_CreatableTopicResult {
  const t = new CreateTopicsResponse_CreatableTopicResult();
  t.name = key;
  t.errorCode = refusal.code;
  t.errorMessage = refusal.message;
  return t;
}

function createPartitionsRefused(key: string, refusal: Refusal): CreatePartitionsResponse_CreatePartitionsTopicResult {
  const t = new CreatePartitionsResponse_CreatePartitionsTopicResult();
  t.name = key;
  t.errorCode = refusal.code;
  t.errorMessage = refusal.message;
  return t;
}

function alterConfigsRefused(key: string, refusal: Refusal): AlterConfigsResponse_AlterConfigsResourceResponse {
  const t = new AlterConfigsResponse_AlterConfigsResourceResponse();
  t.resourceType = resourceType(key);
  t.resourceName = resourceName(key);
  t.errorCode = refusal.code;
  t.errorMessage = refusal.message;
  return t;
}

function incrementalRefused(key: string, refusal: Refusal): IncrementalAlterConfigsResponse_AlterConfigsResourceResponse {
  const t = new IncrementalAlterConfigsResponse_AlterConfigsResourceResponse();
  t.resourceType = resourceType(key);
  t.resourceName = resourceName(key);
  t.errorCode = refusal.code;
  t.errorMessage = refusal.message;
  return t;
}

function deleteRefused(key: string, refusal: Refusal): DeleteTopicsResponse_DeletableTopicResult {
  const t = new DeleteTopicsResponse_DeletableTopicResult();
  // An id key is replaced by the id (and known name) in fillIds.
  t.name = key;
  t.errorCode = refusal.code;
  t.errorMessage = refusal.message;
  return t;
}
