// The connection a record transform runs on: a KafkaConnection that holds only the frames the
// scope names (Produce requests, Fetch responses), learns topic names from Metadata, and hands
// each record to the transform. Every other frame streams through untouched.
import { KafkaConnection, Direction } from "../stream/kafka_connection";
import { KafkaRequest, KafkaResponse } from "../stream/messages";
import { InflightRequest } from "../stream/inflight";
import { SaslIdentity } from "../stream/sasl_identity";
import { TopicNames } from "../stream/topic_names";
import { streamWarnings } from "../stream/stream_metrics";
import { MalformedPolicy } from "../stream/config";
import { KafkaRoot } from "../stream/kafka_root";
import { Frame } from "../stream/frame_assembler";
import { BodyFilter, SHOW_MORE } from "../stream/body_filter";
import { RecordsSkimmer, SkimKind } from "../kafka/records_skimmer";
import { readProduceAcks } from "../kafka/produce_acks";
import { isKnownApi } from "../kafka/generated/api_table";
import { Reader } from "../kafka/wire/reader";
import { Writer } from "../kafka/wire/writer";
import { checkDecoded } from "../kafka/decode_error";
import { MetadataResponse } from "../kafka/generated/messages/metadata";
import { ProduceResponse } from "../kafka/generated/messages/produce";
import { connection } from "../proxywasm/properties";
import { RecordTransform } from "./record_transform";
import { PartitionRecords } from "./partition_records";
import { ProduceRecords } from "./produce_records";
import { ProduceStream } from "./produce_stream";
import { FetchRecords } from "./fetch_records";
import { FetchStream, fetchesHeldWhole } from "./fetch_stream";
import { ProduceAnswers } from "./produce_answers";
import { ClientInfo } from "./client_info";
import { recordMetrics } from "./record_metrics";

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
const METADATA: i16 = 3;
const SHARE_FETCH: i16 = 78;

export class RecordConnection extends KafkaConnection {
  private readonly identity: SaslIdentity = new SaslIdentity();
  private readonly produce: ProduceRecords;
  private readonly fetch: FetchRecords;
  private address: string | null = null;
  /** The ClientInfo the last request's records named (see client()). */
  private lastClient: ClientInfo | null = null;
  private readonly partitions: PartitionRecords;
  /** The last Produce request streamed, to learn from once it has passed. */
  private lastStream: ProduceStream | null = null;
  /** A streamed request had to be refused for a resend: this connection's requests are held whole from now on. */
  private holdProduce: bool = false;
  /** The last Fetch response streamed, and whether one had to be cut for a change of length (then held whole from now on). */
  private lastFetchStream: FetchStream | null = null;
  private holdFetch: bool = false;

  constructor(id: u32, root: KafkaRoot, readonly transform: RecordTransform, names: TopicNames) {
    super(id, root);
    const metrics = recordMetrics();
    const partitions = new PartitionRecords(transform, metrics);
    this.partitions = partitions;
    this.produce = new ProduceRecords(partitions, names, transform.scope, metrics);
    this.fetch = new FetchRecords(partitions, names, transform.scope, metrics);
  }

  wantsRequestBody(apiKey: i16, apiVersion: i16): bool {
    return (apiKey == PRODUCE && this.transform.scope.produce) || SaslIdentity.readsBody(apiKey);
  }

  wantsResponseBody(request: InflightRequest): bool {
    const k = request.apiKey;
    if (k == METADATA) return true; // topic ids to names
    if (k == PRODUCE) return request.userData != null; // partitions the layer answered, merged in
    // Share consumers' records too: a fetch-side plugin that missed them would let them pass unseen.
    if (k == FETCH || k == SHARE_FETCH) return this.transform.scope.fetch && this.transform.wantsFetchBy(this.client(request.clientId));
    return SaslIdentity.readsBody(k);
  }

  /**
   * A Produce request arriving across pieces is streamed batch by batch, not held whole, when it
   * can be resent (acks is not 0), its first batch is RecordBatch v2 without compression (a
   * producer compresses all or nothing, and an edit inside a compressed batch changes its length),
   * and no earlier request on this connection needed a change of length (see produce_stream.ts).
   */
  requestBodyFilter(apiKey: i16, apiVersion: i16, clientId: string | null, head: Frame, bodyAt: i32): BodyFilter | null {
    if (apiKey != PRODUCE || !this.transform.scope.produce || !isKnownApi(PRODUCE, apiVersion)) return null;
    this.learnFromStream();
    if (this.holdProduce) return null;
    const bodyLength = head.offset + head.length - bodyAt;
    const acks = readProduceAcks(new Reader(head.buffer, bodyAt, bodyLength), apiVersion);
    if (acks == i16.MIN_VALUE) return SHOW_MORE;
    if (acks == 0) return null;
    const skimmer = new RecordsSkimmer(SkimKind.ProduceRequest, apiVersion, false);
    skimmer.feed(head.buffer, bodyAt, bodyLength);
    const skim = skimmer.skim;
    if (skim.bad) return null;
    const first = skim.firstBatchAttributes;
    if (first == -1) return skimmer.done ? null : SHOW_MORE;
    if (first < 0 || (first & 7) != 0) return null;
    const stream = new ProduceStream(apiVersion, this.partitions, this.produce.names, this.transform.scope, recordMetrics(), this.client(clientId));
    this.lastStream = stream;
    return stream;
  }

  /**
   * A Fetch response arriving across pieces is streamed batch by batch, not held whole, when its
   * first batch is RecordBatch v2 without compression, and no earlier one on this connection (or
   * one on this VM that could not be cut) needed a change of length (see fetch_stream.ts). An edit
   * in a compressed batch changes its length, and a change of length in a partition's first batch
   * cannot be cut; topics are compressed all or nothing as a rule, so the first batch tells.
   */
  responseBodyFilter(request: InflightRequest, head: Frame): BodyFilter | null {
    if (request.apiKey != FETCH || !isKnownApi(FETCH, request.apiVersion)) return null;
    const last = this.lastFetchStream;
    this.lastFetchStream = null;
    if (last != null) {
      if (last.holdAsked) this.holdFetch = true;
      if (last.unseenReason.length > 0) streamWarnings().log("record layer: a fetch response went on unseen by the plugin: " + last.unseenReason);
    }
    if (this.holdFetch || fetchesHeldWhole()) return null;
    // Fed from after the correlation id, as the stream will be.
    const skimmer = new RecordsSkimmer(SkimKind.FetchResponse, request.apiVersion, true);
    skimmer.feed(head.buffer, head.offset + 8, head.length - 8);
    const skim = skimmer.skim;
    if (skim.bad) return null;
    const first = skim.firstBatchAttributes;
    if (first == -1) return skimmer.done ? null : SHOW_MORE;
    if (first < 0 || (first & 7) != 0) return null;
    const stream = new FetchStream(request.apiVersion, this.partitions, this.produce.names, this.transform.scope, recordMetrics(), this.client(request.clientId));
    this.lastFetchStream = stream;
    return stream;
  }

  /** What the last streamed request taught: hold from now on if it asked for a resend; log what went unseen. */
  private learnFromStream(): void {
    const last = this.lastStream;
    if (last == null) return;
    this.lastStream = null;
    if (last.resendAsked) this.holdProduce = true;
    if (last.unseenReason.length > 0) streamWarnings().log("record layer: a produce went on unseen by the plugin: " + last.unseenReason);
  }

  onRequest(req: KafkaRequest): void {
    if (req.known) this.identity.onRequest(req);
    if (req.apiKey != PRODUCE || !this.transform.scope.produce) return;
    // Streamed through a ProduceStream (requestBodyFilter): its records are handled as they pass.
    if (!req.hasBody) return;
    const p = this.produce;
    const answers = p.handle(req, this.client(req.clientId));
    recordMetrics().flush();
    if (p.unseenReason.length > 0) streamWarnings().log("record layer: a produce went on unseen by the plugin: " + p.unseenReason);
    if (p.closeReason.length > 0) { this.giveUp(Direction.Request, "record layer: " + p.closeReason, MalformedPolicy.Close); return; }
    const inflight = req.inflight;
    if (answers != null && inflight != null) inflight.userData = answers;
  }

  onResponse(resp: KafkaResponse): void {
    if (resp.known) this.identity.onResponse(resp);
    const k = resp.apiKey;
    if (k == METADATA) { this.learn(resp); return; }
    if (k == PRODUCE) {
      const answers = resp.request.userData;
      if (answers != null && answers instanceof ProduceAnswers) this.mergeAnswers(resp, changetype<ProduceAnswers>(answers));
      return;
    }
    if ((k != FETCH && k != SHARE_FETCH) || !resp.hasBody) return;
    const f = this.fetch;
    if (k == FETCH) f.handle(resp, this.client(resp.request.clientId));
    else f.handleShare(resp, this.client(resp.request.clientId));
    recordMetrics().flush();
    if (f.unseenReason.length > 0) streamWarnings().log("record layer: a fetch response went on unseen by the plugin: " + f.unseenReason);
    if (f.closeReason.length > 0) this.giveUp(Direction.Response, "record layer: " + f.closeReason, MalformedPolicy.Close);
  }

  /**
   * Who is on this connection, for the records of one request. Requests from the same client.id
   * and principal share one ClientInfo (the layer sets its fields once), so a connection makes
   * one, not one per request.
   */
  private client(clientId: string | null): ClientInfo {
    const id = clientId == null ? "" : clientId;
    const principal = this.identity.principal;
    const last = this.lastClient;
    if (last != null && last.clientId == id && last.principal == principal) return last;
    const c = new ClientInfo();
    c.clientId = id;
    c.principal = principal;
    if (this.address == null) {
      const got = connection.sourceAddress();
      this.address = got == null ? "" : got;
    }
    c.address = this.address as string;
    this.lastClient = c;
    return c;
  }

  private learn(resp: KafkaResponse): void {
    if (!resp.known || !resp.hasBody) return;
    const r = resp.body();
    const md = MetadataResponse.decodeFrom(r, resp.apiVersion);
    if (checkDecoded(r, "MetadataResponse", resp.apiVersion) == null) this.produce.names.learn(md);
  }

  /** The broker's produce response with the partitions the layer answered added. */
  private mergeAnswers(resp: KafkaResponse, answers: ProduceAnswers): void {
    const r = resp.body();
    const produce = ProduceResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "ProduceResponse", resp.apiVersion);
    if (err != null) { this.giveUp(Direction.Response, "record layer: " + err.toString(), this.config.onMalformed); return; }
    answers.mergeInto(produce);
    const w = Writer.sized(produce.size(resp.apiVersion));
    produce.encode(w, resp.apiVersion);
    resp.replaceBody(w.buffer);
  }
}
