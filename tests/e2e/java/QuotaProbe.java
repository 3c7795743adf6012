// Kafka's Java clients for the quota end-to-end test, one JSON line per result. Run with the
// source launcher against the broker's jars:
//   java -cp '<kafka libs>/*' QuotaProbe.java produce <bootstrap> <topic> <seconds> <valueBytes>
//     pushes records as fast as the producer takes them for <seconds>; prints sent, acknowledged,
//     errors and the producer's own produce-throttle-time-max.
//   java ... QuotaProbe.java fill <bootstrap> <topic> <bytes> <valueBytes>
//     writes about <bytes> of records and waits for every acknowledgement.
//   java ... QuotaProbe.java consume <bootstrap> <topic> <group> <seconds>
//     reads from the start for <seconds>, committing as it goes; prints records, bytes, errors and
//     the consumer's fetch-throttle-time-max.
//   java ... QuotaProbe.java watch <bootstrap> <seconds> <group> <topic>...
//     creates the topics if missing, then every 250 ms, straight from the broker: per topic its log end offset, its size on disk and
//     the group's committed offset, with the time in ms.
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class QuotaProbe {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce": produce(args[1], args[2], Long.parseLong(args[3]) * 1000, Integer.parseInt(args[4]), Long.MAX_VALUE); break;
      case "fill": produce(args[1], args[2], Long.MAX_VALUE, Integer.parseInt(args[4]), Long.parseLong(args[3])); break;
      case "consume": consume(args[1], args[2], args[3], Long.parseLong(args[4]) * 1000); break;
      case "watch": watch(args[1], Long.parseLong(args[2]) * 1000, args[3], Arrays.copyOfRange(args, 4, args.length)); break;
      default: throw new IllegalArgumentException(args[0]);
    }
  }

  static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    double max = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (!e.getKey().name().equals(name) || !e.getKey().tags().isEmpty() && e.getKey().tags().containsKey("node-id")) continue;
      Object v = e.getValue().metricValue();
      if (v instanceof Double && !((Double) v).isNaN() && (Double) v > max) max = (Double) v;
    }
    return max;
  }

  static void produce(String bootstrap, String topic, long millis, int valueBytes, long totalBytes) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "quota-producer-" + topic);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "180000");
    byte[] value = new byte[valueBytes];
    new Random(7).nextBytes(value);
    AtomicLong acked = new AtomicLong(), errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>(null);
    long sent = 0;
    double throttleMax = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      long end = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.currentTimeMillis() + millis;
      while (System.currentTimeMillis() < end && (long) sent * valueBytes < totalBytes) {
        producer.send(new ProducerRecord<>(topic, value), (md, e) -> {
          if (e == null) acked.incrementAndGet();
          else { errors.incrementAndGet(); firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage()); }
        });
        sent++;
        if ((sent & 63) == 0) throttleMax = Math.max(throttleMax, metric(producer.metrics(), "produce-throttle-time-max"));
      }
      producer.flush();
      throttleMax = Math.max(throttleMax, metric(producer.metrics(), "produce-throttle-time-max"));
    }
    System.out.println("{\"sent\":" + sent + ",\"acked\":" + acked.get() + ",\"errors\":" + errors.get() + ",\"firstError\":" + quote(firstError.get()) + ",\"throttleMaxMs\":" + throttleMax + "}");
  }

  static void consume(String bootstrap, String topic, String group, long millis) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "quota-consumer-" + topic);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    long records = 0, bytes = 0, errors = 0;
    String firstError = null;
    double throttleMax = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      long end = System.currentTimeMillis() + millis, lastCommit = 0;
      while (System.currentTimeMillis() < end) {
        try {
          ConsumerRecords<byte[], byte[]> got = consumer.poll(Duration.ofMillis(200));
          for (ConsumerRecord<byte[], byte[]> r : got) { records++; bytes += r.serializedValueSize(); }
          if (System.currentTimeMillis() - lastCommit >= 200) { consumer.commitSync(); lastCommit = System.currentTimeMillis(); }
          throttleMax = Math.max(throttleMax, metric(consumer.metrics(), "fetch-throttle-time-max"));
        } catch (KafkaException e) {
          errors++;
          if (firstError == null) firstError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
      }
      consumer.commitSync();
    }
    System.out.println("{\"records\":" + records + ",\"bytes\":" + bytes + ",\"errors\":" + errors + ",\"firstError\":" + quote(firstError) + ",\"throttleMaxMs\":" + throttleMax + "}");
  }

  static void watch(String bootstrap, long millis, String group, String[] topics) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      int broker = admin.describeCluster().nodes().get().iterator().next().id();
      // The topics exist before anyone writes (one partition each); one a client created first is fine.
      for (String t : topics) {
        try { admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get(); }
        catch (java.util.concurrent.ExecutionException e) { if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e; }
      }
      // A topic a client auto-created a moment ago may not be in this admin client's metadata yet
      // (listOffsets then fails with UnknownTopicOrPartition): wait until every one is, up to 30 s.
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (String t : topics) latest.put(new TopicPartition(t, 0), OffsetSpec.latest());
      for (int tries = 0; ; tries++) {
        try { admin.listOffsets(latest).all().get(); break; }
        catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) || tries >= 300) throw e;
          Thread.sleep(100);
        }
      }
      long end = System.currentTimeMillis() + millis;
      while (System.currentTimeMillis() < end) {
        long t0 = System.currentTimeMillis();
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (String t : topics) ask.put(new TopicPartition(t, 0), OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(ask).all().get();
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(broker)).allDescriptions().get().get(broker);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long t1 = System.currentTimeMillis();
        StringBuilder b = new StringBuilder("{\"t\":" + ((t0 + t1) / 2) + ",\"topics\":{");
        boolean first = true;
        for (String t : topics) {
          TopicPartition tp = new TopicPartition(t, 0);
          long size = 0;
          for (LogDirDescription d : dirs.values()) { ReplicaInfo ri = d.replicaInfos().get(tp); if (ri != null) size += ri.size(); }
          OffsetAndMetadata c = committed.get(tp);
          b.append(first ? "" : ",").append(quote(t)).append(":{\"end\":").append(ends.get(tp).offset()).append(",\"size\":").append(size).append(",\"committed\":").append(c == null ? -1 : c.offset()).append("}");
          first = false;
        }
        System.out.println(b.append("}}"));
        long sleep = 250 - (System.currentTimeMillis() - t0);
        if (sleep > 0) Thread.sleep(sleep);
      }
    }
  }

  static String quote(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
