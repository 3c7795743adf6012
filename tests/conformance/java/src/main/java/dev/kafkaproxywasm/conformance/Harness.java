package dev.kafkaproxywasm.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;

/**
 * Reads JSON lines on stdin and answers one JSON line each on stdout, using Kafka's own
 * generated classes:
 *   {"id", "name": "ProduceRequest", "version", "json": {...}} → {"id", "hex", "json"}:
 *     the message built by Kafka's JSON converter, its bytes, and Kafka's JSON of them;
 *   {"id", "name", "version", "hex"} → {"id", "json"}: the bytes read back by Kafka.
 * Failures answer {"id", "error"}.
 */
public final class Harness {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode req = JSON.readTree(line);
      ObjectNode res = JSON.createObjectNode();
      res.set("id", req.get("id"));
      try {
        String name = req.get("name").asText();
        short version = (short) req.get("version").asInt();
        Class<?> data = Class.forName("org.apache.kafka.common.message." + name + "Data");
        Class<?> converter = Class.forName("org.apache.kafka.common.message." + name + "DataJsonConverter");
        Method write = converter.getMethod("write", data, short.class, boolean.class);
        Message message;
        if (req.has("json")) {
          message = (Message) converter.getMethod("read", JsonNode.class, short.class).invoke(null, req.get("json"), version);
          // size() then write(): the serialization path both 3.9 and 4.x share.
          ObjectSerializationCache cache = new ObjectSerializationCache();
          byte[] raw = new byte[message.size(cache, version)];
          message.write(new ByteBufferAccessor(ByteBuffer.wrap(raw)), cache, version);
          res.put("hex", HexFormat.of().formatHex(raw));
        } else {
          byte[] raw = HexFormat.of().parseHex(req.get("hex").asText());
          message = (Message) data.getConstructor(Readable.class, short.class).newInstance(new ByteBufferAccessor(ByteBuffer.wrap(raw)), version);
        }
        // serializeRecords=false: Kafka renders records as their size; the bytes are compared separately.
        res.set("json", (JsonNode) write.invoke(null, message, version, false));
      } catch (InvocationTargetException e) {
        res.put("error", String.valueOf(e.getCause()));
      } catch (Exception | LinkageError e) {
        res.put("error", String.valueOf(e));
      }
      out.println(JSON.writeValueAsString(res));
    }
    out.flush();
  }
}
