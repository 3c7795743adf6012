// Produces lines from stdin with the Java producer inside transactions, for the record layer's
// end-to-end test (run as a single-file program: java -cp <kafka libs> TxProducer.java ...).
// args: bootstrap topic transactional.id compression.type commit|abort [batch]
// Each `batch` lines (default 50) are one transaction, committed or aborted as asked.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxProducer {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[2]);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, args[3]);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    boolean commit = args[4].equals("commit");
    int batch = args.length > 5 ? Integer.parseInt(args[5]) : 50;
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) if (!line.isEmpty()) lines.add(line);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      for (int i = 0; i < lines.size(); i += batch) {
        producer.beginTransaction();
        for (int j = i; j < Math.min(lines.size(), i + batch); j++) producer.send(new ProducerRecord<>(args[1], "k" + j, lines.get(j)));
        // Flushed first, so an aborted transaction's batches do reach the broker (abort alone drops unsent ones).
        producer.flush();
        if (commit) producer.commitTransaction(); else producer.abortTransaction();
      }
    }
    System.out.println("sent " + lines.size());
  }
}
