// The stream layer's public API: Kafka-aware connections for Proxy-Wasm plugins.
export { KafkaConnection, Direction } from "./kafka_connection";
export { BodyFilter, SHOW_MORE } from "./body_filter";
export { OutputPlan } from "./output_plan";
export { KafkaRoot } from "./kafka_root";
export { KafkaRequest, KafkaResponse, buildResponseFrame } from "./messages";
export { StreamConfig, MalformedPolicy, parsePolicy } from "./config";
export { InflightRequest, InflightKind } from "./inflight";
export { Frame, FrameAssembler, FrameError } from "./frame_assembler";
export { TopicNames, topicIdHex } from "./topic_names";
export { SaslIdentity } from "./sasl_identity";
export { ProducePlan, ProducedPartition, ProduceDedupe } from "./produce_dedupe";
export { BrokerAddresses, HostPort, UnmappedPolicy, parseHostPort, readBrokerAddresses } from "./broker_addresses";
export { BrokerRewriter, RewriteOutcome } from "./broker_rewrite";
